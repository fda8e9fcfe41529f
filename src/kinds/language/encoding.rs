//! Turning a language file's bytes into the UTF-8 text the phone needs (guide §20: "Coding format
//! is UTF-8"), or saying precisely why they are not: where the first bad byte is and which encoding
//! the file most likely uses (UTF-16 from a byte-order mark or its NUL pattern, others detected by
//! `chardetng`). A UTF-8 byte-order mark is removed from the packed copy; `--convert-from ENC`
//! transcodes files that are not UTF-8 into the packed copy, never touching the user's file.

use crate::mechanisms::report::Diagnostic;
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE};
use std::borrow::Cow;
use std::ops::Range;

use super::position::line_col_of_bytes;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// How much of a file is sampled for the UTF-16 and binary heuristics.
const SAMPLE_BYTES: usize = 4096;

/// A file's content as UTF-8 text, and how it got there.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text that is checked and, as UTF-8 bytes, packed.
    pub text: Cow<'a, str>,
    /// Whether the packed bytes differ from the file's bytes (byte-order mark removed, converted).
    pub changed: bool,
    /// `UTF-8`, `UTF-8 with byte-order mark`, `GBK (converted to UTF-8)`.
    pub encoding: String,
    /// Warnings and notes about the encoding.
    pub diagnostics: Vec<Diagnostic>,
}

/// Decodes `bytes` of file `shown`. `convert_from` is applied to files that are not valid UTF-8.
/// An `Err` is the one error that stops every further check of the file.
pub fn decode<'a>(
    shown: &str,
    bytes: &'a [u8],
    convert_from: Option<&'static Encoding>,
) -> Result<Decoded<'a>, Diagnostic> {
    if bytes.is_empty() {
        return Err(Diagnostic::error(shown, "empty file: a language file holds every item of its template"));
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        if let Ok(text) = std::str::from_utf8(rest) {
            let warning = Diagnostic::warning(
                shown,
                "starts with a UTF-8 byte-order mark; it is removed from the packed copy (your file is unchanged)",
            )
            .at(1, 1);
            return Ok(Decoded {
                text: Cow::Borrowed(text),
                changed: true,
                encoding: "UTF-8 with byte-order mark".into(),
                diagnostics: vec![warning],
            });
        }
    }
    let utf16 = utf16_of(bytes);
    if utf16.is_none() {
        if let Some(offset) = binary_offset(bytes) {
            return Err(Diagnostic::error(
                shown,
                format!("binary data (control byte 0x{:02X} at byte offset {offset}), not a text file", bytes[offset]),
            ));
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => {
                return Ok(Decoded {
                    text: Cow::Borrowed(text),
                    changed: false,
                    encoding: "UTF-8".into(),
                    diagnostics: Vec::new(),
                })
            }
            Err(_) if convert_from.is_some() => {}
            Err(e) => return Err(not_utf8(shown, bytes, e.valid_up_to(), None)),
        }
    }
    match convert_from {
        Some(enc) => convert(shown, bytes, enc),
        None => Err(not_utf8(shown, bytes, 0, utf16)),
    }
}

/// The error for a file that is not UTF-8: first bad byte, its place, and the likely encoding.
fn not_utf8(shown: &str, bytes: &[u8], offset: usize, utf16: Option<(&'static Encoding, &str)>) -> Diagnostic {
    let (likely, how) = match utf16 {
        Some((enc, how)) => (enc, how),
        None => (guess(bytes), "by detection"),
    };
    let name = likely.name();
    let (line, column) = line_col_of_bytes(bytes, offset);
    let what = match utf16 {
        Some(_) => "is UTF-16, not UTF-8".to_string(),
        None => format!("is not UTF-8: byte 0x{:02X} at byte offset {offset} is not valid UTF-8", bytes[offset]),
    };
    Diagnostic::error(
        shown,
        format!(
            "{what}; it looks like {name} ({how}): save it as UTF-8, or pack it with --convert-from {name} (the phone reads UTF-8 only, guide §20)"
        ),
    )
    .at(line, column)
}

/// UTF-16 recognised from a byte-order mark or from the NUL bytes of ASCII text.
fn utf16_of(bytes: &[u8]) -> Option<(&'static Encoding, &'static str)> {
    if bytes.starts_with(b"\xFF\xFE") {
        return Some((UTF_16LE, "byte-order mark FF FE"));
    }
    if bytes.starts_with(b"\xFE\xFF") {
        return Some((UTF_16BE, "byte-order mark FE FF"));
    }
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    if sample.len() < 4 {
        return None;
    }
    let zeros_at = |parity: usize| sample.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (zeros_at(0), zeros_at(1));
    let half = sample.len() / 2;
    if odd * 2 > half && even * 8 < odd {
        Some((UTF_16LE, "NUL after every ASCII byte"))
    } else if even * 2 > half && odd * 8 < even {
        Some((UTF_16BE, "NUL before every ASCII byte"))
    } else {
        None
    }
}

/// The offset of a byte no text file holds (NUL, or most C0 controls), if there is one early on.
fn binary_offset(bytes: &[u8]) -> Option<usize> {
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    sample.iter().position(|&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A | 0x1B)))
}

/// The encoding `chardetng` finds most likely for bytes that are not UTF-8.
fn guess(bytes: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(None, Utf8Detection::Deny)
}

/// Transcodes `bytes` from `enc` to UTF-8 (a byte-order mark of that encoding is dropped).
fn convert<'a>(shown: &str, bytes: &'a [u8], enc: &'static Encoding) -> Result<Decoded<'a>, Diagnostic> {
    let body = match Encoding::for_bom(bytes) {
        Some((bom_enc, len)) if bom_enc == enc => &bytes[len..],
        _ => bytes,
    };
    let mut decoder = enc.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(body.len()).unwrap_or(body.len() * 3 + 16);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(body, &mut text, true);
    if let DecoderResult::Malformed(bad, after) = result {
        let offset = (bytes.len() - body.len()) + read - bad as usize - after as usize;
        let (line, column) = line_col_of_bytes(bytes, offset);
        return Err(Diagnostic::error(
            shown,
            format!("cannot be read as {} either: invalid byte sequence at byte offset {offset}", enc.name()),
        )
        .at(line, column));
    }
    let note = Diagnostic::note(
        shown,
        format!("not UTF-8: converted from {} to UTF-8 for the pack (your file is unchanged)", enc.name()),
    );
    Ok(Decoded {
        text: Cow::Owned(text),
        changed: true,
        encoding: format!("{} (converted to UTF-8)", enc.name()),
        diagnostics: vec![note],
    })
}

/// The encoding name an `--convert-from` value stands for, or an error listing some known labels.
pub fn encoding_for_label(label: &str) -> anyhow::Result<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        anyhow::anyhow!(
            "--convert-from: unknown encoding '{label}' (examples: GBK, GB18030, Big5, Shift_JIS, EUC-KR, windows-1251, ISO-8859-2, UTF-16LE)"
        )
    })
}

/// The value of `encoding="…"` in an XML declaration at the start of `text`, with its byte range.
pub fn declared_encoding(text: &str) -> Option<(&str, Range<usize>)> {
    let decl_end = text.strip_prefix("<?xml")?.find("?>")? + 5;
    let decl = &text[..decl_end];
    let at = decl.find("encoding")? + "encoding".len();
    let rest = decl[at..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let start = decl_end - rest.len() + 1;
    let len = rest[1..].find(quote)?;
    Some((&text[start..start + len], start..start + len))
}

/// Whether an encoding label means UTF-8.
pub fn is_utf8_label(label: &str) -> bool {
    Encoding::for_label(label.trim().as_bytes()) == Some(encoding_rs::UTF_8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_passes_and_bom_is_removed() {
        let d = decode("a", "é".as_bytes(), None).unwrap();
        assert!(!d.changed);
        let d = decode("a", b"\xEF\xBB\xBFabc", None).unwrap();
        assert_eq!(d.text, "abc");
        assert!(d.changed);
        assert_eq!(d.diagnostics.len(), 1);
    }

    #[test]
    fn gbk_is_reported_with_position_and_converted_on_request() {
        let (gbk, _, _) =
            encoding_rs::GBK.encode("<a>\n  <b>简体中文的测试文本，这是一个较长的句子用于检测编码。</b>\n</a>");
        let e = decode("f.xml", &gbk, None).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(6)));
        assert!(e.message.contains("offset 9") && e.message.contains("GBK"), "{}", e.message);
        let d = decode("f.xml", &gbk, Some(encoding_rs::GBK)).unwrap();
        assert!(d.text.contains("简体中文"));
    }

    #[test]
    fn utf16_and_binary_are_named() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("<a>x</a>".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert!(decode("f", &le, None).unwrap_err().message.contains("UTF-16LE"));
        let be: Vec<u8> = "<a>xyz</a>".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(decode("f", &be, None).unwrap_err().message.contains("UTF-16BE"));
        assert_eq!(decode("f", &le, Some(UTF_16LE)).unwrap().text, "<a>x</a>");
        assert!(decode("f", b"\x7fELF\x02\x01\x01\x00", None).unwrap_err().message.contains("binary"));
        assert!(decode("f", b"", None).unwrap_err().message.contains("empty"));
    }

    #[test]
    fn finds_the_declared_encoding() {
        let t = "<?xml version=\"1.0\" encoding='GBK' ?><a/>";
        let (enc, range) = declared_encoding(t).unwrap();
        assert_eq!(enc, "GBK");
        assert_eq!(&t[range], "GBK");
        assert!(declared_encoding("<a encoding=\"x\"/>").is_none());
        assert!(is_utf8_label("utf8") && !is_utf8_label("GBK"));
    }
}
