//! Seed input over the boundary (`kiln_core::seed`, `kiln_core::verify`). A [`Seed`] or
//! [`AmbiguousSeed`] holds the core's zeroizing spec; Kotlin holds a handle and sees
//! only [`SeedInfo`] views. No export returns seed bytes, and nothing here logs.

use crate::error::{sentence, KilnError};
use kiln_core::params::Algorithm;
use kiln_core::seed::{self as core_seed, Encoding, OtpKind, SeedSource, SeedSpec};
use kiln_core::verify;
use std::sync::Arc;
use Encoding::{Base32, Hex};

/// What a piece of text (a QR payload or typed seed) turned out to be.
#[derive(uniffi::Enum)]
pub enum SeedInput {
    /// One TOTP seed. `seed.info().burnable` says whether the token can take it.
    Totp { seed: Arc<Seed> },
    /// A Google Authenticator export: every account, burnable or not; `warnings` are
    /// about the export as a whole ("this export is QR code 1 of 3").
    Migration {
        accounts: Vec<MigrationAccount>,
        warnings: Vec<String>,
    },
    /// Typed text valid as both Hex and Base32: ask the user, then `choice.resolve`.
    Ambiguous {
        choice: Arc<AmbiguousSeed>,
        hex_bits: u32,
        base32_bits: u32,
    },
    /// Not a TOTP seed: one sentence, and look-alike characters that may explain a typo.
    Refused {
        reason: String,
        suggestions: Vec<String>,
    },
}

/// Everything about a seed except the secret.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct SeedInfo {
    pub issuer: Option<String>,
    pub account: Option<String>,
    /// `SHA1`, `SHA256`, `SHA512`, or an unsupported name as given (e.g. `MD5`).
    pub algorithm: String,
    pub digits: u8,
    pub period: u32,
    pub secret_bits: u32,
    /// 4 Base32 characters of the seed's SHA-256, e.g. `MXVF`: tells two seeds apart,
    /// reveals at most 20 bits; not comparable with the service's key.
    pub fingerprint: String,
    /// True when the token family can take this seed as it is; else `problems` say why.
    pub burnable: bool,
    pub problems: Vec<String>,
    /// Notes that do not stop a burn (short seed, assumed defaults …).
    pub warnings: Vec<String>,
}

/// One account of a Google Authenticator export.
#[derive(uniffi::Record)]
pub struct MigrationAccount {
    /// Present only when the account can go on a token.
    pub seed: Option<Arc<Seed>>,
    pub info: SeedInfo,
    /// `totp`, `hotp` or `unknown` (as `kiln inspect --json`).
    pub kind: String,
}

/// Previous, current and next code, and the seconds until `next` is current.
#[derive(uniffi::Record, Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedCodes {
    /// Empty only in the very first time step after 1970.
    pub previous: String,
    pub current: String,
    pub next: String,
    pub seconds_left: u32,
    pub period: u32,
}

/// The result of comparing a code read off a token with the seed.
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// True when the code is exactly the one expected now.
    pub matched: bool,
    /// One sentence: "The token clock is about 56 s behind." …
    pub sentence: String,
}

/// A TOTP seed held in Rust (zeroized when dropped; `Debug` redacted as `SeedSpec`'s).
#[derive(Debug, uniffi::Object)]
pub struct Seed {
    spec: SeedSpec,
}

impl Seed {
    pub(crate) fn new(spec: SeedSpec) -> Arc<Self> {
        Arc::new(Self { spec })
    }

    pub(crate) fn spec(&self) -> &SeedSpec {
        &self.spec
    }
}

#[uniffi::export]
impl Seed {
    /// Issuer, account, settings, fingerprint, whether it can be burned and why not.
    pub fn info(&self) -> SeedInfo {
        info_of(&self.spec)
    }

    /// The codes the service (and, once burned, the token) shows at `unix_secs`.
    pub fn expected_codes(&self, unix_secs: i64) -> Result<ExpectedCodes, KilnError> {
        let at = unix_time(unix_secs)?;
        verify::expected_codes_for(&self.spec, at)
            .map(codes_view)
            .map_err(KilnError::bad_input)
    }

    /// Explains a code read off a token (or rejected by the service) at `unix_secs`.
    /// Never throws: an unreadable code gives `matched = false` and what to type.
    pub fn diagnose(&self, code_read: String, unix_secs: i64) -> Diagnosis {
        let outcome = unix_time(unix_secs).and_then(|at| {
            verify::diagnose(&self.spec, &code_read, at).map_err(KilnError::bad_input)
        });
        let (matched, sentence) = match outcome {
            Ok(d) => (d.is_match(), sentence(&d.sentence())),
            Err(e) => (false, e.to_string()),
        };
        Diagnosis { matched, sentence }
    }

    /// A copy with the algorithm and period the user chose or confirmed; for a typed
    /// seed this confirms all settings (tokens show 6 digits), clearing the "assumed
    /// defaults" warning. `period` 0 or an unknown algorithm → `BadInput`.
    pub fn with_params(&self, algorithm: String, period: u32) -> Result<Arc<Seed>, KilnError> {
        let alg: Algorithm = algorithm.parse().map_err(KilnError::bad_input)?;
        if period == 0 {
            return Err(KilnError::bad_input("the period must be at least 1 second"));
        }
        let mut spec = self.spec.clone();
        let digits = matches!(spec.source(), SeedSource::Typed(_)).then_some(spec.digits());
        spec.override_params(Some(alg), digits, Some(u64::from(period)));
        Ok(Seed::new(spec))
    }
}

/// Typed text that reads as both Hex and Base32. Nothing is guessed.
#[derive(uniffi::Object)]
pub struct AmbiguousSeed {
    inner: core_seed::AmbiguousSeed,
}

#[uniffi::export]
impl AmbiguousSeed {
    /// The seed read as Hex (`as_hex = true`) or Base32.
    pub fn resolve(&self, as_hex: bool) -> Result<Arc<Seed>, KilnError> {
        Ok(Seed::new(self.inner.resolve(encoding(as_hex))))
    }

    /// What the seed would be in each reading (to show both side by side).
    pub fn info(&self, as_hex: bool) -> SeedInfo {
        info_of(&self.inner.resolve(encoding(as_hex)))
    }
}

fn encoding(as_hex: bool) -> Encoding {
    if as_hex {
        Hex
    } else {
        Base32
    }
}

/// Reads any text a user can bring: an `otpauth://` link, an `otpauth-migration://`
/// export, or a typed Base32/Hex seed. Never throws. Text over 64 KiB
/// (`kiln_core::seed::MAX_INPUT_BYTES`) is refused unread. The text is zeroized here.
#[uniffi::export]
pub fn parse_seed_input(text: String) -> SeedInput {
    let text = zeroize::Zeroizing::new(text);
    from_core(core_seed::parse_input(&text))
}

pub(crate) fn from_core(input: core_seed::SeedInput) -> SeedInput {
    match input {
        core_seed::SeedInput::Totp(spec) => SeedInput::Totp {
            seed: Seed::new(spec),
        },
        core_seed::SeedInput::Migration(batch) => SeedInput::Migration {
            warnings: sentences(&batch.warnings),
            accounts: batch
                .accounts
                .into_iter()
                .map(|a| {
                    let info = info_of(&a.spec);
                    let kind = match a.kind {
                        OtpKind::Totp | OtpKind::Unspecified => "totp",
                        OtpKind::Hotp => "hotp",
                        OtpKind::Unknown(_) => "unknown",
                    };
                    MigrationAccount {
                        seed: info.burnable.then(|| Seed::new(a.spec)),
                        info,
                        kind: kind.to_string(),
                    }
                })
                .collect(),
        },
        core_seed::SeedInput::Ambiguous(a) => SeedInput::Ambiguous {
            hex_bits: bits(a.bits(Hex)),
            base32_bits: bits(a.bits(Base32)),
            choice: Arc::new(AmbiguousSeed { inner: a }),
        },
        core_seed::SeedInput::Refused(r) => SeedInput::Refused {
            reason: sentence(&r.to_string()),
            suggestions: r.suggestions().iter().map(ToString::to_string).collect(),
        },
    }
}

fn bits(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub(crate) fn info_of(spec: &SeedSpec) -> SeedInfo {
    let problems = sentences(&spec.problems());
    SeedInfo {
        issuer: spec.issuer().map(str::to_string),
        account: spec.account().map(str::to_string),
        algorithm: spec.algorithm().to_string(),
        digits: u8::try_from(spec.digits()).unwrap_or(u8::MAX),
        period: u32::try_from(spec.period()).unwrap_or(u32::MAX),
        secret_bits: bits(spec.secret_bits()),
        fingerprint: spec.fingerprint(),
        burnable: problems.is_empty(),
        problems,
        warnings: sentences(spec.warnings()),
    }
}

/// Each item's text as a sentence.
fn sentences<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(|i| sentence(&i.to_string())).collect()
}

pub(crate) fn codes_view(c: verify::ExpectedCodes) -> ExpectedCodes {
    ExpectedCodes {
        previous: c.previous.map(|p| p.to_string()).unwrap_or_default(),
        current: c.current.to_string(),
        next: c.next.to_string(),
        seconds_left: u32::try_from(c.seconds_left).unwrap_or(u32::MAX),
        period: u32::try_from(c.period).unwrap_or(u32::MAX),
    }
}

fn unix_time(unix_secs: i64) -> Result<u64, KilnError> {
    u64::try_from(unix_secs)
        .map_err(|_| KilnError::bad_input("the time is before 1970; check the phone's clock"))
}
