//! Secret text: Base32 (RFC 4648, upper or lower case, padding optional) or
//! Hex, separators (whitespace, `-`) ignored. Our own small decoders,
//! so errors can name the position of a bad character and trailing bits are a
//! warning rather than an error.

use crate::secret::SecretBytes;
use std::fmt;
use zeroize::Zeroizing;

/// The text encoding of a typed seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Base32,
    Hex,
}

impl Encoding {
    pub const fn as_str(self) -> &'static str {
        match self {
            Encoding::Base32 => "Base32",
            Encoding::Hex => "Hex",
        }
    }

    pub const fn other(self) -> Encoding {
        match self {
            Encoding::Base32 => Encoding::Hex,
            Encoding::Hex => Encoding::Base32,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why text did not decode. Positions are 1-based and count the characters of
/// the text as given (separators included), so a user can find them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Nothing left after removing separators.
    Empty,
    /// A character outside the alphabet.
    BadCharacter { position: usize, found: char },
    /// `=` padding in the middle.
    MisplacedPadding { position: usize },
    /// A length no valid text of this encoding has (Base32: 1, 3 or 6 characters
    /// past a multiple of 8; Hex: odd).
    BadLength { chars: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("it is empty"),
            DecodeError::BadCharacter { position, found } => {
                write!(f, "character {position} ")?;
                describe_char(f, *found)?;
                f.write_str(" is not allowed")
            }
            DecodeError::MisplacedPadding { position } => {
                write!(
                    f,
                    "the \"=\" at character {position} may only appear at the end"
                )
            }
            DecodeError::BadLength { chars } => {
                write!(f, "{chars} characters cannot be a whole number of bytes")
            }
        }
    }
}

fn describe_char(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    match c {
        '0' => f.write_str("\"0\" (zero)"),
        'O' | 'o' => write!(f, "\"{c}\" (letter O)"),
        '1' => f.write_str("\"1\" (one)"),
        'I' | 'i' => write!(f, "\"{c}\" (letter I)"),
        'L' | 'l' => write!(f, "\"{c}\" (letter L)"),
        '8' => f.write_str("\"8\" (eight)"),
        'B' | 'b' => write!(f, "\"{c}\" (letter B)"),
        c if c.is_ascii_graphic() => write!(f, "\"{c}\""),
        c => write!(f, "U+{:04X}", u32::from(c)),
    }
}

/// A character that is not valid in `encoding` but looks like one that is.
/// A suggestion only: it is never applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookAlike {
    pub encoding: Encoding,
    /// 1-based position in the text as given.
    pub position: usize,
    pub found: char,
    /// What it may have been meant to be (e.g. `['I', 'L']` for `1` in Base32).
    pub maybe: Vec<char>,
}

impl fmt::Display for LookAlike {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "if this is {}, character {} ",
            self.encoding, self.position
        )?;
        describe_char(f, self.found)?;
        f.write_str(" may be ")?;
        for (i, c) in self.maybe.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            describe_char(f, *c)?;
        }
        Ok(())
    }
}

/// Decoded bytes and whether non-zero trailing bits were dropped.
pub(crate) struct Decoded {
    pub bytes: SecretBytes,
    pub trailing_bits: bool,
}

/// Removes separators (whitespace, `-`) and upper-cases; keeps, for each kept
/// character, its 1-based position in `text`.
pub(super) fn normalize(text: &str) -> (Zeroizing<String>, Vec<usize>) {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut positions = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        if c.is_whitespace() || c == '-' {
            continue;
        }
        out.push(c.to_ascii_uppercase());
        positions.push(i.saturating_add(1));
    }
    (out, positions)
}

fn base32_value(c: char) -> Option<u8> {
    match c {
        'A'..='Z' => Some(c as u8 - b'A'),
        '2'..='7' => Some(c as u8 - b'2' + 26),
        _ => None,
    }
}

fn hex_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        'A'..='F' => Some(c as u8 - b'A' + 10),
        _ => None,
    }
}

/// Decodes normalized text (upper case, no separators); `positions[i]` is the
/// position of character `i` in the original text.
pub(super) fn decode_normalized(
    norm: &str,
    positions: &[usize],
    encoding: Encoding,
) -> Result<Decoded, DecodeError> {
    let pos = |i: usize| positions.get(i).copied().unwrap_or(i.saturating_add(1));
    match encoding {
        Encoding::Base32 => {
            // Padding only at the end.
            let body = norm.trim_end_matches('=');
            if let Some(i) = body.find('=') {
                let idx = body.get(..i).map_or(i, |s| s.chars().count());
                return Err(DecodeError::MisplacedPadding { position: pos(idx) });
            }
            let n = body.chars().count();
            for (i, c) in body.chars().enumerate() {
                if base32_value(c).is_none() {
                    return Err(DecodeError::BadCharacter {
                        position: pos(i),
                        found: c,
                    });
                }
            }
            if n == 0 {
                return Err(DecodeError::Empty);
            }
            if matches!(n % 8, 1 | 3 | 6) {
                return Err(DecodeError::BadLength { chars: n });
            }
            let mut out = Vec::with_capacity(n.saturating_mul(5) / 8);
            let mut buffer: u32 = 0;
            let mut bits: u32 = 0;
            for c in body.chars() {
                let v = u32::from(base32_value(c).unwrap_or(0));
                buffer = (buffer << 5) | v;
                bits += 5;
                if bits >= 8 {
                    bits -= 8;
                    out.push((buffer >> bits) as u8);
                    buffer &= (1u32 << bits) - 1;
                }
            }
            let trailing_bits = buffer != 0;
            Ok(Decoded {
                bytes: SecretBytes::new(out),
                trailing_bits,
            })
        }
        Encoding::Hex => {
            let body = norm
                .strip_prefix("0X")
                .filter(|rest| !rest.is_empty())
                .unwrap_or(norm);
            let offset = norm.chars().count() - body.chars().count();
            let n = body.chars().count();
            for (i, c) in body.chars().enumerate() {
                if hex_value(c).is_none() {
                    return Err(DecodeError::BadCharacter {
                        position: pos(i + offset),
                        found: c,
                    });
                }
            }
            if n == 0 {
                return Err(DecodeError::Empty);
            }
            if n % 2 == 1 {
                return Err(DecodeError::BadLength { chars: n });
            }
            let mut out = Vec::with_capacity(n / 2);
            let mut high: Option<u8> = None;
            for c in body.chars() {
                let v = hex_value(c).unwrap_or(0);
                match high.take() {
                    None => high = Some(v),
                    Some(h) => out.push((h << 4) | v),
                }
            }
            Ok(Decoded {
                bytes: SecretBytes::new(out),
                trailing_bits: false,
            })
        }
    }
}

/// Decodes secret text in `encoding` (separators and case ignored).
pub(crate) fn decode(text: &str, encoding: Encoding) -> Result<Decoded, DecodeError> {
    let (norm, positions) = normalize(text);
    decode_normalized(&norm, &positions, encoding)
}

/// Look-alike characters that would make `norm` valid in `encoding`, if every
/// invalid character has one (otherwise no suggestions: the text is something else).
pub(super) fn look_alikes(norm: &str, positions: &[usize], encoding: Encoding) -> Vec<LookAlike> {
    let body = match encoding {
        Encoding::Base32 => norm.trim_end_matches('='),
        Encoding::Hex => norm,
    };
    let mut out = Vec::new();
    for (i, c) in body.chars().enumerate() {
        let valid = match encoding {
            Encoding::Base32 => base32_value(c).is_some(),
            Encoding::Hex => hex_value(c).is_some(),
        };
        if valid {
            continue;
        }
        let maybe: Vec<char> = match (encoding, c) {
            (Encoding::Base32, '0') => vec!['O'],
            (Encoding::Base32, '1') => vec!['I', 'L'],
            (Encoding::Base32, '8') => vec!['B'],
            (Encoding::Hex, 'O') => vec!['0'],
            (Encoding::Hex, 'I' | 'L') => vec!['1'],
            _ => return Vec::new(),
        };
        out.push(LookAlike {
            encoding,
            position: positions.get(i).copied().unwrap_or(i.saturating_add(1)),
            found: c,
            maybe,
        });
    }
    // The suggestion must also give a valid length.
    let n = body.chars().count();
    let length_ok = match encoding {
        Encoding::Base32 => !matches!(n % 8, 1 | 3 | 6),
        Encoding::Hex => n % 2 == 0,
    };
    if length_ok {
        out
    } else {
        Vec::new()
    }
}

/// Look-alike suggestions for secret text that failed to decode in `encoding`.
pub(crate) fn suggestions_for(text: &str, encoding: Encoding) -> Vec<LookAlike> {
    let (norm, positions) = normalize(text);
    look_alikes(&norm, &positions, encoding)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::{parse_input, SeedInput, Warning};
    use super::*;

    fn bytes(text: &str, e: Encoding) -> Vec<u8> {
        decode(text, e).unwrap().bytes.expose().to_vec()
    }

    #[test]
    fn base32_is_liberal() {
        let want = b"Hello!\xDE\xAD\xBE\xEF".to_vec();
        for t in [
            "JBSWY3DPEHPK3PXP",
            "jbswy3dpehpk3pxp",
            "jbsw y3dp ehpk 3pxp",
            "JBSW-Y3DP-EHPK-3PXP",
            "JBSWY3DPEHPK3PXP====",
            " JBSW\tY3DP\nEHPK 3PXP ",
        ] {
            assert_eq!(bytes(t, Encoding::Base32), want, "{t}");
        }
        // RFC 4648 §10 vectors.
        for (t, b) in [
            ("MY", &b"f"[..]),
            ("MZXQ", b"fo"),
            ("MZXW6", b"foo"),
            ("MZXW6YQ", b"foob"),
            ("MZXW6YTB", b"fooba"),
            ("MZXW6YTBOI======", b"foobar"),
        ] {
            assert_eq!(bytes(t, Encoding::Base32), b.to_vec(), "{t}");
        }
    }

    #[test]
    fn base32_errors_name_the_place() {
        assert_eq!(
            decode("JBSW Y3D0", Encoding::Base32).err(),
            Some(DecodeError::BadCharacter {
                position: 9,
                found: '0'
            })
        );
        assert_eq!(
            decode("MZX", Encoding::Base32).err(),
            Some(DecodeError::BadLength { chars: 3 })
        );
        assert_eq!(
            decode("MZ=XW6", Encoding::Base32).err(),
            Some(DecodeError::MisplacedPadding { position: 3 })
        );
        assert_eq!(
            decode(" - ", Encoding::Base32).err(),
            Some(DecodeError::Empty)
        );
    }

    #[test]
    fn trailing_bits_are_detected_not_fatal() {
        let d = decode("MZ", Encoding::Base32).unwrap(); // 'Z' leaves bits 0b01
        assert!(d.trailing_bits);
        assert_eq!(d.bytes.expose(), b"f");
        assert!(!decode("MY", Encoding::Base32).unwrap().trailing_bits);
        match parse_input("MZXW6YTBOJ") {
            // "foobar" with a non-zero tail
            SeedInput::Totp(s) => assert!(s.warnings().contains(&Warning::TrailingBits)),
            other => panic!("{}", other.kind()),
        }
    }

    #[test]
    fn hex_reads_case_and_prefix() {
        assert_eq!(
            bytes("DEADbeef", Encoding::Hex),
            vec![0xDE, 0xAD, 0xBE, 0xEF]
        );
        assert_eq!(
            bytes("0xdeadbeef", Encoding::Hex),
            vec![0xDE, 0xAD, 0xBE, 0xEF]
        );
        assert_eq!(
            bytes("de ad-be ef", Encoding::Hex),
            vec![0xDE, 0xAD, 0xBE, 0xEF]
        );
        assert_eq!(
            decode("ABC", Encoding::Hex).err(),
            Some(DecodeError::BadLength { chars: 3 })
        );
    }
}
