//! Property tests: no input panics any parser; Base32/Hex/URI/export round trips hold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::encoding::{decode, Encoding};
use super::migration::{decode_payload, encode};
use super::*;
use crate::params::Algorithm;
use crate::verify;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;

/// Names without control characters, surrounding spaces or colons (a colon in
/// the issuer would move the label split).
fn name() -> impl Strategy<Value = String> {
    "[^\\p{Cc}:]{0,24}".prop_map(|s| safe(&s))
}

/// Without the characters names never carry (they become U+FFFD), trimmed.
fn safe(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|c| !super::names::is_unsafe_in_name(*c))
        .collect();
    kept.trim().to_string()
}

fn secret() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..=80)
}

/// Upper/lower case and optional grouping spaces.
fn spell(text: &str, lower: bool, group: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if group > 0 && i > 0 && i % group == 0 {
            out.push(' ');
        }
        out.push(if lower { c.to_ascii_lowercase() } else { c });
    }
    out
}

fn any_kind(input: &str) -> &'static str {
    parse_input(input).kind()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn no_string_panics(s in any::<String>()) {
        let _ = any_kind(&s);
    }

    #[test]
    fn no_byte_string_panics(b in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = any_kind(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn no_link_shaped_string_panics(
        scheme in prop::sample::select(vec!["otpauth", "OTPAUTH", "otpauth-migration", "steam", "motp", "x-y", "phonefactor"]),
        slashes in prop::bool::ANY,
        tail in "[a-zA-Z0-9%:/?&=+ .@_~-]{0,80}",
    ) {
        let s = format!("{scheme}:{}{tail}", if slashes { "//" } else { "" });
        let _ = any_kind(&s);
    }

    #[test]
    fn no_link_built_from_parts_panics(
        otp_type in prop::sample::select(vec!["totp", "TOTP", "hotp", "", "t%6Ftp", "%"]),
        label in "[^?]{0,30}",
        keys in prop::collection::vec(prop::sample::select(vec!["secret", "issuer", "algorithm", "digits", "period", "SECRET", "%73ecret", "x", ""]), 0..6),
        values in prop::collection::vec("[^&]{0,40}", 6),
    ) {
        let query: Vec<String> = keys.iter().zip(values.iter()).map(|(k, v)| format!("{k}={v}")).collect();
        let s = format!("otpauth://{otp_type}/{label}?{}", query.join("&"));
        if let SeedInput::Totp(spec) = parse_input(&s) {
            let _ = spec.problems();
            let _ = spec.token_program();
            let _ = spec.fingerprint();
            let _ = verify::expected_codes_for(&spec, 1_700_000_000);
            let _ = verify::diagnose(&spec, "123456", 1_700_000_000);
        }
    }

    #[test]
    fn no_protobuf_panics(b in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode_payload(&b);
        let _ = any_kind(&encode::link(&b));
    }

    #[test]
    fn no_protobuf_built_from_fields_panics(
        fields in prop::collection::vec((1u64..9, 0u8..8, any::<u64>(), prop::collection::vec(any::<u8>(), 0..12)), 0..12)
    ) {
        // Tags of every wire type with plausible (sometimes lying) contents.
        let mut b = Vec::new();
        for (field, wire, v, bytes) in &fields {
            encode::varint(&mut b, field << 3 | u64::from(*wire));
            match wire {
                0 => encode::varint(&mut b, *v),
                2 => { encode::varint(&mut b, v % 16); b.extend_from_slice(bytes); }
                _ => b.extend_from_slice(bytes),
            }
        }
        let _ = decode_payload(&b);
    }

    #[test]
    fn base32_round_trip(bytes in secret(), lower in prop::bool::ANY, group in 0usize..9, pad in prop::bool::ANY) {
        let canonical = if pad { data_encoding::BASE32.encode(&bytes) } else { data_encoding::BASE32_NOPAD.encode(&bytes) };
        let text = spell(&canonical, lower, group);
        let d = decode(&text, Encoding::Base32).unwrap();
        prop_assert_eq!(d.bytes.expose(), &bytes[..]);
        prop_assert!(!d.trailing_bits);
        let fp = fingerprint(&bytes);
        let shown = if fp == "-" { 0 } else { fp.chars().count() } * 5;
        prop_assert!(shown <= super::FINGERPRINT_MAX_BITS);
        prop_assert!(shown * 2 <= bytes.len() * 8);
    }

    #[test]
    fn hex_round_trip(bytes in secret(), lower in prop::bool::ANY, group in 0usize..9) {
        let text = spell(&data_encoding::HEXUPPER.encode(&bytes), lower, group);
        let d = decode(&text, Encoding::Hex).unwrap();
        prop_assert_eq!(d.bytes.expose(), &bytes[..]);
    }

    #[test]
    fn typed_round_trip(bytes in secret(), hex in prop::bool::ANY) {
        let (text, enc) = if hex {
            (data_encoding::HEXLOWER.encode(&bytes), Encoding::Hex)
        } else {
            (data_encoding::BASE32_NOPAD.encode(&bytes), Encoding::Base32)
        };
        let spec = match parse_input(&text) {
            SeedInput::Totp(s) => s,
            SeedInput::Ambiguous(a) => a.resolve(enc),
            SeedInput::Refused(Refusal::LooksLikeCode { .. } | Refusal::SerialNumber { .. }) => return Ok(()),
            other => return Err(TestCaseError::fail(format!("{text}: {}", other.kind()))),
        };
        prop_assert_eq!(spec.source(), SeedSource::Typed(enc));
        prop_assert_eq!(spec.secret().expose(), &bytes[..]);
        prop_assert_eq!(spec.secret_bits(), bytes.len() * 8);
        prop_assert_eq!(spec.is_burnable(), bytes.len() <= 63);
    }

    #[test]
    fn uri_round_trip(
        issuer in name(),
        account in "[^\\p{Cc}]{0,24}".prop_map(|s| safe(&s)),
        bytes in secret(),
        alg in prop::sample::select(vec![Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512]),
        digits in 1u32..12,
        period in 1u64..200,
        label_issuer in prop::bool::ANY,
    ) {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let label = if label_issuer { format!("{}:{}", enc(&issuer), enc(&account)) } else { enc(&account) };
        let uri = format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm={}&digits={digits}&period={period}",
            data_encoding::BASE32_NOPAD.encode(&bytes), enc(&issuer), alg.as_str()
        );
        let spec = match parse_input(&uri) {
            SeedInput::Totp(s) => s,
            other => return Err(TestCaseError::fail(format!("{uri}: {}", other.kind()))),
        };
        let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        // Without an issuer prefix, a colon in the account splits the label.
        let plain_label = label_issuer || !account.contains(':');
        if plain_label {
            prop_assert_eq!(spec.issuer().map(str::to_string), none_if_empty(&issuer));
            prop_assert_eq!(spec.account().map(str::to_string), none_if_empty(&account));
        }
        prop_assert_eq!(spec.secret().expose(), &bytes[..]);
        prop_assert_eq!(spec.algorithm(), &AlgorithmSpec::Known(alg));
        prop_assert_eq!((spec.digits(), spec.period()), (digits, period));
        let burnable = alg != Algorithm::Sha512 && digits == 6 && (period == 30 || period == 60) && bytes.len() <= 63;
        prop_assert_eq!(spec.token_program().is_ok(), burnable);
        let mismatch = spec.warnings().iter().any(|w| matches!(w, Warning::IssuerMismatch { .. }));
        prop_assert!(!(mismatch && plain_label));
    }

    #[test]
    fn export_round_trip(
        accounts in prop::collection::vec((secret(), name(), name(), 0u64..5, 0u64..3, 0u64..3), 1..6),
        size in 0u64..4,
    ) {
        let raw: Vec<encode::Account<'_>> = accounts
            .iter()
            .map(|(s, n, i, a, d, k)| encode::Account { secret: s, name: n, issuer: i, algorithm: *a, digits: *d, kind: *k })
            .collect();
        let b = match parse_input(&encode::link(&encode::payload(&raw, (size, 0, 1)))) {
            SeedInput::Migration(b) => b,
            other => return Err(TestCaseError::fail(other.kind().to_string())),
        };
        prop_assert_eq!(b.accounts.len(), accounts.len());
        for (got, (s, n, i, a, d, k)) in b.accounts.iter().zip(accounts.iter()) {
            prop_assert_eq!(got.spec.secret().expose(), &s[..]);
            prop_assert_eq!(got.spec.issuer().is_some(), !i.is_empty() || n.contains(':'));
            prop_assert_eq!(got.spec.period(), 30);
            let burnable = matches!(a, 0..=2) && *d != 2 && *k != 1 && s.len() <= 63;
            prop_assert_eq!(got.burnable(), burnable, "{}", got.reason());
        }
    }

    #[test]
    fn diagnosis_finds_offsets(bytes in prop::collection::vec(any::<u8>(), 10..40), offset in -10i64..=10, now in 1_000_000u64..4_000_000_000) {
        let text = data_encoding::BASE32_NOPAD.encode(&bytes);
        let spec = match parse_input(&format!("otpauth://totp/A:b?secret={text}")) {
            SeedInput::Totp(s) => s,
            other => return Err(TestCaseError::fail(other.kind().to_string())),
        };
        let t = (now / 30).checked_add_signed(offset).unwrap() * 30;
        let code = crate::totp::format_code(crate::totp::code(&bytes, Algorithm::Sha1, 6, 30, t).unwrap(), 6);
        let d = verify::diagnose(&spec, &code, now).unwrap();
        // Found, and never at a larger offset than the true one.
        let found = d.found.unwrap();
        prop_assert!(found.offset_steps.unsigned_abs() <= offset.unsigned_abs() || found.period != 30 || found.algorithm != Algorithm::Sha1);
        prop_assert_eq!(d.is_match(), found.offset_steps == 0 && found.period == 30 && found.algorithm == Algorithm::Sha1 && found.encoding == Some(Encoding::Base32));
    }

    #[test]
    fn diagnose_never_panics(code in "[0-9 a-z-]{0,12}", now in any::<u64>(), period in prop::sample::select(vec![0u64, 1, 30, 60, u64::MAX])) {
        let spec = match parse_input(&format!("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&period={period}")) {
            SeedInput::Totp(s) => s,
            other => return Err(TestCaseError::fail(other.kind().to_string())),
        };
        let _ = verify::diagnose(&spec, &code, now);
        let _ = verify::expected_codes_for(&spec, now);
    }
}
