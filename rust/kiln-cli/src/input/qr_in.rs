//! QR decoding for `--qr-file` / `--qr-screen` / `kiln qr decode` (kiln-qr).
//! Decoded payloads are secrets: the caller wraps the one it uses and zeroizes the
//! rest.

use kiln_qr::{Frame, Hint, Sighting};
use zeroize::{Zeroize, Zeroizing};

/// What the decoder made of an image or the screens.
pub struct Found {
    /// The distinct payloads (secret material).
    pub payloads: Vec<String>,
    /// When nothing decoded: a QR code that is visible but could not be read.
    pub unreadable: Option<Sighting>,
    /// Screen capture only: the screens or monitors whose image holds a decoded
    /// code ("display 2 of 2"), out of how many were captured.
    pub seen_on: Vec<String>,
    pub screens: usize,
}

impl Found {
    fn new() -> Found {
        Found {
            payloads: Vec::new(),
            unreadable: None,
            seen_on: Vec::new(),
            screens: 0,
        }
    }

    /// Adds what one image yielded; true when it decoded something.
    fn add(&mut self, frame: Frame) -> bool {
        match frame {
            Frame::Decoded(p) => {
                // The same code on two monitors (mirrored displays) is one code.
                for mut text in p {
                    if self.payloads.contains(&text) {
                        text.zeroize();
                    } else {
                        self.payloads.push(text);
                    }
                }
                return true;
            }
            Frame::Unreadable(s) => {
                self.unreadable.get_or_insert(s);
            }
            Frame::Empty => {}
        }
        false
    }
}

/// Largest image file read (a screenshot of a setup page is a few MB; the
/// decoder also refuses images over `kiln_qr::MAX_PIXELS` pixels).
pub const MAX_IMAGE_BYTES: usize = 64 << 20;

/// Why an image file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ImageReadError {
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error(
        "the file is larger than {} MiB; a QR code screenshot is far smaller: crop it or save a smaller image",
        MAX_IMAGE_BYTES >> 20
    )]
    TooLarge,
}

/// Reads an image file, at most [`MAX_IMAGE_BYTES`], into one zeroizing buffer
/// (the image may show a seed). A device or pipe (`/dev/zero`) stops at the cap.
pub fn read_image(path: &std::path::Path) -> Result<zeroize::Zeroizing<Vec<u8>>, ImageReadError> {
    read_image_capped(path, MAX_IMAGE_BYTES)
}

fn read_image_capped(
    path: &std::path::Path,
    max: usize,
) -> Result<zeroize::Zeroizing<Vec<u8>>, ImageReadError> {
    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    // A regular file says its size: refuse a large one unread, and allocate only
    // what a small one needs.
    let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if meta.is_file() && size > max {
        return Err(ImageReadError::TooLarge);
    }
    let want = if meta.is_file() { size } else { max };
    match crate::input::read_capped(&mut file, want) {
        Ok(bytes) => Ok(bytes),
        // A regular file that grew past its stated size is read again with the cap.
        Err(crate::input::InputError::TooLarge) if want < max => {
            let mut file = std::fs::File::open(path)?;
            crate::input::read_capped(&mut file, max).map_err(|e| match e {
                crate::input::InputError::Io(e) => ImageReadError::Io(e),
                _ => ImageReadError::TooLarge,
            })
        }
        Err(crate::input::InputError::Io(e)) => Err(ImageReadError::Io(e)),
        Err(_) => Err(ImageReadError::TooLarge),
    }
}

/// An 8-bit luma plane (which may show the secret: the caller's buffer is
/// zeroizing), scanned with the file budget; true when something decoded.
fn scan_plane(luma: &[u8], width: u32, height: u32, found: &mut Found) -> Result<bool, String> {
    let r = kiln_qr::scan_luma(luma, width, height, width, Some(kiln_qr::FILE_BUDGET));
    Ok(found.add(r.map_err(|e| e.to_string())?))
}

/// The QR codes in an image file's bytes (PNG, JPEG, WebP).
pub fn decode_file(bytes: &[u8]) -> Result<Found, String> {
    let luma = kiln_qr::load_luma(bytes).map_err(|e| e.to_string())?;
    let (width, height) = (luma.width, luma.height);
    // The pixels may show the secret.
    let data = Zeroizing::new(luma.data);
    let (w, h) = (
        u32::try_from(width).map_err(|e| e.to_string())?,
        u32::try_from(height).map_err(|e| e.to_string())?,
    );
    let mut found = Found::new();
    scan_plane(&data, w, h, &mut found)?;
    Ok(found)
}

/// The QR codes on every screen or monitor.
pub fn decode_screens() -> Result<Found, String> {
    let mut captures = crate::screen::capture_all().map_err(|e| e.to_string())?;
    let mut found = Found::new();
    found.screens = captures.len();
    // Each capture is wiped (dropped) as soon as it is scanned.
    for c in captures.drain(..) {
        if scan_plane(&c.luma, c.width, c.height, &mut found)? {
            found.seen_on.push(c.label);
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_code_seen_twice_counts_once() {
        let mut found = Found::new();
        let a = "otpauth://totp/a?secret=AAAA".to_string();
        let b = "otpauth://totp/b?secret=BBBB".to_string();
        assert!(found.add(Frame::Decoded(vec![a.clone()])));
        assert!(found.add(Frame::Decoded(vec![a.clone(), b.clone()])));
        assert!(!found.add(Frame::Empty));
        assert_eq!(found.payloads, vec![a, b]);
    }

    #[test]
    fn image_reads_stop_at_the_cap() {
        // An endless device is cut off at the cap, not read until memory runs out.
        let dev = std::path::Path::new("/dev/zero");
        if dev.exists() {
            let e = read_image_capped(dev, 4096).unwrap_err();
            assert!(matches!(e, ImageReadError::TooLarge), "{e}");
        }
        let dir = std::env::temp_dir().join(format!("kiln-img-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.png");
        std::fs::write(&big, vec![0u8; 5000]).unwrap();
        assert!(matches!(
            read_image_capped(&big, 4096).unwrap_err(),
            ImageReadError::TooLarge
        ));
        let small = dir.join("small.png");
        std::fs::write(&small, b"not really a png").unwrap();
        let bytes = read_image_capped(&small, 4096).unwrap();
        assert_eq!(&bytes[..], b"not really a png");
        assert!(read_image(&dir.join("missing.png"))
            .unwrap_err()
            .to_string()
            .starts_with("cannot read the file"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(ImageReadError::TooLarge
            .to_string()
            .contains("larger than 64 MiB"));
    }
}
