//! `kiln burn --qr-file`: a generated otpauth QR code is burned (seed checked
//! through the codes); photos from the shared QR corpus (none of them holds a
//! TOTP link) are refused before any token contact, with the same reason
//! `kiln_core::seed` gives for their known payload.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use kiln_core::params::Algorithm;
use kiln_core::seed::{parse_input, SeedInput};
use kiln_core::totp;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn kiln(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-qr-file-{}", std::process::id())),
        )
        .output()
        .unwrap()
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn qr_file_with_an_otpauth_link_is_burned() {
    let img = data("otpauth-qr.png");
    let out = kiln(&[
        "burn",
        "--sim",
        "--qr-file",
        img.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["account"], "Kiln Test (screen@example.com)");
    assert_eq!(v["algorithm"], "SHA256");
    let seed = data_encoding::BASE32_NOPAD
        .decode(b"KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM")
        .unwrap();
    for c in v["expected_codes"].as_array().unwrap() {
        let at = c["from"].as_u64().unwrap();
        let want = totp::format_code(totp::code(&seed, Algorithm::Sha256, 6, 30, at).unwrap(), 6);
        assert_eq!(c["code"], want.as_str());
    }
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("KRSXG5CTMVSWIU3DOJSWK3QKRSXG5CTM"));
}

#[test]
fn qr_file_problems_are_input_refusals() {
    let out = kiln(&["burn", "--sim", "--qr-file", "/nonexistent/kiln.png"]);
    assert_eq!(out.status.code(), Some(3));
    let not_image = data("screen-qr.txt");
    let out = kiln(&["burn", "--sim", "--qr-file", not_image.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a PNG, JPEG or WebP"),
        "{out:?}"
    );
}

fn corpus() -> PathBuf {
    std::env::var_os("KILN_QR_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/qr-corpus"))
}

/// Two corpus folders (26 photos): every one is refused (exit 3, no token
/// contact); a decoded one with the reason its known payload gets.
#[test]
fn corpus_photos_are_refused_with_the_payloads_reason() {
    let dir = corpus();
    assert!(dir.is_dir(), "QR corpus missing at {}", dir.display());
    let mut decoded = 0;
    let mut total = 0;
    for sub in ["qrcode-1", "qrcode-3"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "txt"))
            .collect();
        files.sort();
        for img in files {
            let expected = std::fs::read_to_string(img.with_extension("txt")).unwrap();
            let out = kiln(&["burn", "--sim", "--qr-file", img.to_str().unwrap()]);
            let err = String::from_utf8_lossy(&out.stderr);
            total += 1;
            assert_eq!(out.status.code(), Some(3), "{}: {err}", img.display());
            assert!(
                out.stdout.is_empty() || !String::from_utf8_lossy(&out.stdout).contains("GET INFO")
            );
            if err.contains("no QR code found") {
                continue;
            }
            decoded += 1;
            if let SeedInput::Refused(r) = parse_input(&expected) {
                assert!(
                    err.contains(&r.to_string()),
                    "{}: {err} vs {r}",
                    img.display()
                );
            }
        }
    }
    eprintln!("corpus through kiln: {decoded}/{total} decoded, all refused");
    assert_eq!(total, 26);
    assert!(
        decoded >= 24,
        "only {decoded}/26 corpus photos decoded through kiln"
    );
}
