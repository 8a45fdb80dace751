//! Seed input over the boundary: thin adapters over `kiln_core::seed` and
//! `kiln_core::verify`.
//!
//! Secrets stay in Rust: a [`Seed`] / [`AmbiguousSeed`] object holds the core's
//! zeroizing `SeedSpec` / `AmbiguousSeed`; Kotlin holds a handle and sees only
//! [`SeedInfo`] views (issuer, account, settings, bit length, fingerprint,
//! problems, warnings). No export returns seed bytes, and nothing here logs.

use crate::error::{sentence, KilnError};
use kiln_core::params::Algorithm;
use kiln_core::seed::{self as core_seed, Encoding, OtpKind, SeedSource, SeedSpec};
use kiln_core::verify;
use std::sync::Arc;

/// What a piece of text (a QR payload or typed seed) turned out to be.
#[derive(uniffi::Enum)]
pub enum SeedInput {
    /// One TOTP seed. `seed.info().burnable` says whether the token can take it.
    Totp { seed: Arc<Seed> },
    /// A Google Authenticator export: every account, burnable or not (its
    /// `info.problems` say why not). `warnings` are about the export as a whole
    /// (e.g. "this export is QR code 1 of 3").
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
    /// Not a TOTP seed: `reason` is one sentence; `suggestions` are look-alike
    /// characters that may explain a typo (never applied).
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
    /// Seconds per code.
    pub period: u32,
    pub secret_bits: u32,
    /// 4 Base32 characters of the SHA-256 of the seed, e.g. `MXVF` (20 bits; fewer
    /// for seeds under 5 bytes): tells two seeds apart, reveals at most 20 bits.
    /// Not a part of the seed, so it cannot be compared with the service's key.
    pub fingerprint: String,
    /// True when the token family can take this seed as it is.
    pub burnable: bool,
    /// Why it cannot (empty when burnable), one sentence each.
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
#[derive(uniffi::Record, Clone, Debug, PartialEq, Eq)]
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

/// A TOTP seed held in Rust (zeroized when the last handle is dropped).
#[derive(uniffi::Object)]
pub struct Seed {
    spec: SeedSpec,
}

impl Seed {
    pub(crate) fn new(spec: SeedSpec) -> Arc<Self> {
        Arc::new(Self { spec })
    }

    /// The core spec (for the session adapters).
    pub(crate) fn spec(&self) -> &SeedSpec {
        &self.spec
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // SeedSpec's Debug is redacted; keep it that way here too.
        write!(f, "Seed({:?})", self.spec)
    }
}

#[uniffi::export]
impl Seed {
    /// Issuer, account, settings, fingerprint, whether it can be burned and why not.
    pub fn info(&self) -> SeedInfo {
        info_of(&self.spec)
    }

    /// The codes the service expects at `unix_secs` (for a burnable seed: the
    /// codes the token will show).
    pub fn expected_codes(&self, unix_secs: i64) -> Result<ExpectedCodes, KilnError> {
        let at = unix_time(unix_secs)?;
        verify::expected_codes_for(&self.spec, at)
            .map(codes_view)
            .map_err(KilnError::bad_input)
    }

    /// Explains a code read off a token (or rejected by the service) at
    /// `unix_secs`. Never throws: an unreadable code gives `matched = false` and a
    /// sentence saying what to type.
    pub fn diagnose(&self, code_read: String, unix_secs: i64) -> Diagnosis {
        let outcome = unix_time(unix_secs).and_then(|at| {
            verify::diagnose(&self.spec, &code_read, at).map_err(KilnError::bad_input)
        });
        match outcome {
            Ok(d) => Diagnosis {
                matched: d.is_match(),
                sentence: sentence(&d.sentence()),
            },
            Err(e) => Diagnosis {
                matched: false,
                sentence: e.to_string(),
            },
        }
    }

    /// A copy with the algorithm and period the user chose or confirmed (e.g. a
    /// typed seed, which carries no settings). For a typed seed this confirms all
    /// settings (tokens always show 6 digits), which clears the "assumed defaults"
    /// warning. `period` 0 or an unknown algorithm → `BadInput`.
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
        Encoding::Hex
    } else {
        Encoding::Base32
    }
}

/// Reads any text a user can bring: an `otpauth://` link, an
/// `otpauth-migration://` export, or a typed Base32/Hex seed. Never throws.
/// Text over `kiln_core::seed::MAX_INPUT_BYTES` (64 KiB) is refused unread (the
/// app calls this on every keystroke).
#[uniffi::export]
pub fn parse_seed_input(text: String) -> SeedInput {
    // The text may hold a seed: it is zeroized after parsing.
    let text = zeroize::Zeroizing::new(text);
    from_core(core_seed::parse_input(&text))
}

pub(crate) fn from_core(input: core_seed::SeedInput) -> SeedInput {
    match input {
        core_seed::SeedInput::Totp(spec) => SeedInput::Totp {
            seed: Seed::new(spec),
        },
        core_seed::SeedInput::Migration(batch) => SeedInput::Migration {
            warnings: batch
                .warnings
                .iter()
                .map(|w| sentence(&w.to_string()))
                .collect(),
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
            hex_bits: bits(a.bits(Encoding::Hex)),
            base32_bits: bits(a.bits(Encoding::Base32)),
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
    let problems: Vec<String> = spec
        .problems()
        .iter()
        .map(|p| sentence(&p.to_string()))
        .collect();
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
        warnings: spec
            .warnings()
            .iter()
            .map(|w| sentence(&w.to_string()))
            .collect(),
    }
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

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod tests {
    use super::*;

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
}
