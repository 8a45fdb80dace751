//! QR decoding of camera frames over the boundary: thin adapters over `kiln_qr`.
//!
//! A frame is an 8-bit luminance plane (Android `ImageReader` `YUV_420_888`, plane 0)
//! whose rows start `row_stride` bytes apart (`Image.Plane.getRowStride()`, often wider
//! than the image). Call on the camera's analysis thread: a frame takes up to about the
//! default budget of `kiln_qr::FRAME_BUDGET` (50 ms), plus at most one attempt.

use crate::error::KilnError;
use crate::seed::{from_core, SeedInput};
use zeroize::Zeroizing;

/// The QR payloads in a luminance plane (usually one; empty: no QR code seen).
/// Impossible dimensions (stride below width, buffer too short, too small or too
/// large a frame) → `BadInput`.
#[uniffi::export]
pub fn decode_luma(
    data: Vec<u8>,
    width: u32,
    height: u32,
    row_stride: u32,
) -> Result<Vec<String>, KilnError> {
    // The frame may show a seed's QR code.
    let data = Zeroizing::new(data);
    kiln_qr::decode_luma(&data, width, height, row_stride, None).map_err(KilnError::bad_input)
}

/// Decodes the frame and reads the first payload as seed input (`parse_seed_input`).
/// `None`: no QR code seen (or a frame with impossible dimensions, which is logged).
/// The payload text is zeroized after parsing; it never reaches Kotlin.
#[uniffi::export]
pub fn scan_luma(data: Vec<u8>, width: u32, height: u32, row_stride: u32) -> Option<SeedInput> {
    let data = Zeroizing::new(data);
    let payloads = match kiln_qr::decode_luma(&data, width, height, row_stride, None) {
        Ok(p) => p,
        Err(e) => {
            log::warn!("scan_luma: unusable frame: {e}");
            return None;
        }
    };
    let payloads: Vec<Zeroizing<String>> = payloads.into_iter().map(Zeroizing::new).collect();
    let first = payloads.first()?;
    Some(from_core(kiln_core::seed::parse_input(first)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn blank_frames_decode_to_nothing_and_bad_frames_are_bad_input() {
        let blank = vec![0x80u8; 200 * 200];
        assert!(decode_luma(blank.clone(), 200, 200, 200)
            .unwrap()
            .is_empty());
        assert!(scan_luma(blank.clone(), 200, 200, 200).is_none());
        match decode_luma(blank.clone(), 200, 200, 100) {
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
        assert!(scan_luma(blank, 200, 200, 100).is_none());
    }
}
