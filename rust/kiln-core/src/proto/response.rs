//! Response parsing: status words and the data of GET INFO / GET CHALLENGE.
//! Every parser is bounds-checked and returns a typed error; none panics.

use std::fmt;

/// A status word (the last two bytes of every response).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// `90 00`
    Success,
    /// `69 83`: authentication failed, MAC wrong, not authenticated, or key locked.
    AuthRefused,
    /// `63 xx`: wrong key. For `63 Cx` the low nibble is the number of tries left.
    WrongKey(u8),
    /// `67 00`
    WrongLength,
    /// `6A 80`: bad data (padding, TLV layout, no outstanding challenge).
    BadData,
    /// `6D 00`
    InsNotSupported,
    /// `6E 00`
    ClaNotSupported,
    /// `61 XX` (T=0 only): XX bytes waiting for GET RESPONSE (`00` means 256).
    BytesAvailable(u8),
    /// `6C XX` (T=0 only): re-send with Le = XX.
    WrongLe(u8),
    /// Anything else, kept raw.
    Other(u16),
}

impl StatusWord {
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        match (sw1, sw2) {
            (0x90, 0x00) => StatusWord::Success,
            (0x69, 0x83) => StatusWord::AuthRefused,
            (0x63, x) => StatusWord::WrongKey(x),
            (0x67, 0x00) => StatusWord::WrongLength,
            (0x6A, 0x80) => StatusWord::BadData,
            (0x6D, 0x00) => StatusWord::InsNotSupported,
            (0x6E, 0x00) => StatusWord::ClaNotSupported,
            (0x61, x) => StatusWord::BytesAvailable(x),
            (0x6C, x) => StatusWord::WrongLe(x),
            (a, b) => StatusWord::Other(u16::from_be_bytes([a, b])),
        }
    }

    pub(crate) fn to_u16(self) -> u16 {
        match self {
            StatusWord::Success => 0x9000,
            StatusWord::AuthRefused => 0x6983,
            StatusWord::WrongKey(x) => 0x6300 | u16::from(x),
            StatusWord::WrongLength => 0x6700,
            StatusWord::BadData => 0x6A80,
            StatusWord::InsNotSupported => 0x6D00,
            StatusWord::ClaNotSupported => 0x6E00,
            StatusWord::BytesAvailable(x) => 0x6100 | u16::from(x),
            StatusWord::WrongLe(x) => 0x6C00 | u16::from(x),
            StatusWord::Other(v) => v,
        }
    }

    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }

    /// Tries left, when the token said so (`63 Cx`).
    pub fn tries_left(self) -> Option<u8> {
        match self {
            StatusWord::WrongKey(x) if x & 0xF0 == 0xC0 => Some(x & 0x0F),
            _ => None,
        }
    }

    /// `69 83` or `63 xx`: the token refused the key (or the MAC made with it).
    pub(crate) fn is_auth_refusal(self) -> bool {
        matches!(self, StatusWord::AuthRefused | StatusWord::WrongKey(_))
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b] = self.to_bytes();
        write!(f, "{a:02X} {b:02X}")
    }
}

/// A response the token family would not send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the response has {0} bytes, too short to hold a status word")]
    NoStatusWord(usize),
    #[error("the response data has {got} bytes where {expected} were expected")]
    WrongDataLength { expected: usize, got: usize },
    #[error("the token info is {got} bytes, too short for its own serial length byte ({serial_len}); it needs {needed}")]
    InfoTruncated {
        serial_len: usize,
        needed: usize,
        got: usize,
    },
    #[error("the token info carries an empty serial number")]
    EmptySerial,
}

/// Splits `data ‖ SW1 SW2`.
pub(crate) fn split_status(response: &[u8]) -> Result<(&[u8], StatusWord), ResponseError> {
    match response {
        [data @ .., sw1, sw2] => Ok((data, StatusWord::from_bytes(*sw1, *sw2))),
        _ => Err(ResponseError::NoStatusWord(response.len())),
    }
}

/// A token serial number as sent (ASCII, typically 14 digits; non-digits accepted).
/// Non-printable bytes are kept and shown as `\xNN`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Serial(Vec<u8>);

impl Serial {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True when the serial starts with `prefix` (byte-wise).
    pub fn starts_with(&self, prefix: &str) -> bool {
        self.0.starts_with(prefix.as_bytes())
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if b.is_ascii_graphic() {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02X}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Serial({self})")
    }
}

impl From<&str> for Serial {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

/// Parsed GET INFO data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub serial: Serial,
    /// Token clock, Unix seconds (UTC), whole seconds.
    pub clock: u32,
    /// The 3 leading and 2 middle bytes, meaning unknown; kept for diagnostics.
    pub opaque_head: [u8; 3],
    pub opaque_mid: [u8; 2],
}

/// Parses GET INFO response data (status word already removed):
/// `opaque(3) ‖ N ‖ serial(N) ‖ opaque(2) ‖ clock(4)`. Trailing bytes are ignored.
pub(crate) fn parse_info(data: &[u8]) -> Result<TokenInfo, ResponseError> {
    let n = usize::from(*data.get(3).ok_or(ResponseError::InfoTruncated {
        serial_len: 0,
        needed: 4,
        got: data.len(),
    })?);
    let needed = 4 + n + 2 + 4;
    let truncated = ResponseError::InfoTruncated {
        serial_len: n,
        needed,
        got: data.len(),
    };
    if data.len() < needed {
        return Err(truncated);
    }
    if n == 0 {
        return Err(ResponseError::EmptySerial);
    }
    let head: [u8; 3] = fixed(data, 0)?;
    let serial = data.get(4..4 + n).ok_or(truncated)?;
    let mid: [u8; 2] = fixed(data, 4 + n)?;
    let clock: [u8; 4] = fixed(data, 6 + n)?;
    Ok(TokenInfo {
        serial: Serial::from_bytes(serial),
        clock: u32::from_be_bytes(clock),
        opaque_head: head,
        opaque_mid: mid,
    })
}

fn fixed<const L: usize>(data: &[u8], at: usize) -> Result<[u8; L], ResponseError> {
    data.get(at..at.saturating_add(L))
        .and_then(|s| <[u8; L]>::try_from(s).ok())
        .ok_or(ResponseError::InfoTruncated {
            serial_len: usize::from(data.get(3).copied().unwrap_or(0)),
            needed: at.saturating_add(L),
            got: data.len(),
        })
}

/// The 8-byte challenge of GET CHALLENGE.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge([u8; 8]);

impl Challenge {
    pub fn from_bytes(b: [u8; 8]) -> Self {
        Self(b)
    }

    pub fn bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Challenge(..)")
    }
}

/// Parses GET CHALLENGE response data: exactly 8 bytes.
pub(crate) fn parse_challenge(data: &[u8]) -> Result<Challenge, ResponseError> {
    <[u8; 8]>::try_from(data)
        .map(Challenge)
        .map_err(|_| ResponseError::WrongDataLength {
            expected: 8,
            got: data.len(),
        })
}

/// Builds GET INFO response data (used by the simulator and tests).
pub fn encode_info(info: &TokenInfo) -> Vec<u8> {
    let mut v = Vec::with_capacity(10 + info.serial.0.len());
    v.extend_from_slice(&info.opaque_head);
    v.push(u8::try_from(info.serial.0.len()).unwrap_or(u8::MAX));
    v.extend(info.serial.0.iter().take(255));
    v.extend_from_slice(&info.opaque_mid);
    v.extend_from_slice(&info.clock.to_be_bytes());
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn status_words() {
        assert_eq!(StatusWord::from_bytes(0x90, 0), StatusWord::Success);
        assert_eq!(StatusWord::from_bytes(0x63, 0xC2).tries_left(), Some(2));
        assert_eq!(StatusWord::from_bytes(0x63, 0x05).tries_left(), None);
        assert!(StatusWord::from_bytes(0x63, 0x05).is_auth_refusal());
        assert!(StatusWord::AuthRefused.is_auth_refusal());
        assert!(!StatusWord::BadData.is_auth_refusal());
        assert_eq!(
            StatusWord::from_bytes(0x61, 0x10),
            StatusWord::BytesAvailable(0x10)
        );
        assert_eq!(
            StatusWord::from_bytes(0x6C, 0x0E),
            StatusWord::WrongLe(0x0E)
        );
        assert_eq!(StatusWord::from_bytes(0x6F, 0xFB).to_string(), "6F FB");
        for v in [
            0x9000u16, 0x6983, 0x63C1, 0x6700, 0x6A80, 0x6D00, 0x6E00, 0x6110, 0x6C08, 0x6FFB,
        ] {
            let [a, b] = v.to_be_bytes();
            assert_eq!(StatusWord::from_bytes(a, b).to_u16(), v);
        }
    }

    #[test]
    fn info_round_trip_and_bounds() {
        let info = TokenInfo {
            serial: Serial::from("86596220000001"),
            clock: 1_700_000_000,
            opaque_head: [2, 0x14, 1],
            opaque_mid: [0x11, 0x04],
        };
        let data = encode_info(&info);
        assert_eq!(data.len(), 24);
        assert_eq!(parse_info(&data), Ok(info));
        for cut in 0..data.len() {
            assert!(parse_info(&data[..cut]).is_err(), "cut {cut}");
        }
        let mut huge = data.clone();
        huge[3] = 0xFF;
        assert!(matches!(
            parse_info(&huge),
            Err(ResponseError::InfoTruncated {
                serial_len: 255,
                ..
            })
        ));
        let odd = encode_info(&TokenInfo {
            serial: Serial::from_bytes(b"AB\x00\xFF"),
            ..parse_info(&data).unwrap()
        });
        assert_eq!(parse_info(&odd).unwrap().serial.to_string(), "AB\\x00\\xFF");
    }

    #[test]
    fn challenge_needs_eight_bytes() {
        assert!(parse_challenge(&[0; 8]).is_ok());
        assert_eq!(
            parse_challenge(&[0; 9]),
            Err(ResponseError::WrongDataLength {
                expected: 8,
                got: 9
            })
        );
        assert!(split_status(&[0x90]).is_err());
        assert_eq!(
            split_status(&[1, 0x90, 0]),
            Ok((&[1u8][..], StatusWord::Success))
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_info(&bytes);
            let _ = parse_challenge(&bytes);
            if let Ok((data, _)) = split_status(&bytes) {
                if let Ok(info) = parse_info(data) {
                    prop_assert!(!info.serial.as_bytes().is_empty());
                    prop_assert!(info.serial.as_bytes().len() + 10 <= data.len());
                }
            }
        }
    }
}
