//! Common paste mistakes in a seed input, recognised so that the refusal says
//! what to fix instead of a generic "neither Base32 nor Hex": the link in quote
//! marks, `otpauth:/` with one slash, no `?` before the settings, `secert=`.
//! Consulted only for input the seed parser refused; never echoes a seed value.

use kiln_core::seed::{parse_input, SeedInput};

const QUOTES: &[char] = &[
    '\'', '"', '`', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
];

/// What to fix, when `text` (already refused by the parser) looks like a
/// known paste mistake.
pub fn mistake(text: &str) -> Option<String> {
    let t = text.trim();
    if t.starts_with(QUOTES) || t.ends_with(QUOTES) {
        let inner = t.trim_matches(QUOTES).trim();
        if !matches!(parse_input(inner), SeedInput::Refused(_)) {
            let what = if is_link(inner) { "link" } else { "seed" };
            return Some(format!(
                "the {what} is inside quote marks: paste it without the quote marks around it"
            ));
        }
    }
    let lower = t.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("otpauth-migration:")
        .or_else(|| lower.strip_prefix("otpauth:"))
    {
        let scheme = &t[..t.len() - rest.len()];
        let slashes = rest.chars().take_while(|&c| c == '/').count();
        if slashes == 1 || slashes > 2 {
            return Some(format!(
                "the link starts with `{scheme}{}`; it must start with `{scheme}//` (two slashes): \
                 check that the whole link was copied",
                "/".repeat(slashes)
            ));
        }
        let Some((_, query)) = rest.split_once('?') else {
            return Some(
                "the link has no `?` between the account name and its settings (it should read \
                 `otpauth://totp/NAME?secret=…`): check that the whole link was copied"
                    .into(),
            );
        };
        let names: Vec<String> = query
            .split('&')
            .filter_map(|p| p.split_once('=').map(|(k, _)| k.to_owned()))
            .collect();
        if !names.iter().any(|n| n == "secret" || n == "data") {
            if let Some(n) = names.iter().find(|n| is_misspelled_secret(n)) {
                return Some(format!(
                    "the link has `{n}=` where `secret=` belongs: correct the spelling (the seed is \
                     the value after `secret=`)"
                ));
            }
        }
    }
    None
}

fn is_link(t: &str) -> bool {
    t.get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("otpauth:"))
        || t.get(..18)
            .is_some_and(|p| p.eq_ignore_ascii_case("otpauth-migration:"))
}

/// A parameter name one or two edits from `secret` (`secert`, `scret`, `secrets`).
fn is_misspelled_secret(name: &str) -> bool {
    name.len() <= 10
        && name.chars().all(|c| c.is_ascii_alphabetic())
        && (1..=2).contains(&edit_distance(name, "secret"))
}

/// Edit distance with adjacent transpositions counted as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    let at = |i: usize, j: usize| i * w + j;
    for i in 0..=a.len() {
        if let Some(x) = d.get_mut(at(i, 0)) {
            *x = i;
        }
    }
    for j in 0..=b.len() {
        if let Some(x) = d.get_mut(at(0, j)) {
            *x = j;
        }
    }
    for (i, ca) in a.iter().enumerate() {
        for (j, cb) in b.iter().enumerate() {
            let (i1, j1) = (i + 1, j + 1);
            let get = |k: usize| d.get(k).copied().unwrap_or(usize::MAX / 2);
            let cost = usize::from(ca != cb);
            let mut best = (get(at(i, j1)) + 1)
                .min(get(at(i1, j)) + 1)
                .min(get(at(i, j)) + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                best = best.min(get(at(i - 1, j - 1)) + 1);
            }
            if let Some(x) = d.get_mut(at(i1, j1)) {
                *x = best;
            }
        }
    }
    d.get(at(a.len(), b.len())).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXP";

    fn says(input: &str, want: &str) {
        let m = mistake(input).unwrap_or_else(|| panic!("not recognised: {input}"));
        assert!(m.contains(want), "{input}: {m}");
        assert!(!m.contains(SECRET), "{m}");
    }

    #[test]
    fn each_paste_mistake_is_named() {
        let link = format!("otpauth://totp/A:b?secret={SECRET}&issuer=A");
        says(&format!("'{link}'"), "inside quote marks");
        says(&format!("\"{link}\""), "inside quote marks");
        says(&format!("\u{201C}{link}\u{201D}"), "inside quote marks");
        says(&format!("\"{SECRET}\""), "the seed is inside quote marks");
        says(
            &format!("otpauth:/totp/A:b?secret={SECRET}"),
            "`otpauth:/`; it must start with `otpauth://`",
        );
        says(
            &format!("otpauth:///totp/A:b?secret={SECRET}"),
            "two slashes",
        );
        says(&format!("otpauth://totp/A:b&secret={SECRET}"), "no `?`");
        says(&format!("otpauth://totp/A:bsecret={SECRET}"), "no `?`");
        says(
            &format!("otpauth://totp/A:b?secert={SECRET}&issuer=A"),
            "`secert=` where `secret=`",
        );
        says(
            &format!("otpauth://totp/A:b?issuer=A&scret={SECRET}"),
            "`scret=`",
        );
    }

    #[test]
    fn other_refusals_are_left_alone() {
        for input in [
            "THIS-IS-NOT!SEED",
            "otpauth://totp/A:b?issuer=A",
            "otpauth://totp/A:b?issuer=A&period=30",
            "'not a seed at all!'",
            "https://example.com/?secert=x",
        ] {
            assert_eq!(mistake(input), None, "{input}");
        }
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("secert", "secret"), 1);
        assert_eq!(edit_distance("secret", "secret"), 0);
        assert!(edit_distance("issuer", "secret") > 2);
        assert_eq!(edit_distance("scret", "secret"), 1);
    }
}
