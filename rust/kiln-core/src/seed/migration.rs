//! Google Authenticator exports: `otpauth-migration://offline?data=…`, where
//! `data` is URL-encoded Base64 of a protobuf `MigrationPayload`:
//!
//! ```text
//! MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
//!                    int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
//! OtpParameters    { bytes secret = 1; string name = 2; string issuer = 3;
//!                    Algorithm algorithm = 4;  // 0 unspecified, 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
//!                    DigitCount digits = 5;    // 0 unspecified, 1 six, 2 eight
//!                    OtpType type = 6;         // 0 unspecified, 1 HOTP, 2 TOTP
//!                    int64 counter = 7; }
//! ```
//!
//! The protobuf reader below is small and fully bounds-checked: truncated data,
//! overlong varints and unknown wire types are errors, never panics. Unknown
//! fields are skipped. The export has no period field: it is always 30 s.

use super::link::decode_secret_component;
use super::names::{clean_name, resolve_issuer, split_label};
use super::{AlgorithmSpec, Problem, Refusal, SeedInput, SeedSource, SeedSpec, Warning};
use crate::params::Algorithm;
use crate::secret::SecretBytes;
use base64::Engine;
use std::fmt;
use zeroize::Zeroizing;

/// An export: every account, with whether it can go on a token and why.
#[derive(Clone, Debug)]
pub struct MigrationBatch {
    pub accounts: Vec<MigrationAccount>,
    pub version: i32,
    /// How many QR codes the export spans (0 or 1: just this one).
    pub batch_size: i32,
    /// This QR code's number in the export, 0-based.
    pub batch_index: i32,
    pub batch_id: i32,
    /// Notes about the export as a whole (e.g. one QR code of several).
    pub warnings: Vec<Warning>,
}

/// How an export account makes codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtpKind {
    Totp,
    Hotp,
    /// The export did not say (treated as TOTP, with a warning).
    Unspecified,
    /// A value the export format does not define.
    Unknown(u64),
}

/// One account of an export. Its [`SeedSpec`] carries the problems that keep it
/// off a token (counter-based, MD5, 8 digits …).
#[derive(Clone, Debug)]
pub struct MigrationAccount {
    pub spec: SeedSpec,
    pub kind: OtpKind,
}

impl MigrationAccount {
    pub fn burnable(&self) -> bool {
        self.spec.is_burnable()
    }

    /// One sentence: why this account can or cannot go on a token.
    pub fn reason(&self) -> String {
        let problems = self.spec.problems();
        if problems.is_empty() {
            format!(
                "can go on a token ({}, {} s, 6 digits)",
                self.spec.algorithm(),
                self.spec.period()
            )
        } else {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            list.join("; ")
        }
    }
}

impl MigrationBatch {
    /// Number of accounts that can go on a token.
    pub fn burnable_count(&self) -> usize {
        self.accounts.iter().filter(|a| a.burnable()).count()
    }
}

/// Why the protobuf could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WireError {
    Truncated,
    VarintTooLong,
    BadWireType(u8),
    BadFieldNumber,
    WrongType { field: u32 },
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Truncated => f.write_str("the data ends too early"),
            WireError::VarintTooLong => f.write_str("a number in the data is too long"),
            WireError::BadWireType(t) => write!(f, "unknown field type {t}"),
            WireError::BadFieldNumber => f.write_str("a field number is invalid"),
            WireError::WrongType { field } => write!(f, "field {field} has the wrong type"),
        }
    }
}

/// One protobuf field value.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    /// Fixed 32/64-bit values (not used by the export; skipped).
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated)?;
        let out = self.buf.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(out)
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for i in 0..10u32 {
            let byte = *self.take(1)?.first().ok_or(WireError::Truncated)?;
            if i == 9 && byte > 1 {
                return Err(WireError::VarintTooLong);
            }
            value |= u64::from(byte & 0x7F) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::VarintTooLong)
    }

    /// The next field, or `None` at the end.
    fn field(&mut self) -> Result<Option<(u32, Value<'a>)>, WireError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let number = u32::try_from(tag >> 3).map_err(|_| WireError::BadFieldNumber)?;
        if number == 0 || number > 0x1FFF_FFFF {
            return Err(WireError::BadFieldNumber);
        }
        let value = match (tag & 7) as u8 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| WireError::Truncated)?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            t => return Err(WireError::BadWireType(t)),
        };
        Ok(Some((number, value)))
    }
}

fn want_varint(field: u32, v: Value<'_>) -> Result<u64, WireError> {
    match v {
        Value::Varint(n) => Ok(n),
        _ => Err(WireError::WrongType { field }),
    }
}

fn want_bytes(field: u32, v: Value<'_>) -> Result<&[u8], WireError> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(WireError::WrongType { field }),
    }
}

/// An account as read from the wire, before interpretation.
#[derive(Default)]
struct RawAccount {
    secret: SecretBytes,
    name: String,
    issuer: String,
    algorithm: u64,
    digits: u64,
    kind: u64,
}

fn read_account(buf: &[u8]) -> Result<RawAccount, WireError> {
    let mut r = Reader::new(buf);
    let mut a = RawAccount::default();
    while let Some((field, value)) = r.field()? {
        match field {
            1 => a.secret = SecretBytes::from_slice(want_bytes(field, value)?),
            2 => a.name = String::from_utf8_lossy(want_bytes(field, value)?).into_owned(),
            3 => a.issuer = String::from_utf8_lossy(want_bytes(field, value)?).into_owned(),
            4 => a.algorithm = want_varint(field, value)?,
            5 => a.digits = want_varint(field, value)?,
            6 => a.kind = want_varint(field, value)?,
            _ => {} // counter (7) and unknown fields: not needed
        }
    }
    Ok(a)
}

/// Decodes a `MigrationPayload` protobuf. Pure: usable on raw bytes too.
pub(crate) fn decode_payload(buf: &[u8]) -> Result<MigrationBatch, WireError> {
    let mut r = Reader::new(buf);
    let mut raw = Vec::new();
    let mut batch = MigrationBatch {
        accounts: Vec::new(),
        version: 0,
        batch_size: 0,
        batch_index: 0,
        batch_id: 0,
        warnings: Vec::new(),
    };
    while let Some((field, value)) = r.field()? {
        // int32 fields travel as varints; truncation to 32 bits is the protobuf rule.
        match field {
            1 => raw.push(read_account(want_bytes(field, value)?)?),
            2 => batch.version = want_varint(field, value)? as i32,
            3 => batch.batch_size = want_varint(field, value)? as i32,
            4 => batch.batch_index = want_varint(field, value)? as i32,
            5 => batch.batch_id = want_varint(field, value)? as i32,
            _ => {}
        }
    }
    if batch.batch_size > 1 {
        batch.warnings.push(Warning::PartOfBatch {
            index: u64::try_from(batch.batch_index).unwrap_or(0),
            size: u64::try_from(batch.batch_size).unwrap_or(0),
        });
    }
    batch.accounts = raw
        .into_iter()
        .enumerate()
        .map(|(index, a)| interpret(index, a))
        .collect();
    Ok(batch)
}

fn interpret(index: usize, raw: RawAccount) -> MigrationAccount {
    let mut spec = SeedSpec::new(raw.secret, SeedSource::Migration { index });
    let (prefix, account) = split_label(&raw.name);
    let explicit = Some(clean_name(raw.issuer.trim())).filter(|s| !s.is_empty());
    spec.account = account;
    spec.issuer = resolve_issuer(explicit, prefix, &mut spec.warnings);
    spec.algorithm = match raw.algorithm {
        0 | 1 => AlgorithmSpec::Known(Algorithm::Sha1),
        2 => AlgorithmSpec::Known(Algorithm::Sha256),
        3 => AlgorithmSpec::Known(Algorithm::Sha512),
        4 => AlgorithmSpec::Unsupported("MD5".to_string()),
        code => {
            spec.read_problems.push(Problem::UnknownExportValue {
                field: "algorithm",
                code,
            });
            AlgorithmSpec::Unsupported(format!("unknown ({code})"))
        }
    };
    spec.digits = match raw.digits {
        0 | 1 => 6,
        2 => 8,
        code => {
            spec.read_problems.push(Problem::UnknownExportValue {
                field: "digits",
                code,
            });
            6
        }
    };
    let kind = match raw.kind {
        0 => {
            spec.warnings.push(Warning::TypeUnspecified);
            OtpKind::Unspecified
        }
        1 => {
            spec.read_problems.push(Problem::CounterBased);
            OtpKind::Hotp
        }
        2 => OtpKind::Totp,
        code => {
            spec.read_problems.push(Problem::UnknownExportValue {
                field: "type",
                code,
            });
            OtpKind::Unknown(code)
        }
    };
    MigrationAccount { spec, kind }
}

/// `rest` is what follows `otpauth-migration://` (normally `offline?data=…`).
pub(super) fn parse_link(rest: &str) -> SeedInput {
    let query = rest.split_once('?').map_or("", |(_, q)| q);
    let data = query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        k.trim().eq_ignore_ascii_case("data").then_some(v)
    });
    let Some(data) = data else {
        return SeedInput::Refused(Refusal::MalformedExport {
            detail: "it has no data".to_string(),
        });
    };
    // URL-decode; a raw `+` is Base64, and a space is a `+` someone decoded as form data.
    let decoded = decode_secret_component(data);
    let mut b64: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(decoded.len()));
    for &b in decoded.iter() {
        match b {
            b' ' => b64.push(b'+'),
            b'\r' | b'\n' | b'\t' => {}
            b => b64.push(b),
        }
    }
    let url_safe = b64.iter().any(|b| matches!(b, b'-' | b'_'));
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let engine = if url_safe {
        base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    } else {
        base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, config)
    };
    // Sized for the whole payload up front: a growing buffer would leave copies
    // of the seeds in freed memory.
    let mut payload = Zeroizing::new(Vec::with_capacity(b64.len().saturating_mul(3) / 4 + 3));
    if engine.decode_vec(&*b64, &mut payload).is_err() {
        return SeedInput::Refused(Refusal::MalformedExport {
            detail: "its data is not valid Base64".to_string(),
        });
    }
    match decode_payload(&payload) {
        Ok(batch) if batch.accounts.is_empty() => SeedInput::Refused(Refusal::EmptyExport),
        Ok(batch) => SeedInput::Migration(batch),
        Err(e) => SeedInput::Refused(Refusal::MalformedExport {
            detail: e.to_string(),
        }),
    }
}

/// Test helper: encodes accounts as an export link (the writer side of the
/// format, for round-trip and property tests).
#[cfg(test)]
pub(crate) mod encode {
    use base64::Engine;

    pub struct Account<'a> {
        pub secret: &'a [u8],
        pub name: &'a str,
        pub issuer: &'a str,
        pub algorithm: u64,
        pub digits: u64,
        pub kind: u64,
    }

    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7F) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    fn bytes_field(out: &mut Vec<u8>, field: u64, b: &[u8]) {
        varint(out, field << 3 | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }

    fn varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
        varint(out, field << 3);
        varint(out, v);
    }

    pub fn payload(accounts: &[Account<'_>], batch: (u64, u64, u64)) -> Vec<u8> {
        let mut out = Vec::new();
        for a in accounts {
            let mut m = Vec::new();
            bytes_field(&mut m, 1, a.secret);
            bytes_field(&mut m, 2, a.name.as_bytes());
            bytes_field(&mut m, 3, a.issuer.as_bytes());
            varint_field(&mut m, 4, a.algorithm);
            varint_field(&mut m, 5, a.digits);
            varint_field(&mut m, 6, a.kind);
            varint_field(&mut m, 7, 0);
            bytes_field(&mut out, 1, &m);
        }
        varint_field(&mut out, 2, 1);
        varint_field(&mut out, 3, batch.0);
        varint_field(&mut out, 4, batch.1);
        varint_field(&mut out, 5, batch.2);
        out
    }

    /// The link as Google Authenticator writes it (Base64, percent-encoded).
    pub fn link(payload: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(payload);
        let data: String =
            percent_encoding::utf8_percent_encode(&b64, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        format!("otpauth-migration://offline?data={data}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::parse_input;
    use super::encode::{link, payload, varint, Account};
    use super::*;
    use crate::params::{TokenHmac, TokenStep};

    fn batch(input: &str) -> MigrationBatch {
        match parse_input(input) {
            SeedInput::Migration(b) => b,
            SeedInput::Refused(r) => panic!("refused: {r}"),
            other => panic!("{}", other.kind()),
        }
    }

    fn acct<'a>(secret: &'a [u8], name: &'a str, issuer: &'a str) -> Account<'a> {
        Account {
            secret,
            name,
            issuer,
            algorithm: 1,
            digits: 1,
            kind: 2,
        }
    }

    #[test]
    fn reads_every_account_with_reason() {
        let p = payload(
            &[
                acct(
                    b"Hello!\xDE\xAD\xBE\xEF",
                    "Example:alice@google.com",
                    "Example",
                ),
                Account {
                    algorithm: 2,
                    ..acct(&[1; 20], "bob", "GitHub")
                },
                Account {
                    kind: 1,
                    ..acct(&[2; 20], "counter", "Bank")
                },
                Account {
                    digits: 2,
                    ..acct(&[3; 20], "eight", "Corp")
                },
                Account {
                    algorithm: 4,
                    ..acct(&[4; 20], "md5", "Old")
                },
                Account {
                    algorithm: 3,
                    ..acct(&[5; 20], "512", "New")
                },
                Account {
                    kind: 0,
                    algorithm: 0,
                    digits: 0,
                    ..acct(&[6; 20], "plain", "")
                },
            ],
            (1, 0, 77),
        );
        let b = batch(&link(&p));
        assert_eq!(b.accounts.len(), 7);
        assert_eq!(b.batch_id, 77);
        assert!(b.warnings.is_empty());
        assert_eq!(b.burnable_count(), 3);

        let a = &b.accounts[0];
        assert_eq!(a.spec.issuer(), Some("Example"));
        assert_eq!(a.spec.account(), Some("alice@google.com"));
        assert_eq!(a.spec.secret().expose(), b"Hello!\xDE\xAD\xBE\xEF");
        assert_eq!(a.spec.source(), SeedSource::Migration { index: 0 });
        assert_eq!(a.spec.period(), 30);
        assert!(a.burnable());
        assert!(
            a.reason().starts_with("can go on a token"),
            "{}",
            a.reason()
        );

        let prog = b.accounts[1].spec.token_program().unwrap();
        assert_eq!(
            (prog.hmac, prog.step),
            (TokenHmac::Sha256, TokenStep::Secs30)
        );

        assert_eq!(b.accounts[2].kind, OtpKind::Hotp);
        assert!(!b.accounts[2].burnable());
        assert!(b.accounts[2].reason().contains("counter-based"));

        assert!(b.accounts[3].reason().contains("8-digit"));
        assert!(b.accounts[4].reason().contains("MD5"));
        assert!(b.accounts[5].reason().contains("SHA512"));

        let plain = &b.accounts[6];
        assert_eq!(plain.kind, OtpKind::Unspecified);
        assert!(plain.burnable());
        assert!(plain.spec.warnings().contains(&Warning::TypeUnspecified));
        assert_eq!(plain.spec.issuer(), None);
        assert_eq!(plain.spec.account(), Some("plain"));
    }

    #[test]
    fn batch_position_is_reported() {
        let p = payload(&[acct(&[1; 10], "a", "b")], (3, 1, 5));
        let b = batch(&link(&p));
        assert_eq!((b.batch_size, b.batch_index), (3, 1));
        assert_eq!(b.warnings, vec![Warning::PartOfBatch { index: 1, size: 3 }]);
        assert!(b.warnings[0].to_string().contains("QR code 2 of 3"));
    }

    #[test]
    fn link_encodings_are_liberal() {
        let p = payload(&[acct(&[0xFB; 20], "a", "b")], (1, 0, 0));
        let b64 = base64::engine::general_purpose::STANDARD.encode(&p);
        assert!(b64.contains('+') || b64.contains('/'));
        let variants = [
            format!("otpauth-migration://offline?data={b64}"),
            format!("otpauth-migration://offline?data={}", b64.replace('+', " ")),
            format!(
                "OTPAUTH-MIGRATION://offline?DATA={}",
                b64.trim_end_matches('=')
            ),
            format!(
                "otpauth-migration://offline?data={}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&p)
            ),
        ];
        for v in variants {
            assert_eq!(batch(&v).accounts[0].spec.secret().expose(), &[0xFB; 20]);
        }
    }

    #[test]
    fn malformed_exports_are_refused() {
        let refused = |s: &str| match parse_input(s) {
            SeedInput::Refused(r) => r,
            other => panic!("{}", other.kind()),
        };
        assert!(matches!(
            refused("otpauth-migration://offline"),
            Refusal::MalformedExport { .. }
        ));
        assert!(matches!(
            refused("otpauth-migration://offline?data=!!!"),
            Refusal::MalformedExport { .. }
        ));
        assert_eq!(
            refused(&link(&payload(&[], (1, 0, 0)))),
            Refusal::EmptyExport
        );
        // Truncated message.
        let mut p = payload(&[acct(&[1; 20], "a", "b")], (1, 0, 0));
        p.truncate(10);
        assert!(refused(&link(&p)).to_string().contains("ends too early"));
    }

    #[test]
    fn wire_reader_is_bounds_checked() {
        // Varint of 11 continuation bytes.
        assert_eq!(
            decode_payload(&[
                0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01
            ])
            .err(),
            Some(WireError::VarintTooLong)
        );
        // 10th byte carrying more than one bit overflows u64.
        assert_eq!(
            decode_payload(&[0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
                .err(),
            Some(WireError::VarintTooLong)
        );
        // Maximum u64 is fine.
        assert!(decode_payload(&[
            0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01
        ])
        .is_ok());
        // Length beyond the end, and a huge length.
        assert_eq!(
            decode_payload(&[0x0A, 0x05, 0x01]).err(),
            Some(WireError::Truncated)
        );
        let mut huge = vec![0x0A];
        varint(&mut huge, u64::MAX);
        assert_eq!(decode_payload(&huge).err(), Some(WireError::Truncated));
        // Groups (3/4) and wire types 6/7 are refused.
        assert_eq!(
            decode_payload(&[0x0B]).err(),
            Some(WireError::BadWireType(3))
        );
        assert_eq!(
            decode_payload(&[0x0F]).err(),
            Some(WireError::BadWireType(7))
        );
        // Field number 0.
        assert_eq!(
            decode_payload(&[0x00, 0x00]).err(),
            Some(WireError::BadFieldNumber)
        );
        // Wrong type for a known field.
        assert_eq!(
            decode_payload(&[0x08, 0x01]).err(),
            Some(WireError::WrongType { field: 1 })
        );
        // Unknown fields of every wire type are skipped.
        let b = decode_payload(&[
            0x30, 0x01, 0x39, 0, 0, 0, 0, 0, 0, 0, 0, 0x42, 0x01, 0xAA, 0x4D, 0, 0, 0, 0,
        ])
        .unwrap();
        assert!(b.accounts.is_empty());
    }

    #[test]
    fn unknown_enum_values_are_problems() {
        let p = payload(
            &[Account {
                algorithm: 9,
                digits: 7,
                kind: 5,
                ..acct(&[1; 20], "x", "y")
            }],
            (1, 0, 0),
        );
        let b = batch(&link(&p));
        let a = &b.accounts[0];
        assert_eq!(a.kind, OtpKind::Unknown(5));
        let problems = a.spec.problems();
        assert!(problems.contains(&Problem::UnknownExportValue {
            field: "algorithm",
            code: 9
        }));
        assert!(problems.contains(&Problem::UnknownExportValue {
            field: "digits",
            code: 7
        }));
        assert!(problems.contains(&Problem::UnknownExportValue {
            field: "type",
            code: 5
        }));
        // The unknown algorithm is reported once, not twice.
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
