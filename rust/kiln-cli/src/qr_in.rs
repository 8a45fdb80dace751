//! QR decoding for `--qr-file` / `--qr-screen` / `kiln qr decode` (kiln-qr).
//! Decoded payloads are secrets: the caller wraps the one it uses and zeroizes the
//! rest.

use kiln_qr::{Frame, Hint, Sighting};
use zeroize::Zeroize;

/// What the decoder made of an image or the screens.
pub struct Found {
    /// The distinct payloads (secret material).
    pub payloads: Vec<String>,
    /// When nothing decoded: a QR code that is visible but could not be read.
    pub unreadable: Option<Sighting>,
}

impl Found {
    fn add(&mut self, frame: Frame) {
        match frame {
            Frame::Decoded(p) => self.payloads.extend(p),
            Frame::Unreadable(s) => {
                self.unreadable.get_or_insert(s);
            }
            Frame::Empty => {}
        }
    }
}

/// An 8-bit luma plane, scanned with the file budget, then wiped.
fn scan_plane(mut luma: Vec<u8>, width: u32, height: u32, found: &mut Found) -> Result<(), String> {
    let r = kiln_qr::scan_luma(&luma, width, height, width, Some(kiln_qr::FILE_BUDGET));
    // The pixels may show the secret.
    luma.zeroize();
    found.add(r.map_err(|e| e.to_string())?);
    Ok(())
}

/// The QR codes in an image file's bytes (PNG, JPEG, WebP).
pub fn decode_file(bytes: &[u8]) -> Result<Found, String> {
    let luma = kiln_qr::load_luma(bytes).map_err(|e| e.to_string())?;
    let (w, h) = (
        u32::try_from(luma.width).map_err(|e| e.to_string())?,
        u32::try_from(luma.height).map_err(|e| e.to_string())?,
    );
    let mut found = Found {
        payloads: Vec::new(),
        unreadable: None,
    };
    scan_plane(luma.data, w, h, &mut found)?;
    Ok(found)
}

/// The QR codes on every screen (X11).
pub fn decode_screens() -> Result<Found, String> {
    let captures = crate::screen::capture_all().map_err(|e| e.to_string())?;
    let mut found = Found {
        payloads: Vec::new(),
        unreadable: None,
    };
    for c in captures {
        scan_plane(c.luma, c.width, c.height, &mut found)?;
    }
    if !found.payloads.is_empty() {
        found.unreadable = None;
    }
    Ok(found)
}

/// What to do about a visible but unreadable code, as the end of a sentence
/// ("… cannot be read: <advice>"). `screen`: the code was captured from the screen.
pub fn advice(s: &Sighting, screen: bool) -> String {
    match (s.hint(), screen) {
        (Hint::MoveCloser, true) => format!(
            "it is too small on the screen (modules about {:.1} px wide); zoom the page in and try again",
            s.module_px
        ),
        (Hint::MoveCloser, false) => format!(
            "it is too small (modules about {:.1} px wide); use a larger screenshot or photo of it",
            s.module_px
        ),
        (Hint::HoldSteady, true) => {
            "it is partly covered or distorted; show the whole code, unscaled, and try again".into()
        }
        (Hint::HoldSteady, false) => {
            "it is blurred, damaged or partly covered; use a sharper image of the whole code".into()
        }
    }
}

/// JSON name of the advice.
pub fn advice_key(s: &Sighting) -> &'static str {
    match s.hint() {
        Hint::MoveCloser => "move_closer",
        Hint::HoldSteady => "hold_steady",
    }
}
