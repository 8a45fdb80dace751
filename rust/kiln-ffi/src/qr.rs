//! QR decoding of camera frames over the boundary: thin adapters over `kiln_qr`.
//!
//! A frame is an 8-bit luminance plane (Android `ImageReader` `YUV_420_888`, plane 0)
//! whose rows start `row_stride` bytes apart (`Image.Plane.getRowStride()`, often wider
//! than the image). Call on the camera's analysis thread: a frame takes up to about the
//! default budget of `kiln_qr::FRAME_BUDGET` (50 ms), plus at most one attempt.

use crate::seed::{from_core, SeedInput};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// Test-only (feature `testing`): the QR payloads in a luminance plane, as text
/// (usually one; empty: no QR code seen), for corpus checks. Impossible dimensions
/// (stride below width, buffer too short, too small or too large a frame) → `BadInput`.
/// The app never gets payload text: it calls [`QrScanner::scan_frame`] or [`scan_image`].
#[cfg(feature = "testing")]
#[uniffi::export]
pub fn decode_luma(
    data: Vec<u8>,
    width: u32,
    height: u32,
    row_stride: u32,
) -> Result<Vec<String>, crate::KilnError> {
    let data = Zeroizing::new(data);
    kiln_qr::decode_luma(&data, width, height, row_stride, None)
        .map_err(crate::KilnError::bad_input)
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
