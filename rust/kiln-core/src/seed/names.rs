//! Names (issuer, account) read from links and exports: characters that must
//! not reach a screen are replaced, a label is split into issuer and account,
//! and the issuer is chosen when a link or export states it twice.

use super::Warning;

/// Control characters (which could drive a terminal), direction controls and
/// invisible characters (which could make a name read as another, e.g. U+202E
/// RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+200B ZERO WIDTH SPACE)
/// become U+FFFD in names.
pub(super) fn clean_name(s: &str) -> String {
    s.chars()
        .map(|c| if is_unsafe_in_name(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// Characters a name must not carry to a screen: controls, line and paragraph
/// separators, and the invisible format characters that reorder or hide text.
pub(super) fn is_unsafe_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                     // soft hyphen
            | '\u{034F}'                   // combining grapheme joiner
            | '\u{061C}'                   // Arabic letter mark
            | '\u{115F}' | '\u{1160}'      // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'      // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'      // Mongolian selectors, vowel separator
            | '\u{200B}'..='\u{200F}'      // zero-width space/joiners, LRM, RLM
            | '\u{2028}'..='\u{202E}'      // separators, embeddings, overrides
            | '\u{2060}'..='\u{206F}'      // word joiner, invisible operators, isolates
            | '\u{3164}'                   // Hangul filler
            | '\u{FEFF}'                   // zero-width no-break space
            | '\u{FFA0}'                   // halfwidth Hangul filler
            | '\u{FFF9}'..='\u{FFFB}'      // interlinear annotation
            | '\u{1D173}'..='\u{1D17A}'    // musical format controls
            | '\u{E0000}'..='\u{E007F}' // tags
        )
}

/// Splits a label (or an export's name) at the first `:` into an issuer prefix
/// and an account, both trimmed; empty parts become `None`. Control characters
/// are replaced (see [`clean_name`]).
pub(super) fn split_label(label: &str) -> (Option<String>, Option<String>) {
    let non_empty = |s: &str| {
        let t = s.trim();
        (!t.is_empty()).then(|| clean_name(t))
    };
    match label.split_once(':') {
        Some((prefix, account)) => (non_empty(prefix), non_empty(account)),
        None => (None, non_empty(label)),
    }
}

/// Chooses the issuer: the explicit one wins over the label prefix; a
/// disagreement (ignoring case) is a warning.
pub(super) fn resolve_issuer(
    explicit: Option<String>,
    prefix: Option<String>,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    match (explicit, prefix) {
        (Some(p), Some(l)) => {
            if !p.eq_ignore_ascii_case(&l) {
                warnings.push(Warning::IssuerMismatch {
                    label: l,
                    parameter: p.clone(),
                });
            }
            Some(p)
        }
        (Some(p), None) => Some(p),
        (None, l) => l,
    }
}
