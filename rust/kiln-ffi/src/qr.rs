//! QR decoding of camera frames over the boundary: thin adapters over `kiln_qr`.
//!
//! A frame is an 8-bit luminance plane (Android `ImageReader` `YUV_420_888`, plane 0)
//! whose rows start `row_stride` bytes apart (`Image.Plane.getRowStride()`, often wider
//! than the image). Call on the camera's analysis thread: a frame takes up to about the
//! default budget of `kiln_qr::FRAME_BUDGET` (50 ms), plus at most one attempt.

use crate::error::KilnError;
use crate::seed::{from_core, SeedInput};
use std::sync::Mutex;
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
    first_seed_input(payloads)
}

/// The first payload read as seed input; every payload text is zeroized here.
fn first_seed_input(payloads: Vec<String>) -> Option<SeedInput> {
    let payloads: Vec<Zeroizing<String>> = payloads.into_iter().map(Zeroizing::new).collect();
    let first = payloads.first()?;
    Some(from_core(kiln_core::seed::parse_input(first)))
}

/// What a still image (a shared screenshot or photo) holds.
#[derive(uniffi::Enum)]
pub enum ImageScan {
    /// A code decoded: its first payload, read as seed input.
    Found { input: SeedInput },
    /// A QR code is visible but does not decode, with advice.
    Unreadable { hint: UnreadableHint },
    /// No QR code (or an image with impossible dimensions, which is logged).
    NoCode,
}

/// Examines a still image's luminance plane with the file budget (`kiln_qr::FILE_BUDGET`,
/// 2 s): a code, a visible but unreadable code, or none. Call off the UI thread.
#[uniffi::export]
pub fn scan_image(data: Vec<u8>, width: u32, height: u32, row_stride: u32) -> ImageScan {
    let data = Zeroizing::new(data);
    match kiln_qr::scan_luma(&data, width, height, row_stride, Some(kiln_qr::FILE_BUDGET)) {
        Ok(kiln_qr::Frame::Decoded(payloads)) => match first_seed_input(payloads) {
            Some(input) => ImageScan::Found { input },
            None => ImageScan::NoCode,
        },
        Ok(kiln_qr::Frame::Unreadable(s)) => ImageScan::Unreadable {
            hint: s.hint().into(),
        },
        Ok(kiln_qr::Frame::Empty) => ImageScan::NoCode,
        Err(e) => {
            log::warn!("scan_image: unusable image: {e}");
            ImageScan::NoCode
        }
    }
}

/// Advice for a QR code that is in view but does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum UnreadableHint {
    /// The code's modules are only a pixel or two wide: move closer or zoom in.
    MoveCloser,
    /// Big enough but unreadable (blur, glare, damage): hold steady, more light.
    HoldSteady,
}

impl From<kiln_qr::Hint> for UnreadableHint {
    fn from(h: kiln_qr::Hint) -> Self {
        match h {
            kiln_qr::Hint::MoveCloser => UnreadableHint::MoveCloser,
            kiln_qr::Hint::HoldSteady => UnreadableHint::HoldSteady,
        }
    }
}

/// What the live preview should do after one frame.
#[derive(uniffi::Enum)]
pub enum FrameScan {
    /// A code decoded: its first payload, read as seed input (the text itself never
    /// crosses the boundary).
    Found { input: SeedInput },
    /// Still looking. `unreadable`: the message to show now ("a QR code is in view
    /// but cannot be read", with advice), already steadied over recent frames;
    /// `None`: no message.
    Looking { unreadable: Option<UnreadableHint> },
}

/// The camera preview's scanner: decodes each frame and keeps the "in view but
/// unreadable" message steady across frames (shown after sightings without a decode
/// have lasted `kiln_qr::SHOW_AFTER_MS`, kept until none for `kiln_qr::KEEP_MS`).
/// One per preview; frames may come from any one thread at a time.
#[derive(uniffi::Object)]
pub struct QrScanner {
    feedback: Mutex<kiln_qr::UnreadableFeedback>,
}

#[uniffi::export]
impl QrScanner {
    #[uniffi::constructor]
    pub fn new() -> Self {
        QrScanner {
            feedback: Mutex::new(kiln_qr::UnreadableFeedback::new()),
        }
    }

    /// Examines one frame taken at `now_ms` (any monotonic clock in milliseconds,
    /// e.g. `SystemClock.elapsedRealtime()`). Takes up to about the frame budget plus
    /// one locate pass; call on the camera's analysis thread. A frame with impossible
    /// dimensions counts as a frame without a code (and is logged).
    pub fn scan_frame(
        &self,
        data: Vec<u8>,
        width: u32,
        height: u32,
        row_stride: u32,
        now_ms: u64,
    ) -> FrameScan {
        let data = Zeroizing::new(data);
        let frame = match kiln_qr::scan_luma(&data, width, height, row_stride, None) {
            Ok(f) => f,
            Err(e) => {
                log::warn!("scan_frame: unusable frame: {e}");
                kiln_qr::Frame::Empty
            }
        };
        let shown = match self.feedback.lock() {
            Ok(mut f) => f.observe(now_ms, &frame),
            Err(poisoned) => poisoned.into_inner().observe(now_ms, &frame),
        };
        match frame {
            kiln_qr::Frame::Decoded(payloads) => match first_seed_input(payloads) {
                Some(input) => FrameScan::Found { input },
                None => FrameScan::Looking { unreadable: None },
            },
            _ => FrameScan::Looking {
                unreadable: shown.map(UnreadableHint::from),
            },
        }
    }
}

impl Default for QrScanner {
    fn default() -> Self {
        Self::new()
    }
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
}
