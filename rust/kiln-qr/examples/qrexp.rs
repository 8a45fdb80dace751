//! Experiment harness: runs every candidate attempt on every image (IMAGE.txt holds
//! the expected payload) and prints per-attempt success counts, costs and a greedy
//! ordering. Usage: qrexp [--rot N] FILE...
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_qr::experimental::{run_attempt, Attempt, Detector, Method};
use kiln_qr::{load_luma, LumaBuf};
use std::path::Path;
use std::time::Instant;

fn rot(buf: LumaBuf, times: usize) -> LumaBuf {
    let mut b = buf;
    for _ in 0..times {
        b = b.rotated_cw();
    }
    b
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rots = 0;
    if args.first().map(|s| s == "--rot").unwrap_or(false) {
        rots = args[1].parse::<usize>().unwrap() / 90;
        args.drain(0..2);
    }
    let mut attempts = Vec::new();
    for smooth in [false] {
        for max_side in [3usize, 2, 0] {
            for method in [
                Method::MidRange,
                Method::BlockLocal,
                Method::WindowMean,
                Method::GlobalOtsu,
            ] {
                for invert in [false, true] {
                    for detector in [Detector::ZxCpp, Detector::Rqrr] {
                        attempts.push(Attempt {
                            max_side,
                            method,
                            invert,
                            detector,
                            smooth,
                        });
                    }
                }
            }
        }
    }
    attempts.retain(|a| {
        !(a.detector == Detector::RqrrOwn && (a.method != Method::MidRange || a.invert || a.smooth))
    });
    attempts.retain(|a| {
        !(a.smooth && (a.detector != Detector::ZxCpp || a.method == Method::GlobalOtsu))
    });
    let n = attempts.len();
    // ok[i][j], cost[i][j]
    let mut ok = Vec::new();
    let mut cost = Vec::new();
    for f in &args {
        let p = Path::new(f);
        let txt = std::fs::read(p.with_extension("txt")).unwrap();
        let txt = String::from_utf8_lossy(&txt).into_owned();
        let buf = rot(load_luma(&std::fs::read(p).unwrap()).unwrap(), rots);
        let view = buf.view().unwrap();
        let mut row_ok = vec![false; n];
        let mut row_cost = vec![0f64; n];
        for (j, at) in attempts.iter().enumerate() {
            let t = Instant::now();
            let r = run_attempt(&view, *at);
            row_cost[j] = t.elapsed().as_secs_f64() * 1000.0;
            row_ok[j] = r.contains(&txt);
        }
        eprintln!(
            "{f}: {}",
            row_ok
                .iter()
                .map(|&b| if b { '#' } else { '.' })
                .collect::<String>()
        );
        ok.push(row_ok);
        cost.push(row_cost);
    }
    let m = ok.len();
    if let Ok(path) = std::env::var("QREXP_DUMP") {
        let mut out = String::new();
        for (j, at) in attempts.iter().enumerate() {
            out.push_str(&format!("{:?}", at));
            for i in 0..m {
                out.push_str(&format!("\t{}:{:.3}", u8::from(ok[i][j]), cost[i][j]));
            }
            out.push('\n');
        }
        std::fs::write(path, out).unwrap();
    }
    println!("images: {m}");
    for j in 0..n {
        let c: usize = (0..m).filter(|&i| ok[i][j]).count();
        let mut cs: Vec<f64> = (0..m).map(|i| cost[i][j]).collect();
        cs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!(
            "{j:2} {:?} ok={c} med={:.1}ms p95={:.1}ms",
            attempts[j],
            cs[m / 2],
            cs[(m * 95 / 100).min(m - 1)]
        );
    }
    let union = (0..m).filter(|&i| ok[i].iter().any(|&b| b)).count();
    println!("union: {union}");
    // greedy: maximise new successes per unit median cost
    let mut covered = vec![false; m];
    let mut chosen = Vec::new();
    loop {
        let mut best = None;
        let mut best_score = 0.0;
        for j in 0..n {
            if chosen.contains(&j) {
                continue;
            }
            let gain = (0..m).filter(|&i| !covered[i] && ok[i][j]).count();
            if gain == 0 {
                continue;
            }
            let tc: f64 = (0..m).filter(|&i| !covered[i]).map(|i| cost[i][j]).sum();
            let score = gain as f64 / (tc + 1.0);
            if score > best_score {
                best_score = score;
                best = Some((j, gain));
            }
        }
        let Some((j, gain)) = best else { break };
        chosen.push(j);
        for i in 0..m {
            if ok[i][j] {
                covered[i] = true;
            }
        }
        println!("greedy +{gain}: {j} {:?}", attempts[j]);
    }
}
