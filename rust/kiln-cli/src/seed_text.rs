//! Minimal seed-text parsing for `kiln burn`.
//!
//! TEMPORARY: to be replaced by the seed-input module of kiln-core (branch
//! `seed`) when it lands. Accepts an `otpauth://totp/...` link, or Base32 / Hex
//! text (`hex:` or `0x` forces Hex; text that is not Base32 but is Hex is Hex).
//! Error messages never echo the input.

use kiln_core::params::{Algorithm, TokenSeed};
use kiln_core::secret::{SecretBytes, SecretString};
use zeroize::Zeroizing;

/// A parsed seed and what the link said about it.
#[derive(Debug)]
pub struct ParsedSeed {
    pub seed: TokenSeed,
    pub algorithm: Option<Algorithm>,
    pub period: Option<u64>,
    pub digits: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedTextError {
    #[error("this is an otpauth://{0} link; these tokens only do TOTP (otpauth://totp)")]
    NotTotp(String),
    #[error("the otpauth link has no secret= parameter")]
    NoSecret,
    #[error("the otpauth link's {0} parameter is not valid")]
    BadParameter(&'static str),
    #[error("the seed is neither valid Base32 nor Hex (check for typos; Base32 uses A-Z and 2-7)")]
    NotBase32OrHex,
    #[error("{0}")]
    Length(#[from] kiln_core::params::SeedLengthError),
}

pub fn parse(input: &SecretString) -> Result<ParsedSeed, SeedTextError> {
    let text = input.expose().trim();
    if let Some(rest) = strip_prefix_ci(text, "otpauth://") {
        return parse_uri(rest);
    }
    let bytes = decode_plain(text)?;
    Ok(ParsedSeed {
        seed: TokenSeed::new(bytes)?,
        algorithm: None,
        period: None,
        digits: None,
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn parse_uri(rest: &str) -> Result<ParsedSeed, SeedTextError> {
    let (kind, after) = rest.split_once('/').unwrap_or((rest, ""));
    if !kind.eq_ignore_ascii_case("totp") {
        return Err(SeedTextError::NotTotp(kind.chars().take(8).collect()));
    }
    let query = after.split_once('?').map_or("", |(_, q)| q);
    let mut secret: Option<Zeroizing<String>> = None;
    let (mut algorithm, mut period, mut digits) = (None, None, None);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k.to_ascii_lowercase().as_str() {
            "secret" => secret = Some(Zeroizing::new(percent_decode(v))),
            "algorithm" => {
                algorithm = Some(
                    v.parse()
                        .map_err(|_| SeedTextError::BadParameter("algorithm"))?,
                )
            }
            "period" => {
                period = Some(
                    v.parse()
                        .map_err(|_| SeedTextError::BadParameter("period"))?,
                )
            }
            "digits" => {
                digits = Some(
                    v.parse()
                        .map_err(|_| SeedTextError::BadParameter("digits"))?,
                )
            }
            _ => {}
        }
    }
    let secret = secret.ok_or(SeedTextError::NoSecret)?;
    let bytes = decode_base32(&secret).ok_or(SeedTextError::NotBase32OrHex)?;
    Ok(ParsedSeed {
        seed: TokenSeed::new(bytes)?,
        algorithm,
        period,
        digits,
    })
}

fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (c, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(x)) => {
                out.push(x);
                i += 3;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    let s = String::from_utf8_lossy(&out).into_owned();
    zeroize::Zeroize::zeroize(&mut out);
    s
}

fn decode_plain(text: &str) -> Result<SecretBytes, SeedTextError> {
    if let Some(h) = strip_prefix_ci(text, "hex:").or_else(|| strip_prefix_ci(text, "0x")) {
        return decode_hex(h).ok_or(SeedTextError::NotBase32OrHex);
    }
    decode_base32(text)
        .or_else(|| decode_hex(text))
        .ok_or(SeedTextError::NotBase32OrHex)
}

fn decode_base32(text: &str) -> Option<SecretBytes> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\t' | '\n' | '\r'))
            .map(|c| c.to_ascii_uppercase())
            .collect::<String>()
            .trim_end_matches('=')
            .to_owned(),
    );
    let mut spec = data_encoding::BASE32_NOPAD.specification();
    spec.check_trailing_bits = false;
    let enc = spec.encoding().ok()?;
    enc.decode(cleaned.as_bytes()).ok().map(SecretBytes::new)
}

fn decode_hex(text: &str) -> Option<SecretBytes> {
    let cleaned: Zeroizing<String> = Zeroizing::new(
        text.chars()
            .filter(|c| !matches!(c, ' ' | ':' | '-' | '\t' | '\n' | '\r'))
            .collect(),
    );
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(cleaned.as_bytes())
        .ok()
        .map(SecretBytes::new)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<ParsedSeed, SeedTextError> {
        parse(&SecretString::new(s.to_string()))
    }

    #[test]
    fn formats() {
        assert_eq!(
            p("JBSWY3DPEHPK3PXP").unwrap().seed.expose(),
            b"Hello!\xde\xad\xbe\xef"
        );
        assert_eq!(p("jbsw y3dp ehpk 3pxp").unwrap().seed.len(), 10);
        assert_eq!(p("hex:48656c6c6f").unwrap().seed.expose(), b"Hello");
        assert_eq!(
            p("3132333435363738393031323334353637383930")
                .unwrap()
                .seed
                .expose(),
            b"12345678901234567890"
        );
        let u =
            p("otpauth://totp/X:a@b?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256&period=60&digits=6")
                .unwrap();
        assert_eq!(u.algorithm, Some(Algorithm::Sha256));
        assert_eq!(u.period, Some(60));
        assert_eq!(u.digits, Some(6));
        assert!(matches!(
            p("otpauth://hotp/x?secret=JBSWY3DP"),
            Err(SeedTextError::NotTotp(_))
        ));
        assert_eq!(p("not a seed!").unwrap_err(), SeedTextError::NotBase32OrHex);
        assert!(!p("SECRETZZZ!").unwrap_err().to_string().contains("SECRET"));
    }
}
