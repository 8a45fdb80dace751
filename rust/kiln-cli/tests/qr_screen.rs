//! `kiln burn --qr-screen` under Xvfb: the test draws a QR code (an otpauth
//! link) onto the root window of a virtual X display and checks that kiln
//! finds it and burns that seed onto the simulated token. Needs an X server
//! in `KILN_TEST_DISPLAY` (e.g. `Xvfb :77`), so it is `#[ignore]`d; run by
//! `scripts/qr-screen-e2e.sh`.
#![cfg(all(unix, not(target_os = "macos")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_core::params::Algorithm;
use kiln_core::totp;
use std::process::Command;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat, ImageOrder};

const MODULE_PX: usize = 6;
const QUIET: usize = 4;

/// The module matrix of `tests/data/screen-qr.txt` (`qrencode -t ASCII`: each
/// module is two characters, `##` dark).
fn modules() -> Vec<Vec<bool>> {
    let text = include_str!("data/screen-qr.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.as_bytes().chunks(2).map(|c| c[0] == b'#').collect())
        .collect()
}

/// Draws the QR code; the returned connection keeps it there (an X server
/// may reset and repaint when its last client leaves).
fn draw_qr(display: &str, x0: i16, y0: i16) -> impl Connection {
    let (conn, screen_num) = x11rb::connect(Some(display)).unwrap();
    let setup = conn.setup();
    let screen = &setup.roots[screen_num];
    let depth = screen.root_depth;
    let format = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == depth)
        .unwrap();
    assert_eq!(format.bits_per_pixel, 32, "test draws 32-bit pixels only");
    let m = modules();
    let n = m.len();
    let side = (n + 2 * QUIET) * MODULE_PX;
    let gc = conn.generate_id().unwrap();
    conn.create_gc(gc, screen.root, &CreateGCAux::new())
        .unwrap();
    // Row by row keeps every request small.
    for y in 0..side {
        let mut row = Vec::with_capacity(side * 4);
        for x in 0..side {
            let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
            let dark = mx >= QUIET
                && my >= QUIET
                && m.get(my - QUIET)
                    .and_then(|r| r.get(mx - QUIET))
                    .copied()
                    .unwrap_or(false);
            let v: u32 = if dark { 0x000000 } else { 0xFFFFFF };
            let bytes = if setup.image_byte_order == ImageOrder::LSB_FIRST {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            row.extend_from_slice(&bytes);
        }
        conn.put_image(
            ImageFormat::Z_PIXMAP,
            screen.root,
            gc,
            side as u16,
            1,
            x0,
            y0 + y as i16,
            0,
            depth,
            &row,
        )
        .unwrap();
    }
    // A round trip: every PutImage has been processed.
    conn.get_input_focus().unwrap().reply().unwrap();
    conn
}

#[test]
#[ignore = "needs an X server in KILN_TEST_DISPLAY: run scripts/qr-screen-e2e.sh"]
fn qr_screen_finds_the_code_on_the_display_and_burns_it() {
    let display = std::env::var("KILN_TEST_DISPLAY").expect("set KILN_TEST_DISPLAY");
    let _keep = draw_qr(&display, 200, 120);
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["burn", "--sim", "--qr-screen", "--json"])
        .env("DISPLAY", &display)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join("kiln-qr-screen-test"),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["account"], "Kiln Test (screen@example.com)");
    assert_eq!(v["algorithm"], "SHA256");
    let seed = data_encoding::BASE32_NOPAD
        .decode(b"KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM")
        .unwrap();
    let first = &v["expected_codes"][0];
    let at = first["from"].as_u64().unwrap();
    let want = totp::format_code(totp::code(&seed, Algorithm::Sha256, 6, 30, at).unwrap(), 6);
    assert_eq!(first["code"], want.as_str());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM"));
}

#[test]
#[ignore = "needs an X server in KILN_TEST_DISPLAY: run scripts/qr-screen-e2e.sh"]
fn qr_screen_without_a_display_says_what_to_do() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["burn", "--sim", "--qr-screen"])
        .env("DISPLAY", ":9999")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--qr-file"), "{err}");
}
