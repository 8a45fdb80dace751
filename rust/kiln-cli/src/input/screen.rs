//! Screen capture for `kiln burn --qr-screen`: every X11 screen of `$DISPLAY`
//! as an 8-bit luminance plane (pure-Rust X11 client, no system libraries).
//!
//! Works on X11 desktops (and under Xvfb). Not available: pure Wayland sessions
//! (XWayland shows other programs' windows as black), macOS, Windows — there the
//! user saves a screenshot and uses `--qr-file`.

/// One captured screen, as luminance (stride = width).
pub struct Capture {
    pub luma: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    // The variants exist where they can occur: X11 capture on Linux and the BSDs,
    // "not available" elsewhere (macOS, Windows).
    #[error("screen capture is only available on X11 desktops in this build; save a screenshot and use --qr-file PATH")]
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    Unsupported,
    #[error("cannot open the X11 display {display:?}: {why} (on Wayland or without a desktop, save a screenshot and use --qr-file PATH)")]
    #[cfg(all(unix, not(target_os = "macos")))]
    NoDisplay { display: String, why: String },
    #[error("the X11 server refused the screen capture: {0}")]
    #[cfg(all(unix, not(target_os = "macos")))]
    Capture(String),
    #[error("unsupported X11 pixel format ({bits} bits per pixel)")]
    #[cfg(all(unix, not(target_os = "macos")))]
    PixelFormat { bits: u8 },
}

#[cfg(all(unix, not(target_os = "macos")))]
pub fn capture_all() -> Result<Vec<Capture>, ScreenError> {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

    let display = std::env::var("DISPLAY").unwrap_or_default();
    let (conn, _) = x11rb::connect(None).map_err(|e| ScreenError::NoDisplay {
        display: display.clone(),
        why: e.to_string(),
    })?;
    let setup = conn.setup();
    let lsb = setup.image_byte_order == ImageOrder::LSB_FIRST;
    let mut out = Vec::new();
    for screen in &setup.roots {
        let (w, h) = (screen.width_in_pixels, screen.height_in_pixels);
        let reply = conn
            .get_image(ImageFormat::Z_PIXMAP, screen.root, 0, 0, w, h, !0)
            .map_err(|e| ScreenError::Capture(e.to_string()))?
            .reply()
            .map_err(|e| ScreenError::Capture(e.to_string()))?;
        let format = setup
            .pixmap_formats
            .iter()
            .find(|f| f.depth == reply.depth)
            .ok_or(ScreenError::PixelFormat { bits: reply.depth })?;
        let visual = screen
            .allowed_depths
            .iter()
            .flat_map(|d| d.visuals.iter())
            .find(|v| v.visual_id == reply.visual)
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
            &reply.data,
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
        });
    }
    Ok(out)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn capture_all() -> Result<Vec<Capture>, ScreenError> {
    Err(ScreenError::Unsupported)
}

/// Converts a Z-format image (24 or 32 bits per pixel, channel masks from the
/// visual) to luminance (ITU-R BT.601 weights).
#[cfg(all(unix, not(target_os = "macos")))]
pub fn to_luma(
    data: &[u8],
    width: u32,
    height: u32,
    bits_per_pixel: u8,
    scanline_pad: u8,
    lsb_first: bool,
    masks: [u32; 3],
) -> Result<Vec<u8>, ScreenError> {
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
    let mut out = Vec::with_capacity(width as usize * height as usize);
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
#[cfg(all(unix, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn bgrx_pixels_become_luma() {
        // Two pixels, little-endian BGRX: white, then pure red; row padded to 32 bits.
        let data = [0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xFF, 0x00];
        let l = to_luma(&data, 2, 1, 32, 32, true, [0xFF0000, 0x00FF00, 0x0000FF]);
        assert_eq!(l.ok(), Some(vec![255, 76]));
        assert!(matches!(
            to_luma(&data, 2, 1, 16, 32, true, [0xF800, 0x07E0, 0x001F]),
            Err(ScreenError::PixelFormat { bits: 16 })
        ));
        assert!(to_luma(&data, 3, 1, 32, 32, true, [0xFF0000, 0xFF00, 0xFF]).is_err());
    }
}
