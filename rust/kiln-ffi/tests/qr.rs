//! The QR adapters on blank and malformed frames (the decoder itself is tested in
//! kiln-qr): what the app calls (`QrScanner::scan_frame`, `scan_image`) and, with the
//! `testing` feature, the raw payload decoder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kiln_ffi::{scan_image, FrameScan, ImageScan, QrScanner, SeedInput};

/// The seed input a fresh scanner finds in one frame (`None`: none found).
fn found(data: Vec<u8>, width: u32, height: u32, row_stride: u32) -> Option<SeedInput> {
    match QrScanner::new().scan_frame(data, width, height, row_stride, 0) {
        FrameScan::Found { input } => Some(input),
        FrameScan::Looking { .. } => None,
    }
}

#[test]
fn blank_and_impossible_frames_hold_no_seed() {
    let blank = vec![0x80u8; 200 * 200];
    assert!(found(blank.clone(), 200, 200, 200).is_none());
    assert!(found(blank, 200, 200, 100).is_none());
}

#[cfg(feature = "testing")]
#[test]
fn blank_frames_decode_to_nothing_and_bad_frames_are_bad_input() {
    use kiln_ffi::{decode_luma, KilnError};
    let blank = vec![0x80u8; 200 * 200];
    assert!(decode_luma(blank.clone(), 200, 200, 200)
        .unwrap()
        .is_empty());
    match decode_luma(blank, 200, 200, 100) {
        Err(KilnError::BadInput { user_message }) => {
            assert!(user_message.contains("stride"), "{user_message}");
            assert!(user_message.ends_with('.'));
        }
        other => panic!("expected BadInput, got {other:?}"),
    }
    assert!(matches!(
        decode_luma(vec![0; 10], 200, 200, 200),
        Err(KilnError::BadInput { .. })
    ));
}

#[test]
fn scanner_without_a_code_keeps_looking_without_a_message() {
    let scanner = QrScanner::new();
    let blank = vec![0x80u8; 200 * 200];
    for (i, stride) in [200u32, 100, 200].into_iter().enumerate() {
        // the middle frame has an impossible stride: logged, treated as empty
        match scanner.scan_frame(blank.clone(), 200, 200, stride, i as u64 * 1000) {
            FrameScan::Looking { unreadable } => assert_eq!(unreadable, None),
            FrameScan::Found { .. } => panic!("found a code in a blank frame"),
        }
    }
}

#[test]
fn a_blank_or_impossible_image_holds_no_code() {
    let blank = vec![0xFFu8; 300 * 200];
    assert!(matches!(
        scan_image(blank.clone(), 300, 200, 300),
        ImageScan::NoCode
    ));
    assert!(matches!(scan_image(blank, 300, 200, 10), ImageScan::NoCode));
}
