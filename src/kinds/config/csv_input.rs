//! Reading CSV inputs (`phones.csv`, the phonebook) record by record, with every problem reported as
//! `file:line: reason`.
//!
//! Handled: a UTF-8 byte-order mark (stripped), quoted fields with commas and line breaks (the line
//! of an error is the line its record starts on), CRLF or LF line ends, blank rows. Refused: ragged
//! rows, text that is not UTF-8, an empty or duplicated column name, oversized input.
//!
//! Line numbers are counted here, not taken from the csv crate: its record positions count a CRLF
//! line end as two lines' worth of state and point at the blank lines before a record. The byte
//! offset it gives is right, so a second reader walks the file alongside and counts `\n`s up to it.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader};
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
    lines: LineCounter,
}

/// Turns byte offsets into line numbers by reading the file a second time, front to back.
struct LineCounter {
    reader: BufReader<File>,
    offset: u64,
    /// Line number at `offset` (1-based).
    line: u64,
}

impl LineCounter {
    /// The line of the first character at or after `byte` that is not a line end: where a record
    /// whose csv position is `byte` really starts. Offsets must not go backwards.
    fn record_line(&mut self, byte: u64) -> u64 {
        while self.offset < byte {
            let Ok(buf) = self.reader.fill_buf() else { break };
            if buf.is_empty() {
                break;
            }
            let take = buf.len().min((byte - self.offset) as usize);
            self.line += buf[..take].iter().filter(|b| **b == b'\n').count() as u64;
            self.offset += take as u64;
            self.reader.consume(take);
        }
        while let Ok([first @ (b'\n' | b'\r'), ..]) = self.reader.fill_buf() {
            if *first == b'\n' {
                self.line += 1;
            }
            self.offset += 1;
            self.reader.consume(1);
        }
        self.line
    }
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
        let lines = LineCounter {
            reader: BufReader::new(File::open(path).with_context(|| format!("{shown}: cannot open"))?),
            offset: 0,
            line: 1,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(BufReader::with_capacity(256 * 1024, file));
        let headers = reader.headers().map_err(|e| describe(&shown, &e, 1))?.clone();
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
        Ok(CsvFile { shown, columns, reader, record: csv::StringRecord::new(), lines })
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
            let more = match self.reader.read_record(&mut self.record) {
                Ok(more) => more,
                Err(e) => {
                    let line = error_position(&e).map_or(0, |byte| self.lines.record_line(byte));
                    return Err(describe(&self.shown, &e, line));
                }
            };
            if !more {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| self.lines.record_line(p.byte()));
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

/// The byte offset of the record a csv error is about, if it says.
fn error_position(e: &csv::Error) -> Option<u64> {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, .. } | csv::ErrorKind::Utf8 { pos, .. } => pos.as_ref().map(|p| p.byte()),
        _ => None,
    }
}

/// A csv error as one line: `file:line: reason` (`line` 0 when unknown).
fn describe(shown: &str, e: &csv::Error, line: u64) -> anyhow::Error {
    let at = if line == 0 { String::new() } else { format!(":{line}") };
    match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => anyhow::anyhow!(
            "{shown}{at}: this row has {len} fields but the header has {expected_len} (a missing or extra comma, or an unquoted comma in a value?)"
        ),
        csv::ErrorKind::Utf8 { err, .. } => {
            anyhow::anyhow!("{shown}{at}: field {} is not UTF-8 text; save the file as UTF-8", err.field() + 1)
        }
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
        let (_d, f) = open(b"\xEF\xBB\xBFmac,model,P47\n\n001fc110d3a9,UC924,\"a,b\"\n\n,,\n001fc110d3aa,UC924,\"two\nlines\"\n001fc110d3ab,UC924,x\n");
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
    fn crlf_and_blank_lines_count_right() {
        let (_d, f) = open(b"mac,model\r\n\r\n001fc110d3a9,UC924\r\n001fc110d3aa,\"a\r\nb\"\r\n\r\n\r\n001fc110d3ab,x\r\n001fc110d3ac\r\n");
        let mut f = f.unwrap();
        assert_eq!(f.next_row().unwrap().unwrap().line, 3);
        assert_eq!(f.next_row().unwrap().unwrap().line, 4);
        assert_eq!(f.next_row().unwrap().unwrap().line, 8);
        let e = f.next_row().err().unwrap().to_string();
        assert!(e.contains("phones.csv:9:"), "{e}");
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
