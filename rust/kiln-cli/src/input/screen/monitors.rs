//! Windows and macOS capture: every monitor, through the `xcap` crate (GDI on
//! Windows, Core Graphics on macOS; the crate holds the platform calls, so kiln's
//! own code stays free of `unsafe`).

use super::{rgba_to_luma, Capture, ScreenError};
use zeroize::Zeroizing;

pub fn capture_all() -> Result<Vec<Capture>, ScreenError> {
    let monitors = xcap::Monitor::all().map_err(|e| ScreenError::Monitors(e.to_string()))?;
    if monitors.is_empty() {
        return Err(ScreenError::NoMonitor);
    }
    let count = monitors.len();
    let mut out = Vec::with_capacity(count);
    for (i, monitor) in monitors.iter().enumerate() {
        let label = label(i, count, monitor.name().ok());
        let image = monitor.capture_image().map_err(|e| ScreenError::Monitor {
            label: label.clone(),
            why: e.to_string(),
        })?;
        let (width, height) = image.dimensions();
        // The pixels may show the seed: the RGBA copy is wiped as soon as it is
        // converted.
        let rgba = Zeroizing::new(image.into_raw());
        let luma = rgba_to_luma(&rgba, width, height).ok_or_else(|| ScreenError::Monitor {
            label: label.clone(),
            why: format!("the image is not {width}x{height} RGBA pixels"),
        })?;
        drop(rgba);
        out.push(Capture {
            luma,
            width,
            height,
            label,
        });
    }
    Ok(out)
}

/// "display 2 of 3 (\\.\DISPLAY2)": numbered from 1 as the system's display
/// settings do; the system's own name when it has one.
fn label(index: usize, count: usize, name: Option<String>) -> String {
    let n = index + 1;
    match name.filter(|s| !s.trim().is_empty()) {
        Some(name) => format!("display {n} of {count} ({})", name.trim()),
        None => format!("display {n} of {count}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitors_are_numbered_from_one() {
        assert_eq!(
            label(1, 3, Some("\\\\.\\DISPLAY2".into())),
            "display 2 of 3 (\\\\.\\DISPLAY2)"
        );
        assert_eq!(label(0, 1, Some("  ".into())), "display 1 of 1");
        assert_eq!(label(0, 2, None), "display 1 of 2");
    }
}
