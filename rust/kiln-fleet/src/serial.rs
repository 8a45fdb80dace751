//! A token's serial number as text. Serials are kept exactly as written (a
//! spreadsheet that turns `0012345` into `12345` is the admin's most common
//! loss), and limited to characters that are safe in every file kiln writes:
//! CSV fields, XML text, the journal's frame lines and the audit log.

use std::fmt;

/// Longest serial accepted, in characters (the known models have 14 digits).
pub const MAX_SERIAL_CHARS: usize = 64;

/// A serial number: 1 to [`MAX_SERIAL_CHARS`] ASCII letters, digits, `-`, `_`
/// or `.`, compared exactly (leading zeros are significant).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TokenSerial(String);

/// Why text is not a serial number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("the serial number is empty")]
    Empty,
    #[error("the serial number is longer than {MAX_SERIAL_CHARS} characters")]
    TooLong,
    #[error("character {position} of the serial number is not a letter, digit, '-', '_' or '.'")]
    BadCharacter { position: usize },
}

impl TokenSerial {
    /// Checks `text` (surrounding whitespace ignored).
    pub fn new(text: &str) -> Result<Self, SerialError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(SerialError::Empty);
        }
        if t.chars().count() > MAX_SERIAL_CHARS {
            return Err(SerialError::TooLong);
        }
        if let Some(i) = t
            .chars()
            .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(SerialError::BadCharacter {
                position: i.saturating_add(1),
            });
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TokenSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TokenSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSerial({})", self.0)
    }
}

impl TryFrom<String> for TokenSerial {
    type Error = SerialError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TokenSerial::new(&s)
    }
}

impl From<TokenSerial> for String {
    fn from(s: TokenSerial) -> Self {
        s.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn leading_zeros_survive_and_bad_text_is_named() {
        assert_eq!(TokenSerial::new(" 0012345 ").unwrap().as_str(), "0012345");
        assert_ne!(TokenSerial::new("0012345"), TokenSerial::new("12345"));
        assert_eq!(TokenSerial::new(""), Err(SerialError::Empty));
        assert_eq!(
            TokenSerial::new("12 34"),
            Err(SerialError::BadCharacter { position: 3 })
        );
        assert_eq!(
            TokenSerial::new("1,2"),
            Err(SerialError::BadCharacter { position: 2 })
        );
        assert_eq!(TokenSerial::new(&"1".repeat(65)), Err(SerialError::TooLong));
        assert!(TokenSerial::new("SN-86596220000456").is_ok());
    }
}
