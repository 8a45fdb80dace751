//! Benchmark driver for "QR code in view but unreadable": runs `scan_luma` (camera
//! frame budget) on every image of each SET and prints one table row per set:
//! how many frames decoded, were reported as seen-but-unreadable (by advice), or as
//! empty, and the time per frame of `scan_luma` next to `decode_luma` on the frames
//! that did not decode (the cost of the extra locate pass).
//!
//! Usage: qrsight NAME=DIR [NAME=DIR ...]   (PNG/JPEG/WebP files in each DIR and below)
//! QRSIGHT_VERBOSE=1 also prints each sighting (file, module size, dimension).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_qr::{decode_luma, load_luma, scan_luma, Frame, Hint, FRAME_BUDGET};
use std::time::Instant;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// The images in `dir` and its subdirectories.
fn images(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(images(&p));
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("png" | "jpg" | "jpeg" | "webp")
        ) {
            out.push(p);
        }
    }
    out
}

fn main() {
    println!("| set | frames | decoded | seen, move closer | seen, hold steady | empty | undecoded frames: decode_luma median / p95 ms | scan_luma median / p95 ms |");
    println!("|---|---|---|---|---|---|---|---|");
    for arg in std::env::args().skip(1) {
        let (name, dir) = arg.split_once('=').expect("NAME=DIR");
        let mut files = images(std::path::Path::new(dir));
        files.sort();
        let (mut decoded, mut closer, mut steady, mut empty) = (0, 0, 0, 0);
        let (mut t_decode, mut t_scan) = (Vec::new(), Vec::new());
        for f in &files {
            let buf = load_luma(&std::fs::read(f).unwrap()).unwrap();
            let (w, h) = (buf.width as u32, buf.height as u32);
            let t = Instant::now();
            let frame = scan_luma(&buf.data, w, h, w, Some(FRAME_BUDGET)).unwrap();
            let scan_ms = t.elapsed().as_secs_f64() * 1e3;
            match frame {
                Frame::Decoded(_) => decoded += 1,
                Frame::Unreadable(s) => {
                    if std::env::var_os("QRSIGHT_VERBOSE").is_some() {
                        eprintln!("{name} {} {s:?}", f.display());
                    }
                    match s.hint() {
                        Hint::MoveCloser => closer += 1,
                        Hint::HoldSteady => steady += 1,
                    }
                }
                Frame::Empty => empty += 1,
            }
            if !matches!(frame, Frame::Decoded(_)) {
                let t = Instant::now();
                let _ = decode_luma(&buf.data, w, h, w, Some(FRAME_BUDGET)).unwrap();
                t_decode.push(t.elapsed().as_secs_f64() * 1e3);
                t_scan.push(scan_ms);
            }
        }
        t_decode.sort_by(f64::total_cmp);
        t_scan.sort_by(f64::total_cmp);
        println!(
            "| {name} | {} | {decoded} | {closer} | {steady} | {empty} | {:.1} / {:.1} | {:.1} / {:.1} |",
            files.len(),
            pct(&t_decode, 0.5),
            pct(&t_decode, 0.95),
            pct(&t_scan, 0.5),
            pct(&t_scan, 0.95),
        );
    }
}
