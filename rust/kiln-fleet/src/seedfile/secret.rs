//! Reading one secret of a seed file with kiln-core's typed-seed rules
//! (`kiln_core::seed::parse_input`: Base32 or Hex, case and separators ignored),
//! and describing what is wrong without repeating any character of it.

use kiln_core::params::{TokenSeed, MAX_SEED_BYTES};
use kiln_core::secret::SecretBytes;
use kiln_core::seed::{parse_input, DecodeError, Encoding, Refusal, SeedInput, SeedSource};
use sha2::{Digest, Sha256};
use std::fmt;

/// Shortest seed accepted from a file: 128 bits, RFC 4226's minimum.
pub const MIN_FILE_SEED_BYTES: usize = 16;

/// What is wrong with a secret. Positions only, never characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretProblem {
    /// Neither valid Base32 nor valid Hex.
    NotBase32OrHex {
        base32: String,
        hex: String,
    },
    /// Not valid in the encoding the file or the caller names.
    NotInEncoding {
        encoding: Encoding,
        detail: String,
    },
    /// An otpauth link or authenticator export instead of a bare secret.
    Link,
    /// A short number (a one-time code or a serial), not a seed.
    Digits,
    /// Something else kiln-core refuses (its machine name).
    NotASecret {
        code: &'static str,
    },
    /// Valid as Base32 and as Hex, and no other row settles which.
    Ambiguous,
    TooShort {
        bytes: usize,
    },
    TooLong {
        bytes: usize,
    },
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretProblem::NotBase32OrHex { base32, hex } => write!(
                f,
                "the secret is neither Base32 ({base32}) nor Hex ({hex})"
            ),
            SecretProblem::NotInEncoding { encoding, detail } => {
                write!(f, "the secret is not valid {encoding}: {detail}")
            }
            SecretProblem::Link => f.write_str(
                "the secret field holds a link or an export, not a bare Base32 or Hex secret",
            ),
            SecretProblem::Digits => f.write_str(
                "the secret is a short number (a one-time code or a serial number?), not a seed",
            ),
            SecretProblem::NotASecret { code } => {
                write!(f, "the secret field is not a Base32 or Hex secret ({code})")
            }
            SecretProblem::Ambiguous => f.write_str(
                "the secret is valid both as Base32 and as Hex and no other line settles which; name the encoding (--seed-encoding)",
            ),
            SecretProblem::TooShort { bytes } => write!(
                f,
                "the secret is {bytes} bytes; seeds must have at least {MIN_FILE_SEED_BYTES} bytes (128 bits, RFC 4226)"
            ),
            SecretProblem::TooLong { bytes } => write!(
                f,
                "the secret is {bytes} bytes; these tokens store at most {MAX_SEED_BYTES}"
            ),
        }
    }
}

/// `DecodeError` described by position only (its own `Display` quotes the
/// offending character, which may be part of a secret).
fn position_only(e: &DecodeError) -> String {
    match e {
        DecodeError::BadCharacter { position, .. } => {
            format!("character {position} is not allowed")
        }
        other => other.to_string(),
    }
}

/// A secret read from its text: one reading, or two when it is valid in both.
pub(super) enum Reading {
    One(SecretBytes, Encoding),
    Both {
        base32: SecretBytes,
        hex: SecretBytes,
    },
}

/// Reads `text` in `encoding`, or in whichever it is valid in.
pub(super) fn read(text: &str, encoding: Option<Encoding>) -> Result<Reading, SecretProblem> {
    match parse_input(text) {
        SeedInput::Totp(spec) => {
            let own = match spec.source() {
                SeedSource::Typed(e) => e,
                SeedSource::OtpauthLink | SeedSource::Migration { .. } | SeedSource::Stored => {
                    return Err(SecretProblem::Link)
                }
            };
            match encoding {
                None => Ok(Reading::One(spec.secret().clone(), own)),
                Some(want) if want == own => Ok(Reading::One(spec.secret().clone(), own)),
                Some(want) => match spec.alternate_reading() {
                    Some((e, bytes)) if e == want => Ok(Reading::One(bytes, want)),
                    _ => Err(SecretProblem::NotInEncoding {
                        encoding: want,
                        detail: format!("it reads only as {own}"),
                    }),
                },
            }
        }
        SeedInput::Ambiguous(a) => match encoding {
            Some(e) => Ok(Reading::One(a.resolve(e).secret().clone(), e)),
            None => Ok(Reading::Both {
                base32: a.resolve(Encoding::Base32).secret().clone(),
                hex: a.resolve(Encoding::Hex).secret().clone(),
            }),
        },
        SeedInput::Migration(_) => Err(SecretProblem::Link),
        SeedInput::Refused(r) => Err(match r {
            Refusal::InvalidTypedSeed { base32, hex, .. } => match encoding {
                Some(Encoding::Base32) => SecretProblem::NotInEncoding {
                    encoding: Encoding::Base32,
                    detail: position_only(&base32),
                },
                Some(Encoding::Hex) => SecretProblem::NotInEncoding {
                    encoding: Encoding::Hex,
                    detail: position_only(&hex),
                },
                None => SecretProblem::NotBase32OrHex {
                    base32: position_only(&base32),
                    hex: position_only(&hex),
                },
            },
            Refusal::LooksLikeCode { .. } | Refusal::SerialNumber { .. } => SecretProblem::Digits,
            Refusal::InvalidLinkSecret { .. } | Refusal::MissingSecret => SecretProblem::Link,
            other => SecretProblem::NotASecret { code: other.code() },
        }),
    }
}

/// The encoding every unambiguous row was read in, when they agree.
pub(super) fn settle<'a>(readings: impl Iterator<Item = &'a Reading>) -> Option<Encoding> {
    let mut seen: Option<Encoding> = None;
    for r in readings {
        if let Reading::One(_, e) = r {
            match seen {
                None => seen = Some(*e),
                Some(s) if s == *e => {}
                Some(_) => return None,
            }
        }
    }
    seen
}

impl Reading {
    /// The seed, its length checked; an ambiguous reading takes `settled`.
    pub(super) fn resolve(self, settled: Option<Encoding>) -> Result<TokenSeed, SecretProblem> {
        let bytes = match (self, settled) {
            (Reading::One(b, _), _) => b,
            (Reading::Both { base32, .. }, Some(Encoding::Base32)) => base32,
            (Reading::Both { hex, .. }, Some(Encoding::Hex)) => hex,
            (Reading::Both { .. }, None) => return Err(SecretProblem::Ambiguous),
        };
        match bytes.len() {
            n if n < MIN_FILE_SEED_BYTES => Err(SecretProblem::TooShort { bytes: n }),
            n if n > MAX_SEED_BYTES => Err(SecretProblem::TooLong { bytes: n }),
            n => TokenSeed::new(bytes).map_err(|_| SecretProblem::TooShort { bytes: n }),
        }
    }
}

/// A digest to find two rows with the same seed (kept in memory only).
pub(super) fn digest(seed: &[u8]) -> [u8; 32] {
    Sha256::digest(seed).into()
}
