//! QR decoding for tokenkiln: camera luminance planes (Android `YUV_420_888` Y plane,
//! row stride honoured) and image files (PNG, JPEG, WebP).
//!
//! The pipeline (see `docs/qr.md`) runs a fixed list of cheap-to-expensive attempts —
//! each a (scale, binariser, polarity, detector) combination — and stops at the first
//! attempt that decodes something, or when the time budget is spent. Third-party
//! decoder panics are contained; every input error is a [`QrError`].
//!
//! Payload text: byte-mode data is interpreted like ZXing does (ECI if present,
//! otherwise UTF-8 when valid, else a Shift_JIS / ISO-8859-1 guess), so the returned
//! `String` is the exact text, line breaks (`\r\n`) included.

mod binarize;
mod feedback;
mod image_file;
mod luma;
mod pipeline;
mod sighting;

use std::time::Duration;

pub use feedback::{UnreadableFeedback, KEEP_MS, SHOW_AFTER_MS};
pub use image_file::{decode_image_bytes, decode_image_bytes_with_budget, load_luma, MAX_SIDE};
pub use luma::{LumaBuf, LumaView, MAX_PIXELS, MIN_SIDE};
pub use sighting::{Hint, Sighting, SMALL_MODULE_PX};

/// Default time budget for a camera frame: enough for the fast attempts at 720p on a
/// mid-range phone while keeping the preview live.
pub const FRAME_BUDGET: Duration = Duration::from_millis(50);

/// Default time budget for an image file (desktop CLI).
pub const FILE_BUDGET: Duration = Duration::from_millis(2000);

/// Why a frame or file could not be examined. "No QR code found" is not an error:
/// the decode functions then return an empty list.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QrError {
    #[error("image is {width}x{height} pixels: too small to hold a QR code (at least {MIN_SIDE}x{MIN_SIDE})")]
    TooSmall { width: u32, height: u32 },
    #[error("image is {width}x{height} pixels: too large (limit {MAX_PIXELS} pixels, {MAX_SIDE} per side); crop or scale it down")]
    TooLarge { width: u32, height: u32 },
    #[error("row stride {stride} is smaller than the width {width}")]
    BadStride { width: u32, stride: u32 },
    #[error("luminance buffer holds {got} bytes but the dimensions need {needed}")]
    BufferTooShort { needed: usize, got: usize },
    #[error("not a PNG, JPEG or WebP image")]
    UnsupportedFormat,
    #[error("the image file is damaged or truncated: {0}")]
    BadImage(String),
}

/// Decodes the QR codes in an 8-bit luminance plane of `width`×`height` pixels whose
/// rows start `row_stride` bytes apart (the last row may omit its padding). The plane
/// is read in place, not copied.
///
/// `budget` bounds the time spent (default [`FRAME_BUDGET`]); attempts are atomic, so
/// the call may overrun the budget by at most one attempt. Returns the distinct payload
/// texts found (usually one), or an empty list if none decoded.
pub fn decode_luma(
    data: &[u8],
    width: u32,
    height: u32,
    row_stride: u32,
    budget: Option<Duration>,
) -> Result<Vec<String>, QrError> {
    let view = LumaView::new(data, width, height, row_stride)?;
    Ok(pipeline::decode(&view, budget.unwrap_or(FRAME_BUDGET)))
}

/// What one camera frame showed.
pub enum Frame {
    /// The distinct payload texts decoded (at least one). Secret material: the
    /// `Debug` output shows only how many there are.
    Decoded(Vec<String>),
    /// A QR code's finder patterns are in view, but the code did not decode.
    Unreadable(Sighting),
    /// No QR code found.
    Empty,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Frame::Decoded(p) => write!(f, "Decoded({} payload(s), redacted)", p.len()),
            Frame::Unreadable(s) => f.debug_tuple("Unreadable").field(s).finish(),
            Frame::Empty => f.write_str("Empty"),
        }
    }
}

/// Like [`decode_luma`], but when nothing decodes it also tells whether a QR code is
/// in view ([`Frame::Unreadable`], with advice in [`Sighting::hint`]). That costs one
/// more pass over the frame (about one cheap attempt), after the budget.
/// For a live preview, feed the results to an [`UnreadableFeedback`].
pub fn scan_luma(
    data: &[u8],
    width: u32,
    height: u32,
    row_stride: u32,
    budget: Option<Duration>,
) -> Result<Frame, QrError> {
    let view = LumaView::new(data, width, height, row_stride)?;
    Ok(pipeline::scan(&view, budget.unwrap_or(FRAME_BUDGET)))
}

/// Internal knobs exposed for the benchmark and experiment binaries only; not a stable API.
#[doc(hidden)]
pub mod experimental {
    pub use crate::binarize::{binarize_for_debug, binarize_only, Method};
    pub use crate::pipeline::{run_attempt, Attempt, Detector, CROP, CROP3, PIPELINE, UPSCALE};
}
