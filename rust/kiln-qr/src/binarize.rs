//! Binarisers: luminance plane -> bit matrix (true = dark module).
//!
//! Each one exists because it wins on a different kind of picture (see docs/qr.md):
//! - [`block_local`]: 8×8 block thresholds smoothed over 5×5 blocks (the classic
//!   ZXing "hybrid" idea). Fast, robust to slow glare gradients.
//! - [`window_mean`]: threshold against the mean of a large square window (integral
//!   image) with a small bias. Keeps thin strokes of small codes and copes with
//!   strong local glare where 8×8 blocks see only one colour.
//! - [`global_otsu`]: one threshold for the whole frame; rescues clean, high-contrast
//!   codes whose large uniform modules fool the local methods.

use crate::luma::LumaView;
use rxing::common::{BitArray, BitMatrix, LineOrientation};
use rxing::{Binarizer, Luma8Source};
use std::borrow::Cow;

/// Which threshold rule to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    BlockLocal,
    MidRange,
    WindowMean,
    GlobalOtsu,
}

/// Binarises `src` with `method`; `invert` swaps dark and light (dark-mode codes).
pub fn binarize(src: &LumaView<'_>, method: Method, invert: bool) -> Option<BitMatrix> {
    let mut m = match method {
        Method::BlockLocal => block_local(src),
        Method::MidRange => mid_range(src),
        Method::WindowMean => window_mean(src),
        Method::GlobalOtsu => global_otsu(src),
    }?;
    if invert {
        m.flip_self();
    }
    Some(m)
}

fn new_matrix(src: &LumaView<'_>) -> Option<BitMatrix> {
    BitMatrix::new(
        u32::try_from(src.width()).ok()?,
        u32::try_from(src.height()).ok()?,
    )
    .ok()
}

/// Writes row `y` of `m` from a per-pixel "dark" predicate, packing whole words
/// (much cheaper than setting bits one by one).
#[inline]
fn pack_row(m: &mut BitMatrix, y: usize, w: usize, mut dark: impl FnMut(usize) -> bool) {
    const WB: usize = usize::BITS as usize;
    let mut bits = BitArray::with_size(w);
    for i in 0..w.div_ceil(WB) {
        let base = i * WB;
        let end = (base + WB).min(w);
        let mut acc = 0usize;
        for x in base..end {
            acc |= usize::from(dark(x)) << (x - base);
        }
        // setBulk takes the word's first bit index, a multiple of the word size.
        bits.setBulk(base, acc);
    }
    m.setRow(y as u32, &bits);
}

const BLOCK: usize = 8;
const MIN_DYNAMIC_RANGE: u32 = 24;

/// Block-local threshold: per 8×8 block a black point (mean, or a guess for flat
/// blocks), averaged over the surrounding 5×5 blocks.
pub fn block_local(src: &LumaView<'_>) -> Option<BitMatrix> {
    let (w, h) = (src.width(), src.height());
    if w < BLOCK * 5 || h < BLOCK * 5 {
        return global_otsu(src);
    }
    let sw = w.div_ceil(BLOCK);
    let sh = h.div_ceil(BLOCK);
    let max_x = w - BLOCK;
    let max_y = h - BLOCK;
    let mut black = vec![0u32; sw * sh];
    for by in 0..sh {
        let y0 = (by * BLOCK).min(max_y);
        for bx in 0..sw {
            let x0 = (bx * BLOCK).min(max_x);
            let (mut sum, mut lo, mut hi) = (0u32, 255u32, 0u32);
            for y in y0..y0 + BLOCK {
                let row = src.row(y).get(x0..x0 + BLOCK).unwrap_or(&[]);
                for &p in row {
                    let p = u32::from(p);
                    sum += p;
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
            }
            let mut avg = sum / (BLOCK * BLOCK) as u32;
            if hi - lo <= MIN_DYNAMIC_RANGE {
                // A flat block: assume it is background (light) unless its
                // already-computed neighbours say the area is darker.
                avg = lo / 2;
                if by > 0 && bx > 0 {
                    let up = black.get((by - 1) * sw + bx).copied().unwrap_or(0);
                    let left = black.get(by * sw + bx - 1).copied().unwrap_or(0);
                    let ul = black.get((by - 1) * sw + bx - 1).copied().unwrap_or(0);
                    let nb = (up + 2 * left + ul) / 4;
                    if lo < nb {
                        avg = nb;
                    }
                }
            }
            if let Some(b) = black.get_mut(by * sw + bx) {
                *b = avg;
            }
        }
    }
    let mut thr = vec![0u32; sw * sh];
    for by in 0..sh {
        let top = by.clamp(2, sh - 3);
        for bx in 0..sw {
            let left = bx.clamp(2, sw - 3);
            let mut sum = 0u32;
            for yy in top - 2..=top + 2 {
                sum += black
                    .get(yy * sw + left - 2..=yy * sw + left + 2)
                    .unwrap_or(&[])
                    .iter()
                    .sum::<u32>();
            }
            if let Some(t) = thr.get_mut(by * sw + bx) {
                *t = sum / 25;
            }
        }
    }
    threshold_by_blocks(src, &thr, sw, sh)
}

/// Applies per-block thresholds (dark if luminance <= threshold); pixels in the
/// overlap of a last, shifted block take that block's threshold.
fn threshold_by_blocks(src: &LumaView<'_>, thr: &[u32], sw: usize, sh: usize) -> Option<BitMatrix> {
    let (w, h) = (src.width(), src.height());
    let (max_x, max_y) = (w - BLOCK, h - BLOCK);
    let mut m = new_matrix(src)?;
    let mut line = vec![0u8; w];
    let mut line_block = usize::MAX;
    for y in 0..h {
        let by = if y >= max_y { sh - 1 } else { y / BLOCK };
        if by != line_block {
            line_block = by;
            for (x, l) in line.iter_mut().enumerate() {
                let bx = if x >= max_x { sw - 1 } else { x / BLOCK };
                *l = thr.get(by * sw + bx).copied().unwrap_or(128).min(255) as u8;
            }
        }
        let row = src.row(y);
        pack_row(&mut m, y, w, |x| {
            row.get(x).copied().unwrap_or(255) <= line.get(x).copied().unwrap_or(0)
        });
    }
    Some(m)
}

/// Block mid-range threshold: each 8×8 block with enough contrast proposes
/// (min+max)/2; proposals are averaged over the surrounding 5×5 blocks (the block
/// itself counted thrice), and blocks with no contrasted neighbour inherit the last
/// known threshold in scan order. Flat areas thus take the threshold of the nearest
/// edge instead of a guess, which keeps large modules and glare patches whole.
pub fn mid_range(src: &LumaView<'_>) -> Option<BitMatrix> {
    let (w, h) = (src.width(), src.height());
    if w < BLOCK * 5 || h < BLOCK * 5 {
        return global_otsu(src);
    }
    let sw = w.div_ceil(BLOCK);
    let sh = h.div_ceil(BLOCK);
    let max_x = w - BLOCK;
    let max_y = h - BLOCK;
    // Block proposals, computed row by row (sequential memory access).
    let mut prop = vec![0u32; sw * sh];
    let mut lo = vec![255u8; sw];
    let mut hi = vec![0u8; sw];
    for by in 0..sh {
        let y0 = (by * BLOCK).min(max_y);
        lo.fill(255);
        hi.fill(0);
        for y in y0..y0 + BLOCK {
            let row = src.row(y);
            for ((l, hgh), chunk) in lo
                .iter_mut()
                .zip(hi.iter_mut())
                .zip(row.chunks_exact(BLOCK))
            {
                for &p in chunk {
                    *l = (*l).min(p);
                    *hgh = (*hgh).max(p);
                }
            }
            if w % BLOCK != 0 {
                let (l, hgh) = (lo.get_mut(sw - 1), hi.get_mut(sw - 1));
                if let (Some(l), Some(hgh)) = (l, hgh) {
                    for &p in row.get(max_x..).unwrap_or(&[]) {
                        *l = (*l).min(p);
                        *hgh = (*hgh).max(p);
                    }
                }
            }
        }
        let out = prop.get_mut(by * sw..(by + 1) * sw).unwrap_or(&mut []);
        for ((o, &l), &hgh) in out.iter_mut().zip(lo.iter()).zip(hi.iter()) {
            if u32::from(hgh - l) > MIN_DYNAMIC_RANGE {
                *o = (u32::from(hgh) + u32::from(l)) / 2;
            }
        }
    }
    let mut thr = vec![0u32; sw * sh];
    for by in 0..sh {
        let top = by.clamp(2, sh - 3);
        for bx in 0..sw {
            let left = bx.clamp(2, sw - 3);
            let own = prop.get(by * sw + bx).copied().unwrap_or(0);
            let (mut sum, mut n) = (own * 2, if own > 0 { 2 } else { 0 });
            for yy in top - 2..=top + 2 {
                for &t in prop
                    .get(yy * sw + left - 2..=yy * sw + left + 2)
                    .unwrap_or(&[])
                {
                    sum += t;
                    n += u32::from(t > 0);
                }
            }
            if let Some(o) = thr.get_mut(by * sw + bx) {
                *o = sum.checked_div(n).unwrap_or(0);
            }
        }
    }
    // Fill blocks without any contrasted neighbour from the last known one.
    let first = thr.iter().copied().find(|&t| t > 0).unwrap_or(128);
    let mut last = first;
    for t in thr.iter_mut() {
        if *t == 0 {
            *t = last;
        } else {
            last = *t;
        }
    }
    threshold_by_blocks(src, &thr, sw, sh)
}

/// Integral image of the plane, (w+1)×(h+1) u32 sums (modulo 2^32).
fn integral(src: &LumaView<'_>) -> Vec<u32> {
    let (w, h) = (src.width(), src.height());
    let iw = w + 1;
    let mut ii = vec![0u32; iw * (h + 1)];
    for y in 0..h {
        let mut run = 0u32;
        let row = src.row(y);
        for x in 0..w {
            run += u32::from(row.get(x).copied().unwrap_or(255));
            let above = ii.get(y * iw + x + 1).copied().unwrap_or(0);
            if let Some(c) = ii.get_mut((y + 1) * iw + x + 1) {
                // Sums of frames over ~16 Mpixel exceed u32: wrap, and take window
                // sums with wrapping arithmetic too (exact while a window < 2^32).
                *c = above.wrapping_add(run);
            }
        }
    }
    ii
}

/// Mean-of-window threshold (Bradley–Roth): dark if below 93% of the mean of a
/// window about 1/8 of the shorter side.
pub fn window_mean(src: &LumaView<'_>) -> Option<BitMatrix> {
    let (w, h) = (src.width(), src.height());
    let ii = integral(src);
    let iw = w + 1;
    let r = (w.min(h) / 16).max(6);
    let mut m = new_matrix(src)?;
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        let row = src.row(y);
        let (top, bot) = (
            ii.get(y0 * iw..(y0 + 1) * iw).unwrap_or(&[]),
            ii.get(y1 * iw..(y1 + 1) * iw).unwrap_or(&[]),
        );
        pack_row(&mut m, y, w, |x| {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let g = |v: &[u32], i: usize| v.get(i).copied().unwrap_or(0);
            let sum = u64::from(
                g(bot, x1)
                    .wrapping_sub(g(top, x1))
                    .wrapping_sub(g(bot, x0))
                    .wrapping_add(g(top, x0)),
            );
            let count = ((y1 - y0) * (x1 - x0)) as u64;
            let p = u64::from(row.get(x).copied().unwrap_or(255));
            // p < 0.93 * mean  <=>  p * count * 100 < sum * 93
            p * count * 100 < sum * 93
        });
    }
    Some(m)
}

/// Otsu's global threshold.
pub fn global_otsu(src: &LumaView<'_>) -> Option<BitMatrix> {
    let h = src.height();
    let mut hist = [0u64; 256];
    for y in 0..h {
        for &p in src.row(y) {
            if let Some(c) = hist.get_mut(usize::from(p)) {
                *c += 1;
            }
        }
    }
    let total: u64 = hist.iter().sum();
    let sum_all: u64 = hist.iter().enumerate().map(|(i, &c)| i as u64 * c).sum();
    let (mut w_b, mut sum_b, mut best, mut best_t) = (0u64, 0u64, 0f64, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        w_b += c;
        if w_b == 0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0 {
            break;
        }
        sum_b += t as u64 * c;
        let m_b = sum_b as f64 / w_b as f64;
        let m_f = (sum_all - sum_b) as f64 / w_f as f64;
        let between = w_b as f64 * w_f as f64 * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    let mut m = new_matrix(src)?;
    let w = src.width();
    for y in 0..h {
        let row = src.row(y);
        pack_row(&mut m, y, w, |x| {
            row.get(x).copied().unwrap_or(255) <= best_t
        });
    }
    Some(m)
}

/// Adapter handing a precomputed bit matrix to rxing's readers.
pub struct Prebinarized {
    source: Luma8Source<'static>,
    matrix: BitMatrix,
}

impl Prebinarized {
    pub fn new(matrix: BitMatrix) -> Self {
        Self {
            // rxing's QR reader only looks at the bit matrix; this is a placeholder.
            source: Luma8Source::with_empty_image(1, 1),
            matrix,
        }
    }
}

impl Binarizer for Prebinarized {
    type Source = Luma8Source<'static>;

    fn get_luminance_source(&self) -> &Self::Source {
        &self.source
    }

    fn get_black_row(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        Ok(Cow::Owned(self.matrix.getRow(y as u32)))
    }

    fn get_black_row_from_matrix(&self, y: usize) -> rxing::common::Result<Cow<'_, BitArray>> {
        self.get_black_row(y)
    }

    fn get_black_matrix(&self) -> rxing::common::Result<&BitMatrix> {
        Ok(&self.matrix)
    }

    fn get_black_line(
        &self,
        l: usize,
        lt: LineOrientation,
    ) -> rxing::common::Result<Cow<'_, BitArray>> {
        match lt {
            LineOrientation::Row => Ok(Cow::Owned(self.matrix.getRow(l as u32))),
            LineOrientation::Column => Ok(Cow::Owned(self.matrix.getCol(l as u32))),
        }
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        Self {
            source,
            matrix: self.matrix.clone(),
        }
    }

    fn get_width(&self) -> usize {
        self.matrix.width() as usize
    }

    fn get_height(&self) -> usize {
        self.matrix.height() as usize
    }
}

/// Debug aid: the binarised plane as bytes (0 = dark), method by index.
pub fn binarize_for_debug(src: &LumaView<'_>, method: usize) -> Vec<u8> {
    let method = match method {
        0 => Method::BlockLocal,
        1 => Method::WindowMean,
        3 => Method::MidRange,
        _ => Method::GlobalOtsu,
    };
    let Some(m) = binarize(src, method, false) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(src.width() * src.height());
    for y in 0..src.height() {
        for x in 0..src.width() {
            out.push(if m.get(x as u32, y as u32) { 0 } else { 255 });
        }
    }
    out
}

/// Benchmark aid: binarise only (method by index, as in [`binarize_for_debug`]).
pub fn binarize_only(src: &LumaView<'_>, method: usize) -> bool {
    let method = match method {
        0 => Method::BlockLocal,
        1 => Method::WindowMean,
        3 => Method::MidRange,
        _ => Method::GlobalOtsu,
    };
    binarize(src, method, false).is_some()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A 120×80 plane: left half dark squares on a glare ramp, right half flat.
    fn scene() -> Vec<u8> {
        let mut d = Vec::new();
        for y in 0..80usize {
            for x in 0..120usize {
                let glare = (x / 2) as u8; // 0..60
                let dark = x < 60 && (x / 10 + y / 10) % 2 == 0;
                d.push(if dark { 20 + glare } else { 150 + glare });
            }
        }
        d
    }

    #[test]
    fn every_method_separates_dark_from_light_under_a_ramp() {
        let data = scene();
        let v = LumaView::new(&data, 120, 80, 120).unwrap();
        for method in [
            Method::BlockLocal,
            Method::MidRange,
            Method::WindowMean,
            Method::GlobalOtsu,
        ] {
            let m = binarize(&v, method, false).unwrap();
            // centres of a dark and a light square
            assert!(m.get(5, 5), "{method:?}");
            assert!(!m.get(15, 5), "{method:?}");
            let inv = binarize(&v, method, true).unwrap();
            assert!(!inv.get(5, 5) && inv.get(15, 5), "{method:?} inverted");
        }
        // the flat right half stays light for the local methods
        for method in [Method::BlockLocal, Method::MidRange] {
            let m = binarize(&v, method, false).unwrap();
            assert!(!m.get(100, 40), "{method:?}");
        }
    }

    #[test]
    fn stride_padding_does_not_leak_into_the_bits() {
        let data = scene();
        let mut padded = vec![0u8; 130 * 80];
        for y in 0..80 {
            padded[y * 130..y * 130 + 120].copy_from_slice(&data[y * 120..(y + 1) * 120]);
        }
        let a = LumaView::new(&data, 120, 80, 120).unwrap();
        let b = LumaView::new(&padded, 120, 80, 130).unwrap();
        for method in [
            Method::BlockLocal,
            Method::MidRange,
            Method::WindowMean,
            Method::GlobalOtsu,
        ] {
            assert_eq!(
                binarize(&a, method, false),
                binarize(&b, method, false),
                "{method:?}"
            );
        }
    }
}
