//! Screen capture for `kiln burn --qr-screen`: every screen or monitor, each as
//! an 8-bit luminance plane.
//!
//! - Linux and the BSDs: every X11 screen of `$DISPLAY` (`x11.rs`, pure-Rust X11
//!   client). One X screen spans all of its monitors. A Wayland session without
//!   an X server is told plainly what to do instead; under XWayland the capture
//!   shows X11 windows only, and an empty result says so.
//! - Windows and macOS: every monitor, through the `xcap` crate (`monitors.rs`;
//!   GDI on Windows, Core Graphics on macOS).
//!
//! The pixels may show a seed: every buffer holding them is zeroized when it is
//! dropped, the caller scans one plane at a time.

use zeroize::Zeroizing;

#[cfg(any(windows, target_os = "macos"))]
mod monitors;
#[cfg(all(unix, not(target_os = "macos")))]
mod x11;

/// One captured screen or monitor, as luminance (stride = width).
pub struct Capture {
    pub luma: Zeroizing<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    /// Which screen this is, for the user ("display 2 (\\.\DISPLAY2)", "X screen 1").
    pub label: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    // The variants exist where they can occur: X11 on Linux and the BSDs, xcap on
    // Windows and macOS, nothing elsewhere.
    #[error("screen capture is not available on this system; {ALTERNATIVES}")]
    #[cfg(not(any(unix, windows)))]
    Unsupported,
    #[error("cannot open the X11 display {display:?}: {why}; {ALTERNATIVES}")]
    #[cfg(all(unix, not(target_os = "macos")))]
    NoDisplay { display: String, why: String },
    #[error("this is a Wayland session and kiln reads the screen over X11 only, but the X server {display:?} cannot be opened ({why}); {ALTERNATIVES}")]
    #[cfg(all(unix, not(target_os = "macos")))]
    WaylandOnly { display: String, why: String },
    #[error("the X11 server refused the screen capture: {0}")]
    #[cfg(all(unix, not(target_os = "macos")))]
    Capture(String),
    #[error("unsupported X11 pixel format ({bits} bits per pixel)")]
    #[cfg(all(unix, not(target_os = "macos")))]
    PixelFormat { bits: u8 },
    #[error("cannot list the monitors: {0}; {ALTERNATIVES}")]
    #[cfg(any(windows, target_os = "macos"))]
    Monitors(String),
    #[error("cannot capture {label}: {why}; {ALTERNATIVES}")]
    #[cfg(any(windows, target_os = "macos"))]
    Monitor { label: String, why: String },
    #[error("no monitor was found to capture; {ALTERNATIVES}")]
    #[cfg(any(windows, target_os = "macos"))]
    NoMonitor,
}

/// What to do when the screen cannot be read.
const ALTERNATIVES: &str = "save a screenshot and use --qr-file PATH (or check it with `kiln qr decode PATH`), or paste the otpauth:// link on standard input";

/// Every screen (X11) or monitor (Windows, macOS), in order.
pub fn capture_all() -> Result<Vec<Capture>, ScreenError> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        x11::capture_all(wayland_session())
    }
    #[cfg(any(windows, target_os = "macos"))]
    {
        monitors::capture_all()
    }
    #[cfg(not(any(unix, windows)))]
    {
        Err(ScreenError::Unsupported)
    }
}

/// Whether this looks like a Wayland session (its compositor's socket is named).
#[cfg(all(unix, not(target_os = "macos")))]
fn wayland_session() -> bool {
    is_wayland(
        std::env::var_os("WAYLAND_DISPLAY").as_deref(),
        std::env::var_os("XDG_SESSION_TYPE").as_deref(),
    )
}

#[cfg(any(all(unix, not(target_os = "macos")), test))]
fn is_wayland(
    wayland_display: Option<&std::ffi::OsStr>,
    session: Option<&std::ffi::OsStr>,
) -> bool {
    wayland_display.is_some_and(|d| !d.is_empty()) || session.is_some_and(|s| s == "wayland")
}

/// Why a capture that found no QR code may have missed one on this desktop, as a
/// sentence to add to "no QR code found"; `None` when there is nothing to add.
pub fn empty_capture_hint() -> Option<&'static str> {
    #[cfg(all(unix, not(target_os = "macos")))]
    {
        wayland_session().then_some(
            "on Wayland, kiln sees only the windows of X11 programs (XWayland): show the code \
             in an X11 program, or save a screenshot and use --qr-file PATH",
        )
    }
    #[cfg(target_os = "macos")]
    {
        Some(
            "if the code is on screen, allow Screen Recording for this terminal (System Settings, \
             Privacy & Security, Screen Recording) and run kiln again, or save a screenshot and \
             use --qr-file PATH",
        )
    }
    #[cfg(not(any(all(unix, not(target_os = "macos")), target_os = "macos")))]
    {
        None
    }
}

/// Luminance (ITU-R BT.601 weights) of 8-bit RGBA pixels, row after row with no
/// padding. `None` when `rgba` is not `width * height` pixels.
#[cfg(any(windows, target_os = "macos", test))]
pub fn rgba_to_luma(rgba: &[u8], width: u32, height: u32) -> Option<Zeroizing<Vec<u8>>> {
    let pixels = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
    if rgba.len() != pixels.checked_mul(4)? {
        return None;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(pixels));
    out.extend(rgba.chunks_exact(4).map(|px| match *px {
        [r, g, b, _] => {
            ((u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000) as u8
        }
        _ => 0,
    }));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn rgba_pixels_become_luma() {
        // White, pure red, pure green, pure blue (alpha ignored).
        let rgba = [
            255, 255, 255, 0, 255, 0, 0, 255, 0, 255, 0, 9, 0, 0, 255, 255,
        ];
        let l = rgba_to_luma(&rgba, 2, 2).map(|v| v.to_vec());
        assert_eq!(l, Some(vec![255, 76, 149, 29]));
        assert!(rgba_to_luma(&rgba, 3, 2).is_none(), "too few bytes");
        assert!(rgba_to_luma(&rgba[..15], 2, 2).is_none(), "a partial pixel");
        assert!(rgba_to_luma(&rgba, 1, 2).is_none(), "too many bytes");
        assert_eq!(rgba_to_luma(&[], 0, 0).map(|v| v.len()), Some(0));
    }

    #[test]
    fn wayland_is_seen_from_the_environment() {
        assert!(is_wayland(Some(OsStr::new("wayland-0")), None));
        assert!(is_wayland(None, Some(OsStr::new("wayland"))));
        assert!(!is_wayland(Some(OsStr::new("")), Some(OsStr::new("x11"))));
        assert!(!is_wayland(None, None));
    }

    #[test]
    fn errors_say_what_to_do_instead() {
        #[cfg(all(unix, not(target_os = "macos")))]
        let e = ScreenError::WaylandOnly {
            display: String::new(),
            why: "no DISPLAY".into(),
        };
        #[cfg(any(windows, target_os = "macos"))]
        let e = ScreenError::NoMonitor;
        #[cfg(not(any(unix, windows)))]
        let e = ScreenError::Unsupported;
        let text = e.to_string();
        assert!(text.contains("--qr-file PATH"), "{text}");
        assert!(text.contains("otpauth://"), "{text}");
    }
}
