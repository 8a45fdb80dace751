//! QR decoding for `--qr-file` / `--qr-screen` (kiln-qr). Decoded payloads
//! are secrets: the caller wraps the one it uses and zeroizes the rest.

/// The QR payloads in an image file's bytes (PNG, JPEG, WebP).
pub fn decode_file(bytes: &[u8]) -> Result<Vec<String>, String> {
    kiln_qr::decode_image_bytes(bytes).map_err(|e| e.to_string())
}

/// The QR payloads on every screen (X11).
pub fn decode_screens() -> Result<Vec<String>, String> {
    let captures = crate::screen::capture_all().map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for c in captures {
        // Screen pixels may show the secret too.
        let luma = zeroize::Zeroizing::new(c.luma);
        let payloads = kiln_qr::decode_luma(
            &luma,
            c.width,
            c.height,
            c.width,
            Some(kiln_qr::FILE_BUDGET),
        )
        .map_err(|e| e.to_string())?;
        found.extend(payloads);
    }
    Ok(found)
}
