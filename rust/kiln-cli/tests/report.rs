//! `kiln info --report` against the simulated token: a first-contact report for
//! known and unknown models (8- and 14-digit serials), text and JSON, GET INFO
//! only, and no byte of any key in it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::process::Command;

/// The family default key (protocol.md), in the report's hex style.
const FAMILY_KEY_HEX: &str = "8A D2 06 88";

fn kiln(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .env(
            "KILN_CONFIG_DIR",
            std::env::temp_dir().join(format!("kiln-report-{}", std::process::id())),
        )
        .output()
        .unwrap()
}

#[test]
fn info_report_for_known_and_unknown_models() {
    for (serial, known, len) in [
        ("86596220000001", true, 14),
        ("71358472", false, 8),
        ("12345678901234", false, 14),
    ] {
        let o = kiln(&[
            "info",
            "--sim",
            "--quick",
            "--sim-serial",
            serial,
            "--report",
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains("tokenkiln first-contact report"), "{out}");
        assert!(out.contains(&format!("{len} characters, digits")), "{out}");
        assert!(out.contains("no key was tried"), "{out}");
        assert!(out.contains("Transport       simulated token"), "{out}");
        assert!(!out.contains(FAMILY_KEY_HEX), "{out}");
        // Only GET INFO was sent.
        assert!(!out.contains("GET CHALLENGE"), "{out}");
        // The unknown model says what is known and how to share the report.
        assert_eq!(
            out.contains("matches no model in kiln's table"),
            !known,
            "{out}"
        );

        let o = kiln(&[
            "--json",
            "info",
            "--sim",
            "--quick",
            "--sim-serial",
            serial,
            "--report",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let r = &v["report"];
        assert_eq!(r["serial"], serial, "{v}");
        assert_eq!(r["serial_length"], len);
        assert_eq!(r["known_model"], known);
        let hex = r["get_info_hex"].as_str().unwrap();
        let serial_hex: Vec<String> = serial.bytes().map(|b| format!("{b:02X}")).collect();
        assert!(hex.contains(&serial_hex.join(" ")), "{hex}");
        assert_eq!(r["transport"]["Transport"], "simulated token (kiln --sim)");
        assert!(r["text"]
            .as_str()
            .unwrap()
            .starts_with("tokenkiln first-contact report"));
    }
}
