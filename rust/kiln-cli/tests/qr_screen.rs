//! `kiln burn --qr-screen` under Xvfb: the tests draw a QR code (an otpauth
//! link) onto a root window of a virtual X display and check that kiln finds
//! it and burns that seed onto the simulated token. Those that need an X server
//! in `KILN_TEST_DISPLAY` are `#[ignore]`d:
//! `scripts/qr-screen-e2e.sh` runs them against an Xvfb with two screens (the
//! code on each in turn). The Windows capture is checked under Wine by
//! `scripts/windows-check.sh`.
#![cfg(all(unix, not(target_os = "macos")))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_core::params::Algorithm;
use kiln_core::totp;
use std::process::{Command, Output};
use std::sync::Mutex;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat, ImageOrder, Rectangle};
use x11rb::rust_connection::RustConnection;

/// One QR code on the display at a time: two would make kiln refuse.
static DRAWING: Mutex<()> = Mutex::new(());

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

/// A QR code drawn on a root window; dropping it paints the area black again.
/// The connection is kept open (an X server may reset and repaint when its last
/// client leaves).
struct Drawn {
    conn: RustConnection,
    root: u32,
    gc: u32,
    area: Rectangle,
}

impl Drop for Drawn {
    fn drop(&mut self) {
        let _ = self
            .conn
            .poly_fill_rectangle(self.root, self.gc, &[self.area]);
        let _ = self.conn.get_input_focus().map(|c| c.reply());
    }
}

/// Draws the QR code at (x0, y0) of the root window of `display` (":77" for its
/// screen 0, ":77.1" for screen 1).
fn draw_qr(display: &str, x0: i16, y0: i16) -> Drawn {
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
    conn.create_gc(
        gc,
        screen.root,
        &CreateGCAux::new().foreground(screen.black_pixel),
    )
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
    let root = screen.root;
    Drawn {
        conn,
        root,
        gc,
        area: Rectangle {
            x: x0,
            y: y0,
            width: side as u16,
            height: side as u16,
        },
    }
}

/// Runs `program burn --sim --qr-screen --json` on `display`.
fn burn_from_screen(program: &str, display: &str) -> Output {
    Command::new(program)
        .args(["burn", "--sim", "--qr-screen", "--json"])
        .env("DISPLAY", display)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join("kiln-qr-screen-test"),
        )
        .output()
        .unwrap()
}

/// kiln succeeded, burned the drawn code's seed (its expected codes are the
/// seed's), and printed no secret.
fn assert_burned_the_drawn_code(out: &Output) {
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
    for text in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(text);
        assert!(!text.contains("KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM"));
    }
}

fn test_display() -> String {
    std::env::var("KILN_TEST_DISPLAY").expect("set KILN_TEST_DISPLAY")
}

/// Number of X screens of the display.
fn screens(display: &str) -> usize {
    let (conn, _) = x11rb::connect(Some(display)).unwrap();
    conn.setup().roots.len()
}

#[test]
#[ignore = "needs an X server in KILN_TEST_DISPLAY: run scripts/qr-screen-e2e.sh"]
fn qr_screen_finds_the_code_on_the_display_and_burns_it() {
    let display = test_display();
    let _one = DRAWING.lock().unwrap_or_else(|e| e.into_inner());
    let drawn = draw_qr(&display, 200, 120);
    let out = burn_from_screen(env!("CARGO_BIN_EXE_kiln"), &display);
    drop(drawn);
    assert_burned_the_drawn_code(&out);
}

#[test]
#[ignore = "needs an X server in KILN_TEST_DISPLAY: run scripts/qr-screen-e2e.sh"]
fn qr_screen_finds_the_code_on_the_second_x_screen() {
    let display = test_display();
    assert!(
        screens(&display) >= 2,
        "{display} has one screen: start Xvfb with -screen 0 ... -screen 1 ..."
    );
    let _one = DRAWING.lock().unwrap_or_else(|e| e.into_inner());
    let drawn = draw_qr(&format!("{display}.1"), 40, 30);
    let out = burn_from_screen(env!("CARGO_BIN_EXE_kiln"), &display);
    drop(drawn);
    assert_burned_the_drawn_code(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("read the QR code on X screen 1"), "{err}");
    // Nothing drawn any more: nothing found, exit 3.
    let out = burn_from_screen(env!("CARGO_BIN_EXE_kiln"), &display);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no QR code found in the screen"), "{err}");
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

/// A Wayland session with no X server kiln can open: refused with what to do.
/// Needs no X server (the display named does not exist).
#[test]
fn qr_screen_on_wayland_without_x11_says_what_to_do() {
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["burn", "--sim", "--qr-screen"])
        .env("DISPLAY", ":9999")
        .env("WAYLAND_DISPLAY", "wayland-0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("this is a Wayland session"), "{err}");
    assert!(err.contains("--qr-file PATH"), "{err}");
    assert!(err.contains("otpauth://"), "{err}");
    // The same without Wayland is the plain X11 refusal.
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["burn", "--sim", "--qr-screen"])
        .env("DISPLAY", ":9999")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("XDG_SESSION_TYPE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("Wayland"), "{err}");
    assert!(err.contains("cannot open the X11 display"), "{err}");
}

/// Under XWayland an empty capture may mean the code is in a Wayland window:
/// "no QR code found" says so.
#[test]
#[ignore = "needs an X server in KILN_TEST_DISPLAY: run scripts/qr-screen-e2e.sh"]
fn qr_screen_finding_nothing_under_xwayland_says_why() {
    let display = test_display();
    let _one = DRAWING.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["burn", "--sim", "--qr-screen"])
        .env("DISPLAY", &display)
        .env("WAYLAND_DISPLAY", "wayland-0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no QR code found in the screen; on Wayland"),
        "{err}"
    );
}
