//! The one XML writer: escaping text, refusing characters XML 1.0 cannot carry, and the element
//! line of a setting. Everything it writes is well-formed, and reads back through `recover`
//! unchanged (whitespace at a value's ends is written as references, which the value rule keeps).

use std::borrow::Cow;

/// Why a value cannot go into XML at all (a control character XML 1.0 does not allow), if so.
pub fn unrepresentable(value: &str) -> Option<String> {
    value
        .chars()
        .find(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .map(|c| format!("holds the control character U+{:04X}, which XML cannot carry", c as u32))
}

/// Escapes text for XML element content, or (`attribute`) for a double-quoted attribute. Carriage
/// returns (and in attributes tabs and line feeds) become character references so parsers keep them;
/// in element content, whitespace at either end too, so readers that trim layout keep it.
pub fn escape(text: &str, attribute: bool) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '\r') || (attribute && matches!(c, '"' | '\t' | '\n'));
    let padded = !attribute && (text.starts_with(is_space) || text.ends_with(is_space));
    if !padded && !text.chars().any(needs) {
        return text.into();
    }
    let core_start = if attribute { 0 } else { text.len() - text.trim_start_matches(is_space).len() };
    let core_end = if attribute { text.len() } else { text.trim_end_matches(is_space).len().max(core_start) };
    let mut out = String::with_capacity(text.len() + 16);
    for (i, c) in text.char_indices() {
        let edge = i < core_start || i >= core_end;
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            c if (attribute && matches!(c, '\t' | '\n')) || (!attribute && edge && is_space(c)) => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
    out.into()
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// One element on its own line: `<name a="v">value</name>`, or `<name a="v" />` when the value is
/// empty; attribute values and the value escaped.
pub fn element(name: &str, attributes: &[(&str, &str)], value: &str) -> String {
    let mut s = String::with_capacity(name.len() * 2 + value.len() + 16);
    s.push('<');
    s.push_str(name);
    for (key, v) in attributes {
        s.push_str(&format!(" {key}=\"{}\"", escape(v, true)));
    }
    if value.is_empty() {
        s.push_str(" />\n");
    } else {
        s.push_str(&format!(">{}</{name}>\n", escape(value, false)));
    }
    s
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
        assert_eq!(escape(" a b\n", false), "&#32;a b&#10;");
        assert_eq!(escape("a\tb", true), "a&#9;b");
        assert_eq!(element("P47", &[("para", "A&B")], "x"), "<P47 para=\"A&amp;B\">x</P47>\n");
        assert_eq!(element("Foo_Bar", &[], ""), "<Foo_Bar />\n");
    }
}
