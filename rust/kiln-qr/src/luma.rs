//! A borrowed or owned 8-bit luminance plane with a row stride, plus the cheap
//! preprocessing steps the pipeline uses (box downscale, contrast stretch).

use crate::QrError;

/// Smallest side (pixels) that can hold a version-1 QR code at one pixel per module
/// including its quiet zone; anything smaller is refused up front.
pub const MIN_SIDE: u32 = 21;

/// Largest pixel count accepted (about 64 megapixels): bigger frames are refused
/// instead of allocating gigabytes.
pub const MAX_PIXELS: u64 = 64 * 1024 * 1024;

/// A view of a luminance plane: `height` rows of `width` bytes, rows `stride` bytes apart.
#[derive(Clone, Copy)]
pub struct LumaView<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

impl<'a> LumaView<'a> {
    /// Checks the dimensions against the buffer; never panics.
    pub fn new(data: &'a [u8], width: u32, height: u32, stride: u32) -> Result<Self, QrError> {
        if width < MIN_SIDE || height < MIN_SIDE {
            return Err(QrError::TooSmall { width, height });
        }
        if u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(QrError::TooLarge { width, height });
        }
        if stride < width {
            return Err(QrError::BadStride { width, stride });
        }
        let (w, h, s) = (width as usize, height as usize, stride as usize);
        // The last row only needs `width` bytes (Android planes often omit the padding).
        let needed = s
            .checked_mul(h - 1)
            .and_then(|v| v.checked_add(w))
            .ok_or(QrError::TooLarge { width, height })?;
        if data.len() < needed {
            return Err(QrError::BufferTooShort {
                needed,
                got: data.len(),
            });
        }
        Ok(Self {
            data,
            width: w,
            height: h,
            stride: s,
        })
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// Row `y` (exactly `width` bytes); an empty slice outside the plane.
    #[inline]
    pub fn row(&self, y: usize) -> &'a [u8] {
        let start = y.saturating_mul(self.stride);
        self.data
            .get(start..start.saturating_add(self.width))
            .unwrap_or(&[])
    }

    /// A zero-copy view of the rectangle at (`x0`, `y0`) of `w`×`h` pixels, clipped
    /// to the plane; `None` if the clipped rectangle is too small.
    pub fn crop(&self, x0: usize, y0: usize, w: usize, h: usize) -> Option<LumaView<'a>> {
        let x0 = x0.min(self.width);
        let y0 = y0.min(self.height);
        let w = w.min(self.width - x0);
        let h = h.min(self.height - y0);
        let data = self.data.get(y0 * self.stride + x0..)?;
        LumaView::new(
            data,
            u32::try_from(w).ok()?,
            u32::try_from(h).ok()?,
            u32::try_from(self.stride).ok()?,
        )
        .ok()
    }

    /// Luminance at (x, y), or white outside the plane.
    #[inline]
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.row(y).get(x).copied().unwrap_or(255)
    }
}

/// An owned, tightly packed luminance plane (stride == width).
pub struct LumaBuf {
    pub data: Vec<u8>,
    pub width: usize,
    pub height: usize,
}

impl LumaBuf {
    pub fn view(&self) -> Option<LumaView<'_>> {
        LumaView::new(
            &self.data,
            u32::try_from(self.width).ok()?,
            u32::try_from(self.height).ok()?,
            u32::try_from(self.width).ok()?,
        )
        .ok()
    }

    /// The image turned a quarter clockwise (benchmarks test every rotation). A buffer
    /// shorter than `width × height` gives the pixels it has and zeros for the rest.
    pub fn rotated_cw(&self) -> LumaBuf {
        let (w, h) = (self.width, self.height);
        let mut data = vec![0u8; w.saturating_mul(h)];
        for (i, &px) in self.data.iter().enumerate().take(data.len()) {
            let (x, y) = (i % w, i / w);
            if let Some(d) = data.get_mut(x * h + (h - 1 - y)) {
                *d = px;
            }
        }
        LumaBuf {
            data,
            width: h,
            height: w,
        }
    }
}

/// Box-filter downscale by an integer factor (2 or more): each output pixel is the
/// mean of a `factor`×`factor` block. Camera frames and large photos carry far more
/// pixels per module than the detector needs; averaging also suppresses sensor noise
/// and the monitor's sub-pixel moiré.
pub fn downscale(src: &LumaView<'_>, factor: usize) -> Option<LumaBuf> {
    let factor = factor.max(1);
    let w = src.width() / factor;
    let h = src.height() / factor;
    if w < MIN_SIDE as usize || h < MIN_SIDE as usize {
        return None;
    }
    let mut sums = vec![0u32; w];
    let mut data = Vec::with_capacity(w * h);
    let area = (factor * factor) as u32;
    for oy in 0..h {
        sums.iter_mut().for_each(|s| *s = 0);
        for dy in 0..factor {
            let row = src.row(oy * factor + dy);
            for (s, chunk) in sums.iter_mut().zip(row.chunks_exact(factor)) {
                *s += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        data.extend(sums.iter().map(|&s| (s / area) as u8));
    }
    Some(LumaBuf {
        data,
        width: w,
        height: h,
    })
}

/// 3×3 box blur (edges replicate). Camera noise and the panel's pixel grid make
/// per-pixel thresholds ragged; averaging first keeps modules whole.
pub fn box3(src: &LumaView<'_>) -> LumaBuf {
    let (w, h) = (src.width(), src.height());
    // horizontal pass into u16 sums
    let mut hs = vec![0u16; w * h];
    for y in 0..h {
        let row = src.row(y);
        let out = hs.get_mut(y * w..(y + 1) * w).unwrap_or(&mut []);
        for (x, o) in out.iter_mut().enumerate() {
            let l = row.get(x.saturating_sub(1)).copied().unwrap_or(0);
            let c = row.get(x).copied().unwrap_or(0);
            let r = row.get((x + 1).min(w - 1)).copied().unwrap_or(0);
            *o = u16::from(l) + u16::from(c) + u16::from(r);
        }
    }
    let mut data = vec![0u8; w * h];
    for y in 0..h {
        let up = y.saturating_sub(1);
        let dn = (y + 1).min(h - 1);
        for x in 0..w {
            let s = u32::from(hs.get(up * w + x).copied().unwrap_or(0))
                + u32::from(hs.get(y * w + x).copied().unwrap_or(0))
                + u32::from(hs.get(dn * w + x).copied().unwrap_or(0));
            if let Some(d) = data.get_mut(y * w + x) {
                *d = (s / 9) as u8;
            }
        }
    }
    LumaBuf {
        data,
        width: w,
        height: h,
    }
}

/// Bilinear 2× upscale with a white margin of `pad` output pixels on every side.
/// Small images (thumbnails, cropped screenshots) often carry 1–2 pixels per module
/// and no quiet zone; the detector needs both more pixels per module and a light
/// border around the finder patterns.
pub fn upscale2_padded(src: &LumaView<'_>, pad: usize) -> LumaBuf {
    let (w, h) = (src.width(), src.height());
    let (ow, oh) = (2 * w + 2 * pad, 2 * h + 2 * pad);
    let mut data = vec![255u8; ow * oh];
    for y in 0..2 * h {
        // sample position in source coordinates: (y + 0.5) / 2 - 0.5
        let sy2 = y as i64 - 1; // 2*(sy) - 0.5*2 offset handled in quarter units
        let y0 = (sy2.max(0) / 2) as usize;
        let y1 = (y0 + 1).min(h - 1);
        let fy = if sy2 < 0 { 0 } else { (sy2 % 2) as u32 }; // 0 or 1 half-steps
        let (r0, r1) = (src.row(y0), src.row(y1));
        for x in 0..2 * w {
            let sx2 = x as i64 - 1;
            let x0 = (sx2.max(0) / 2) as usize;
            let x1 = (x0 + 1).min(w - 1);
            let fx = if sx2 < 0 { 0 } else { (sx2 % 2) as u32 };
            let p = |r: &[u8], i: usize| u32::from(r.get(i).copied().unwrap_or(255));
            // weights in quarters: f = 0 -> (3/4, 1/4), f = 1 -> (1/4, 3/4)
            let (wx0, wx1) = if fx == 0 { (3, 1) } else { (1, 3) };
            let (wy0, wy1) = if fy == 0 { (3, 1) } else { (1, 3) };
            let top = p(r0, x0) * wx0 + p(r0, x1) * wx1;
            let bot = p(r1, x0) * wx0 + p(r1, x1) * wx1;
            let v = (top * wy0 + bot * wy1 + 8) / 16;
            if let Some(d) = data.get_mut((y + pad) * ow + x + pad) {
                *d = v as u8;
            }
        }
    }
    LumaBuf {
        data,
        width: ow,
        height: oh,
    }
}

/// Bilinear upscale by an integer factor `k` (2..=4) with a white margin of `pad`
/// output pixels; output pixel centres map to source (x + 0.5) / k - 0.5.
pub fn upscale_padded(src: &LumaView<'_>, k: usize, pad: usize) -> LumaBuf {
    let k = k.clamp(2, 4);
    let (w, h) = (src.width(), src.height());
    let (ow, oh) = (k * w + 2 * pad, k * h + 2 * pad);
    let mut data = vec![255u8; ow * oh];
    // positions in units of 1/(2k) source pixels: 2x + 1 - k
    let pos = |o: usize, n: usize| -> (usize, usize, u32) {
        let t = (2 * o + 1) as i64 - k as i64;
        if t <= 0 {
            return (0, 0, 0);
        }
        let i0 = (t as usize) / (2 * k);
        let f = ((t as usize) % (2 * k)) as u32; // weight of i1, out of 2k
        (i0.min(n - 1), (i0 + 1).min(n - 1), f)
    };
    let d = (2 * k) as u32;
    for oy in 0..k * h {
        let (y0, y1, fy) = pos(oy, h);
        let (r0, r1) = (src.row(y0), src.row(y1));
        for ox in 0..k * w {
            let (x0, x1, fx) = pos(ox, w);
            let p = |r: &[u8], i: usize| u32::from(r.get(i).copied().unwrap_or(255));
            let top = p(r0, x0) * (d - fx) + p(r0, x1) * fx;
            let bot = p(r1, x0) * (d - fx) + p(r1, x1) * fx;
            let v = (top * (d - fy) + bot * fy + d * d / 2) / (d * d);
            if let Some(o) = data.get_mut((oy + pad) * ow + ox + pad) {
                *o = v.min(255) as u8;
            }
        }
    }
    LumaBuf {
        data,
        width: ow,
        height: oh,
    }
}

/// Finds the square window (side `win` pixels, a multiple of 8) with the most
/// high-contrast 8×8 blocks: a QR code is contrast in nearly every block, text and
/// edges are sparse. Returns the window's top-left corner, or `None` for a flat
/// frame. Used to crop and enlarge codes too small for the detectors.
pub fn busiest_window(src: &LumaView<'_>, win: usize) -> Option<(usize, usize)> {
    const B: usize = 8;
    let (w, h) = (src.width(), src.height());
    let (sw, sh) = (w / B, h / B);
    let k = (win / B).max(1);
    if sw < k || sh < k {
        return None;
    }
    // busy[b] = 1 if the block's contrast is at least a third of the frame's best
    let mut contrast = vec![0u8; sw * sh];
    for by in 0..sh {
        let mut lo = vec![255u8; sw];
        let mut hi = vec![0u8; sw];
        for y in by * B..by * B + B {
            for ((l, hh), c) in lo
                .iter_mut()
                .zip(hi.iter_mut())
                .zip(src.row(y).chunks_exact(B))
            {
                for &p in c {
                    *l = (*l).min(p);
                    *hh = (*hh).max(p);
                }
            }
        }
        for (bx, (l, hh)) in lo.iter().zip(hi.iter()).enumerate() {
            if let Some(c) = contrast.get_mut(by * sw + bx) {
                *c = hh - l;
            }
        }
    }
    let best = contrast.iter().copied().max().unwrap_or(0);
    if best < 32 {
        return None;
    }
    let cut = best / 3;
    // integral image of the busy map
    let iw = sw + 1;
    let mut ii = vec![0u32; iw * (sh + 1)];
    for by in 0..sh {
        let mut run = 0u32;
        for bx in 0..sw {
            run += u32::from(contrast.get(by * sw + bx).copied().unwrap_or(0) >= cut);
            let above = ii.get(by * iw + bx + 1).copied().unwrap_or(0);
            if let Some(c) = ii.get_mut((by + 1) * iw + bx + 1) {
                *c = above + run;
            }
        }
    }
    let g = |x: usize, y: usize| ii.get(y * iw + x).copied().unwrap_or(0);
    let mut top = (0u32, 0usize, 0usize);
    for by in 0..=sh - k {
        for bx in 0..=sw - k {
            let n = g(bx + k, by + k) + g(bx, by) - g(bx + k, by) - g(bx, by + k);
            if n > top.0 {
                top = (n, bx, by);
            }
        }
    }
    (top.0 > 0).then_some((top.1 * B, top.2 * B))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_turn_clockwise_moves_the_top_left_to_the_top_right() {
        // 3×2:  a b c      rotated:  d a
        //       d e f                e b
        //                            f c
        let b = LumaBuf {
            data: vec![1, 2, 3, 4, 5, 6],
            width: 3,
            height: 2,
        };
        let r = b.rotated_cw();
        assert_eq!((r.width, r.height), (2, 3));
        assert_eq!(r.data, vec![4, 1, 5, 2, 6, 3]);
        let back = r.rotated_cw().rotated_cw().rotated_cw();
        assert_eq!(back.data, b.data);
        // a short buffer never panics
        let short = LumaBuf {
            data: vec![9],
            width: 3,
            height: 2,
        };
        assert_eq!(short.rotated_cw().data, vec![0, 9, 0, 0, 0, 0]);
    }

    fn plane(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> LumaBuf {
        let mut data = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                data.push(f(x, y));
            }
        }
        LumaBuf {
            data,
            width: w,
            height: h,
        }
    }

    #[test]
    fn view_rows_honour_stride() {
        let data: Vec<u8> = (0..(30 * 24 + 25)).map(|i| (i % 251) as u8).collect();
        let v = LumaView::new(&data, 25, 25, 30).unwrap();
        assert_eq!(v.row(1), &data[30..55]);
        assert_eq!(v.row(24), &data[720..745]);
        assert_eq!(v.row(25), &[] as &[u8]);
        assert_eq!(v.get(3, 2), data[63]);
        assert_eq!(v.get(99, 0), 255);
    }

    #[test]
    fn downscale_averages_blocks() {
        let b = plane(
            64,
            44,
            |x, y| if (x / 2 + y / 2) % 2 == 0 { 0 } else { 200 },
        );
        let d = downscale(&b.view().unwrap(), 2).unwrap();
        assert_eq!((d.width, d.height), (32, 22));
        assert_eq!(d.data[0], 0);
        assert_eq!(d.data[1], 200);
        let q = downscale(&b.view().unwrap(), 4).unwrap_or(LumaBuf {
            data: vec![],
            width: 0,
            height: 0,
        });
        assert_eq!(
            q.width, 0,
            "44/4 = 11 rows is below MIN_SIDE and must be refused"
        );
    }

    #[test]
    fn box3_smooths_and_keeps_flat_areas() {
        let b = plane(30, 30, |x, _| if x < 15 { 0 } else { 90 });
        let s = box3(&b.view().unwrap());
        assert_eq!(s.data[5 * 30 + 5], 0);
        assert_eq!(s.data[5 * 30 + 25], 90);
        assert_eq!(s.data[5 * 30 + 15], 60); // (0 + 90 + 90) / 3
    }

    #[test]
    fn crop_is_a_zero_copy_clipped_view() {
        let b = plane(100, 60, |x, y| (x + y) as u8);
        let v = b.view().unwrap();
        let c = v
            .crop(90, 30, 50, 50)
            .unwrap_or_else(|| v.crop(70, 30, 30, 30).unwrap());
        assert_eq!(c.get(0, 0), v.get(70, 30));
        assert!(v.crop(90, 50, 50, 50).is_none(), "10x10 is below MIN_SIDE");
        let c = v.crop(10, 5, 40, 30).unwrap();
        assert_eq!((c.width(), c.height()), (40, 30));
        assert_eq!(c.row(2), &b.data[7 * 100 + 10..7 * 100 + 50]);
    }

    #[test]
    fn busiest_window_finds_the_textured_patch() {
        // flat grey frame with a thin line and a dense checkerboard patch at (400, 200)
        let b = plane(640, 360, |x, y| {
            if (400..480).contains(&x) && (200..280).contains(&y) {
                if (x / 3 + y / 3) % 2 == 0 {
                    20
                } else {
                    230
                }
            } else if y == 50 {
                0
            } else {
                128
            }
        });
        let (x, y) = busiest_window(&b.view().unwrap(), 64).unwrap();
        assert!(
            (392..=416).contains(&x) && (192..=216).contains(&y),
            "{x},{y}"
        );
        let flat = plane(640, 360, |_, _| 128);
        assert_eq!(busiest_window(&flat.view().unwrap(), 64), None);
    }

    #[test]
    fn upscale3_keeps_levels_and_edges() {
        let b = plane(30, 24, |x, _| if x < 15 { 10 } else { 200 });
        let u = upscale_padded(&b.view().unwrap(), 3, 24);
        assert_eq!((u.width, u.height), (138, 120));
        assert_eq!(u.data[0], 255);
        let row = &u.data[(24 + 30) * 138 + 24..(24 + 30) * 138 + 24 + 90];
        assert_eq!(row[0], 10);
        assert_eq!(row[89], 200);
        assert!(
            row.windows(2).all(|p| p[0] <= p[1]),
            "monotone across the edge"
        );
        assert_eq!(row[40], 10);
        assert_eq!(row[50], 200);
    }

    #[test]
    fn upscale_doubles_and_pads_white() {
        let b = plane(30, 22, |_, _| 0);
        let u = upscale2_padded(&b.view().unwrap(), 16);
        assert_eq!((u.width, u.height), (92, 76));
        assert_eq!(u.data[0], 255);
        assert_eq!(u.data[16 * 92 + 16], 0);
        assert_eq!(u.data[(16 + 43) * 92 + 16 + 59], 0);
    }
}
