//! Plain-language helpers shared by the front ends.

/// A phrase as a sentence: the first letter capitalised and a full stop at the
/// end unless it already ends with one (core messages are phrases: "the token
/// refused …").
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect::<String>(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn sentences_are_capitalised_and_closed() {
        assert_eq!(sentence("nothing was entered"), "Nothing was entered.");
        assert_eq!(sentence("Done."), "Done.");
        assert_eq!(sentence("  ça va? "), "Ça va?");
        assert_eq!(sentence(""), "");
    }
}
