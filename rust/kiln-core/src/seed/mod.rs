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
//! logs, or formats secret material: secrets live in [`SecretBytes`] /
//! [`SecretString`] and every intermediate copy is zeroized.

mod fingerprint;
mod lines;
mod migration;
mod reasons;
mod text;
mod uri;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod real_world_tests;

pub use fingerprint::{fingerprint, FINGERPRINT_MAX_BITS};
pub use migration::{MigrationAccount, MigrationBatch, OtpKind};
pub use reasons::{Problem, Refusal, Warning};
pub use text::{DecodeError, Encoding, LookAlike};

use crate::params::{Algorithm, SeedLengthError, TokenHmac, TokenSeed, TokenStep, MAX_SEED_BYTES};
use crate::secret::{SecretBytes, SecretString};
use std::fmt;

/// Longest input [`parse_input`] reads, in bytes (UTF-8). The largest real
/// payload, a Google Authenticator export QR code, holds under 3 KB; callers
/// (standard input, the app's text field) use the same limit.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Seeds shorter than this (in bits) get a [`Warning::ShortSeed`] (RFC 4226 §4).
pub const RECOMMENDED_MIN_BITS: usize = 128;

/// The only code length this token family shows.
pub const TOKEN_DIGITS: u32 = 6;

/// Defaults of the Key URI Format, also assumed for typed seeds.
pub const DEFAULT_DIGITS: u32 = 6;
pub const DEFAULT_PERIOD: u64 = 30;

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
    let link = uri::split_scheme(trimmed);
    if let Some(refusal) = lines::check(trimmed, link.is_some()) {
        return SeedInput::Refused(refusal);
    }
    match link {
        Some((scheme, rest)) => uri::parse_link(&scheme, rest),
        None => text::parse_typed(trimmed),
    }
}

/// Where a [`SeedSpec`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// An `otpauth://totp/…` link (secret in Base32).
    OtpauthLink,
    /// Account number `index` (0-based) of a Google Authenticator export.
    Migration { index: usize },
    /// Typed text, read in this encoding.
    Typed(Encoding),
}

/// The HMAC algorithm a service asks for, including ones no token can do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AlgorithmSpec {
    Known(Algorithm),
    /// A name we cannot compute (e.g. `MD5` in an export, a typo in a link).
    Unsupported(String),
}

impl AlgorithmSpec {
    pub fn known(&self) -> Option<Algorithm> {
        match self {
            AlgorithmSpec::Known(a) => Some(*a),
            AlgorithmSpec::Unsupported(_) => None,
        }
    }
}

impl fmt::Display for AlgorithmSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlgorithmSpec::Known(a) => f.write_str(a.as_str()),
            AlgorithmSpec::Unsupported(name) => f.write_str(name),
        }
    }
}

/// One TOTP seed and what the service asks for. Secret material is zeroized on
/// drop and redacted in `Debug`.
#[derive(Clone, Debug)]
pub struct SeedSpec {
    issuer: Option<String>,
    account: Option<String>,
    secret: SecretBytes,
    /// The normalized text the secret was decoded from (not for migration
    /// accounts). Kept for the "typed as Hex but is Base32" diagnosis.
    secret_text: Option<SecretString>,
    algorithm: AlgorithmSpec,
    digits: u32,
    period: u64,
    source: SeedSource,
    warnings: Vec<Warning>,
    /// Problems found while reading (unreadable parameter, counter-based …);
    /// capability problems are added by [`SeedSpec::problems`].
    read_problems: Vec<Problem>,
}

/// What to write to a token: a seed, HMAC and step the token family accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenProgram {
    pub seed: TokenSeed,
    pub hmac: TokenHmac,
    pub step: TokenStep,
}

impl SeedSpec {
    /// A spec with the Key URI Format defaults (SHA1, 6 digits, 30 s).
    pub(crate) fn new(secret: SecretBytes, source: SeedSource) -> Self {
        let mut spec = Self {
            issuer: None,
            account: None,
            secret,
            secret_text: None,
            algorithm: AlgorithmSpec::Known(Algorithm::Sha1),
            digits: DEFAULT_DIGITS,
            period: DEFAULT_PERIOD,
            source,
            warnings: Vec::new(),
            read_problems: Vec::new(),
        };
        let bits = spec.secret.bits();
        if bits > 0 && bits < RECOMMENDED_MIN_BITS {
            spec.warnings.push(Warning::ShortSeed { bits });
        }
        spec
    }

    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The decoded seed. Do not log or format it.
    pub fn secret(&self) -> &SecretBytes {
        &self.secret
    }

    /// Decoded seed length in bits.
    pub fn secret_bits(&self) -> usize {
        self.secret.bits()
    }

    pub fn algorithm(&self) -> &AlgorithmSpec {
        &self.algorithm
    }

    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// Time step in seconds.
    pub fn period(&self) -> u64 {
        self.period
    }

    pub fn source(&self) -> SeedSource {
        self.source
    }

    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// A short fingerprint of the secret to compare with the service's page
    /// (see [`fingerprint`]).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.secret.expose())
    }

    /// "GitHub (alice)", "GitHub", "alice" or "unnamed account".
    pub fn display_name(&self) -> String {
        match (&self.issuer, &self.account) {
            (Some(i), Some(a)) => format!("{i} ({a})"),
            (Some(i), None) => i.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => "unnamed account".to_string(),
        }
    }

    /// Replaces what the service asks for (e.g. the user knows better than a
    /// typed seed's defaults); `None` keeps a value. Read problems about a
    /// replaced parameter are dropped; the "assumed defaults" warning only when
    /// all three are given.
    pub fn override_params(
        &mut self,
        algorithm: Option<Algorithm>,
        digits: Option<u32>,
        period: Option<u64>,
    ) {
        if let Some(a) = algorithm {
            self.algorithm = AlgorithmSpec::Known(a);
            self.read_problems
                .retain(|p| !p.is_about_parameter("algorithm"));
        }
        if let Some(d) = digits {
            self.digits = d;
            self.read_problems
                .retain(|p| !p.is_about_parameter("digits"));
        }
        if let Some(p) = period {
            self.period = p;
            self.read_problems
                .retain(|q| !q.is_about_parameter("period"));
        }
        if algorithm.is_some() && digits.is_some() && period.is_some() {
            self.warnings.retain(|w| *w != Warning::AssumedDefaults);
        }
    }

    /// Everything that keeps this seed off a token, each a plain sentence via
    /// `Display`. Empty means burnable.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = self.read_problems.clone();
        match &self.algorithm {
            AlgorithmSpec::Known(a) if TokenHmac::from_algorithm(*a).is_some() => {}
            AlgorithmSpec::Known(a) => out.push(Problem::Algorithm {
                name: a.as_str().to_string(),
            }),
            AlgorithmSpec::Unsupported(name) => {
                if !out.iter().any(|p| p.is_about_parameter("algorithm")) {
                    out.push(Problem::Algorithm { name: name.clone() });
                }
            }
        }
        if self.digits != TOKEN_DIGITS {
            out.push(Problem::Digits {
                digits: self.digits,
            });
        }
        if TokenStep::from_seconds(self.period).is_none() {
            out.push(Problem::Period {
                seconds: self.period,
            });
        }
        match self.secret.len() {
            0 => out.push(Problem::Seed(SeedLengthError::Empty)),
            n if n > MAX_SEED_BYTES => {
                out.push(Problem::Seed(SeedLengthError::TooLong { bytes: n }))
            }
            _ => {}
        }
        out
    }

    pub fn is_burnable(&self) -> bool {
        self.problems().is_empty()
    }

    /// The capability check: what to write to a token, or every reason it cannot
    /// take this seed. Nothing needs to be sent to a token to find out.
    pub fn token_program(&self) -> Result<TokenProgram, Vec<Problem>> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(problems);
        }
        let hmac = self
            .algorithm
            .known()
            .and_then(TokenHmac::from_algorithm)
            .ok_or_else(|| {
                vec![Problem::Algorithm {
                    name: self.algorithm.to_string(),
                }]
            })?;
        let step = TokenStep::from_seconds(self.period).ok_or_else(|| {
            vec![Problem::Period {
                seconds: self.period,
            }]
        })?;
        let seed = TokenSeed::new(self.secret.clone()).map_err(|e| vec![Problem::Seed(e)])?;
        Ok(TokenProgram { seed, hmac, step })
    }

    /// The secret read in the other text encoding, when the seed was typed (or
    /// came from a link) and its text is also valid in that encoding. Used by the
    /// mismatch diagnosis ("the seed was typed as Hex but is Base32").
    pub fn alternate_reading(&self) -> Option<(Encoding, SecretBytes)> {
        let text = self.secret_text.as_ref()?;
        let current = match self.source {
            SeedSource::OtpauthLink => Encoding::Base32,
            SeedSource::Typed(e) => e,
            SeedSource::Migration { .. } => return None,
        };
        let other = current.other();
        let bytes = text::decode(text.expose(), other).ok()?.bytes;
        Some((other, bytes))
    }

    /// The encoding the secret text was read in (`None` for export accounts).
    pub fn encoding(&self) -> Option<Encoding> {
        match self.source {
            SeedSource::OtpauthLink => Some(Encoding::Base32),
            SeedSource::Typed(e) => Some(e),
            SeedSource::Migration { .. } => None,
        }
    }
}

/// Typed text that is valid Base32 and valid Hex. Nothing is guessed: the
/// caller shows both readings and calls [`AmbiguousSeed::resolve`].
#[derive(Clone, Debug)]
pub struct AmbiguousSeed {
    /// Normalized text (separators removed, upper case).
    text: SecretString,
}

impl AmbiguousSeed {
    /// The seed read in `encoding`. Both readings are known to be valid.
    pub fn resolve(&self, encoding: Encoding) -> SeedSpec {
        match text::typed_spec(self.text.expose(), encoding) {
            Ok(spec) => spec,
            // Unreachable by construction (both decodes succeeded when this was
            // built); an empty seed keeps the result honest rather than panicking.
            Err(_) => SeedSpec::new(SecretBytes::default(), SeedSource::Typed(encoding)),
        }
    }

    /// Decoded length in bits when read in `encoding`.
    pub fn bits(&self, encoding: Encoding) -> usize {
        self.resolve(encoding).secret_bits()
    }

    /// Fingerprint when read in `encoding`.
    pub fn fingerprint(&self, encoding: Encoding) -> String {
        self.resolve(encoding).fingerprint()
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
    fn refusal_sentences_name_the_reason() {
        assert!(Refusal::Hotp.to_string().contains("counter-based"));
        assert!(Refusal::Steam.to_string().contains("Steam"));
        assert!(Refusal::PhoneFactor.to_string().contains("push"));
        assert_eq!(Refusal::WebLink.code(), "web-link");
    }

    #[test]
    fn capability_check_names_each_problem() {
        let spec = totp(
            "otpauth://totp/ACME:bob?secret=JBSWY3DPEHPK3PXP&digits=8&period=45&algorithm=SHA512",
        );
        let problems = spec.token_program().unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.contains(
            &"this service asks for 8-digit codes; these tokens always show 6".to_string()
        ));
        assert!(text.iter().any(|t| t.contains("SHA512")));
        assert!(text.iter().any(|t| t.contains("every 45 s")));
        assert_eq!(problems.len(), 3);
        assert!(!spec.is_burnable());
    }

    #[test]
    fn capability_check_accepts_the_token_family() {
        for (alg, period, hmac, step) in [
            ("SHA1", 30, TokenHmac::Sha1, TokenStep::Secs30),
            ("SHA256", 60, TokenHmac::Sha256, TokenStep::Secs60),
        ] {
            let spec = totp(&format!(
                "otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm={alg}&period={period}"
            ));
            let prog = spec.token_program().unwrap();
            assert_eq!(prog.hmac, hmac);
            assert_eq!(prog.step, step);
            assert_eq!(prog.seed.expose(), b"Hello!\xDE\xAD\xBE\xEF");
        }
    }

    #[test]
    fn seed_length_limits() {
        let ok = data_encoding::BASE32_NOPAD.encode(&[7u8; 63]);
        assert!(totp(&ok).is_burnable());
        let long = data_encoding::BASE32_NOPAD.encode(&[7u8; 64]);
        let spec = totp(&long);
        assert_eq!(
            spec.problems(),
            vec![Problem::Seed(SeedLengthError::TooLong { bytes: 64 })]
        );
        assert!(spec.problems()[0].to_string().contains("at most 63 bytes"));
    }

    #[test]
    fn override_params_replace_and_clear_problems() {
        let mut spec = totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&digits=eight&period=x");
        assert_eq!(spec.problems().len(), 2);
        spec.override_params(Some(Algorithm::Sha256), Some(6), Some(60));
        assert!(spec.problems().is_empty());
        // Typed seeds: the defaults warning stays until every setting is given.
        let mut typed = totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        typed.override_params(None, None, None);
        assert!(typed.warnings().contains(&Warning::AssumedDefaults));
        typed.override_params(None, None, Some(60));
        assert!(typed.warnings().contains(&Warning::AssumedDefaults));
        assert_eq!(typed.period(), 60);
        typed.override_params(Some(Algorithm::Sha1), Some(6), Some(60));
        assert!(!typed.warnings().contains(&Warning::AssumedDefaults));
        assert_eq!(spec.algorithm(), &AlgorithmSpec::Known(Algorithm::Sha256));
        assert_eq!(spec.period(), 60);
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

    #[test]
    fn alternate_reading_for_typed_and_links() {
        // Valid as both: read as Base32 via the link, the Hex reading is offered.
        let spec = totp("otpauth://totp/A:b?secret=ABCDEF234567ABCD");
        let (enc, bytes) = spec.alternate_reading().unwrap();
        assert_eq!(enc, Encoding::Hex);
        assert_eq!(
            bytes.expose(),
            &[0xAB, 0xCD, 0xEF, 0x23, 0x45, 0x67, 0xAB, 0xCD]
        );
        // Not valid Hex: no alternate reading.
        assert!(totp("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP")
            .alternate_reading()
            .is_none());
    }
}
