//! Seed input: one entry point, [`parse_input`], takes any text a user can bring
//! (a QR payload or a typed seed) and returns a typed [`SeedInput`]:
//!
//! - [`SeedInput::Totp`]: one TOTP seed with its parameters ([`SeedSpec`]);
//!   [`SeedSpec::token_program`] says whether this token family can take it.
//! - [`SeedInput::Migration`]: a Google Authenticator export; every account with
//!   whether it can go on a token and why ([`MigrationBatch`]).
//! - [`SeedInput::Ambiguous`]: typed text valid as both Base32 and Hex; the
//!   caller asks the user and calls [`AmbiguousSeed::resolve`].
//! - [`SeedInput::Refused`]: not a TOTP seed, with a reason a field user
//!   understands ([`Refusal`]).
//!
//! The rules are listed in `docs/seed-input.md`. Nothing here panics on any input,
//! logs, or formats secret material: secrets live in
//! [`SecretBytes`](crate::secret::SecretBytes) /
//! [`SecretString`](crate::secret::SecretString) and every intermediate copy is
//! zeroized.
//!
//! One idea per file: this file is the entry point and chooses a reader by the
//! input's scheme (`uri` for `otpauth://`, `migration` for
//! `otpauth-migration://`, `typed` for typed text), and the readers do not know
//! each other. They share `link` (schemes, percent-decoding), `names` (issuer and
//! account), `encoding` (Base32/Hex) and `lines` (input of several lines). What
//! they produce is a [`SeedSpec`] (`spec`), checked against the token family in
//! `capability`; `reasons` holds the refusal, problem and warning sentences.

mod capability;
mod encoding;
mod fingerprint;
mod lines;
mod link;
mod migration;
mod names;
mod reasons;
mod spec;
mod typed;
mod uri;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod real_world_tests;

pub use crate::params::TOKEN_DIGITS;
pub use capability::TokenProgram;
pub use encoding::{DecodeError, Encoding, LookAlike};
pub use fingerprint::{fingerprint, FINGERPRINT_MAX_BITS};
pub use migration::{MigrationAccount, MigrationBatch, OtpKind};
pub use reasons::{Problem, Refusal, Warning};
pub use spec::{
    AlgorithmSpec, SeedSource, SeedSpec, DEFAULT_DIGITS, DEFAULT_PERIOD, RECOMMENDED_MIN_BITS,
};
pub use typed::AmbiguousSeed;

/// Longest input [`parse_input`] reads, in bytes (UTF-8). The largest real
/// payload, a Google Authenticator export QR code, holds under 3 KB; callers
/// (standard input, the app's text field) use the same limit.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// What a piece of input turned out to be.
#[derive(Debug, Clone)]
pub enum SeedInput {
    /// One TOTP seed (otpauth://totp link or typed Base32/Hex).
    Totp(SeedSpec),
    /// A Google Authenticator export (`otpauth-migration://`).
    Migration(MigrationBatch),
    /// Typed text valid as both Base32 and Hex: ask the user which.
    Ambiguous(AmbiguousSeed),
    /// Not a TOTP seed, or unreadable.
    Refused(Refusal),
}

impl SeedInput {
    /// Short machine name: `totp`, `migration`, `ambiguous`, `refused`.
    pub fn kind(&self) -> &'static str {
        match self {
            SeedInput::Totp(_) => "totp",
            SeedInput::Migration(_) => "migration",
            SeedInput::Ambiguous(_) => "ambiguous",
            SeedInput::Refused(_) => "refused",
        }
    }

    /// Whether this input can go on a token as it is: a burnable seed, or an
    /// export with at least one burnable account. Refusals and ambiguous text
    /// (Base32 or Hex still to choose) cannot. The CLI's exit status follows it
    /// (`kiln inspect`, `kiln qr decode`: 0 when true, 3 when not).
    pub fn is_burnable(&self) -> bool {
        match self {
            SeedInput::Totp(s) => s.is_burnable(),
            SeedInput::Migration(b) => b.burnable_count() > 0,
            SeedInput::Ambiguous(_) | SeedInput::Refused(_) => false,
        }
    }
}

/// Reads any text a user can bring: an `otpauth://` link, an
/// `otpauth-migration://` export, or a typed Base32/Hex seed.
///
/// Surrounding whitespace and a leading byte-order mark are ignored. Text longer
/// than [`MAX_INPUT_BYTES`] is refused unread, and so is text of several
/// non-empty lines unless they are one link or one seed written in groups
/// (see `docs/seed-input.md`). Never panics, never logs.
pub fn parse_input(input: &str) -> SeedInput {
    if input.len() > MAX_INPUT_BYTES {
        return SeedInput::Refused(Refusal::TooLong {
            bytes: input.len(),
            max: MAX_INPUT_BYTES,
        });
    }
    if input
        .chars()
        .any(|c| (c.is_control() && !c.is_whitespace()) || c == '\u{FFFD}')
    {
        return SeedInput::Refused(Refusal::Binary);
    }
    // A byte-order mark (some QR apps and editors add one) is not content.
    let trimmed = input.trim().trim_start_matches('\u{FEFF}').trim();
    if trimmed.is_empty() {
        return SeedInput::Refused(Refusal::Empty);
    }
    let link = link::split_scheme(trimmed);
    if let Some(refusal) = lines::check(trimmed, link.is_some()) {
        return SeedInput::Refused(refusal);
    }
    // Each kind of input has its own reader; none of them knows another.
    match link {
        Some((scheme, rest)) => match scheme.as_str() {
            "otpauth" => uri::parse_otpauth(rest),
            "otpauth-migration" => migration::parse_link(rest),
            other => SeedInput::Refused(link::scheme_refusal(other)),
        },
        None => typed::parse_typed(trimmed),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn totp(input: &str) -> SeedSpec {
        match parse_input(input) {
            SeedInput::Totp(s) => s,
            other => panic!("expected totp for {input:?}, got {}", other.kind()),
        }
    }

    fn refusal(input: &str) -> Refusal {
        match parse_input(input) {
            SeedInput::Refused(r) => r,
            other => panic!("expected refusal for {input:?}, got {}", other.kind()),
        }
    }

    #[test]
    fn empty_and_binary_are_refused() {
        assert_eq!(refusal(""), Refusal::Empty);
        assert_eq!(refusal("  \n\t "), Refusal::Empty);
        assert_eq!(refusal("JBSW\u{0}Y3DP"), Refusal::Binary);
        assert_eq!(refusal("\u{1b}[31m"), Refusal::Binary);
        assert_eq!(refusal("ab\u{FFFD}cd"), Refusal::Binary);
        assert_eq!(refusal("\u{FEFF}"), Refusal::Empty);
        assert_eq!(
            totp("\u{FEFF}otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP").issuer(),
            Some("A")
        );
    }

    #[test]
    fn not_totp_schemes_are_explained() {
        let cases = [
            ("otpauth://hotp/ACME:bob?secret=JBSWY3DPEHPK3PXP&counter=3", Refusal::Hotp),
            ("OTPAUTH://HOTP/x?secret=JBSWY3DPEHPK3PXP", Refusal::Hotp),
            ("otpauth://steam/Steam:bob?secret=JBSWY3DPEHPK3PXP&issuer=Steam", Refusal::Steam),
            ("steam://JBSWY3DPEHPK3PXP", Refusal::Steam),
            ("motp://ACME:bob?secret=0123456789abcdef", Refusal::Motp),
            ("otpauth://motp/bob?secret=abc", Refusal::Motp),
            ("otpauth://yaotp/bob@yandex.ru?secret=JBSWY3DPEHPK3PXP&name=bob", Refusal::Yandex),
            ("yaotp://bob?secret=x", Refusal::Yandex),
            ("phonefactor://activate_account?code=123456789&url=https%3A%2F%2Fmobileappcommunicator.auth.microsoft.com%2Factivate%2F123", Refusal::PhoneFactor),
            ("https://github.com/settings/security", Refusal::WebLink),
            ("HTTP://example.com/otp?secret=JBSWY3DPEHPK3PXP", Refusal::WebLink),
            ("otpauth://totp/x", Refusal::MissingSecret),
            ("otpauth://totp/x?secret=", Refusal::MissingSecret),
            ("otpauth://totp/x?secret=%20-%20", Refusal::MissingSecret),
        ];
        for (input, want) in cases {
            let got = refusal(input);
            assert_eq!(got, want, "{input}");
            assert!(!got.to_string().is_empty());
        }
        assert_eq!(
            refusal("ftp://files.example/seed"),
            Refusal::UnknownScheme {
                scheme: "ftp".into()
            }
        );
        assert_eq!(
            refusal("otpauth://xotp/bob?secret=JBSWY3DPEHPK3PXP"),
            Refusal::UnknownOtpType {
                otp_type: "xotp".into()
            }
        );
        assert!(matches!(
            refusal("otpauth://?secret=JBSWY3DPEHPK3PXP"),
            Refusal::UnknownOtpType { .. }
        ));
    }

    #[test]
    fn debug_never_leaks_secrets() {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let inputs = [
            format!("otpauth://totp/ACME:bob?secret={secret}&issuer=ACME"),
            secret.to_string(),
            "ABCDEF234567ABCDEF234567ABCDEF23".to_string(),
            migration::encode::link(&migration::encode::payload(
                &[migration::encode::Account {
                    secret: b"Hello!\xDE\xAD\xBE\xEF",
                    name: "Example:alice@google.com",
                    issuer: "Example",
                    algorithm: 1,
                    digits: 1,
                    kind: 2,
                }],
                (1, 0, 0),
            )),
        ];
        for input in &inputs {
            let parsed = parse_input(input);
            let dbg = format!("{parsed:?}");
            let compact: String = input
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!dbg.contains(secret), "{dbg}");
            assert!(!dbg.contains("JBSWY3DP"), "{dbg}");
            assert!(!dbg.contains("Hello"), "{dbg}");
            assert!(!dbg.contains("ABCDEF234567"), "{dbg}");
            assert!(!dbg.contains("72, 101, 108"), "{dbg}"); // "Hel" as bytes
            assert!(!dbg.contains(&compact), "{dbg}");
            assert!(dbg.contains("redacted"), "{dbg}");
        }
    }
}
