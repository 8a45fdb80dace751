//! X11 capture: every screen (root window) of `$DISPLAY`, with a pure-Rust X11
//! client (no system libraries). An X screen spans all of its monitors (RandR /
//! Xinerama), so one capture per screen covers every monitor.

use super::{Capture, ScreenError};
use zeroize::Zeroizing;

pub fn capture_all(wayland: bool) -> Result<Vec<Capture>, ScreenError> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

    let display = std::env::var("DISPLAY").unwrap_or_default();
    let (conn, _) = x11rb::connect(None).map_err(|e| {
        let why = e.to_string();
        if wayland {
            ScreenError::WaylandOnly { display, why }
        } else {
            ScreenError::NoDisplay { display, why }
        }
    })?;
    let setup = conn.setup();
    let lsb = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let mut out = Vec::new();
    for (n, screen) in setup.roots.iter().enumerate() {
        let (w, h) = (screen.width_in_pixels, screen.height_in_pixels);
        let reply = conn
            .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, w, h, !0)
            .map_err(|e| ScreenError::Capture(e.to_string()))?
            .reply()
            .map_err(|e| ScreenError::Capture(e.to_string()))?;
        let (depth, visual_id) = (reply.depth, reply.visual);
        // The pixels may show the seed.
        let data = Zeroizing::new(reply.data);
        let format = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == depth)
            .ok_or(ScreenError::PixelFormat { bits: depth })?;
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|d| d.visuals.iter())
            .find(|v| v.visual_id == visual_id)
            .or_else(|| {
                screen
                    .allowed_depths
                    .iter()
                    .flat_map(|d| d.visuals.iter())
                    .find(|v| v.visual_id == screen.root_visual)
            })
            .ok_or_else(|| ScreenError::Capture("no visual for the root window".into()))?;
        let masks = [visual.red_mask, visual.green_mask, visual.blue_mask];
        let luma = to_luma(
            &data,
            u32::from(w),
            u32::from(h),
            format.bits_per_pixel,
            format.scanline_pad,
            lsb,
            masks,
        )?;
        out.push(Capture {
            luma,
            width: u32::from(w),
            height: u32::from(h),
            label: format!("X screen {n}"),
        });
    }
    Ok(out)
}

/// Converts a Z-format image (24 or 32 bits per pixel, channel masks from the
/// visual) to luminance (ITU-R BT.601 weights).
pub fn to_luma(
    data: &[u8],
    width: u32,
    height: u32,
    bits_per_pixel: u8,
    scanline_pad: u8,
    lsb_first: bool,
    masks: [u32; 3],
) -> Result<Zeroizing<Vec<u8>>, ScreenError> {
    let bytes = match bits_per_pixel {
        24 => 3usize,
        32 => 4usize,
        bits => return Err(ScreenError::PixelFormat { bits }),
    };
    let pad = usize::from(scanline_pad.max(8)) / 8;
    let row_bytes = (width as usize * bytes).div_ceil(pad) * pad;
    let channel = |px: u32, mask: u32| -> u32 {
        if mask == 0 {
            return 0;
        }
        let v = (px & mask) >> mask.trailing_zeros();
        let max = mask >> mask.trailing_zeros();
        v * 255 / max.max(1)
    };
    let mut out = Zeroizing::new(Vec::with_capacity(width as usize * height as usize));
    for y in 0..height as usize {
        let row = data
            .get(y * row_bytes..y * row_bytes + width as usize * bytes)
            .ok_or_else(|| ScreenError::Capture("short image data".into()))?;
        for px in row.chunks_exact(bytes) {
            let mut b = [0u8; 4];
            for (i, v) in px.iter().enumerate() {
                if let Some(slot) = b.get_mut(i) {
                    *slot = *v;
                }
            }
            let p = if lsb_first {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b) >> (8 * (4 - bytes))
            };
            let [r, g, bl] = masks.map(|m| channel(p, m));
            out.push(((r * 299 + g * 587 + bl * 114) / 1000) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bgrx_pixels_become_luma() {
        // Two pixels, little-endian BGRX: white, then pure red; row padded to 32 bits.
        let data = [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00];
        let l = to_luma(&data, 2, 1, 32, 32, true, [0xFF0000, 0x00FF00, 0x0000FF]);
        assert_eq!(l.ok().map(|v| v.to_vec()), Some(vec![255, 76]));
        assert!(matches!(
            to_luma(&data, 2, 1, 16, 32, true, [0xF800, 0x07E0, 0x001F]),
            Err(ScreenError::PixelFormat { bits: 16 })
        ));
        assert!(to_luma(&data, 3, 1, 32, 32, true, [0xFF0000, 0xFF00, 0xFF]).is_err());
    }
}
