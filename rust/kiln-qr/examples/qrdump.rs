//! Debug helper: writes the binarised plane of FILE as a PGM (method index 0..2).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let buf = kiln_qr::load_luma(&std::fs::read(&a[1]).unwrap()).unwrap();
    let m = kiln_qr::experimental::binarize_for_debug(&buf.view().unwrap(), a[2].parse().unwrap());
    let mut out = format!("P5 {} {} 255\n", buf.width, buf.height).into_bytes();
    out.extend(m);
    std::fs::write(&a[3], out).unwrap();
}
