//! QR scanning over the boundary (`kiln_qr`). A frame is an 8-bit luminance plane
//! (`YUV_420_888` plane 0) whose rows start `row_stride` bytes apart. Payload text is
//! parsed here and zeroized: it never reaches Kotlin (but for test-only `decode_luma`).

use crate::seed::{from_core, SeedInput};
use kiln_qr::Frame;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use zeroize::Zeroizing;

/// Test-only (feature `testing`): the QR payloads in a plane as text (empty: no QR
/// code seen), for corpus checks. Impossible dimensions → `BadInput`.
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

/// `text` as an age X25519 public key (`age1…`, lower case), or `None`.
fn age_public_key(text: &str) -> Option<String> {
    let t = text.trim();
    if !t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("age1")) {
        return None;
    }
    let key = t.to_ascii_lowercase();
    kiln_fleet::Encryptor::to_recipients([key.as_str()])
        .ok()
        .map(|_| key)
}

/// Scans a plane (zeroized afterwards); impossible dimensions are logged and count as
/// a plane without a code.
fn scan(data: Vec<u8>, (w, h, stride): (u32, u32, u32), budget: Option<Duration>) -> Frame {
    let data = Zeroizing::new(data);
    kiln_qr::scan_luma(&data, w, h, stride, budget).unwrap_or_else(|e| {
        log::warn!("QR scan: unusable plane: {e}");
        Frame::Empty
    })
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
    let size = (width, height, row_stride);
    match scan(data, size, Some(kiln_qr::FILE_BUDGET)) {
        Frame::Decoded(payloads) => {
            first_seed_input(payloads).map_or(ImageScan::NoCode, |input| ImageScan::Found { input })
        }
        Frame::Unreadable(s) => ImageScan::Unreadable {
            hint: s.hint().into(),
        },
        Frame::Empty => ImageScan::NoCode,
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
    /// A code decoded: its first payload, read as seed input.
    Found { input: SeedInput },
    /// Still looking; `unreadable`: the steadied "QR code in view but unreadable"
    /// advice to show now (`None`: no message).
    Looking { unreadable: Option<UnreadableHint> },
}

/// The camera preview's scanner: decodes each frame and keeps the "in view but
/// unreadable" message steady across frames (`kiln_qr::UnreadableFeedback`). One per
/// preview; frames may come from any one thread at a time.
#[derive(Default, uniffi::Object)]
pub struct QrScanner {
    feedback: Mutex<kiln_qr::UnreadableFeedback>,
}

#[uniffi::export]
impl QrScanner {
    #[uniffi::constructor]
    pub fn new() -> Self {
        Self::default()
    }

    /// Examines one frame taken at `now_ms` (a monotonic clock, e.g.
    /// `SystemClock.elapsedRealtime()`), in about `kiln_qr::FRAME_BUDGET` (50 ms) plus
    /// one locate pass: call on the camera's analysis thread. Never throws.
    /// The admin's age public key (`age1…`) for a batch export, if one is in the frame
    /// (`kiln_fleet` checks it as an age X25519 public key). Only a public key is ever
    /// returned: any other code (a seed, say) is dropped unread and its text wiped. Call on
    /// the camera's analysis thread. Never throws.
    pub fn scan_recipient(
        &self,
        data: Vec<u8>,
        width: u32,
        height: u32,
        row_stride: u32,
    ) -> Option<String> {
        match scan(data, (width, height, row_stride), None) {
            Frame::Decoded(payloads) => {
                let payloads: Vec<Zeroizing<String>> =
                    payloads.into_iter().map(Zeroizing::new).collect();
                payloads.iter().find_map(|p| age_public_key(p))
            }
            _ => None,
        }
    }

    pub fn scan_frame(
        &self,
        data: Vec<u8>,
        width: u32,
        height: u32,
        row_stride: u32,
        now_ms: u64,
    ) -> FrameScan {
        let frame = scan(data, (width, height, row_stride), None);
        let mut feedback = self.feedback.lock().unwrap_or_else(PoisonError::into_inner);
        let shown = feedback.observe(now_ms, &frame);
        match frame {
            Frame::Decoded(payloads) => match first_seed_input(payloads) {
                Some(input) => FrameScan::Found { input },
                None => FrameScan::Looking { unreadable: None },
            },
            _ => FrameScan::Looking {
                unreadable: shown.map(UnreadableHint::from),
            },
        }
    }
}
