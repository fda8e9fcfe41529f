//! Text a peer or a file sent, made safe to print: control characters (CR, LF, ESC, …) are shown
//! escaped (`\r`, `\u{1b}`), so echoed text cannot forge a line or drive a terminal.

use std::borrow::Cow;

/// `text` with every control character escaped as Rust's `escape_debug` writes it.
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars().map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() }).collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_controls_only() {
        assert_eq!(super::shown("a\r\nb\u{1b}[2Jé\""), "a\\r\\nb\\u{1b}[2Jé\"");
        assert!(matches!(super::shown("plain"), std::borrow::Cow::Borrowed(_)));
    }
}
