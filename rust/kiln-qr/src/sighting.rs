//! "A QR code is in view but does not decode": the three finder patterns of a code
//! were located, but no attempt of the pipeline read it (blur, glare, damage, modules
//! too small, or the time budget ran out first).
//!
//! The locator is zxing-cpp's finder search (as ported by rxing) followed by its
//! grouping of finder patterns into plausible triples (near-right angle, similar
//! sizes). On top of that we require a plausible symbol size (21..=177 modules) and
//! the timing patterns (alternating modules) between the finder patterns, so moire,
//! text or a stray bull's-eye is not reported as a code.

use rxing::common::BitMatrix;
use rxing::qrcode::cpp_port::detector::{
    EstimateModuleSize, FindFinderPatterns, FinderPatternSet, GenerateFinderPatternSets,
};

/// Smallest and largest QR symbol side in modules (version 1 and version 40).
const MIN_DIMENSION: f32 = 21.0;
const MAX_DIMENSION: f32 = 177.0;

/// Fraction of timing-pattern samples that must match (see [`timing_score`]).
/// Measured (docs/qr.md): 0.77–1.0 on the undecoded codes of the photo corpus,
/// at most 0.60 on finder-like triples in code-free camera frames.
const MIN_TIMING_SCORE: f32 = 0.7;

/// Modules under 1.5 px (in the examined plane) are where moire and text produce
/// finder-like triples with partly alternating samples (one code-free frame scored
/// 0.76), so they need stronger evidence.
const TINY_MODULE_PX: f32 = 1.5;
const MIN_TIMING_SCORE_TINY: f32 = 0.85;

/// How many finder pattern triples are checked per plane.
const MAX_CANDIDATES: usize = 4;

/// Modules smaller than this (in frame pixels) are the likely reason a code that was
/// seen did not decode: the user should move closer (or zoom in).
pub const SMALL_MODULE_PX: f32 = 2.5;

/// What the user can do about a code that is in view but unreadable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hint {
    /// The code's modules are only a pixel or two wide: move closer or zoom in.
    MoveCloser,
    /// The code is big enough; blur, glare or damage: hold steady, add light, tilt
    /// away from reflections.
    HoldSteady,
}

/// A located but undecoded QR code, in the coordinates of the examined frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sighting {
    /// Estimated width of one module, in frame pixels.
    pub module_px: f32,
    /// Estimated symbol side in modules (21 for version 1 … 177 for version 40),
    /// from the finder pattern distances; approximate on tilted codes.
    pub dimension: f32,
}

impl Sighting {
    /// The advice for this sighting.
    pub fn hint(&self) -> Hint {
        if self.module_px < SMALL_MODULE_PX {
            Hint::MoveCloser
        } else {
            Hint::HoldSteady
        }
    }
}

/// Looks for one plausible set of three finder patterns in `bits`, a binarised copy
/// of the frame downscaled by `factor` (1.0 = full resolution). Coordinates and sizes
/// in the result are scaled back to frame pixels.
///
/// Must run under `catch_unwind`: the ported finder search documents that it can panic.
pub(crate) fn locate(bits: &BitMatrix, factor: f32) -> Option<Sighting> {
    let mut patterns = FindFinderPatterns(bits, false, 0);
    let sets = GenerateFinderPatternSets(&mut patterns);
    // Sets come most plausible first; a real code is among the first few, and every
    // extra candidate is one more chance for clutter to pass the checks below.
    sets.iter().take(MAX_CANDIDATES).find_map(|set| {
        // `size` is the pattern's width across its 1:1:3:1:1 rings: 7 modules.
        let sizes = [set.tl.size, set.tr.size, set.bl.size].map(|s| s as f32);
        let smallest = sizes.iter().copied().fold(f32::INFINITY, f32::min);
        let largest = sizes.iter().copied().fold(0.0, f32::max);
        if smallest < 5.0 || largest > 2.0 * smallest {
            return None;
        }
        // Module size traced along both legs (sub-pixel); the ring width as fallback.
        let traced = [
            EstimateModuleSize(bits, set.tl, set.tr),
            EstimateModuleSize(bits, set.tr, set.tl),
            EstimateModuleSize(bits, set.tl, set.bl),
            EstimateModuleSize(bits, set.bl, set.tl),
        ];
        let module = if traced.iter().all(|m| *m > 0.0) {
            (traced.iter().sum::<f64>() / 4.0) as f32
        } else {
            (sizes.iter().sum::<f32>() / 3.0) / 7.0
        };
        let across = distance(set.tl.p.x, set.tl.p.y, set.tr.p.x, set.tr.p.y);
        let down = distance(set.tl.p.x, set.tl.p.y, set.bl.p.x, set.bl.p.y);
        // Finder centres are 3.5 modules in from each side: centre distance + 7 = side.
        let dimension = (across + down) / 2.0 / module + 7.0;
        if !(MIN_DIMENSION * 0.85..=MAX_DIMENSION * 1.15).contains(&dimension) {
            return None;
        }
        // The two legs of a square symbol are about equally long.
        if across > 1.6 * down || down > 1.6 * across {
            return None;
        }
        // Finder-like triples turn up in moire and text; a code also has its timing
        // patterns.
        let score = timing_score(bits, set, dimension);
        let needed = if module < TINY_MODULE_PX {
            MIN_TIMING_SCORE_TINY
        } else {
            MIN_TIMING_SCORE
        };
        if score < needed {
            return None;
        }
        Some(Sighting {
            module_px: module * factor,
            dimension,
        })
    })
}

/// How well the two timing patterns (row 6 and column 6: alternating dark and light
/// modules between the finder patterns) show in `bits`: the better of the two
/// fractions of matching samples, 0.0..=1.0.
fn timing_score(bits: &BitMatrix, set: &FinderPatternSet, dimension: f32) -> f32 {
    // A symbol side is 4k + 1 modules.
    let dim = (((dimension - 1.0) / 4.0).round() * 4.0 + 1.0).clamp(MIN_DIMENSION, MAX_DIMENSION);
    let span = dim - 7.0; // finder centre to finder centre, in modules
    let (tl, tr, bl) = (set.tl.p, set.tr.p, set.bl.p);
    let u = ((tr.x - tl.x) / span, (tr.y - tl.y) / span);
    let v = ((bl.x - tl.x) / span, (bl.y - tl.y) / span);
    // centre of module (col, row); the top-left finder's centre is (3.5, 3.5)
    let at = |col: f32, row: f32| {
        let (dc, dr) = (col + 0.5 - 3.5, row + 0.5 - 3.5);
        let x = tl.x + dc * u.0 + dr * v.0;
        let y = tl.y + dc * u.1 + dr * v.1;
        if x < 0.0 || y < 0.0 {
            return None;
        }
        bits.try_get(x as u32, y as u32)
    };
    let last = dim as u32 - 9;
    let mut best = 0.0f32;
    for along_row in [true, false] {
        let (mut good, mut total) = (0u32, 0u32);
        for i in 8..=last {
            let (col, row) = if along_row {
                (i as f32, 6.0)
            } else {
                (6.0, i as f32)
            };
            total += 1;
            if at(col, row) == Some(i % 2 == 0) {
                good += 1;
            }
        }
        if total > 0 {
            best = best.max(good as f32 / total as f32);
        }
    }
    best
}

fn distance(ax: f32, ay: f32, bx: f32, by: f32) -> f32 {
    ((ax - bx).powi(2) + (ay - by).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_modules_ask_to_move_closer() {
        let s = |module_px| Sighting {
            module_px,
            dimension: 29.0,
        };
        assert_eq!(s(1.4).hint(), Hint::MoveCloser);
        assert_eq!(s(SMALL_MODULE_PX - 0.01).hint(), Hint::MoveCloser);
        assert_eq!(s(SMALL_MODULE_PX).hint(), Hint::HoldSteady);
        assert_eq!(s(6.0).hint(), Hint::HoldSteady);
    }
}
