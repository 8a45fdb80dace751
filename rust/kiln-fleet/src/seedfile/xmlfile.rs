//! Deepnet DualShield XML seed files:
//!
//! ```xml
//! <?xml version="1.0"?>
//! <data>
//!   <header><encode>HEX</encode><synchronisation>30</synchronisation>…</header>
//!   <tokens>
//!     <token><serial>71358472</serial><seed>08E4…B840</seed></token>
//!   </tokens>
//! </data>
//! ```
//!
//! A bare `<tokens>` root reads too. `<encode>` (`HEX`, the default, or
//! `BASE32`), `<synchronisation>` (time step) and `<crypto>` (`HmacSHA1`,
//! `HmacSHA256`) of the header apply to every token. Other elements are
//! ignored. quick-xml expands no external entities and reads no DTD.

use super::{RawRow, SeedFileError};
use kiln_core::params::{Algorithm, TokenHmac};
use kiln_core::seed::Encoding;
use quick_xml::events::Event;
use quick_xml::Reader;
use zeroize::Zeroizing;

/// 1-based line of byte offset `pos` in `text`.
fn line_at(text: &str, pos: u64) -> usize {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(text.len());
    text.as_bytes()
        .get(..pos)
        .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
        .saturating_add(1)
}

fn xml_error(text: &str, pos: u64, detail: impl std::fmt::Display) -> SeedFileError {
    SeedFileError::Xml {
        line: line_at(text, pos),
        detail: detail.to_string(),
    }
}

#[derive(Default)]
struct Header {
    encode: Option<String>,
    synchronisation: Option<String>,
    crypto: Option<String>,
}

#[derive(Default)]
struct Token {
    line: usize,
    serial: Zeroizing<String>,
    seed: Zeroizing<String>,
}

pub(super) fn rows(text: &str) -> Result<Vec<RawRow>, SeedFileError> {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let offset = (text.len() - body.len()) as u64;
    let mut reader = Reader::from_str(body);
    let mut path: Vec<String> = Vec::new();
    let mut header = Header::default();
    let mut tokens: Vec<Token> = Vec::new();
    let mut current: Option<Token> = None;
    let mut text_buf = Zeroizing::new(String::new());
    loop {
        let pos = reader.buffer_position() + offset;
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position() + offset, e))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                if name == "token" && path.last().is_some_and(|p| p == "tokens") {
                    current = Some(Token {
                        line: line_at(text, pos),
                        ..Token::default()
                    });
                }
                path.push(name);
                text_buf.clear();
            }
            Event::Text(t) => text_buf.push_str(&t),
            Event::CData(t) => text_buf.push_str(&t.into_inner()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c,
                    Ok(None) => match &*r.into_inner() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err(xml_error(text, pos, "an unknown entity reference")),
                    },
                    Err(e) => return Err(xml_error(text, pos, e)),
                };
                text_buf.push(c);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or_default();
                let value = || Zeroizing::new(text_buf.trim().to_owned());
                match (parent, name.as_str()) {
                    ("token", "serial") => {
                        if let Some(t) = current.as_mut() {
                            t.serial = value();
                        }
                    }
                    ("token", "seed") => {
                        if let Some(t) = current.as_mut() {
                            t.seed = value();
                        }
                    }
                    ("header", "encode") => header.encode = Some(value().to_string()),
                    ("header", "synchronisation") => {
                        header.synchronisation = Some(value().to_string())
                    }
                    ("header", "crypto") => header.crypto = Some(value().to_string()),
                    ("tokens", "token") => tokens.extend(current.take()),
                    _ => {}
                }
                text_buf.clear();
            }
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(xml_error(
                    text,
                    pos,
                    "a DOCTYPE is not accepted in a seed file",
                ))
            }
            _ => {}
        }
    }
    let encoding = match header
        .encode
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("HEX") | Some("") => Encoding::Hex,
        Some("BASE32") => Encoding::Base32,
        Some(other) => {
            return Err(SeedFileError::Xml {
                line: 1,
                detail: format!("the header's <encode> is {other:?}; expected HEX or BASE32"),
            })
        }
    };
    let hmac = match header.crypto.as_deref() {
        None | Some("") => None,
        Some(c) => match c
            .parse::<Algorithm>()
            .ok()
            .and_then(TokenHmac::from_algorithm)
        {
            Some(h) => Some(h),
            None => {
                return Err(SeedFileError::Xml {
                    line: 1,
                    detail: format!(
                        "the header's <crypto> is {c:?}; these tokens do HmacSHA1 or HmacSHA256"
                    ),
                })
            }
        },
    };
    Ok(tokens
        .into_iter()
        .map(|t| RawRow {
            line: t.line,
            serial: t.serial,
            secret: t.seed,
            encoding: Some(encoding),
            period: header.synchronisation.clone(),
            hmac,
        })
        .collect())
}
