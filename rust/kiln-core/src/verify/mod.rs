//! Verification helpers, built on [`crate::totp::code`]:
//!
//! - [`expected_codes`]: previous, current and next code and the seconds left in
//!   the current step, for a key, algorithm, digit count, period and Unix time.
//! - [`token_code_windows`]: the codes a freshly burned token shows around its
//!   own time, each with its time step (what a burn report lists).
//! - [`diagnose`]: given the code a user read off a token (or that a service
//!   rejected), search clock offsets (±10 steps), both token algorithms, both token
//!   periods and the other text encoding, and explain the most likely cause in
//!   one sentence ("the token clock is about 47 s behind").
//!
//! Pure functions: the caller supplies the time.

use crate::params::{Algorithm, TokenConfig, TokenHmac, TokenSeed, TokenStep};
use crate::seed::{AlgorithmSpec, Encoding, SeedSpec};
use crate::totp::{self, TotpError};
use std::fmt;

mod diagnose;
pub use diagnose::{diagnose, Cause, Diagnosis, Reading};
use zeroize::Zeroizing;

/// Steps searched on either side of "now" by [`diagnose`].
pub const SEARCH_STEPS: i64 = 10;

/// A code with its digit count; `Display` pads with leading zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    value: u32,
    digits: u8,
}

impl Code {
    pub fn value(self) -> u32 {
        self.value
    }

    pub fn digits(self) -> u8 {
        self.digits
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&totp::format_code(self.value, self.digits))
    }
}

/// The codes around a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpectedCodes {
    /// The code of the step before (none in the very first step after 1970).
    pub previous: Option<Code>,
    pub current: Code,
    pub next: Code,
    /// The current step number (`unix_secs / period`).
    pub counter: u64,
    /// Seconds until `next` becomes current (1..=period).
    pub seconds_left: u64,
    pub period: u64,
    /// The time the codes are for.
    pub at: u64,
}

/// Why codes could not be computed or compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Totp(#[from] TotpError),
    #[error("codes cannot be computed for the {name} algorithm")]
    UnsupportedAlgorithm { name: String },
    #[error("codes have 6 to 8 digits, not {0}")]
    Digits(u32),
    #[error("the code must be 6 to 8 digits (spaces allowed)")]
    BadCode,
}

/// Previous, current and next code at `unix_secs`, and the seconds left.
pub fn expected_codes(
    key: &[u8],
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    unix_secs: u64,
) -> Result<ExpectedCodes, TotpError> {
    let current = totp::code(key, algorithm, digits, period, unix_secs)?;
    let counter = unix_secs / period;
    let step_start = counter.saturating_mul(period);
    let previous = match step_start.checked_sub(1) {
        Some(t) => Some(totp::code(key, algorithm, digits, period, t)?),
        None => None,
    };
    let next_start = step_start.saturating_add(period);
    let next = totp::code(key, algorithm, digits, period, next_start)?;
    let code = |value| Code { value, digits };
    Ok(ExpectedCodes {
        previous: previous.map(code),
        current: code(current),
        next: code(next),
        counter,
        seconds_left: next_start.saturating_sub(unix_secs),
        period,
        at: unix_secs,
    })
}

/// Expected codes of a token programmed with `seed`, `hmac` and `step`
/// (6 digits, as the token family always shows).
pub fn expected_token_codes(
    seed: &TokenSeed,
    hmac: TokenHmac,
    step: TokenStep,
    unix_secs: u64,
) -> Result<ExpectedCodes, TotpError> {
    expected_codes(
        seed.expose(),
        hmac.algorithm(),
        6,
        step.seconds(),
        unix_secs,
    )
}

/// A code a token shows during one time step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedCode {
    /// The time step during which the code is shown, Unix seconds `[from, until)`
    /// on the token's clock.
    pub from_unix: u64,
    pub until_unix: u64,
    /// Six digits with leading zeros.
    pub code: String,
}

/// The previous, current and next two codes of a token holding `seed` with
/// `config`, at its own time `at_secs`.
///
/// `at_secs` is an estimate (the token's clock is known to a few ms): right at a
/// step boundary the token may still show the previous step's code, so it is
/// listed too. The two following steps cover the power cycle before the user
/// reads the token.
pub fn token_code_windows(
    seed: &TokenSeed,
    config: &TokenConfig,
    at_secs: u64,
) -> Vec<ExpectedCode> {
    let period = config.step.seconds();
    let current = at_secs - at_secs % period;
    let first = current.saturating_sub(period);
    let steps = if current >= period { 4u64 } else { 3 };
    (0..steps)
        .filter_map(|i| {
            let from = first.checked_add(i.checked_mul(period)?)?;
            let code = totp::code(seed.expose(), config.hmac.algorithm(), 6, period, from).ok()?;
            Some(ExpectedCode {
                from_unix: from,
                until_unix: from.checked_add(period)?,
                code: totp::format_code(code, 6),
            })
        })
        .collect()
}

/// Expected codes for what a service asks for (any algorithm the crate can
/// compute, 6..=8 digits, any non-zero period).
pub fn expected_codes_for(spec: &SeedSpec, unix_secs: u64) -> Result<ExpectedCodes, VerifyError> {
    let algorithm = known_algorithm(spec)?;
    let digits = u8::try_from(spec.digits()).map_err(|_| VerifyError::Digits(spec.digits()))?;
    Ok(expected_codes(
        spec.secret().expose(),
        algorithm,
        digits,
        spec.period(),
        unix_secs,
    )?)
}

fn known_algorithm(spec: &SeedSpec) -> Result<Algorithm, VerifyError> {
    match spec.algorithm() {
        AlgorithmSpec::Known(a) => Ok(*a),
        AlgorithmSpec::Unsupported(name) => {
            Err(VerifyError::UnsupportedAlgorithm { name: name.clone() })
        }
    }
}
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::seed::{parse_input, SeedInput};

    pub(crate) const RFC_SHA1: &[u8] = b"12345678901234567890";

    pub(crate) fn spec(input: &str) -> SeedSpec {
        match parse_input(input) {
            SeedInput::Totp(s) => s,
            SeedInput::Ambiguous(a) => a.resolve(Encoding::Base32),
            other => panic!("{}", other.kind()),
        }
    }

    /// The RFC 6238 SHA1 seed as an otpauth link.
    pub(crate) fn rfc_link(extra: &str) -> String {
        format!(
            "otpauth://totp/RFC:6238?secret={}{extra}",
            data_encoding::BASE32_NOPAD.encode(RFC_SHA1)
        )
    }

    pub(crate) fn code_at(key: &[u8], a: Algorithm, period: u64, t: u64) -> String {
        totp::format_code(totp::code(key, a, 6, period, t).unwrap(), 6)
    }

    #[test]
    fn expected_codes_around_a_time() {
        // RFC 6238 Appendix B, 8 digits: T=59 is 94287082; T=1111111109 is 07081804.
        let e = expected_codes(RFC_SHA1, Algorithm::Sha1, 8, 30, 59).unwrap();
        assert_eq!(e.current.to_string(), "94287082");
        assert_eq!(e.counter, 1);
        assert_eq!(e.seconds_left, 1);
        assert_eq!(
            e.previous.unwrap().value(),
            totp::code(RFC_SHA1, Algorithm::Sha1, 8, 30, 29).unwrap()
        );
        assert_eq!(
            e.next.value(),
            totp::code(RFC_SHA1, Algorithm::Sha1, 8, 30, 60).unwrap()
        );
        let e = expected_codes(RFC_SHA1, Algorithm::Sha1, 8, 30, 1111111109).unwrap();
        assert_eq!(e.current.to_string(), "07081804");
        // 1111111109 = 37037036 * 30 + 29: one second left.
        assert_eq!((e.counter, e.seconds_left), (37037036, 1));
        // Step 0 has no previous code.
        let e = expected_codes(RFC_SHA1, Algorithm::Sha1, 6, 30, 0).unwrap();
        assert_eq!(e.previous, None);
        assert_eq!(e.seconds_left, 30);
        assert_eq!(
            e.current.to_string(),
            code_at(RFC_SHA1, Algorithm::Sha1, 30, 0)
        );
        assert!(expected_codes(RFC_SHA1, Algorithm::Sha1, 6, 0, 10).is_err());
    }

    #[test]
    fn expected_codes_for_a_spec_and_a_token() {
        let s = spec(&rfc_link("&digits=8"));
        let e = expected_codes_for(&s, 1234567890).unwrap();
        assert_eq!(e.current.to_string(), "89005924"); // RFC 6238 Appendix B
        let seed = TokenSeed::new(crate::secret::SecretBytes::from_slice(RFC_SHA1)).unwrap();
        let t = expected_token_codes(&seed, TokenHmac::Sha1, TokenStep::Secs30, 59).unwrap();
        assert_eq!(t.current.to_string(), "287082"); // protocol.md vector 10
        let md5 = spec("otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&algorithm=MD5");
        assert_eq!(
            expected_codes_for(&md5, 59),
            Err(VerifyError::UnsupportedAlgorithm { name: "MD5".into() })
        );
    }
}
