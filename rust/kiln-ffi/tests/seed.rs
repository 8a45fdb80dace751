//! Seed input over the boundary: the views Kotlin sees (never the secret), expected
//! codes and diagnosis, chosen settings, refusals, ambiguity and exports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use kiln_core::seed as core_seed;
use kiln_ffi::{parse_seed_input, KilnError, Seed, SeedInput};
use std::sync::Arc;

const LINK: &str = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&issuer=ACME";

fn totp(text: &str) -> Arc<Seed> {
    match parse_seed_input(text.into()) {
        SeedInput::Totp { seed } => seed,
        _ => panic!("expected a TOTP seed for {text}"),
    }
}

#[test]
fn link_gives_a_seed_view_without_the_secret() {
    let seed = totp(LINK);
    let info = seed.info();
    assert_eq!(info.issuer.as_deref(), Some("ACME"));
    assert_eq!(info.account.as_deref(), Some("alice"));
    assert_eq!(
        (info.algorithm.as_str(), info.digits, info.period),
        ("SHA1", 6, 30)
    );
    assert_eq!(info.secret_bits, 80);
    assert_eq!(
        info.fingerprint,
        core_seed::fingerprint(b"Hello!\xDE\xAD\xBE\xEF")
    );
    assert_eq!(info.fingerprint.len(), 4);
    assert!(info.burnable);
    assert!(info.problems.is_empty());
    // 80 bits: short-seed warning, as a sentence.
    assert!(info
        .warnings
        .iter()
        .any(|w| w.starts_with("The seed is only 80 bits")));
    let dbg = format!("{seed:?} {info:?}");
    assert!(!dbg.contains("JBSWY3DPEHPK3PXP"), "{dbg}");
}

#[test]
fn expected_codes_and_diagnosis_follow_the_seed() {
    // RFC 6238 seed "12345678901234567890", SHA1, t = 59 → 94287082 (8 digits),
    // 6 digits: 287082; previous step (t = 29): 755224 (RFC 4226 HOTP(1)).
    let seed = totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    let c = seed.expected_codes(59).unwrap();
    assert_eq!(c.current, "287082");
    assert_eq!(c.previous, "755224");
    assert_eq!((c.seconds_left, c.period), (1, 30));
    let d = seed.diagnose("287082".into(), 59);
    assert!(d.matched, "{}", d.sentence);
    let d = seed.diagnose(c.current.clone(), 59 + 30 * 3);
    assert!(!d.matched);
    assert!(
        d.sentence.starts_with("The token clock is about"),
        "{}",
        d.sentence
    );
    assert!(d.sentence.contains("behind"), "{}", d.sentence);
    let bad = seed.diagnose("12ab".into(), 59);
    assert!(!bad.matched);
    assert!(bad.sentence.contains("6 to 8 digits"), "{}", bad.sentence);
    assert!(matches!(
        seed.expected_codes(-1),
        Err(KilnError::BadInput { .. })
    ));
}

#[test]
fn with_params_confirms_typed_defaults_and_rejects_nonsense() {
    let typed = totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    assert!(typed
        .info()
        .warnings
        .iter()
        .any(|w| w.contains("assuming SHA1")));
    let confirmed = typed.with_params("sha256".into(), 60).unwrap();
    let info = confirmed.info();
    assert_eq!((info.algorithm.as_str(), info.period), ("SHA256", 60));
    assert!(!info.warnings.iter().any(|w| w.contains("assuming SHA1")));
    assert!(info.burnable);
    // The original handle is unchanged.
    assert_eq!(typed.info().period, 30);
    assert!(matches!(
        typed.with_params("MD5".into(), 30),
        Err(KilnError::BadInput { .. })
    ));
    assert!(matches!(
        typed.with_params("SHA1".into(), 0),
        Err(KilnError::BadInput { .. })
    ));
    // A period the token cannot do is accepted but not burnable.
    let odd = typed.with_params("SHA1".into(), 45).unwrap().info();
    assert!(!odd.burnable);
    assert!(odd.problems.iter().any(|p| p.contains("every 45 s")));
}

#[test]
fn refusals_and_ambiguity() {
    match parse_seed_input("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP".into()) {
        SeedInput::Refused { reason, .. } => {
            assert!(
                reason.starts_with("This is a counter-based (HOTP) account"),
                "{reason}"
            );
            assert!(reason.ends_with('.'));
        }
        _ => panic!("expected a refusal"),
    }
    match parse_seed_input("JBSWY3DPEHPK3PX0".into()) {
        SeedInput::Refused { suggestions, .. } => {
            assert!(!suggestions.is_empty());
            assert!(
                suggestions.iter().any(|s| s.contains("Base32")),
                "{suggestions:?}"
            );
        }
        _ => panic!("expected a refusal with suggestions"),
    }
    match parse_seed_input("ABCDEF234567ABCDEF234567ABCDEF23".into()) {
        SeedInput::Ambiguous {
            choice,
            hex_bits,
            base32_bits,
        } => {
            assert_eq!(hex_bits, 128);
            assert_eq!(base32_bits, 160);
            assert_eq!(choice.resolve(true).unwrap().info().secret_bits, 128);
            assert_eq!(choice.resolve(false).unwrap().info().secret_bits, 160);
            assert_ne!(
                choice.info(true).fingerprint,
                choice.info(false).fingerprint
            );
        }
        _ => panic!("expected ambiguity"),
    }
}

fn refused(text: String) -> String {
    match parse_seed_input(text) {
        SeedInput::Refused { reason, .. } => reason,
        _ => panic!("expected a refusal"),
    }
}

#[test]
fn oversized_text_is_refused_unread() {
    // A million characters: refused at once (it took 1.8 s and 272 MB before).
    let started = std::time::Instant::now();
    let reason = refused("A".repeat(1_000_000));
    assert!(reason.contains("65536 bytes at most"), "{reason}");
    assert!(started.elapsed() < std::time::Duration::from_millis(200));
    // The limit itself is still read.
    let at_limit = "JBSWY3DP".repeat(core_seed::MAX_INPUT_BYTES / 8);
    assert!(matches!(parse_seed_input(at_limit), SeedInput::Totp { .. }));
}

#[test]
fn the_app_gets_the_cores_input_rules() {
    // Two seeds on two lines are not joined.
    let two = refused("JBSWY3DPEHPK3PXP\nGEZDGNBVGY3TQOJQ".into());
    assert!(two.contains("2 lines"), "{two}");
    // A token's own serial number is not a seed.
    let serial = refused("86596220000123".into());
    assert!(
        serial.starts_with("This is a token's serial number, not a seed"),
        "{serial}"
    );
    // Names reach the screens without direction controls or invisible characters.
    let info = totp("otpauth://totp/%E2%80%AEACME:bob%E2%80%8B?secret=JBSWY3DPEHPK3PXP").info();
    for name in [info.issuer.unwrap(), info.account.unwrap()] {
        assert!(!name.contains(['\u{202E}', '\u{200B}']), "{name:?}");
        assert!(name.contains('\u{FFFD}'), "{name:?}");
    }
}

#[test]
fn migration_accounts_carry_seeds_only_when_burnable() {
    // Export with a TOTP SHA1 account and an HOTP account, built by hand:
    // OtpParameters { secret, name, issuer, algorithm=1, digits=1, type }.
    fn account(secret: &[u8], name: &str, kind: u8) -> Vec<u8> {
        let mut p = vec![0x0A, secret.len() as u8];
        p.extend_from_slice(secret);
        p.extend_from_slice(&[0x12, name.len() as u8]);
        p.extend_from_slice(name.as_bytes());
        p.extend_from_slice(&[0x20, 1, 0x28, 1, 0x30, kind]);
        let mut out = vec![0x0A, p.len() as u8];
        out.extend(p);
        out
    }
    let mut payload = account(b"Hello!\xDE\xAD\xBE\xEF", "ACME:alice", 2);
    payload.extend(account(b"0123456789", "Bank:bob", 1));
    payload.extend_from_slice(&[0x10, 1, 0x18, 2, 0x20, 0, 0x28, 7]);
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(&payload);
    let link = format!(
        "otpauth-migration://offline?data={}",
        data.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    match parse_seed_input(link) {
        SeedInput::Migration { accounts, warnings } => {
            assert_eq!(accounts.len(), 2);
            assert_eq!(accounts[0].kind, "totp");
            assert!(accounts[0].info.burnable);
            let seed = accounts[0].seed.as_ref().unwrap();
            assert_eq!(
                seed.info().fingerprint,
                core_seed::fingerprint(b"Hello!\xDE\xAD\xBE\xEF")
            );
            assert_eq!(accounts[1].kind, "hotp");
            assert!(accounts[1].seed.is_none());
            assert!(accounts[1].info.problems.iter().any(|p| p.contains("HOTP")));
            assert!(
                warnings.iter().any(|w| w.contains("QR code 1 of 2")),
                "{warnings:?}"
            );
        }
        _ => panic!("expected an export"),
    }
}
