//! XML bytes to text: a UTF-8 byte order mark is dropped, and the encoding the XML declaration
//! names is honoured (transcoded with `encoding_rs`, with a warning: how the phones themselves
//! handle a declared encoding is not verified). Without a declaration, the text must be UTF-8.

use crate::mechanisms::report::Severity;
use std::borrow::Cow;

/// Text decoded from a file's bytes, with what was noticed on the way.
#[derive(Debug)]
pub struct Text<'a> {
    pub text: Cow<'a, str>,
    /// `(severity, message)`, about the file as a whole (line 1).
    pub findings: Vec<(Severity, String)>,
}

/// Why the bytes are not text: the message and the 1-based line of the first bad byte.
#[derive(Debug, PartialEq, Eq)]
pub struct NotText {
    pub line: usize,
    pub message: String,
}

/// Decodes XML bytes: BOM, declared encoding, else UTF-8.
pub fn decode(bytes: &[u8]) -> Result<Text<'_>, NotText> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut findings = Vec::new();
    if let Some(label) = declared_encoding(bytes) {
        match encoding_rs::Encoding::for_label(label.as_bytes()) {
            Some(enc) if enc != encoding_rs::UTF_8 => {
                let (text, had_errors) = enc.decode_without_bom_handling(bytes);
                let msg = format!(
                    "the XML declaration names encoding=\"{label}\": read as {}{}; whether the phone honours the declaration is not verified (UTF-8 is the safe choice)",
                    enc.name(),
                    if had_errors { " (some bytes did not decode and were replaced)" } else { "" }
                );
                findings.push((Severity::Warning, msg));
                return Ok(Text { text, findings });
            }
            Some(_) => {}
            None => findings.push((
                Severity::Warning,
                format!("the XML declaration names encoding=\"{label}\", which is not a known encoding: read as UTF-8"),
            )),
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Text { text: Cow::Borrowed(text), findings }),
        Err(e) => {
            let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
            let message = format!(
                "not UTF-8 text: byte 0x{:02X} at byte offset {} (declare the encoding in <?xml … encoding=\"…\"?> or save as UTF-8)",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            );
            Err(NotText { line, message })
        }
    }
}

/// The `encoding="…"` of an XML declaration at the start of the bytes (ASCII-compatible encodings).
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.iter().take(200).position(|b| *b == b'>')?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encodings_and_boms() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<a>caf\xE9</a>";
        let t = decode(latin).unwrap();
        assert!(t.text.ends_with("<a>caf\u{e9}</a>"));
        assert!(t.findings[0].1.contains("not verified"), "{:?}", t.findings);
        let t = decode(b"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?><a/>").unwrap();
        assert!(t.text.starts_with("<?xml") && t.findings.is_empty());
        let e = decode(b"<a>\n\xE9</a>").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(decode(b"<?xml version=\"1.0\" encoding=\"klingon\"?><a/>").unwrap().findings[0].1.contains("klingon"));
    }
}
