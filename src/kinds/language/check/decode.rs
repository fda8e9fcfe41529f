//! Decoding a file's bytes into text (recording the encoding found), and the encoding its XML
//! declaration names (rewritten to UTF-8 in a converted copy).

use super::super::encoding;
use super::super::names::Format;
use super::super::position::LineIndex;
use super::{CheckOptions, FileCheck};
use crate::mechanisms::report::{Diagnostic, Severity};
use std::borrow::Cow;

/// Decodes `bytes` into text (recording the encoding and its findings) and, for XML, checks the
/// declared encoding. Returns the text and whether it differs from `bytes`; `None` (with the
/// error recorded) when the bytes cannot be decoded.
pub(super) fn decode_text<'a>(
    check: &mut FileCheck,
    bytes: &'a [u8],
    format: Format,
    opts: &CheckOptions,
) -> Option<(Cow<'a, str>, bool)> {
    let decoded = match encoding::decode(&check.file, bytes, opts.convert_from) {
        Ok(d) => d,
        Err(d) => {
            check.diagnostics.push(d);
            return None;
        }
    };
    check.encoding = Some(decoded.encoding.clone());
    check.diagnostics.extend(decoded.diagnostics);
    let mut text = decoded.text;
    let mut changed = decoded.changed;
    if format == Format::Xml {
        if let Some(rewritten) = xml_declaration(check, &text, changed) {
            text = Cow::Owned(rewritten);
            changed = true;
        }
    }
    Some((text, changed))
}

/// Checks the encoding an XML declaration names. For a converted file the declaration is rewritten
/// to UTF-8 (returned); otherwise a declaration other than UTF-8 is an error when the text has
/// non-ASCII characters (the phone would misread them), a warning when it has none.
pub(super) fn xml_declaration(check: &mut FileCheck, text: &str, converted: bool) -> Option<String> {
    let (declared, range) = encoding::declared_encoding(text)?;
    if encoding::is_utf8_label(declared) {
        return None;
    }
    let (line, column) = LineIndex::new(text).at(range.start);
    if converted {
        check.diagnostics.push(
            Diagnostic::note(
                &check.file,
                format!("encoding=\"{declared}\" in the XML declaration changed to UTF-8 in the packed copy"),
            )
            .at(line, column),
        );
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..range.start]);
        out.push_str("UTF-8");
        out.push_str(&text[range.end..]);
        return Some(out);
    }
    let severity = if text.is_ascii() { Severity::Warning } else { Severity::Error };
    check.diagnostics.push(
        Diagnostic::new(
            &check.file,
            severity,
            format!(
                "the XML declaration says encoding=\"{declared}\" but the phone reads UTF-8: change it to encoding=\"UTF-8\""
            ),
        )
        .at(line, column),
    );
    None
}
