//! The first-contact report: what a read-only contact (GET INFO only, never a
//! key) learned about a token, in a form a field user can share so that an
//! unknown model can become a supported one (docs/adding-a-model.md).
//!
//! Nothing secret can be in it by construction: it is built from a
//! [`TokenReading`] (serial, clock, drift, the GET INFO answer's bytes) and from
//! facts the transport gives (ATR, NFC historical bytes, ATQA, SAK, tech list),
//! never from a seed, a key or a challenge. The tag's UID is not among the
//! facts the front ends pass (it can identify a person's token).

use crate::proto::{Model, SyncClass};
use crate::session::TokenReading;
use std::fmt::Write as _;

/// One fact from the transport, e.g. `("ATR", "3B 80 80 01 01")`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

impl Fact {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// What characters a serial is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SerialClass {
    Digits,
    LettersAndDigits,
    /// Printable ASCII with other characters (spaces, punctuation).
    Printable,
    /// Bytes outside printable ASCII.
    Binary,
}

impl SerialClass {
    pub fn of(bytes: &[u8]) -> Self {
        if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit) {
            SerialClass::Digits
        } else if !bytes.is_empty() && bytes.iter().all(u8::is_ascii_alphanumeric) {
            SerialClass::LettersAndDigits
        } else if bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
            SerialClass::Printable
        } else {
            SerialClass::Binary
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SerialClass::Digits => "digits",
            SerialClass::LettersAndDigits => "letters and digits",
            SerialClass::Printable => "printable ASCII",
            SerialClass::Binary => "binary",
        }
    }
}

/// The report of one read-only contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstContactReport {
    /// The serial as the token sent it (shown as text when printable).
    pub serial: String,
    pub serial_length: usize,
    pub serial_class: SerialClass,
    /// The model table's answer for this serial.
    pub model: Model,
    /// The GET INFO answer's data bytes in hex (opaque bytes included).
    pub get_info_hex: String,
    /// Its 3 leading and 2 middle opaque bytes in hex (the fields most likely
    /// to tell a vendor apart), when the answer parses.
    pub opaque_head_hex: String,
    pub opaque_mid_hex: String,
    /// The token clock (Unix seconds) and the drift against the reference.
    pub token_clock: u32,
    pub drift: String,
    /// The transport's facts (reader ATR, or the phone's NFC facts).
    pub transport: Vec<Fact>,
    /// The program that made the report ("kiln 0.1.0", "tokenkiln Android 0.1.0").
    pub software: String,
}

/// Always true of a first-contact report; said in it.
pub const NO_KEY_STATEMENT: &str =
    "Only GET INFO was sent: no key was tried, nothing was written, and this report holds no seed or key.";

impl FirstContactReport {
    pub fn new(reading: &TokenReading, transport: Vec<Fact>, software: &str) -> Self {
        let serial_bytes = reading.serial.as_bytes();
        let d = &reading.info_data;
        let opaque = |range: std::ops::Range<usize>| d.get(range).map(hex).unwrap_or_default();
        let n = usize::from(d.get(3).copied().unwrap_or(0));
        Self {
            serial: reading.serial.to_string(),
            serial_length: serial_bytes.len(),
            serial_class: SerialClass::of(serial_bytes),
            model: reading.model,
            get_info_hex: hex(d),
            opaque_head_hex: opaque(0..3),
            opaque_mid_hex: opaque(4 + n..6 + n),
            token_clock: reading.token_clock,
            drift: reading.drift().to_string(),
            transport,
            software: software.to_owned(),
        }
    }

    /// What the model table says, in words a user can act on.
    pub fn model_text(&self) -> String {
        match self.model {
            Model::Known(m) => format!(
                "{} {} ({})",
                m.vendor,
                m.name,
                match m.sync {
                    SyncClass::Restricted => "restricted sync",
                    SyncClass::Unrestricted => "unrestricted sync",
                }
            ),
            Model::Unknown => "not in the model table (read-only until a key is named)".into(),
        }
    }

    /// The report as plain text, ready to paste into an e-mail or an issue.
    pub fn text(&self) -> String {
        let mut t = String::from("tokenkiln first-contact report\n");
        let mut line = |k: &str, v: &str| {
            let _ = writeln!(t, "{k:<16}{v}");
        };
        line("Serial", &self.serial);
        line(
            "Serial format",
            &format!(
                "{} characters, {}",
                self.serial_length,
                self.serial_class.as_str()
            ),
        );
        line("Model table", &self.model_text());
        line("GET INFO data", &self.get_info_hex);
        line(
            "Opaque bytes",
            &format!(
                "head {} / middle {}",
                or_none(&self.opaque_head_hex),
                or_none(&self.opaque_mid_hex)
            ),
        );
        line("Token clock", &self.token_clock.to_string());
        line("Drift", &self.drift);
        for f in &self.transport {
            line(&f.name, &f.value);
        }
        line("Software", &self.software);
        t.push_str(NO_KEY_STATEMENT);
        t.push('\n');
        t
    }
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "(none)"
    } else {
        s
    }
}

/// Upper-case hex, bytes separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn serial_classes() {
        assert_eq!(SerialClass::of(b"86596220000001"), SerialClass::Digits);
        assert_eq!(SerialClass::of(b"71358472"), SerialClass::Digits);
        assert_eq!(SerialClass::of(b"SID12345"), SerialClass::LettersAndDigits);
        assert_eq!(SerialClass::of(b"AB-12"), SerialClass::Printable);
        assert_eq!(SerialClass::of(&[0x01, 0xFF]), SerialClass::Binary);
        assert_eq!(SerialClass::of(b""), SerialClass::Printable);
    }

    #[test]
    fn hex_is_spaced_upper_case() {
        assert_eq!(hex(&[0x0A, 0xFF, 0x00]), "0A FF 00");
        assert_eq!(hex(&[]), "");
    }
}
