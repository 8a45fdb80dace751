//! The TOTP primitive (RFC 6238), on top of `totp-rs`.
//!
//! Kept deliberately small: one function that computes the code for a key,
//! algorithm, digit count, period and Unix time. Higher-level helpers (expected
//! codes around "now", mismatch diagnosis) build on it.

use crate::params::Algorithm;

/// Digits a code may have; RFC 4226 allows 6..=8 (the token family always shows 6).
pub const MIN_DIGITS: u8 = 6;
pub const MAX_DIGITS: u8 = 8;

/// Why a code could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("the period must be at least 1 second")]
    ZeroPeriod,
    #[error("codes have 6 to 8 digits, not {0}")]
    Digits(u8),
}

/// The TOTP code for `key` at Unix time `unix_secs`, as a number (format with
/// leading zeros to `digits` places, e.g. via [`format_code`]).
///
/// HMAC zero-pads keys shorter than its block, so a key and the same key
/// zero-extended to 20 bytes give identical codes (spec vector 11).
pub fn code(
    key: &[u8],
    algorithm: Algorithm,
    digits: u8,
    period: u64,
    unix_secs: u64,
) -> Result<u32, TotpError> {
    if period == 0 {
        return Err(TotpError::ZeroPeriod);
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits) {
        return Err(TotpError::Digits(digits));
    }
    let alg = match algorithm {
        Algorithm::Sha1 => totp_rs::Algorithm::SHA1,
        Algorithm::Sha256 => totp_rs::Algorithm::SHA256,
        Algorithm::Sha512 => totp_rs::Algorithm::SHA512,
    };
    // build_noncompliant: the RFC checks in `build` reject keys under 128 bits,
    // which real services do hand out; we validate digits and period ourselves.
    let totp = totp_rs::Builder::new()
        .with_algorithm(alg)
        .with_digits(digits)
        .with_step_duration(period)
        .with_secret(key)
        .build_noncompliant();
    let token = totp.generate(unix_secs).to_string();
    // Display pads to `digits` characters of decimal digits.
    token.parse::<u32>().map_err(|_| TotpError::Digits(digits))
}

/// Formats a code with leading zeros: `format_code(7082, 6) == "007082"`.
pub fn format_code(code: u32, digits: u8) -> String {
    format!("{:0width$}", code, width = usize::from(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SHA1: &[u8] = b"12345678901234567890";
    const RFC_SHA256: &[u8] = b"12345678901234567890123456789012";
    const RFC_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    /// RFC 6238 Appendix B, all rows, 8 digits.
    #[test]
    fn rfc6238_appendix_b() {
        let rows: [(u64, u32, u32, u32); 6] = [
            (59, 94287082, 46119246, 90693936),
            (1111111109, 7081804, 68084774, 25091201),
            (1111111111, 14050471, 67062674, 99943326),
            (1234567890, 89005924, 91819424, 93441116),
            (2000000000, 69279037, 90698825, 38618901),
            (20000000000, 65353130, 77737706, 47863826),
        ];
        for (t, s1, s256, s512) in rows {
            assert_eq!(
                code(RFC_SHA1, Algorithm::Sha1, 8, 30, t),
                Ok(s1),
                "sha1 {t}"
            );
            assert_eq!(
                code(RFC_SHA256, Algorithm::Sha256, 8, 30, t),
                Ok(s256),
                "sha256 {t}"
            );
            assert_eq!(
                code(RFC_SHA512, Algorithm::Sha512, 8, 30, t),
                Ok(s512),
                "sha512 {t}"
            );
        }
    }

    /// protocol.md vectors 10 and 11.
    #[test]
    fn spec_vectors_10_and_11() {
        assert_eq!(code(RFC_SHA1, Algorithm::Sha1, 6, 30, 59), Ok(287082));
        let short = [0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x21, 0xDE, 0xAD, 0xBE, 0xEF];
        let mut long = short.to_vec();
        long.resize(20, 0);
        let a = code(&short, Algorithm::Sha1, 6, 30, 59);
        assert_eq!(a, Ok(996554));
        assert_eq!(a, code(&long, Algorithm::Sha1, 6, 30, 59));
    }

    #[test]
    fn rejects_bad_parameters() {
        assert_eq!(
            code(b"k", Algorithm::Sha1, 6, 0, 1),
            Err(TotpError::ZeroPeriod)
        );
        assert_eq!(
            code(b"k", Algorithm::Sha1, 9, 30, 1),
            Err(TotpError::Digits(9))
        );
        assert_eq!(format_code(7082, 6), "007082");
    }
}
