//! Input of several lines. Two kinds are read as one seed:
//!
//! - one link wrapped over lines (the first line starts the link, no later line
//!   starts another one or holds a space; a line break inside the secret is
//!   refused by the link parser);
//! - one typed seed written in groups (`JBSW Y3DP` / `EHPK 3PXP`): every group has
//!   the first group's length (at most 8 characters), a group may be cut by a line
//!   break, and only the last group may be shorter.
//!
//! Anything else of several non-empty lines (two seeds, a seed and a note, a list
//! of links) is refused rather than joined into one wrong seed.

use super::link::{self, is_line_break};
use super::Refusal;

/// Longest group of a seed written in groups (services show 4; some 8).
const MAX_GROUP: usize = 8;

/// The refusal for `text` (already trimmed) when it has several non-empty lines
/// that are not one link (`is_link`: the text starts with a link) or one seed.
pub(super) fn check(text: &str, is_link: bool) -> Option<Refusal> {
    let count = non_empty_lines(text).count();
    if count <= 1 {
        return None;
    }
    let one = if is_link {
        wrapped_link(text)
    } else {
        grouped_seed(text)
    };
    (!one).then_some(Refusal::SeveralLines { lines: count })
}

fn non_empty_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_line_break)
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

fn wrapped_link(text: &str) -> bool {
    non_empty_lines(text)
        .skip(1)
        .all(|l| link::split_scheme(l).is_none() && !l.contains(char::is_whitespace))
        && !secret_has_line_break(text)
}

/// True when the first `secret=` value of a link has a line break between its
/// characters: a seed pasted under the link, or a secret cut by wrapping — either
/// way the joined text may not be the service's secret.
fn secret_has_line_break(text: &str) -> bool {
    let query = text.split_once('?').map_or("", |(_, q)| q);
    query
        .split('&')
        .find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            link::decode_component(k, true)
                .trim()
                .eq_ignore_ascii_case("secret")
                .then_some(v)
        })
        .is_some_and(|v| v.trim().contains(is_line_break))
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

fn grouped_seed(text: &str) -> bool {
    let mut size = 0usize; // the group length, from the first group
    let mut open = 0usize; // characters of a group cut by a line break
    let mut lines = non_empty_lines(text).peekable();
    while let Some(line) = lines.next() {
        let last_line = lines.peek().is_none();
        let mut groups = line
            .split(is_separator)
            .filter(|g| !g.is_empty())
            .peekable();
        while let Some(g) = groups.next() {
            let len = open.saturating_add(g.chars().count());
            open = 0;
            if size == 0 {
                if len > MAX_GROUP {
                    return false;
                }
                size = len;
            }
            let ends_line = groups.peek().is_none();
            match len.cmp(&size) {
                std::cmp::Ordering::Equal => {}
                std::cmp::Ordering::Greater => return false,
                // A short group: cut by the line break, or the seed's last one.
                std::cmp::Ordering::Less if ends_line && !last_line => open = len,
                std::cmp::Ordering::Less if ends_line && last_line => {}
                std::cmp::Ordering::Less => return false,
            }
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::super::{parse_input, Refusal, SeedInput};

    fn lines_refused(input: &str) -> Option<usize> {
        match parse_input(input) {
            SeedInput::Refused(Refusal::SeveralLines { lines }) => Some(lines),
            _ => None,
        }
    }

    fn bits(input: &str) -> usize {
        match parse_input(input) {
            SeedInput::Totp(s) => s.secret_bits(),
            SeedInput::Ambiguous(a) => a.bits(super::super::Encoding::Base32),
            SeedInput::Refused(r) => panic!("{input:?} refused: {r}"),
            SeedInput::Migration(_) => panic!("{input:?} is an export"),
        }
    }

    #[test]
    fn two_seeds_on_two_lines_are_refused_not_joined() {
        assert_eq!(
            lines_refused("JBSWY3DPEHPK3PXP\nGEZDGNBVGY3TQOJQ\n"),
            Some(2)
        );
        assert_eq!(
            lines_refused("JBSWY3DPEHPK3PXP\r\nGEZDGNBVGY3TQOJQ\r\nMZXW6YTBOI\r\n"),
            Some(3)
        );
        // A seed and a note.
        assert_eq!(lines_refused("JBSWY3DPEHPK3PXP\nmy github key"), Some(2));
        assert_eq!(lines_refused("my github key:\nJBSWY3DPEHPK3PXP"), Some(2));
        // Groups of different sizes are not one seed.
        assert_eq!(lines_refused("JBSW Y3DP\nEHPK3PXP GEZD"), Some(2));
        let msg = Refusal::SeveralLines { lines: 2 }.to_string();
        assert!(msg.contains("2 lines"), "{msg}");
    }

    #[test]
    fn one_seed_in_groups_over_lines_is_read() {
        assert_eq!(bits("JBSW Y3DP\nEHPK 3PXP"), 80);
        assert_eq!(bits("jbsw y3dp ehpk 3pxp\ngezd gnbv gy3t qojq\n"), 160);
        assert_eq!(bits("JBSW-Y3DP-\nEHPK-3PXP"), 80);
        // A line break inside a group (a wrapped terminal line).
        assert_eq!(bits("JBSW Y3DP EH\nPK 3PXP"), 80);
        // The last group may be short; blank lines do not count.
        assert_eq!(bits("\nMZXW 6YTB\n\nOI\n"), 48);
        // One line is never checked.
        assert_eq!(bits("JBSWY3DPEHPK3PXP"), 80);
    }

    #[test]
    fn one_link_over_lines_is_read_two_links_are_not() {
        let wrapped = "otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP\n&issuer=ACME";
        match parse_input(wrapped) {
            SeedInput::Totp(s) => {
                assert_eq!(s.secret_bits(), 80);
                assert_eq!(s.issuer(), Some("ACME"));
            }
            other => panic!("{}", other.kind()),
        }
        let label = "otpauth://totp/ACME:al\nice?secret=JBSWY3DPEHPK3PXP";
        match parse_input(label) {
            SeedInput::Totp(s) => assert_eq!(s.account(), Some("alice")),
            other => panic!("{}", other.kind()),
        }
        let two = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\notpauth://totp/B:b?secret=GEZDGNBVGY3TQOJQ";
        assert_eq!(lines_refused(two), Some(2));
        let note = "otpauth://totp/A:a?secret=JBSWY3DPEHPK3PXP\nthe work account";
        assert_eq!(lines_refused(note), Some(2));
    }

    #[test]
    fn a_line_break_inside_a_link_secret_is_refused() {
        let split = "otpauth://totp/A:a?secret=JBSWY3DP\nEHPK3PXP&issuer=A";
        assert_eq!(lines_refused(split), Some(2));
        let seed_after = "otpauth://totp/A:a?issuer=A&secret=JBSWY3DPEHPK3PXP\nGEZDGNBVGY3TQOJQ";
        assert_eq!(lines_refused(seed_after), Some(2));
    }
}
