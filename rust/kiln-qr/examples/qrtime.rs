//! Micro-timing of the preprocessing stages on one frame (ms per call).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
use kiln_qr::experimental::{
    binarize_only as binarize_for_debug, run_attempt, Attempt, Detector, Method,
};
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let buf = kiln_qr::load_luma(&std::fs::read(&a[1]).unwrap()).unwrap();
    let v = buf.view().unwrap();
    for (name, m) in [
        ("midrange", 3usize),
        ("block", 0),
        ("window", 1),
        ("otsu", 2),
    ] {
        let t = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(binarize_for_debug(&v, m));
        }
        println!(
            "{name} binarize+unpack: {:.2} ms",
            t.elapsed().as_secs_f64() * 50.0
        );
    }
    for at in [
        Attempt {
            max_side: 0,
            method: Method::MidRange,
            invert: false,
            detector: Detector::ZxCpp,
            smooth: false,
        },
        Attempt {
            max_side: 0,
            method: Method::GlobalOtsu,
            invert: false,
            detector: Detector::ZxCpp,
            smooth: false,
        },
        Attempt {
            max_side: 500,
            method: Method::MidRange,
            invert: false,
            detector: Detector::ZxCpp,
            smooth: false,
        },
    ] {
        let t = Instant::now();
        for _ in 0..20 {
            std::hint::black_box(run_attempt(&v, at));
        }
        println!("{at:?}: {:.2} ms", t.elapsed().as_secs_f64() * 50.0);
    }
}
