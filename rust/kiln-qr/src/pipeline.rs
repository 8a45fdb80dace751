//! The attempt list and its runner.

use crate::binarize::{binarize, Method, Prebinarized};
use crate::luma::{
    box3, busiest_window, downscale, upscale2_padded, upscale_padded, LumaBuf, LumaView,
};
use crate::sighting::{self, Sighting};
use crate::Frame;
use rxing::common::BitMatrix;
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::qrcode::QRCodeReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Reader};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Which detector/decoder reads the binarised picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detector {
    /// rxing's port of zxing-cpp's QR detector (finder-pattern sets, multiple symbols).
    ZxCpp,
    /// rxing's port of Java ZXing's QR detector (different finder search/alignment).
    ZxJava,
    /// rqrr (quirc-style flood-fill capstone detection) on our binarisation.
    Rqrr,
    /// rqrr with its own row-wise moving-average threshold (binariser ignored).
    RqrrOwn,
    /// rxing's "pure barcode" reader: the image is nothing but one upright code
    /// (screenshots, generated images, tight crops without a quiet zone).
    ZxPure,
}

/// One decoding attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// Downscale so that the longer side is at most this many pixels (0 = full size;
    /// [`UPSCALE`] = 2× upscale with a white margin, only for small images).
    pub max_side: usize,
    pub method: Method,
    pub invert: bool,
    pub detector: Detector,
    /// Apply a 3×3 box blur before binarising.
    pub smooth: bool,
}

const fn a(max_side: usize, method: Method, invert: bool, detector: Detector) -> Attempt {
    Attempt {
        max_side,
        method,
        invert,
        detector,
        smooth: false,
    }
}

use Detector::{Rqrr, RqrrOwn, ZxCpp, ZxJava, ZxPure};
use Method::{BlockLocal, GlobalOtsu, MidRange, WindowMean};

/// `max_side` value asking for a 2× upscale with a white margin.
pub const UPSCALE: usize = 1;

/// `max_side` value asking for the busiest window of the frame, cropped and
/// upscaled 2× with a white margin (codes with 1–2 px modules in a large frame).
pub const CROP: usize = 2;

/// `max_side` value: like [`CROP`], a smaller window enlarged 3×.
pub const CROP3: usize = 3;
const CROP3_KEY: usize = usize::MAX - 2;
const CROP3_WINDOW: usize = 96;
const CROP3_SIDE: usize = 192;

/// Side of the searched window and of the crop around it, in frame pixels.
const CROP_WINDOW: usize = 128;
const CROP_SIDE: usize = 256;

/// Only images whose longer side is at most this are upscaled.
const UPSCALE_LIMIT: usize = 480;

/// Downscale target for the half-resolution attempts: a 720p frame becomes 640×360.
const SMALL: usize = 1000;

/// Downscale target for the cheapest attempts: a 720p frame becomes 426×240.
const TINY: usize = 500;

const fn smooth(at: Attempt) -> Attempt {
    Attempt { smooth: true, ..at }
}

/// The production attempt order, cheapest and most productive first (chosen by
/// measurement on the photo corpus and generated monitor frames, see docs/qr.md).
pub const PIPELINE: &[Attempt] = &[
    // a third of the resolution, local mid-range threshold, both polarities: big
    // codes, moire and sensor noise averaged away, dark mode (< 1 ms at 720p)
    a(TINY, MidRange, false, ZxCpp),
    a(TINY, MidRange, true, ZxCpp),
    // one global threshold at full resolution: clean screenshots, even lighting
    a(0, GlobalOtsu, false, ZxCpp),
    // half resolution
    a(SMALL, MidRange, true, ZxCpp),
    a(SMALL, MidRange, false, ZxCpp),
    // the busiest 256 px window, upscaled 2x: codes with 1-2 px modules in a big frame
    a(CROP, MidRange, false, ZxCpp),
    a(CROP, GlobalOtsu, true, ZxCpp),
    // a 192 px window enlarged 3x: modules around 1 px
    a(CROP3, MidRange, false, ZxCpp),
    // full resolution for small modules: denoised first, then raw
    smooth(a(0, MidRange, false, ZxCpp)),
    a(0, GlobalOtsu, true, ZxCpp),
    a(0, MidRange, true, ZxCpp),
    a(0, MidRange, false, ZxCpp),
    a(0, WindowMean, false, ZxCpp),
    a(0, BlockLocal, false, ZxCpp),
    // other detector families on the same kind of bits: rqrr (flood-fill capstones)
    // and ZXing's original finder search accept codes the zxing-cpp port rejects
    a(0, WindowMean, false, Rqrr),
    a(0, GlobalOtsu, false, ZxJava),
    a(0, WindowMean, true, ZxCpp),
    a(CROP, GlobalOtsu, false, Rqrr),
    // small images only: 2x upscale with a white margin (1-2 px modules, no quiet zone)
    a(UPSCALE, GlobalOtsu, false, ZxCpp),
    a(UPSCALE, MidRange, false, ZxCpp),
    a(UPSCALE, GlobalOtsu, false, Rqrr),
];

/// Cache keys of the resampled planes that are not plain downscales (those are
/// keyed by their factor).
const CROP_KEY: usize = usize::MAX;
const UPSCALE_KEY: usize = usize::MAX - 1;

/// Downscaled copies of the input, computed on demand and shared across attempts.
struct Scales<'a> {
    full: LumaView<'a>,
    cache: Vec<(usize, Option<LumaBuf>)>,
}

impl<'a> Scales<'a> {
    fn factor(&self, max_side: usize) -> usize {
        if max_side == 0 {
            return 1;
        }
        let side = self.full.width().max(self.full.height());
        side.div_ceil(max_side).max(1)
    }

    /// Runs `f` on the plane resampled for `max_side` (None if that scale does not
    /// apply to this input or is too small).
    fn with<R>(&mut self, max_side: usize, f: impl FnOnce(&LumaView<'_>) -> R) -> Option<R> {
        let large = self.full.width().max(self.full.height()) > UPSCALE_LIMIT;
        let buf = match max_side {
            CROP if large => self.cached(CROP_KEY, |full| {
                let crop = crop_busiest(full, CROP_WINDOW, CROP_SIDE)?;
                Some(upscale2_padded(&crop, 16))
            }),
            CROP3 if large => self.cached(CROP3_KEY, |full| {
                let crop = crop_busiest(full, CROP3_WINDOW, CROP3_SIDE)?;
                Some(upscale_padded(&crop, 3, 24))
            }),
            CROP | CROP3 => return None,
            UPSCALE if large => return None,
            UPSCALE => self.cached(UPSCALE_KEY, |full| {
                let pad = (full.width().max(full.height()) / 4).max(16);
                Some(upscale2_padded(full, pad))
            }),
            _ => {
                let factor = self.factor(max_side);
                if factor == 1 {
                    return Some(f(&self.full));
                }
                self.cached(factor, |full| downscale(full, factor))
            }
        }?;
        let view = buf.view()?;
        Some(f(&view))
    }

    /// The plane cached under `key`, made by `make` on first use (a `None` result
    /// is cached too, so a failed resample is not retried).
    fn cached(
        &mut self,
        key: usize,
        make: impl FnOnce(&LumaView<'a>) -> Option<LumaBuf>,
    ) -> Option<&LumaBuf> {
        if !self.cache.iter().any(|(k, _)| *k == key) {
            let buf = make(&self.full);
            self.cache.push((key, buf));
        }
        self.cache
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, b)| b.as_ref())
    }
}

/// A `side`×`side` crop centred on the `window`×`window` patch with the most texture.
fn crop_busiest<'a>(full: &LumaView<'a>, window: usize, side: usize) -> Option<LumaView<'a>> {
    let (x, y) = busiest_window(full, window)?;
    let c = (side - window) / 2;
    full.crop(x.saturating_sub(c), y.saturating_sub(c), side, side)
}

fn hints() -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
        ..DecodeHints::default()
    }
}

fn read_rxing(bits: BitMatrix, detector: Detector) -> Vec<String> {
    let hints = hints();
    let mut bitmap = BinaryBitmap::new(Prebinarized::new(bits));
    match detector {
        ZxCpp => QrReader
            .decode_multiple_with_hints(&mut bitmap, &hints)
            .map(|rs| rs.iter().map(|r| r.getText().to_owned()).collect())
            .unwrap_or_default(),
        ZxPure => {
            let hints = DecodeHints {
                PureBarcode: Some(true),
                ..hints
            };
            QrReader
                .decode_with_hints(&mut bitmap, &hints)
                .map(|r| vec![r.getText().to_owned()])
                .unwrap_or_default()
        }
        _ => QRCodeReader
            .decode_with_hints(&mut bitmap, &hints)
            .map(|r| vec![r.getText().to_owned()])
            .unwrap_or_default(),
    }
}

fn read_rqrr(bits: &BitMatrix) -> Vec<String> {
    let (w, h) = (bits.width() as usize, bits.height() as usize);
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| {
        bits.try_get(x as u32, y as u32).unwrap_or(false)
    });
    let mut out = Vec::new();
    for grid in img.detect_grids() {
        let mut bytes = Vec::new();
        if grid.decode_to(&mut bytes).is_ok() {
            out.push(bytes_to_text(bytes));
        }
    }
    out
}

/// rqrr hands back raw bytes: UTF-8 when valid, else ISO-8859-1 (ZXing's default).
fn bytes_to_text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

fn read_rqrr_own(view: &LumaView<'_>) -> Vec<String> {
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(view.width(), view.height(), |x, y| {
            view.get(x, y)
        });
    let mut out = Vec::new();
    for grid in img.detect_grids() {
        let mut bytes = Vec::new();
        if grid.decode_to(&mut bytes).is_ok() {
            out.push(bytes_to_text(bytes));
        }
    }
    out
}

fn attempt_on(view: &LumaView<'_>, at: Attempt) -> Vec<String> {
    // Third-party decoders have panicked on real photos (rqrr 0.11's perspective
    // assertion); a panic anywhere in an attempt means "this attempt found nothing".
    catch_unwind(AssertUnwindSafe(|| attempt_inner(view, at))).unwrap_or_default()
}

fn attempt_inner(view: &LumaView<'_>, at: Attempt) -> Vec<String> {
    if at.detector == RqrrOwn {
        return read_rqrr_own(view);
    }
    let smoothed;
    let view = if at.smooth {
        smoothed = box3(view);
        match smoothed.view() {
            Some(v) => v,
            None => return Vec::new(),
        }
    } else {
        *view
    };
    let Some(bits) = binarize(&view, at.method, at.invert) else {
        return Vec::new();
    };
    match at.detector {
        Rqrr => read_rqrr(&bits),
        d => read_rxing(bits, d),
    }
}

/// Runs one attempt on its own (benchmarks and experiments).
pub fn run_attempt(view: &LumaView<'_>, at: Attempt) -> Vec<String> {
    let mut scales = Scales {
        full: *view,
        cache: Vec::new(),
    };
    scales
        .with(at.max_side, |v| attempt_on(v, at))
        .unwrap_or_default()
}

/// Runs [`PIPELINE`] until something decodes or `budget` is spent.
pub fn decode(view: &LumaView<'_>, budget: Duration) -> Vec<String> {
    let mut scales = Scales {
        full: *view,
        cache: Vec::new(),
    };
    run_pipeline(&mut scales, budget)
}

/// Like [`decode`], and when nothing decodes, one more pass (about one attempt's cost)
/// that looks for a code's finder patterns: "in view but unreadable".
pub fn scan(view: &LumaView<'_>, budget: Duration) -> Frame {
    let mut scales = Scales {
        full: *view,
        cache: Vec::new(),
    };
    let found = run_pipeline(&mut scales, budget);
    if !found.is_empty() {
        return Frame::Decoded(found);
    }
    match sight(&mut scales) {
        Some(s) => Frame::Unreadable(s),
        None => Frame::Empty,
    }
}

fn run_pipeline(scales: &mut Scales<'_>, budget: Duration) -> Vec<String> {
    let start = Instant::now();
    for (i, &at) in PIPELINE.iter().enumerate() {
        if i > 0 && start.elapsed() >= budget {
            break;
        }
        let found = scales
            .with(at.max_side, |v| attempt_on(v, at))
            .unwrap_or_default();
        if !found.is_empty() {
            let mut out: Vec<String> = Vec::with_capacity(found.len());
            for s in found {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            return out;
        }
    }
    Vec::new()
}

/// Finder patterns of an undecoded code: at a third of the resolution first (big
/// codes, both polarities, well under a millisecond at 720p), then at full resolution
/// (small modules, the "move closer" case).
fn sight(scales: &mut Scales<'_>) -> Option<Sighting> {
    let tiny = scales.factor(TINY);
    for invert in [false, true] {
        let found = scales
            .with(TINY, |v| locate_on(v, tiny as f32, invert))
            .flatten();
        if found.is_some() {
            return found;
        }
    }
    if tiny > 1 {
        return scales.with(0, |v| locate_on(v, 1.0, false)).flatten();
    }
    None
}

fn locate_on(view: &LumaView<'_>, factor: f32, invert: bool) -> Option<Sighting> {
    catch_unwind(AssertUnwindSafe(|| {
        let bits = binarize(view, MidRange, invert)?;
        sighting::locate(&bits, factor)
    }))
    .ok()
    .flatten()
}
