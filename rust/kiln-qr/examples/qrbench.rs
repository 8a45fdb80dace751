//! Benchmark driver: decodes each FILE (rotated clockwise by --rot degrees) with the
//! production pipeline and prints one JSON line per file:
//! {"file": ..., "payloads": [...], "decode_ms": ...} — decode time excludes loading
//! and rotating. `--frame` uses the camera-frame budget via `decode_luma`, otherwise
//! the file budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_qr::{decode_luma, load_luma, FILE_BUDGET, FRAME_BUDGET};
use std::time::Instant;

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn main() {
    let mut rot = 0;
    let mut frame = false;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rot" => rot = args.next().unwrap().parse::<usize>().unwrap() / 90,
            "--frame" => frame = true,
            _ => files.push(a),
        }
    }
    let budget = if frame { FRAME_BUDGET } else { FILE_BUDGET };
    for f in files {
        let mut buf = load_luma(&std::fs::read(&f).unwrap()).unwrap();
        for _ in 0..rot {
            buf = buf.rotated_cw();
        }
        let t = Instant::now();
        let r = decode_luma(
            &buf.data,
            buf.width as u32,
            buf.height as u32,
            buf.width as u32,
            Some(budget),
        )
        .unwrap_or_default();
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let p: Vec<String> = r.iter().map(|s| json_str(s)).collect();
        println!(
            "{{\"file\": {}, \"payloads\": [{}], \"decode_ms\": {:.3}}}",
            json_str(&f),
            p.join(", "),
            ms
        );
    }
}
