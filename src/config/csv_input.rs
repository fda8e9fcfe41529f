//! Reading CSV inputs (`phones.csv`, the phonebook) record by record, with every problem reported as
//! `file:line: reason`.
//!
//! Handled: a UTF-8 byte-order mark (stripped), quoted fields with commas and line breaks (the line
//! of an error is the line its record starts on), `#` comment lines, blank rows. Refused: ragged rows,
//! text that is not UTF-8, an empty or duplicated column name, oversized input.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

/// Inputs larger than this are refused (100,000 phones with a dozen settings is ~20 MB).
pub const MAX_CSV_BYTES: u64 = 1 << 30;
/// A field longer than this is refused (a certificate fits; a runaway quote does not).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// An open CSV file whose header row has been read.
pub struct CsvFile {
    /// How messages name the file.
    pub shown: String,
    /// Column names, trimmed.
    pub columns: Vec<String>,
    reader: csv::Reader<BufReader<File>>,
    record: csv::StringRecord,
}

/// One data row: the line it starts on and its fields.
pub struct Row<'a> {
    pub line: u64,
    pub fields: &'a csv::StringRecord,
}

impl CsvFile {
    /// Opens `path` and reads its header row.
    pub fn open(path: &Path) -> Result<CsvFile> {
        let shown = path.display().to_string();
        let file = File::open(path).with_context(|| format!("{shown}: cannot open"))?;
        let len = file.metadata().with_context(|| format!("{shown}: cannot read"))?.len();
        if len > MAX_CSV_BYTES {
            bail!("{shown}: {len} bytes is larger than the {MAX_CSV_BYTES} bytes allowed");
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .comment(Some(b'#'))
            .from_reader(BufReader::with_capacity(256 * 1024, file));
        let headers = reader.headers().map_err(|e| describe(&shown, &e))?.clone();
        if headers.is_empty() || headers.iter().all(|h| h.trim().is_empty()) {
            bail!("{shown}: no header row (the first line must name the columns, e.g. mac,model,account1.sip_server)");
        }
        let columns: Vec<String> = headers.iter().map(|h| h.trim().to_string()).collect();
        for (i, c) in columns.iter().enumerate() {
            if c.is_empty() {
                bail!("{shown}:1: column {} has no name", i + 1);
            }
            if let Some(j) = columns[..i].iter().position(|o| o.eq_ignore_ascii_case(c)) {
                bail!("{shown}:1: column '{c}' appears twice (columns {} and {})", j + 1, i + 1);
            }
        }
        Ok(CsvFile { shown, columns, reader, record: csv::StringRecord::new() })
    }

    /// The index of a required column (case-insensitive), or an error naming the columns there are.
    pub fn require_column(&self, name: &str) -> Result<usize> {
        if let Some(i) = self.column(name) {
            return Ok(i);
        }
        let hint = if self.columns.len() == 1 && self.columns[0].contains(';') {
            " (the header is one column with ';' in it: save the file with commas as separators)"
        } else {
            ""
        };
        bail!("{}:1: no '{name}' column; the header has: {}{hint}", self.shown, self.columns.join(", "))
    }

    /// The index of a column (case-insensitive), if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }

    /// The next data row, skipping rows whose fields are all empty; `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>> {
        loop {
            let more = self.reader.read_record(&mut self.record).map_err(|e| describe(&self.shown, &e))?;
            if !more {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line());
            if let Some((i, f)) = self.record.iter().enumerate().find(|(_, f)| f.len() > MAX_FIELD_BYTES) {
                bail!(
                    "{}:{line}: column '{}' holds {} bytes, more than the {MAX_FIELD_BYTES} allowed (an unclosed quote?)",
                    self.shown,
                    self.columns.get(i).map_or("?", String::as_str),
                    f.len()
                );
            }
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Ok(Some(Row { line, fields: &self.record }));
        }
    }
}

/// A csv error as one line: `file:line: reason`.
fn describe(shown: &str, e: &csv::Error) -> anyhow::Error {
    let line = |pos: Option<&csv::Position>| pos.map_or(String::new(), |p| format!(":{}", p.line()));
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => anyhow::anyhow!(
            "{shown}{}: this row has {len} fields but the header has {expected_len} (a missing or extra comma, or an unquoted comma in a value?)",
            line(pos.as_ref())
        ),
        csv::ErrorKind::Utf8 { pos, err } => anyhow::anyhow!(
            "{shown}{}: field {} is not UTF-8 text; save the file as UTF-8",
            line(pos.as_ref()),
            err.field() + 1
        ),
        csv::ErrorKind::Io(io) => anyhow::anyhow!("{shown}: cannot read: {io}"),
        _ => anyhow::anyhow!("{shown}: {}", e.to_string().replace('\n', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(text: &[u8]) -> (tempfile::TempDir, Result<CsvFile>) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("phones.csv");
        std::fs::write(&p, text).unwrap();
        let f = CsvFile::open(&p);
        (dir, f)
    }

    #[test]
    fn bom_quotes_and_line_numbers() {
        let (_d, f) = open(b"\xEF\xBB\xBFmac,model,P47\n# a comment\n001fc110d3a9,UC924,\"a,b\"\n\n,,\n001fc110d3aa,UC924,\"two\nlines\"\n001fc110d3ab,UC924,x\n");
        let mut f = f.unwrap();
        assert_eq!(f.require_column("MAC").unwrap(), 0);
        let r = f.next_row().unwrap().unwrap();
        assert_eq!((r.line, &r.fields[2]), (3, "a,b"));
        let r = f.next_row().unwrap().unwrap();
        assert_eq!((r.line, &r.fields[2]), (6, "two\nlines"));
        let r = f.next_row().unwrap().unwrap();
        assert_eq!(r.line, 8);
        assert!(f.next_row().unwrap().is_none());
    }

    #[test]
    fn ragged_rows_and_bad_headers() {
        let (_d, f) = open(b"mac,model\n001fc110d3a9,UC924\n001fc110d3aa\n");
        let mut f = f.unwrap();
        f.next_row().unwrap();
        let e = f.next_row().err().unwrap().to_string();
        assert!(e.contains("phones.csv:3:") && e.contains("1 fields but the header has 2"), "{e}");

        let (_d, f) = open(b"mac;model\n");
        let e = f.unwrap().require_column("mac").unwrap_err().to_string();
        assert!(e.contains("no 'mac' column") && e.contains("';'"), "{e}");
        let (_d, f) = open(b"mac,,model\n");
        assert!(f.err().unwrap().to_string().contains("column 2 has no name"));
        let (_d, f) = open(b"mac,MAC\n");
        assert!(f.err().unwrap().to_string().contains("appears twice"));
        let (_d, f) = open(b"mac,model\n001fc110d3a9,UC9\xff\n");
        let e = f.unwrap().next_row().err().unwrap().to_string();
        assert!(e.contains(":2:") && e.contains("UTF-8"), "{e}");
    }
}
