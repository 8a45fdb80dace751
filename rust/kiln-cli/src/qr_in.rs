//! QR decoding for `--qr-file` / `--qr-screen`.
//!
//! This build has no QR decoder linked in (the `kiln-qr` crate had not landed
//! when PC/SC support was written): the screens are captured (so capture
//! problems are reported), but decoding says it is not available.

const NOT_AVAILABLE: &str = "reading QR codes is not available in this build of kiln; \
                             pipe the otpauth:// link on standard input instead";

pub fn decode_file(_bytes: &[u8]) -> Result<Vec<String>, String> {
    Err(NOT_AVAILABLE.into())
}

pub fn decode_screens() -> Result<Vec<String>, String> {
    let captures = crate::screen::capture_all().map_err(|e| e.to_string())?;
    let pixels: usize = captures
        .iter()
        .map(|c| c.luma.len().min(c.width as usize * c.height as usize))
        .sum();
    Err(format!("{NOT_AVAILABLE} (captured {pixels} pixels)"))
}
