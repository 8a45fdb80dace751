//! One TOTP seed as the service states it ([`SeedSpec`]): where it came from,
//! its name, secret and parameters, the notes found while reading it, and the
//! user's overrides. Whether a token can take it is in `capability`.

use super::encoding::{self, Encoding};
use super::fingerprint::fingerprint;
use super::{Problem, Warning};
use crate::params::{Algorithm, TokenHmac, TokenSeed, TokenStep};
use crate::secret::{SecretBytes, SecretString};
use std::fmt;

/// Seeds shorter than this (in bits) get a [`Warning::ShortSeed`] (RFC 4226 §4).
pub const RECOMMENDED_MIN_BITS: usize = 128;

/// Defaults of the Key URI Format, also assumed for typed seeds.
pub const DEFAULT_DIGITS: u32 = 6;
pub const DEFAULT_PERIOD: u64 = 30;

/// Where a [`SeedSpec`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// An `otpauth://totp/…` link (secret in Base32).
    OtpauthLink,
    /// Account number `index` (0-based) of a Google Authenticator export.
    Migration { index: usize },
    /// Typed text, read in this encoding.
    Typed(Encoding),
    /// Raw seed bytes kiln itself kept (a batch journal's record): no text, so
    /// no encoding to be mistaken about.
    Stored,
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
    pub(super) issuer: Option<String>,
    pub(super) account: Option<String>,
    pub(super) secret: SecretBytes,
    /// The normalized text the secret was decoded from (not for migration
    /// accounts). Kept for the "typed as Hex but is Base32" diagnosis.
    pub(super) secret_text: Option<SecretString>,
    pub(super) algorithm: AlgorithmSpec,
    pub(super) digits: u32,
    pub(super) period: u64,
    pub(super) source: SeedSource,
    pub(super) warnings: Vec<Warning>,
    /// Problems found while reading (unreadable parameter, counter-based …);
    /// capability problems are added by [`SeedSpec::problems`].
    pub(super) read_problems: Vec<Problem>,
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

    /// The spec of a seed as a token holds it: raw bytes with the token's HMAC
    /// and time step, 6 digits (these tokens show no other length). For checking
    /// a token against a seed kiln kept, e.g. a batch journal's record.
    pub fn for_token(seed: &TokenSeed, hmac: TokenHmac, step: TokenStep) -> Self {
        let mut spec = Self::new(SecretBytes::from_slice(seed.expose()), SeedSource::Stored);
        spec.algorithm = AlgorithmSpec::Known(hmac.algorithm());
        spec.period = step.seconds();
        spec.digits = DEFAULT_DIGITS;
        spec
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

    /// The secret read in the other text encoding, when the seed was typed (or
    /// came from a link) and its text is also valid in that encoding. Used by the
    /// mismatch diagnosis ("the seed was typed as Hex but is Base32").
    pub fn alternate_reading(&self) -> Option<(Encoding, SecretBytes)> {
        let text = self.secret_text.as_ref()?;
        let current = match self.source {
            SeedSource::OtpauthLink => Encoding::Base32,
            SeedSource::Typed(e) => e,
            SeedSource::Migration { .. } | SeedSource::Stored => return None,
        };
        let other = current.other();
        let bytes = encoding::decode(text.expose(), other).ok()?.bytes;
        Some((other, bytes))
    }

    /// The encoding the secret text was read in (`None` for export accounts).
    pub fn encoding(&self) -> Option<Encoding> {
        match self.source {
            SeedSource::OtpauthLink => Some(Encoding::Base32),
            SeedSource::Typed(e) => Some(e),
            SeedSource::Migration { .. } | SeedSource::Stored => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::seed::{parse_input, SeedInput};

    fn totp(input: &str) -> SeedSpec {
        match parse_input(input) {
            SeedInput::Totp(s) => s,
            other => panic!("expected totp for {input:?}, got {}", other.kind()),
        }
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
    fn a_token_spec_carries_the_tokens_settings_and_no_text() {
        let seed = TokenSeed::new(SecretBytes::from_slice(b"12345678901234567890")).unwrap();
        let spec = SeedSpec::for_token(&seed, TokenHmac::Sha256, TokenStep::Secs60);
        assert_eq!(spec.secret().expose(), b"12345678901234567890");
        assert_eq!(spec.algorithm(), &AlgorithmSpec::Known(Algorithm::Sha256));
        assert_eq!((spec.period(), spec.digits()), (60, 6));
        assert_eq!(spec.source(), SeedSource::Stored);
        assert!(spec.encoding().is_none() && spec.alternate_reading().is_none());
        assert!(spec.problems().is_empty());
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
