//! Putting text into XML: escaping, and refusing characters XML 1.0 cannot carry.

use std::borrow::Cow;

/// Why a value cannot go into XML at all (a control character XML 1.0 does not allow), if so.
pub fn unrepresentable(value: &str) -> Option<String> {
    value
        .chars()
        .find(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .map(|c| format!("holds the control character U+{:04X}, which XML cannot carry", c as u32))
}

/// Escapes text for XML element content, or (`attribute`) for a double-quoted attribute. Carriage
/// returns (and in attributes tabs and line feeds) become character references so parsers keep them.
pub fn escape(text: &str, attribute: bool) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '\r') || (attribute && matches!(c, '"' | '\t' | '\n'));
    if !text.chars().any(needs) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_refuses() {
        assert_eq!(escape("a<b>&\"c\"", false), "a&lt;b&gt;&amp;\"c\"");
        assert_eq!(escape("a\"b\n", true), "a&quot;b&#10;");
        assert!(matches!(escape("plain", true), Cow::Borrowed(_)));
        assert!(unrepresentable("a\u{1}b").unwrap().contains("U+0001"));
        assert!(unrepresentable("tab\tand\nline").is_none());
    }
}
