//! What every link shares: recognising `scheme:` at the start of the input,
//! the schemes that are refused by name alone, percent-decoding of components,
//! and quoting non-secret values back in messages. The link parsers
//! (`otpauth://` in `uri`, `otpauth-migration://` in `migration`) build on this
//! and do not know each other; [`super::parse_input`] chooses between them.

use super::names::clean_name;
use super::Refusal;
use percent_encoding::percent_decode_str;
use zeroize::Zeroizing;

/// Longest non-secret value quoted back in a message.
const QUOTE_MAX: usize = 32;

/// Schemes recognised even without `//` after the colon.
const KNOWN_SCHEMES: &[&str] = &[
    "otpauth",
    "otpauth-migration",
    "steam",
    "motp",
    "yaotp",
    "phonefactor",
    "http",
    "https",
];

/// `Some((lower-case scheme, rest after "scheme:" and an optional "//"))` when
/// the text looks like a link: `scheme:` followed by `//`, or a known scheme.
pub(super) fn split_scheme(text: &str) -> Option<(String, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !first_ok || !rest_ok || scheme.len() > QUOTE_MAX {
        return None;
    }
    let lower = scheme.to_ascii_lowercase();
    let slashed = rest.strip_prefix("//");
    if slashed.is_none() && !KNOWN_SCHEMES.contains(&lower.as_str()) {
        return None;
    }
    Some((lower, slashed.unwrap_or(rest)))
}

/// Why a link of a scheme other than `otpauth` and `otpauth-migration` cannot
/// go on a token: a scheme known to carry no TOTP seed, or an unknown one.
pub(super) fn scheme_refusal(scheme: &str) -> Refusal {
    match scheme {
        "steam" => Refusal::Steam,
        "motp" => Refusal::Motp,
        "yaotp" => Refusal::Yandex,
        "phonefactor" => Refusal::PhoneFactor,
        "http" | "https" => Refusal::WebLink,
        other => Refusal::UnknownScheme {
            scheme: quote(other),
        },
    }
}

/// A non-secret value shortened for messages (and cleaned like a name).
pub(super) fn quote(s: &str) -> String {
    let mut q: String = clean_name(&s.chars().take(QUOTE_MAX).collect::<String>());
    if s.chars().count() > QUOTE_MAX {
        q.push('…');
    }
    q
}

/// A line break of any kind (a link may arrive wrapped over lines).
pub(super) fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Percent-decodes a non-secret component (invalid UTF-8 is replaced).
/// `plus_is_space`: `+` means a space (query values), not in the path. Literal
/// line breaks (a link wrapped over lines) are dropped.
pub(super) fn decode_component(s: &str, plus_is_space: bool) -> String {
    let mut raw: String = s.chars().filter(|c| !is_line_break(*c)).collect();
    if plus_is_space {
        raw = raw.replace('+', " ");
    }
    percent_decode_str(&raw).decode_utf8_lossy().into_owned()
}

/// Percent-decodes a secret component into zeroizing memory.
pub(super) fn decode_secret_component(s: &str) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(s.len()));
    out.extend(percent_decode_str(s));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::super::{parse_input, SeedInput};
    use super::*;

    #[test]
    fn scheme_detection() {
        assert_eq!(
            split_scheme("otpauth://totp/x").map(|s| s.0),
            Some("otpauth".into())
        );
        assert_eq!(split_scheme("Steam:abc").map(|s| s.0), Some("steam".into()));
        assert_eq!(split_scheme("urn:x"), None); // not a link: read as typed text
        assert_eq!(split_scheme("JBSWY3DP"), None);
        assert_eq!(split_scheme("1ab://x"), None);
        assert!(matches!(
            parse_input("foo+bar.baz-1://x"),
            SeedInput::Refused(Refusal::UnknownScheme { .. })
        ));
    }
}
