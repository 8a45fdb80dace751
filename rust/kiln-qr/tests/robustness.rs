//! Hostile inputs: every one must come back as an error (or an empty result), fast,
//! without panicking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_qr::{decode_image_bytes, decode_luma, QrError};
use proptest::prelude::*;
use std::time::{Duration, Instant};

fn png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new(&mut out);
    image::ImageEncoder::write_image(enc, pixels, width, height, image::ExtendedColorType::L8)
        .unwrap();
    out
}

/// A syntactically valid PNG start (signature, IHDR, one small IDAT, correct CRCs)
/// claiming `width`×`height`: a decompression bomb's shape without its payload.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc.to_be_bytes());
    let mut idat = b"IDAT".to_vec();
    idat.extend_from_slice(&[0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00]);
    out.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    out.extend_from_slice(&idat);
    out.extend_from_slice(&crc32(&idat).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn random_bytes_are_refused() {
    let mut x = 0x1234_5678u32;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    assert_eq!(decode_image_bytes(&bytes), Err(QrError::UnsupportedFormat));
    assert_eq!(decode_image_bytes(&[]), Err(QrError::UnsupportedFormat));
}

#[test]
fn one_pixel_image_is_too_small() {
    let err = decode_image_bytes(&png(1, 1, &[0])).unwrap_err();
    assert_eq!(
        err,
        QrError::TooSmall {
            width: 1,
            height: 1
        }
    );
    assert!(matches!(
        decode_luma(&[0], 1, 1, 1, None),
        Err(QrError::TooSmall { .. })
    ));
}

#[test]
fn huge_header_is_refused_before_decoding() {
    let start = Instant::now();
    let err = decode_image_bytes(&png_header_only(20000, 20000)).unwrap_err();
    assert_eq!(
        err,
        QrError::TooLarge {
            width: 20000,
            height: 20000
        }
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn truncated_file_is_an_error() {
    let pixels: Vec<u8> = (0..64 * 64).map(|i| (i * 7 % 256) as u8).collect();
    let full = png(64, 64, &pixels);
    assert!(decode_image_bytes(&full).is_ok());
    for cut in [8, 20, 40, full.len() / 2, full.len() - 13] {
        let r = decode_image_bytes(&full[..cut]);
        assert!(
            matches!(r, Err(QrError::BadImage(_))),
            "cut at {cut}: {r:?}"
        );
    }
}

#[test]
fn stride_smaller_than_width_is_refused() {
    let data = vec![255u8; 100 * 100];
    assert_eq!(
        decode_luma(&data, 100, 100, 99, None),
        Err(QrError::BadStride {
            width: 100,
            stride: 99
        })
    );
}

#[test]
fn stride_larger_than_width_is_accepted() {
    // 100 rows of 100 white pixels, 128 bytes apart; last row unpadded.
    let data = vec![255u8; 128 * 99 + 100];
    assert_eq!(decode_luma(&data, 100, 100, 128, None), Ok(Vec::new()));
}

#[test]
fn buffer_too_short_is_refused() {
    let data = vec![0u8; 100 * 100 - 1];
    assert_eq!(
        decode_luma(&data, 100, 100, 100, None),
        Err(QrError::BufferTooShort {
            needed: 10000,
            got: 9999
        })
    );
    let data = vec![0u8; 128 * 99 + 99];
    assert!(matches!(
        decode_luma(&data, 100, 100, 128, None),
        Err(QrError::BufferTooShort { .. })
    ));
}

#[test]
fn absurd_dimensions_do_not_overflow() {
    assert!(matches!(
        decode_luma(&[0; 16], u32::MAX, u32::MAX, u32::MAX, None),
        Err(QrError::TooLarge { .. })
    ));
    assert!(matches!(
        decode_luma(&[0; 16], 30, 30, u32::MAX, None),
        Err(QrError::BufferTooShort { .. })
    ));
}

#[test]
fn noise_frame_returns_within_budget() {
    let (w, h) = (640usize, 480usize);
    let mut x = 0x9e37_79b9u32;
    let data: Vec<u8> = (0..w * h)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    let budget = Duration::from_millis(30);
    let start = Instant::now();
    let r = decode_luma(&data, w as u32, h as u32, w as u32, Some(budget)).unwrap();
    assert!(r.is_empty());
    // Attempts are atomic: allow one attempt of overrun (generous for debug builds).
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn decode_luma_never_panics(
        width in 0u32..90,
        height in 0u32..90,
        pad in 0u32..8,
        data in proptest::collection::vec(any::<u8>(), 0..9000),
    ) {
        let stride = width.saturating_add(pad);
        match decode_luma(&data, width, height, stride, Some(Duration::from_millis(20))) {
            Ok(_) => {
                prop_assert!(width >= kiln_qr::MIN_SIDE && height >= kiln_qr::MIN_SIDE);
                prop_assert!(data.len() as u64 >= u64::from(stride) * u64::from(height - 1) + u64::from(width));
            }
            Err(QrError::TooSmall { .. }) => prop_assert!(width < kiln_qr::MIN_SIDE || height < kiln_qr::MIN_SIDE),
            Err(QrError::BufferTooShort { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
    }

    #[test]
    fn decode_image_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_image_bytes(&data);
    }
}

#[test]
fn window_mean_on_a_17_megapixel_white_frame_does_not_overflow() {
    // 255 * 17.2 M > u32::MAX: the integral image must wrap, not panic (debug builds).
    let (w, h) = (4200u32, 4100u32);
    let data = vec![255u8; (w * h) as usize];
    let view = kiln_qr::LumaView::new(&data, w, h, w).unwrap();
    assert!(kiln_qr::experimental::binarize_only(&view, 1));
}
