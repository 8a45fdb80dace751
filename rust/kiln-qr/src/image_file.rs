//! Image files -> luminance, with decompression-bomb guards.

use crate::luma::{LumaBuf, MAX_PIXELS};
use crate::{pipeline, QrError, FILE_BUDGET};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use std::time::Duration;

/// Largest accepted side of an image file, in pixels.
pub const MAX_SIDE: u32 = 16384;

/// Reads the header, checks the format and dimensions, then decodes with allocation
/// limits and converts to luminance (transparent pixels composited over white).
pub fn load_luma(bytes: &[u8]) -> Result<LumaBuf, QrError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::BadImage(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) => {}
        _ => return Err(QrError::UnsupportedFormat),
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| QrError::BadImage(e.to_string()))?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(QrError::TooLarge { width, height });
    }
    if width < crate::MIN_SIDE || height < crate::MIN_SIDE {
        return Err(QrError::TooSmall { width, height });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| QrError::BadImage(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // Decoded RGBA16 of the largest accepted image plus the decoder's working memory.
    limits.max_alloc = Some(MAX_PIXELS * 8 + (64 << 20));
    reader.limits(limits);
    let img = reader
        .decode()
        .map_err(|e| QrError::BadImage(e.to_string()))?;
    Ok(to_luma(img))
}

fn to_luma(img: DynamicImage) -> LumaBuf {
    let (width, height) = (img.width() as usize, img.height() as usize);
    let data = if img.color().has_alpha() {
        let la = img.to_luma_alpha8();
        la.pixels()
            .map(|p| {
                let [l, a] = p.0;
                let (l, a) = (u32::from(l), u32::from(a));
                ((l * a + 255 * (255 - a)) / 255) as u8
            })
            .collect()
    } else {
        img.to_luma8().into_raw()
    };
    LumaBuf {
        data,
        width,
        height,
    }
}

/// Decodes the QR codes in a PNG, JPEG or WebP file's bytes with the file budget
/// ([`FILE_BUDGET`]). An empty list means the image was readable but held no
/// decodable QR code.
pub fn decode_image_bytes(bytes: &[u8]) -> Result<Vec<String>, QrError> {
    decode_image_bytes_with_budget(bytes, FILE_BUDGET)
}

/// [`decode_image_bytes`] with an explicit time budget.
pub fn decode_image_bytes_with_budget(
    bytes: &[u8],
    budget: Duration,
) -> Result<Vec<String>, QrError> {
    let buf = load_luma(bytes)?;
    let view = buf.view().ok_or(QrError::TooLarge {
        width: u32::try_from(buf.width).unwrap_or(u32::MAX),
        height: u32::try_from(buf.height).unwrap_or(u32::MAX),
    })?;
    Ok(pipeline::decode(&view, budget))
}
