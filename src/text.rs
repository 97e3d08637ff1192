//! Small text helpers shared by every parser. Pure.

/// Collapses every run of whitespace (including arXiv's hard line breaks) into one space
/// and trims both ends. LaTeX and everything else is kept as written.
pub fn normalize_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Cuts a string to at most `max_chars` characters, for log lines and error messages that
/// quote user or feed input.
pub fn truncate_chars(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((end, _)) => &s[..end],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_collapses() {
        let check = |input: &str, expected: &str| assert_eq!(normalize_whitespace(input), expected);
        check("", "");
        check("  a  ", "a");
        check(
            "Local learning\n  trains each\tlayer",
            "Local learning trains each layer",
        );
        check("line one \nAbstract: two", "line one Abstract: two");
        check("$\\mathcal{O}(n^2)$\r\n bound", "$\\mathcal{O}(n^2)$ bound");
        check("non\u{a0}breaking", "non breaking");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("Schrödinger", 5), "Schrö");
        assert_eq!(truncate_chars("abc", 10), "abc");
    }
}
