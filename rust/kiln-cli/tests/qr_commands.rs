//! End-to-end tests of `kiln qr decode`: classification without the secret, the
//! exact `--raw` line format, and exit codes for refused files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;
use std::path::PathBuf;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const PAYLOAD: &str = "otpauth://totp/Example%20Co:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20Co";

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/otpauth-example.png")
        .display()
        .to_string()
}

fn kiln(args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("kiln").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn decode_prints_issuer_and_account_but_never_the_secret() {
    let f = fixture();
    let (code, out, err) = kiln(&["qr", "decode", &f]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("issuer \"Example Co\""), "{out}");
    assert!(out.contains("account \"alice@example.com\""), "{out}");
    assert!(out.contains("secret <redacted>"), "{out}");
    assert!(!out.contains(SECRET) && !err.contains(SECRET));

    let (code, out, _) = kiln(&["--json", "qr", "decode", &f]);
    assert_eq!(code, 0);
    assert!(!out.contains(SECRET));
    // One object for the file, then the run's summary.
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    let v = &lines[0];
    assert_eq!(v["codes"][0]["issuer"], "Example Co");
    assert_eq!(v["codes"][0]["kind"], "totp");
    assert_eq!(lines[1]["summary"], true);
    assert_eq!(lines[1]["exit_code"], 0);
}

#[test]
fn raw_prints_the_exact_payload_as_one_json_line_per_file() {
    let f = fixture();
    let (code, out, _) = kiln(&["qr", "decode", "--raw", &f, &f]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2);
    let prefix = format!(
        "{{\"file\": {}, \"payloads\": [\"{PAYLOAD}\"], \"decode_ms\": ",
        serde_json::to_string(&f).unwrap()
    );
    assert!(lines[0].starts_with(&prefix), "{}", lines[0]);
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["payloads"][0], PAYLOAD);
    assert!(v["decode_ms"].as_f64().unwrap() >= 0.0);
}

#[test]
fn refused_and_missing_files_set_the_exit_code() {
    let dir = std::env::temp_dir().join(format!("kiln-qr-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.png");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let (code, _, err) = kiln(&["qr", "decode", junk.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not a PNG, JPEG or WebP image"), "{err}");
    let (code, _, err) = kiln(&["qr", "decode", dir.join("missing.png").to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    // --raw still prints a line (empty payloads) for a refused file.
    let (code, out, _) = kiln(&["qr", "decode", "--raw", junk.to_str().unwrap()]);
    assert_eq!(code, 3);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["payloads"].as_array().unwrap().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

/// `damaged-qr.png` (6 px modules) and `tiny-damaged-qr.png` (version 10, 2 px
/// modules): otpauth codes whose inner half is scrambled, finder patterns intact.
#[test]
fn a_visible_code_that_cannot_be_read_is_named_with_advice() {
    let (code, out, err) = kiln(&["qr", "decode", &data("damaged-qr.png")]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("a QR code is visible but cannot be read"),
        "{out}"
    );
    assert!(out.contains("sharper image"), "{out}");

    let (code, out, err) = kiln(&["--json", "qr", "decode", &data("tiny-damaged-qr.png")]);
    assert_eq!(code, 3, "{out}{err}");
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let u = &v["unreadable"];
    assert_eq!(u["advice"], "move_closer", "{out}");
    let px = u["module_px"].as_f64().unwrap();
    assert!((1.5..=2.5).contains(&px), "{px}");

    // a readable code carries no advice
    let (_, out, _) = kiln(&["--json", "qr", "decode", &fixture()]);
    let v: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert!(v["unreadable"].is_null(), "{out}");
}

#[test]
fn burn_from_an_unreadable_code_says_why_and_touches_no_token() {
    let (code, out, err) = kiln(&["burn", "--sim", "--qr-file", &data("tiny-damaged-qr.png")]);
    assert_eq!(code, 3, "{out}{err}");
    // exit 3 = input refused, before any token contact
    assert!(err.contains("cannot be read: it is too small"), "{err}");
}
