//! Parameters: what a service asks for, and what this token family can be set to.
//!
//! The token family (see `shared/protocol.md`) supports HMAC-SHA1 or HMAC-SHA256,
//! a 30 s or 60 s time step, always 6 digits, and 1..=63 seed bytes. The types in
//! the second half of this module can only hold values the token accepts, so a
//! burn request that type-checks is one the token can take.

use crate::secret::SecretBytes;
use std::fmt;
use std::str::FromStr;

/// HMAC algorithm named by a service (`algorithm=` in an otpauth URI).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    #[default]
    Sha1,
    Sha256,
    Sha512,
}

impl Algorithm {
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha512 => "SHA512",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name was not one of SHA1, SHA256, SHA512 (with or without `HMAC`/`-`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm {0:?}: expected SHA1, SHA256 or SHA512")]
pub struct UnknownAlgorithm(pub String);

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    /// Case-insensitive; accepts an optional `HMAC` prefix and `-`/`_` separators
    /// (`sha1`, `HmacSHA256`, `SHA-512`, `hmac_sha1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .trim()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        let norm = norm.strip_prefix("HMAC").unwrap_or(&norm);
        match norm {
            "SHA1" => Ok(Algorithm::Sha1),
            "SHA256" => Ok(Algorithm::Sha256),
            "SHA512" => Ok(Algorithm::Sha512),
            _ => Err(UnknownAlgorithm(s.chars().take(32).collect())),
        }
    }
}

/// HMAC the token can be configured to (TLV `0A 01 aa`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TokenHmac {
    #[default]
    Sha1,
    Sha256,
}

impl TokenHmac {
    /// Every HMAC these tokens can do, for front ends to list.
    pub const ALL: &'static [TokenHmac] = &[TokenHmac::Sha1, TokenHmac::Sha256];

    /// The byte in the WRITE CONFIG TLV.
    pub const fn wire(self) -> u8 {
        match self {
            TokenHmac::Sha1 => 0x01,
            TokenHmac::Sha256 => 0x02,
        }
    }

    pub const fn algorithm(self) -> Algorithm {
        match self {
            TokenHmac::Sha1 => Algorithm::Sha1,
            TokenHmac::Sha256 => Algorithm::Sha256,
        }
    }

    /// `None` for SHA-512, which these tokens cannot do.
    pub const fn from_algorithm(a: Algorithm) -> Option<Self> {
        match a {
            Algorithm::Sha1 => Some(TokenHmac::Sha1),
            Algorithm::Sha256 => Some(TokenHmac::Sha256),
            Algorithm::Sha512 => None,
        }
    }

    pub const fn from_wire(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(TokenHmac::Sha1),
            0x02 => Some(TokenHmac::Sha256),
            _ => None,
        }
    }
}

impl fmt::Display for TokenHmac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm().as_str())
    }
}

/// Time step the token can be configured to (TLV `0D 01 ss`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum TokenStep {
    #[default]
    Secs30,
    Secs60,
}

impl TokenStep {
    /// Every time step these tokens can do, for front ends to list.
    pub const ALL: &'static [TokenStep] = &[TokenStep::Secs30, TokenStep::Secs60];

    pub const fn seconds(self) -> u64 {
        match self {
            TokenStep::Secs30 => 30,
            TokenStep::Secs60 => 60,
        }
    }

    pub const fn wire(self) -> u8 {
        self.seconds() as u8
    }

    pub const fn from_seconds(s: u64) -> Option<Self> {
        match s {
            30 => Some(TokenStep::Secs30),
            60 => Some(TokenStep::Secs60),
            _ => None,
        }
    }
}

/// Display auto-off timer (TLV `1F 01 dd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DisplayTimeout {
    S15,
    #[default]
    S30,
    S60,
    S120,
}

impl DisplayTimeout {
    /// Every display timeout these tokens can do, shortest first, for front ends
    /// to list.
    pub const ALL: &'static [DisplayTimeout] = &[
        DisplayTimeout::S15,
        DisplayTimeout::S30,
        DisplayTimeout::S60,
        DisplayTimeout::S120,
    ];

    pub const fn seconds(self) -> u32 {
        match self {
            DisplayTimeout::S15 => 15,
            DisplayTimeout::S30 => 30,
            DisplayTimeout::S60 => 60,
            DisplayTimeout::S120 => 120,
        }
    }

    pub const fn wire(self) -> u8 {
        match self {
            DisplayTimeout::S15 => 0x00,
            DisplayTimeout::S30 => 0x01,
            DisplayTimeout::S60 => 0x02,
            DisplayTimeout::S120 => 0x03,
        }
    }

    pub const fn from_seconds(s: u32) -> Option<Self> {
        match s {
            15 => Some(DisplayTimeout::S15),
            30 => Some(DisplayTimeout::S30),
            60 => Some(DisplayTimeout::S60),
            120 => Some(DisplayTimeout::S120),
            _ => None,
        }
    }

    pub const fn from_wire(b: u8) -> Option<Self> {
        match b {
            0x00 => Some(DisplayTimeout::S15),
            0x01 => Some(DisplayTimeout::S30),
            0x02 => Some(DisplayTimeout::S60),
            0x03 => Some(DisplayTimeout::S120),
            _ => None,
        }
    }
}

/// A setting these tokens cannot be given. Each case displays as one sentence
/// naming the values they can take and the one that was asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// Not 15, 30, 60 or 120 seconds ([`DisplayTimeout::ALL`]).
    #[error("the display timeout must be 15, 30, 60 or 120 seconds, not {seconds}")]
    DisplayTimeout { seconds: u64 },
    /// Not 30 or 60 seconds ([`TokenStep::ALL`]).
    #[error("the time step must be 30 or 60 seconds on these tokens, not {seconds}")]
    Step { seconds: u64 },
    /// Not SHA1 or SHA256 ([`TokenHmac::ALL`]): SHA512, or a name that is no
    /// algorithm at all (kept short, control characters replaced).
    #[error("the algorithm must be SHA1 or SHA256 on these tokens, not {name}")]
    Hmac { name: String },
    /// Not 6 digits ([`TOKEN_DIGITS`]).
    #[error("the codes must have 6 digits on these tokens, not {digits}")]
    Digits { digits: u32 },
}

/// The only code length these tokens show.
pub const TOKEN_DIGITS: u32 = 6;

/// Longest algorithm name quoted back in a [`ParamError`].
const NAME_MAX: usize = 32;

impl TryFrom<Algorithm> for TokenHmac {
    type Error = ParamError;
    fn try_from(a: Algorithm) -> Result<Self, ParamError> {
        TokenHmac::from_algorithm(a).ok_or_else(|| ParamError::Hmac {
            name: a.as_str().to_string(),
        })
    }
}

impl TryFrom<&str> for TokenHmac {
    type Error = ParamError;
    /// Any spelling [`Algorithm`] reads (`sha1`, `HmacSHA256` …).
    fn try_from(name: &str) -> Result<Self, ParamError> {
        match name.parse::<Algorithm>() {
            Ok(a) => TokenHmac::try_from(a),
            Err(_) => Err(ParamError::Hmac {
                name: name
                    .trim()
                    .chars()
                    .take(NAME_MAX)
                    .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
                    .collect(),
            }),
        }
    }
}

impl FromStr for TokenHmac {
    type Err = ParamError;
    fn from_str(s: &str) -> Result<Self, ParamError> {
        TokenHmac::try_from(s)
    }
}

impl TryFrom<u64> for TokenStep {
    type Error = ParamError;
    fn try_from(seconds: u64) -> Result<Self, ParamError> {
        TokenStep::from_seconds(seconds).ok_or(ParamError::Step { seconds })
    }
}

impl TryFrom<u32> for TokenStep {
    type Error = ParamError;
    fn try_from(seconds: u32) -> Result<Self, ParamError> {
        TokenStep::try_from(u64::from(seconds))
    }
}

impl TryFrom<u32> for DisplayTimeout {
    type Error = ParamError;
    fn try_from(seconds: u32) -> Result<Self, ParamError> {
        DisplayTimeout::from_seconds(seconds).ok_or(ParamError::DisplayTimeout {
            seconds: u64::from(seconds),
        })
    }
}

impl TryFrom<u64> for DisplayTimeout {
    type Error = ParamError;
    fn try_from(seconds: u64) -> Result<Self, ParamError> {
        u32::try_from(seconds)
            .ok()
            .and_then(DisplayTimeout::from_seconds)
            .ok_or(ParamError::DisplayTimeout { seconds })
    }
}

/// Everything WRITE CONFIG sets besides the clock. The token cannot report these back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TokenConfig {
    pub hmac: TokenHmac,
    pub step: TokenStep,
    pub display_timeout: DisplayTimeout,
}

/// Longest seed the token stores, in bytes.
pub const MAX_SEED_BYTES: usize = 63;

/// A seed the token can store: 1..=63 raw HMAC key bytes. Zeroized, redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSeed(SecretBytes);

/// The seed length does not fit the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeedLengthError {
    #[error("the seed is empty")]
    Empty,
    #[error("the seed is {bytes} bytes ({} bits); these tokens store at most 63 bytes (504 bits)", bytes * 8)]
    TooLong { bytes: usize },
}

impl TokenSeed {
    pub fn new(bytes: SecretBytes) -> Result<Self, SeedLengthError> {
        match bytes.len() {
            0 => Err(SeedLengthError::Empty),
            n if n > MAX_SEED_BYTES => Err(SeedLengthError::TooLong { bytes: n }),
            _ => Ok(Self(bytes)),
        }
    }

    /// The raw seed bytes. Do not log or format them.
    pub fn expose(&self) -> &[u8] {
        self.0.expose()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn try_from_takes_what_the_tokens_take() {
        for d in DisplayTimeout::ALL {
            assert_eq!(DisplayTimeout::try_from(d.seconds()), Ok(*d));
            assert_eq!(DisplayTimeout::try_from(u64::from(d.seconds())), Ok(*d));
        }
        for s in TokenStep::ALL {
            assert_eq!(TokenStep::try_from(s.seconds()), Ok(*s));
            assert_eq!(TokenStep::try_from(s.seconds() as u32), Ok(*s));
        }
        for h in TokenHmac::ALL {
            assert_eq!(TokenHmac::try_from(h.algorithm()), Ok(*h));
            assert_eq!(TokenHmac::try_from(h.algorithm().as_str()), Ok(*h));
        }
        assert_eq!("HmacSHA256".parse::<TokenHmac>(), Ok(TokenHmac::Sha256));
        assert_eq!(DisplayTimeout::ALL.len(), 4);
        assert_eq!(
            DisplayTimeout::ALL
                .iter()
                .map(|d| d.seconds())
                .collect::<Vec<_>>(),
            [15, 30, 60, 120]
        );
        assert_eq!(TokenStep::ALL.len(), 2);
        assert_eq!(TokenHmac::ALL.len(), 2);
    }

    #[test]
    fn param_errors_say_what_is_allowed_and_what_was_asked() {
        assert_eq!(
            DisplayTimeout::try_from(45u32).unwrap_err().to_string(),
            "the display timeout must be 15, 30, 60 or 120 seconds, not 45"
        );
        // Not truncated on the way to u32.
        assert_eq!(
            DisplayTimeout::try_from(u64::from(u32::MAX) + 31),
            Err(ParamError::DisplayTimeout {
                seconds: u64::from(u32::MAX) + 31
            })
        );
        assert_eq!(
            TokenStep::try_from(45u64).unwrap_err().to_string(),
            "the time step must be 30 or 60 seconds on these tokens, not 45"
        );
        assert_eq!(
            TokenHmac::try_from(Algorithm::Sha512)
                .unwrap_err()
                .to_string(),
            "the algorithm must be SHA1 or SHA256 on these tokens, not SHA512"
        );
        assert_eq!(
            TokenHmac::try_from("MD5").unwrap_err().to_string(),
            "the algorithm must be SHA1 or SHA256 on these tokens, not MD5"
        );
        assert_eq!(
            ParamError::Digits { digits: 8 }.to_string(),
            "the codes must have 6 digits on these tokens, not 8"
        );
        // A name that is no algorithm is quoted short and without controls.
        let long = format!("\u{1b}[31m{}", "x".repeat(100));
        let ParamError::Hmac { name } = TokenHmac::try_from(long.as_str()).unwrap_err() else {
            panic!("not an algorithm error")
        };
        assert_eq!(name.chars().count(), 32);
        assert!(!name.contains('\u{1b}'));
    }

    #[test]
    fn each_sentence_lists_every_allowed_value() {
        let shown = ParamError::DisplayTimeout { seconds: 1 }.to_string();
        for d in DisplayTimeout::ALL {
            assert!(shown.contains(&d.seconds().to_string()), "{shown}");
        }
        let shown = ParamError::Step { seconds: 1 }.to_string();
        for s in TokenStep::ALL {
            assert!(shown.contains(&s.seconds().to_string()), "{shown}");
        }
        let shown = ParamError::Hmac { name: "x".into() }.to_string();
        for h in TokenHmac::ALL {
            assert!(shown.contains(h.algorithm().as_str()), "{shown}");
        }
        let shown = ParamError::Digits { digits: 1 }.to_string();
        assert!(shown.contains(&TOKEN_DIGITS.to_string()), "{shown}");
    }

    #[test]
    fn algorithm_names_are_liberal() {
        for (s, a) in [
            ("sha1", Algorithm::Sha1),
            ("HmacSHA256", Algorithm::Sha256),
            ("SHA-512", Algorithm::Sha512),
            (" hmac_sha1 ", Algorithm::Sha1),
        ] {
            assert_eq!(s.parse::<Algorithm>(), Ok(a), "{s}");
        }
        assert!("MD5".parse::<Algorithm>().is_err());
    }

    #[test]
    fn seed_length_bounds() {
        assert_eq!(
            TokenSeed::new(SecretBytes::new(vec![])),
            Err(SeedLengthError::Empty)
        );
        assert!(TokenSeed::new(SecretBytes::new(vec![1; 63])).is_ok());
        assert_eq!(
            TokenSeed::new(SecretBytes::new(vec![1; 64])),
            Err(SeedLengthError::TooLong { bytes: 64 })
        );
    }

    #[test]
    fn wire_values_round_trip() {
        for s in [15, 30, 60, 120] {
            let d = DisplayTimeout::from_seconds(s).unwrap_or_default();
            assert_eq!(DisplayTimeout::from_wire(d.wire()), Some(d));
            assert_eq!(d.seconds(), s);
        }
        assert_eq!(TokenStep::Secs60.wire(), 0x3C);
        assert_eq!(TokenHmac::Sha256.wire(), 0x02);
    }
}
