//! Character and entity references, read as the phones read them: the five XML entities and
//! numeric references are decoded; an HTML named entity (`&copy;`) is decoded with a warning; an
//! `&` that starts no reference is kept as it is, with a warning. Nothing is ever expanded from a
//! DTD (there is none: the readers refuse DTDs).

use crate::mechanisms::report::Severity;

/// A finding at a byte offset of the file.
pub(crate) type Found = (usize, Severity, String);

/// HTML named entities met in provisioning templates (FusionPBX's `&copy;`), with their characters.
const HTML: &[(&str, char)] = &[
    ("nbsp", '\u{A0}'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("deg", '°'),
    ("middot", '·'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("euro", '€'),
    ("pound", '£'),
    ("laquo", '«'),
    ("raquo", '»'),
];

/// Longest reference name looked at after an `&` before it counts as a bare `&`.
const MAX_NAME: usize = 32;

/// Text with its references decoded, and how many bytes at its start and end are whitespace written
/// literally (not as references): the value rule of the Htek reader trims exactly those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    pub value: String,
    pub lead: usize,
    pub trail: usize,
}

impl Decoded {
    /// The value without the whitespace written literally around it.
    pub fn trimmed(&self) -> &str {
        let end = self.value.len().saturating_sub(self.trail).max(self.lead.min(self.value.len()));
        &self.value[self.lead.min(end)..end]
    }
}

/// Decodes `raw` (text or an attribute value that starts at byte `base` of the file).
pub(crate) fn decode(raw: &str, base: usize, found: &mut Vec<Found>) -> Decoded {
    let lead = raw.len() - raw.trim_start_matches(is_space).len();
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let at = base + (raw.len() - rest.len()) + i;
        let after = &rest[i + 1..];
        let (decoded, used) = reference(after, at, found);
        out.push_str(&decoded);
        rest = &after[used..];
    }
    out.push_str(rest);
    // Whitespace after the last reference is literal; before the first one too.
    let trail = rest.len() - rest.trim_end_matches(is_space).len();
    Decoded { value: out, lead, trail }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// One reference after an `&` at byte `at`: its text and how many bytes after the `&` it used.
fn reference(after: &str, at: usize, found: &mut Vec<Found>) -> (String, usize) {
    let end = after.char_indices().take(MAX_NAME + 1).find(|(_, c)| *c == ';').map(|(i, _)| i);
    let bare = |found: &mut Vec<Found>| {
        let msg = "'&' that starts no XML reference, read as a literal '&': phones accept it; an XML parser does not (write &amp;)";
        found.push((at, Severity::Warning, msg.to_string()));
        ("&".to_string(), 0)
    };
    let Some(end) = end else { return bare(found) };
    let name = &after[..end];
    let xml = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => numeric(name),
    };
    if let Some(c) = xml {
        return (c.to_string(), end + 1);
    }
    if let Some((_, c)) = HTML.iter().find(|(n, _)| *n == name) {
        let msg = format!(
            "&{name}; is an HTML entity, not XML: read as '{c}' (phones accept it; an XML parser does not; write &#{};)",
            *c as u32
        );
        found.push((at, Severity::Warning, msg));
        return (c.to_string(), end + 1);
    }
    if name.starts_with('#') {
        let msg = format!("&{name}; is not a character XML allows: read literally");
        found.push((at, Severity::Warning, msg));
        return ("&".to_string(), 0);
    }
    bare(found)
}

/// `#65` or `#x41` as the character it stands for, if XML 1.0 allows that character.
fn numeric(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let n = match digits.strip_prefix('x') {
        Some(hex) if !hex.is_empty() && hex.len() <= 6 => u32::from_str_radix(hex, 16).ok()?,
        None if !digits.is_empty() && digits.len() <= 7 => digits.parse().ok()?,
        _ => return None,
    };
    let c = char::from_u32(n)?;
    let allowed = matches!(c, '\t' | '\n' | '\r') || (!c.is_control() && !matches!(c, '\u{FFFE}' | '\u{FFFF}'));
    allowed.then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(raw: &str) -> (Decoded, Vec<Found>) {
        let mut found = Vec::new();
        (decode(raw, 10, &mut found), found)
    }

    #[test]
    fn references_as_the_phone_reads_them() {
        let (d, f) = run("a &amp; b &#65;&#x42; &lt;");
        assert_eq!(d.value, "a & b AB <");
        assert!(f.is_empty());
        let (d, f) = run("x?file=p.xml&contacts=users");
        assert_eq!(d.value, "x?file=p.xml&contacts=users");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, 22);
        assert!(f[0].2.contains("phones accept it; an XML parser does not"));
        let (d, f) = run("Copyright &copy; 2024 &nbsp;");
        assert_eq!(d.value, "Copyright © 2024 \u{A0}");
        assert_eq!(f.len(), 2);
        let (d, f) = run("Date&Time &#0; &bogus;");
        assert_eq!(d.value, "Date&Time &#0; &bogus;");
        assert_eq!(f.len(), 3);
    }

    #[test]
    fn literal_whitespace_is_counted_escaped_is_not() {
        assert_eq!(run("\n  host\n").0, Decoded { value: "\n  host\n".into(), lead: 3, trail: 1 });
        assert_eq!(run("&#10;host&#13;").0, Decoded { value: "\nhost\r".into(), lead: 0, trail: 0 });
        assert_eq!(run(" a &amp; ").0, Decoded { value: " a & ".into(), lead: 1, trail: 1 });
        assert_eq!(run("   ").0, Decoded { value: "   ".into(), lead: 3, trail: 3 });
    }
}
