//! XML's one home: every XML file bundler reads or writes goes through here.
//!
//! - [`decode`]: bytes to text: a byte order mark, and the encoding the XML declaration names
//!   (`<?xml … encoding="ISO-8859-1"?>`), transcoded with a finding.
//! - [`recover`]: the reader for files bundler did not write (Htek configs): it reads as the
//!   phones do, where they are lenient (a bare `&`, HTML entities such as `&copy;`), and reports
//!   like a linter: every finding with its line and column, a syntax error costing the element it
//!   is in, not the file. Built on `xmlparser` tokens; DTDs are refused, no entity is expanded.
//! - [`strict`]: the reader for files that must be well-formed (language files): roxmltree, DTDs
//!   refused.
//! - [`write`]: the one writer: escaping and the element line of a setting. What bundler writes
//!   (`release`, `config htek`) is always well-formed.
//!
//! Readers decide tolerance; callers do not pick it.

pub mod decode;
pub mod recover;
mod refs;
pub mod strict;
pub mod write;

/// Byte offsets to 1-based `(line, column)`, columns counted in characters.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub(crate) fn at(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (line, column)
    }

    /// The byte offset of a 1-based line and character column (clamped to the text).
    pub(crate) fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else { return self.text.len() };
        let rest = &self.text[start..];
        rest.char_indices().nth(column.saturating_sub(1)).map_or(self.text.len(), |(i, _)| start + i)
    }
}

/// The offset of a `<!DOCTYPE` or `<!ENTITY` outside comments, if any: both readers refuse DTDs.
pub(crate) fn find_dtd(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("<!") {
        let at = from + i;
        let rest = &text[at + 2..];
        if let Some(comment) = rest.strip_prefix("--") {
            from = at + 4 + comment.find("-->").map_or(comment.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("DOCTYPE") || rest.starts_with("ENTITY") {
            return Some(at);
        }
        from = at + 2;
    }
    None
}
