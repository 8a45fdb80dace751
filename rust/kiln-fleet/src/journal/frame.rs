//! The journal file's framing: one line per record, so an append is one
//! `write` of one line, and a record cut short by a power loss is visible as a
//! line without its end.
//!
//! ```text
//! tokenkiln-journal 1 recipients age1…[,age1…]      (line 1: the header)
//! tokenkiln-journal 1 passphrase age1…              (or: the journal's own key)
//! <seq> <kind> <serial> <age, base64> <check>       (one line per record)
//! ```
//!
//! `seq` is the record's line number; `kind` is `seed` or `burned`; `check` is
//! 16 hex digits of SHA-256 over everything before it on the line (with its
//! separating space). A line is a record only when all five fields are there
//! and the check matches; anything else is reported as damaged, with its line,
//! and never hides the lines around it.

use crate::serial::TokenSerial;
use data_encoding::{BASE64, HEXLOWER};
use sha2::{Digest, Sha256};

pub(crate) const MAGIC: &str = "tokenkiln-journal";
pub(crate) const VERSION: &str = "1";

/// What protects the journal's records, as its header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderMode {
    /// Records are encrypted to these age recipients.
    Recipients(Vec<String>),
    /// Records are encrypted to this key of the journal's own, whose identity
    /// is in `journal-key.age`, encrypted with the passphrase.
    Passphrase(String),
}

pub(crate) fn header_line(mode: &HeaderMode) -> String {
    match mode {
        HeaderMode::Recipients(r) => format!("{MAGIC} {VERSION} recipients {}\n", r.join(",")),
        HeaderMode::Passphrase(k) => format!("{MAGIC} {VERSION} passphrase {k}\n"),
    }
}

pub(crate) fn parse_header(line: &str) -> Option<HeaderMode> {
    let mut w = line.trim_end_matches('\r').split(' ');
    if w.next()? != MAGIC || w.next()? != VERSION {
        return None;
    }
    let mode = match (w.next()?, w.next()?) {
        ("recipients", list) => {
            HeaderMode::Recipients(list.split(',').map(str::to_owned).collect())
        }
        ("passphrase", key) => HeaderMode::Passphrase(key.to_owned()),
        _ => return None,
    };
    w.next().is_none().then_some(mode)
}

/// The kind of a record, readable without decrypting it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    /// A seed about to be written to a token.
    Seed,
    /// The token was confirmed to hold the seed.
    Burned,
}

impl RecordKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordKind::Seed => "seed",
            RecordKind::Burned => "burned",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "seed" => Some(RecordKind::Seed),
            "burned" => Some(RecordKind::Burned),
            _ => None,
        }
    }
}

/// What a record's line says in clear: its number, kind and serial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    pub seq: u64,
    pub kind: RecordKind,
    pub serial: TokenSerial,
}

fn check(prefix: &str) -> String {
    let d = Sha256::digest(prefix.as_bytes());
    HEXLOWER.encode(d.get(..8).unwrap_or_default())
}

/// One record line (with its `\n`).
pub(crate) fn encode(info: &FrameInfo, ciphertext: &[u8]) -> String {
    let prefix = format!(
        "{} {} {} {} ",
        info.seq,
        info.kind.as_str(),
        info.serial,
        BASE64.encode(ciphertext)
    );
    let c = check(&prefix);
    format!("{prefix}{c}\n")
}

/// Why a line is not a record.
pub(crate) fn decode(line: &str, seq: u64) -> Result<(FrameInfo, Vec<u8>), &'static str> {
    let line = line.trim_end_matches('\r');
    let (prefix, c) = match line.rfind(' ') {
        Some(i) => (
            line.get(..=i).unwrap_or_default(),
            line.get(i + 1..).unwrap_or_default(),
        ),
        None => return Err("not a record line"),
    };
    let mut w = prefix.trim_end().split(' ');
    let (Some(n), Some(kind), Some(serial), Some(b64), None) =
        (w.next(), w.next(), w.next(), w.next(), w.next())
    else {
        return Err("incomplete record: fields are missing");
    };
    if c.len() != 16 || check(prefix) != c {
        return Err("incomplete or altered record: its checksum does not match");
    }
    if n.parse::<u64>().ok() != Some(seq) {
        return Err("the record's number is not its line number");
    }
    let kind = RecordKind::parse(kind).ok_or("unknown record kind")?;
    let serial = TokenSerial::new(serial).map_err(|_| "the serial number is not valid")?;
    let ciphertext = BASE64
        .decode(b64.as_bytes())
        .map_err(|_| "the encrypted record is not base64")?;
    Ok((FrameInfo { seq, kind, serial }, ciphertext))
}

/// Numbered lines of the journal.
pub(crate) type Lines<'a> = Vec<(u64, &'a str)>;

/// The journal's lines: complete ones (ending in `\n`) with their 1-based
/// numbers, and a final fragment without its line end, if any.
pub(crate) fn split(text: &str) -> (Lines<'_>, Option<(u64, &str)>) {
    let mut lines = Vec::new();
    let mut rest = text;
    let mut n = 0u64;
    while let Some(i) = rest.find('\n') {
        n = n.saturating_add(1);
        lines.push((n, rest.get(..i).unwrap_or_default()));
        rest = rest.get(i + 1..).unwrap_or_default();
    }
    let torn = (!rest.is_empty()).then(|| (n.saturating_add(1), rest));
    (lines, torn)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn info(seq: u64) -> FrameInfo {
        FrameInfo {
            seq,
            kind: RecordKind::Seed,
            serial: TokenSerial::new("0086596220000456").unwrap(),
        }
    }

    #[test]
    fn lines_round_trip_and_any_change_is_caught() {
        let line = encode(&info(7), b"\x00age bytes\xff");
        assert!(line.ends_with('\n'));
        let body = line.trim_end_matches('\n');
        let (i, c) = decode(body, 7).unwrap();
        assert_eq!(i, info(7));
        assert_eq!(c, b"\x00age bytes\xff");
        assert!(decode(body, 8).is_err());
        // Every cut short line is refused.
        for cut in 0..body.len() {
            assert!(decode(&body[..cut], 7).is_err(), "{cut}");
        }
        // Any changed character is refused.
        let tampered = body.replacen("seed", "burned", 1);
        assert!(decode(&tampered, 7).is_err());
    }

    #[test]
    fn headers_and_splitting() {
        let h = HeaderMode::Recipients(vec!["age1a".into(), "age1b".into()]);
        assert_eq!(parse_header(header_line(&h).trim_end()), Some(h));
        let p = HeaderMode::Passphrase("age1k".into());
        assert_eq!(parse_header(header_line(&p).trim_end()), Some(p));
        assert_eq!(parse_header("something else 1 x y"), None);
        let (lines, torn) = split("a\nb\nc");
        assert_eq!(lines, vec![(1, "a"), (2, "b")]);
        assert_eq!(torn, Some((3, "c")));
        assert_eq!(split("a\n").1, None);
    }
}
