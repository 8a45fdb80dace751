//! First-contact reports through the FFI: from an unknown model's refusal
//! (`KilnException.UnknownModel.report`) and from `read_contact_report` on a
//! known model; the text the user may share holds no byte of the seed or key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;

use kiln_ffi::{
    burn_token, contact_report_text, parse_seed_input, read_contact_report, BurnOptions, KilnError,
    ReportFact, SeedInput,
};

const LINK: &str = "otpauth://totp/Acme:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Acme";
/// The family default key (protocol.md), in the report's hex style.
const FAMILY_KEY_HEX: &str = "8A D2 06 88 3C A3 69 48 2A B2 71 82 B6 E8 32 24";

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn facts() -> Vec<ReportFact> {
    vec![
        ReportFact {
            name: "ATQA".into(),
            value: "00 44".into(),
        },
        ReportFact {
            name: "SAK".into(),
            value: "20".into(),
        },
    ]
}

/// No run of 4 bytes of `secret` appears in `text`, as hex or as Base32.
fn holds_none_of(text: &str, secret: &[u8]) {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    for w in secret.windows(4) {
        let h: String = w.iter().map(|b| format!("{b:02X}")).collect();
        assert!(!compact.contains(&h), "{h} in report:\n{text}");
    }
    let b32 = data_encoding::BASE32_NOPAD.encode(secret);
    assert!(
        !text.contains(&b32[..8]),
        "Base32 of a secret in report:\n{text}"
    );
}

#[test]
fn an_unknown_model_comes_with_a_report_that_holds_no_secret() {
    for (serial, len) in [("71358472", 8u32), ("12345678901234", 14)] {
        let seed = match parse_seed_input(LINK.into()) {
            SeedInput::Totp { seed } => seed,
            _ => panic!("not a TOTP link"),
        };
        let link = SimTokenLink::new(serial, None);
        let options = BurnOptions {
            display_timeout_secs: 30,
            sync_clock: true,
            resume_serial: None,
            unknown_model_key: None,
        };
        let report = match burn_token(link.clone(), clock(), seed, options, None) {
            Err(KilnError::UnknownModel { report, .. }) => report.unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(report.serial, serial);
        assert_eq!(report.serial_length, len);
        assert_eq!(report.serial_class, "digits");
        assert!(!report.known_model);
        // The serial's ASCII is inside the GET INFO answer, after its length byte.
        assert!(
            report
                .get_info_hex
                .contains(&format!("{len:02X} {}", hex(serial.as_bytes()))),
            "{report:?}"
        );
        assert_eq!(report.opaque_head_hex.len(), 8, "{report:?}");
        assert_eq!(report.opaque_mid_hex.len(), 5, "{report:?}");
        link.with(|l| assert_eq!(l.auth_attempts(), 0));
        let text = contact_report_text(report, facts(), "tokenkiln test 1.0".into());
        for needle in [
            serial,
            "ATQA",
            "00 44",
            "tokenkiln test 1.0",
            "no key was tried",
            "not in the model table",
        ] {
            assert!(text.contains(needle), "{needle} missing:\n{text}");
        }
        holds_none_of(&text, b"Hello!\xde\xad\xbe\xefHello!\xde\xad\xbe\xef");
        assert!(!text.contains(FAMILY_KEY_HEX), "{text}");
    }
}

#[test]
fn a_known_model_report_is_read_with_get_info_only() {
    let link = SimTokenLink::new("86596220000001", None);
    let report = read_contact_report(link.clone(), clock()).unwrap();
    assert!(report.known_model);
    assert_eq!(report.serial_length, 14);
    link.with(|l| assert!(l.sent_instructions().iter().all(|i| *i == 0x41)));
    let text = contact_report_text(report, Vec::new(), "x".into());
    assert!(text.contains("OTPC-P2-i (restricted sync)"), "{text}");
    holds_none_of(&text, &OLD_SEED);
}
