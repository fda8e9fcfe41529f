//! Byte offsets to `line:column` (1-based, columns counted in characters, as editors show them).
//!
//! Built once per file so that reporting many items stays linear in the file size.

/// Start offsets of every line of a text, found on the first lookup (a clean file needs none).
pub struct LineIndex<'a> {
    text: &'a str,
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> LineIndex<'a> {
    /// An index of the line starts of `text` (lines end at `\n`; a `\r` before it is part of the
    /// line).
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex { text, starts: std::cell::OnceCell::new() }
    }

    /// The 1-based line and column of byte `offset` (clamped to the text).
    pub fn at(&self, offset: usize) -> (usize, usize) {
        let starts = self.starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr_newlines(self.text.as_bytes()).map(|i| i + 1));
            starts
        });
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        (line, column)
    }
}

/// The 1-based line and column of `offset` in `bytes` that may not be valid text (the valid prefix
/// is counted in characters, anything else in bytes).
pub fn line_col_of_bytes(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = memchr_newlines(before).count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let in_line = &before[line_start..];
    let column = match std::str::from_utf8(in_line) {
        Ok(s) => s.chars().count(),
        Err(_) => in_line.len(),
    } + 1;
    (line, column)
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_character_columns() {
        let t = "ab\r\nçd\nx";
        let idx = LineIndex::new(t);
        assert_eq!(idx.at(0), (1, 1));
        assert_eq!(idx.at(4), (2, 1));
        assert_eq!(idx.at(6), (2, 2)); // after the two-byte 'ç'
        assert_eq!(idx.at(t.len() - 1), (3, 1));
        assert_eq!(line_col_of_bytes(t.as_bytes(), 6), (2, 2));
    }
}
