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

mod migration;
mod text;
mod uri;

#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod real_world_tests;

pub use migration::{MigrationAccount, MigrationBatch, OtpKind};
pub use text::{DecodeError, Encoding, LookAlike};

use crate::params::{Algorithm, SeedLengthError, TokenHmac, TokenSeed, TokenStep, MAX_SEED_BYTES};
use crate::secret::{SecretBytes, SecretString};
use std::fmt;
use zeroize::Zeroizing;

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
}

/// Reads any text a user can bring: an `otpauth://` link, an
/// `otpauth-migration://` export, or a typed Base32/Hex seed.
///
/// Surrounding whitespace and a leading byte-order mark are ignored. Never
/// panics, never logs.
pub fn parse_input(input: &str) -> SeedInput {
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
    match uri::split_scheme(trimmed) {
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

/// A short fingerprint of a secret: the first and last 4 characters of its
/// canonical (upper-case, unpadded) Base32, e.g. `JBSW…3PXP`. Shorter secrets
/// show fewer characters so that at most half of the text is ever shown: 2+2 for
/// 8..=15 Base32 characters, 1+1 for 4..=7, none below.
pub fn fingerprint(secret: &[u8]) -> String {
    let b32 = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(secret));
    let n = b32.len();
    let show = match n {
        16.. => 4,
        8..=15 => 2,
        4..=7 => 1,
        _ => 0,
    };
    let head = b32.get(..show).unwrap_or("");
    let tail = b32.get(n.saturating_sub(show)..).unwrap_or("");
    format!("{head}…{tail}")
}

/// A note about a seed that does not stop it from being burned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The seed is shorter than 128 bits.
    ShortSeed { bits: usize },
    /// The link's label prefix and `issuer=` parameter disagree (`issuer=` wins).
    IssuerMismatch { label: String, parameter: String },
    /// The last Base32 character carried non-zero bits beyond the seed.
    TrailingBits,
    /// A typed seed carries no parameters; SHA1, 6 digits, 30 s were assumed.
    AssumedDefaults,
    /// A link parameter appeared more than once; the first value was used.
    RepeatedParameter { name: String },
    /// An export account did not say whether it is TOTP or HOTP; TOTP assumed.
    TypeUnspecified,
    /// The export is one QR code of several.
    PartOfBatch { index: u64, size: u64 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ShortSeed { bits } => write!(
                f,
                "the seed is only {bits} bits; at least 128 bits is recommended (ask the service for a longer one if it offers it)"
            ),
            Warning::IssuerMismatch { label, parameter } => write!(
                f,
                "the link's label says the issuer is \"{label}\" but its issuer parameter says \"{parameter}\"; using \"{parameter}\""
            ),
            Warning::TrailingBits => f.write_str(
                "the last Base32 character carries extra bits that are not part of the seed; they were ignored (check the seed was copied completely)",
            ),
            Warning::AssumedDefaults => f.write_str(
                "a typed seed carries no settings: assuming SHA1, 6 digits and 30 s (the usual ones); check the service's setup page",
            ),
            Warning::RepeatedParameter { name } => write!(
                f,
                "the link gives \"{name}\" more than once; the first value was used"
            ),
            Warning::TypeUnspecified => f.write_str(
                "the export does not say whether this account is time-based; assuming it is (TOTP)",
            ),
            Warning::PartOfBatch { index, size } => write!(
                f,
                "this export is QR code {} of {size}; scan the others too to get every account",
                index.saturating_add(1)
            ),
        }
    }
}

/// Something that keeps a seed off this token family. `Display` gives one
/// plain sentence a field user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The service wants codes of another length.
    Digits { digits: u32 },
    /// The service wants an HMAC the token cannot do.
    Algorithm { name: String },
    /// The service wants a time step the token cannot do.
    Period { seconds: u64 },
    /// The seed is empty or longer than 63 bytes.
    Seed(SeedLengthError),
    /// A counter-based (HOTP) account (export entries).
    CounterBased,
    /// A link parameter could not be read (kept short; never the secret).
    UnreadableParameter { name: &'static str, value: String },
    /// An export field holds a value not in the export format.
    UnknownExportValue { field: &'static str, code: u64 },
}

impl Problem {
    fn is_about_parameter(&self, param: &str) -> bool {
        match self {
            Problem::UnreadableParameter { name, .. } => *name == param,
            Problem::UnknownExportValue { field, .. } => *field == param,
            _ => false,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Digits { digits } => write!(
                f,
                "this service asks for {digits}-digit codes; these tokens always show 6"
            ),
            Problem::Algorithm { name } => write!(
                f,
                "this service uses the {name} algorithm; these tokens can only do SHA1 or SHA256"
            ),
            Problem::Period { seconds } => write!(
                f,
                "this service changes codes every {seconds} s; these tokens can only do 30 s or 60 s"
            ),
            Problem::Seed(e) => write!(f, "{e}"),
            Problem::CounterBased => f.write_str(
                "this account is counter-based (HOTP); these tokens are time-based (TOTP) and cannot show its codes",
            ),
            Problem::UnreadableParameter { name, value } => write!(
                f,
                "the link's {name} value \"{value}\" cannot be read, so it is unclear what the service wants"
            ),
            Problem::UnknownExportValue { field, code } => write!(
                f,
                "the export gives this account an unknown {field} (code {code}), so it is unclear what the service wants"
            ),
        }
    }
}

/// Why input was not accepted as a TOTP seed. `Display` gives a sentence a field
/// user understands; [`Refusal::code`] a stable machine name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    /// Binary data or control characters.
    Binary,
    /// `otpauth://hotp`.
    Hotp,
    /// `otpauth://steam`, `steam://`.
    Steam,
    /// `motp://`, `otpauth://motp`.
    Motp,
    /// Yandex Key (`otpauth://yaotp`, `yaotp://`).
    Yandex,
    /// Microsoft Authenticator push registration (`phonefactor://`).
    PhoneFactor,
    /// A plain web link.
    WebLink,
    /// A link with a scheme we do not know (scheme shortened, not secret).
    UnknownScheme {
        scheme: String,
    },
    /// `otpauth://<type>` with a type we do not know.
    UnknownOtpType {
        otp_type: String,
    },
    /// An `otpauth://totp` link with no `secret=`.
    MissingSecret,
    /// The link's secret is not valid Base32.
    InvalidLinkSecret {
        reason: DecodeError,
        suggestions: Vec<LookAlike>,
    },
    /// Typed text that is neither Base32 nor Hex.
    InvalidTypedSeed {
        base32: DecodeError,
        hex: DecodeError,
        suggestions: Vec<LookAlike>,
    },
    /// Typed text that is a 6-8 digit number: a one-time code, not a seed.
    LooksLikeCode {
        digits: usize,
    },
    /// An `otpauth-migration://` link that could not be read.
    MalformedExport {
        detail: String,
    },
    /// An export with no accounts in it.
    EmptyExport,
}

impl Refusal {
    /// Stable machine name (JSON `refusal`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::Binary => "binary",
            Refusal::Hotp => "hotp",
            Refusal::Steam => "steam",
            Refusal::Motp => "motp",
            Refusal::Yandex => "yandex",
            Refusal::PhoneFactor => "phonefactor",
            Refusal::WebLink => "web-link",
            Refusal::UnknownScheme { .. } => "unknown-scheme",
            Refusal::UnknownOtpType { .. } => "unknown-otp-type",
            Refusal::MissingSecret => "missing-secret",
            Refusal::InvalidLinkSecret { .. } => "invalid-link-secret",
            Refusal::InvalidTypedSeed { .. } => "invalid-typed-seed",
            Refusal::LooksLikeCode { .. } => "looks-like-code",
            Refusal::MalformedExport { .. } => "malformed-export",
            Refusal::EmptyExport => "empty-export",
        }
    }

    /// Look-alike characters that may explain why the text did not decode. They
    /// are suggestions only: nothing was changed.
    pub fn suggestions(&self) -> &[LookAlike] {
        match self {
            Refusal::InvalidLinkSecret { suggestions, .. }
            | Refusal::InvalidTypedSeed { suggestions, .. } => suggestions,
            _ => &[],
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Empty => f.write_str("nothing was entered"),
            Refusal::Binary => f.write_str(
                "this is binary data or contains control characters, not an authenticator QR code or a typed seed",
            ),
            Refusal::Hotp => f.write_str(
                "this is a counter-based (HOTP) account; these tokens are time-based (TOTP) and cannot show its codes — ask the service for an authenticator-app (TOTP) QR code",
            ),
            Refusal::Steam => f.write_str(
                "this is a Steam Guard account; Steam uses its own 5-character codes, which these tokens cannot show",
            ),
            Refusal::Motp => f.write_str(
                "this is a mobile-OTP (mOTP) seed; mOTP combines a PIN with the seed in its own scheme, which these TOTP tokens cannot do",
            ),
            Refusal::Yandex => f.write_str(
                "this is a Yandex Key account; Yandex combines a PIN with the seed in its own scheme, which these TOTP tokens cannot do",
            ),
            Refusal::PhoneFactor => f.write_str(
                "this is a Microsoft Authenticator push-notification registration and carries no code seed — on the Microsoft security page choose \"use a different authenticator app\" to get a TOTP QR code",
            ),
            Refusal::WebLink => f.write_str(
                "this is a web link, not an authenticator QR code — look for the QR code the service shows when you add an authenticator app",
            ),
            Refusal::UnknownScheme { scheme } => write!(
                f,
                "this is a \"{scheme}:\" link, not an authenticator QR code (expected otpauth://totp/…)"
            ),
            Refusal::UnknownOtpType { otp_type } => write!(
                f,
                "this otpauth link is of type \"{otp_type}\"; these tokens only take time-based (totp) accounts"
            ),
            Refusal::MissingSecret => f.write_str(
                "this otpauth link has no secret, so there is nothing to put on a token",
            ),
            Refusal::InvalidLinkSecret {
                reason,
                suggestions,
            } => {
                write!(f, "the secret in this link is not valid Base32: {reason}")?;
                write_suggestions(f, suggestions)
            }
            Refusal::InvalidTypedSeed {
                base32,
                hex,
                suggestions,
            } => {
                write!(
                    f,
                    "this is neither a Base32 nor a Hex seed (as Base32: {base32}; as Hex: {hex})"
                )?;
                write_suggestions(f, suggestions)
            }
            Refusal::LooksLikeCode { digits } => write!(
                f,
                "this looks like {} {digits}-digit one-time code, not a seed — enter the secret key the service shows (usually 16 or 32 letters and digits)",
                // "an 8-digit", "an 11-digit", "an 18-digit": said with a vowel sound.
                if matches!(digits, 8 | 11 | 18) || (80..90).contains(digits) { "an" } else { "a" }
            ),
            Refusal::MalformedExport { detail } => write!(
                f,
                "this Google Authenticator export could not be read ({detail}); export it again and scan the new QR code"
            ),
            Refusal::EmptyExport => f.write_str(
                "this Google Authenticator export contains no accounts",
            ),
        }
    }
}

fn write_suggestions(f: &mut fmt::Formatter<'_>, suggestions: &[LookAlike]) -> fmt::Result {
    if suggestions.is_empty() {
        return Ok(());
    }
    f.write_str("; nothing was changed, but check: ")?;
    for (i, s) in suggestions.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{s}")?;
    }
    Ok(())
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
    fn fingerprint_shows_ends_only() {
        // "Hello!\xDE\xAD\xBE\xEF" is JBSWY3DPEHPK3PXP in Base32.
        let s = b"Hello!\xDE\xAD\xBE\xEF";
        assert_eq!(fingerprint(s), "JBSW…3PXP");
        assert_eq!(fingerprint(&[0xFF; 5]), "77…77"); // 8 chars
        assert_eq!(fingerprint(&[0x00; 2]), "A…A"); // 4 chars
        assert_eq!(fingerprint(&[0x00; 1]), "…"); // 2 chars
        assert_eq!(fingerprint(&[]), "…");
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
