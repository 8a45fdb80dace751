//! "A QR code is in view but cannot be read": generated frames with codes whose data
//! area is destroyed (finder patterns intact), against intact codes and code-free
//! frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kiln_qr::{decode_luma, scan_luma, Frame, Hint, UnreadableFeedback, SHOW_AFTER_MS};
use rxing::qrcode::QRCodeWriter;
use rxing::{BarcodeFormat, EncodeHints, Writer};

const LINK: &str = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example";

/// Deterministic pseudo-random bytes (xorshift), so every run draws the same frames.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The code's modules (true = dark), without a quiet zone; `version` forces a size.
fn modules(text: &str, version: Option<u32>) -> (Vec<bool>, usize) {
    let hints = EncodeHints {
        Margin: Some("0".into()),
        QrVersion: version.map(|v| v.to_string()),
        ..EncodeHints::default()
    };
    let m = QRCodeWriter
        .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
        .unwrap();
    let side = m.width() as usize;
    let bits = (0..side * side)
        .map(|i| m.get((i % side) as u32, (i / side) as u32))
        .collect();
    (bits, side)
}

/// Scrambles the inner part of the symbol (from 22% to 78% of its side, which keeps
/// the three 7-module finder patterns and their separators), far beyond what error
/// correction can repair.
fn destroy_data(bits: &mut [bool], side: usize, rng: &mut Rng) {
    let (lo, hi) = (side * 22 / 100, side * 78 / 100);
    for y in lo..hi {
        for x in lo..hi {
            bits[y * side + x] = rng.next().is_multiple_of(2);
        }
    }
}

/// A `w`×`h` luma frame, light grey, with the code centred at `module_px` per module.
fn frame(
    bits: &[bool],
    side: usize,
    module_px: usize,
    w: usize,
    h: usize,
    dark_mode: bool,
) -> Vec<u8> {
    let (dark, light, bg) = if dark_mode {
        (0xE0, 0x20, 0x30)
    } else {
        (0x20, 0xE0, 0xD0)
    };
    let mut px = vec![bg; w * h];
    let left = (w - side * module_px) / 2;
    let top = (h - side * module_px) / 2;
    // a quiet zone of 4 modules in the code's light colour
    let q = 4 * module_px;
    for y in top - q..top + side * module_px + q {
        for x in left - q..left + side * module_px + q {
            px[y * w + x] = light;
        }
    }
    for my in 0..side {
        for mx in 0..side {
            if bits[my * side + mx] {
                for dy in 0..module_px {
                    let row = (top + my * module_px + dy) * w;
                    for dx in 0..module_px {
                        px[row + left + mx * module_px + dx] = dark;
                    }
                }
            }
        }
    }
    px
}

fn scan(px: &[u8], w: usize, h: usize) -> Frame {
    scan_luma(px, w as u32, h as u32, w as u32, None).unwrap()
}

fn assert_unreadable(f: &Frame, module_px: f32, side: usize) -> Hint {
    let Frame::Unreadable(s) = f else {
        panic!("expected a sighting, got {f:?}");
    };
    assert!(
        (s.module_px - module_px).abs() <= module_px * 0.25,
        "module estimate {} for {module_px} px",
        s.module_px
    );
    assert!(
        (s.dimension - side as f32).abs() <= side as f32 * 0.15,
        "dimension estimate {} for {side}",
        s.dimension
    );
    s.hint()
}

#[test]
fn a_damaged_code_with_big_modules_is_seen_and_the_advice_is_hold_steady() {
    let mut rng = Rng(7);
    let (mut bits, side) = modules(LINK, None);
    destroy_data(&mut bits, side, &mut rng);
    let px = frame(&bits, side, 6, 640, 480, false);
    assert!(
        decode_luma(&px, 640, 480, 640, None).unwrap().is_empty(),
        "damage was repaired"
    );
    assert_eq!(
        assert_unreadable(&scan(&px, 640, 480), 6.0, side),
        Hint::HoldSteady
    );
}

#[test]
fn a_damaged_dark_mode_code_is_seen() {
    let mut rng = Rng(11);
    let (mut bits, side) = modules(LINK, None);
    destroy_data(&mut bits, side, &mut rng);
    let px = frame(&bits, side, 5, 640, 480, true);
    assert_eq!(
        assert_unreadable(&scan(&px, 640, 480), 5.0, side),
        Hint::HoldSteady
    );
}

#[test]
fn a_damaged_code_with_two_pixel_modules_asks_to_move_closer() {
    let mut rng = Rng(13);
    let (mut bits, side) = modules(LINK, Some(10));
    assert_eq!(side, 57);
    destroy_data(&mut bits, side, &mut rng);
    let px = frame(&bits, side, 2, 1280, 720, false);
    assert_eq!(
        assert_unreadable(&scan(&px, 1280, 720), 2.0, side),
        Hint::MoveCloser
    );
}

#[test]
fn an_intact_code_decodes_and_its_debug_output_hides_the_payload() {
    let (bits, side) = modules(LINK, None);
    let px = frame(&bits, side, 4, 640, 480, false);
    let f = scan(&px, 640, 480);
    match &f {
        Frame::Decoded(p) => assert_eq!(p, &vec![LINK.to_owned()]),
        other => panic!("expected a decode, got {other:?}"),
    }
    let debug = format!("{f:?}");
    assert!(
        !debug.contains("secret") && !debug.contains("JBSW"),
        "{debug}"
    );
}

#[test]
fn frames_without_a_code_are_empty() {
    let (w, h) = (640, 480);
    let mut rng = Rng(3);
    // flat, noise, and blocky "document" frames (rectangles of random size and grey)
    let flat = vec![0x80u8; w * h];
    assert!(matches!(scan(&flat, w, h), Frame::Empty));
    for _ in 0..4 {
        let noise: Vec<u8> = (0..w * h).map(|_| rng.next() as u8).collect();
        assert!(matches!(scan(&noise, w, h), Frame::Empty));
        let mut blocks = vec![0xC0u8; w * h];
        for _ in 0..60 {
            let (bw, bh) = (4 + rng.next() as usize % 80, 4 + rng.next() as usize % 40);
            let (x0, y0) = (
                rng.next() as usize % (w - bw),
                rng.next() as usize % (h - bh),
            );
            let v = rng.next() as u8;
            for y in y0..y0 + bh {
                blocks[y * w + x0..y * w + x0 + bw].fill(v);
            }
        }
        let f = scan(&blocks, w, h);
        assert!(matches!(f, Frame::Empty), "{f:?}");
    }
}

#[test]
fn a_live_preview_shows_the_message_after_a_steady_run_and_drops_it_on_a_decode() {
    let mut rng = Rng(17);
    let (mut bits, side) = modules(LINK, None);
    let good = frame(&bits, side, 6, 640, 480, false);
    destroy_data(&mut bits, side, &mut rng);
    let bad = frame(&bits, side, 6, 640, 480, false);
    let mut feedback = UnreadableFeedback::new();
    let mut t = 0;
    let mut first_shown = None;
    while t <= 2 * SHOW_AFTER_MS {
        if feedback.observe(t, &scan(&bad, 640, 480)).is_some() && first_shown.is_none() {
            first_shown = Some(t);
        }
        t += 100;
    }
    assert_eq!(first_shown, Some(SHOW_AFTER_MS));
    assert_eq!(feedback.shown(), Some(Hint::HoldSteady));
    assert_eq!(feedback.observe(t, &scan(&good, 640, 480)), None);
}
