//! Text a peer or a file sent, made safe to print: control characters (C0, DEL, C1: escape
//! sequences, CR, LF, backspace) and the backslash are written as escapes (`\r`, `\x1b`, `\\`), so
//! echoed text stays on its line, cannot drive a terminal or forge a log line, and shows what was
//! sent. The one such rule: `serve`'s log, `notify`, the digest and PnP errors all use it.

use std::borrow::Cow;

/// `text` with every control character and backslash escaped (borrowed when there is none).
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() || c == '\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{shown, Cow};

    #[test]
    fn control_characters_cannot_forge_a_line() {
        assert_eq!(shown("/a\x1b[2K\rsent 990 bytes"), "/a\\x1b[2K\\rsent 990 bytes");
        assert_eq!(shown("ok\nhttp 1.2.3.4 GET /x"), "ok\\nhttp 1.2.3.4 GET /x");
        assert_eq!(shown("\u{9b}31m \\x1b é\""), "\\x9b31m \\\\x1b é\"");
        assert!(matches!(shown("/UC924/hlpres.tar"), Cow::Borrowed(_)));
    }
}
