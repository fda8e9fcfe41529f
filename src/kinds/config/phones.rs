//! The per-phone pipeline shared by `config htek` and `config flyingvoice`: read `phones.csv` row by
//! row, normalise and de-duplicate MACs, let the vendor check each row in order, and render and write
//! the rows' files on every core, a batch at a time, into a staging folder.
//!
//! Memory stays flat however many phones there are: only one batch of checked rows and the set of
//! MACs seen are held; rendered files go straight to disk. Every problem in the file is collected (up
//! to [`MAX_ERRORS`]) and, if there is any, nothing is written.

use super::csv_input::CsvFile;
use super::mac::Mac;
use crate::mechanisms::report::Diagnostic;
use anyhow::{anyhow, Result};
use rayon::prelude::*;
use std::collections::HashMap;

/// Rows checked before their files are rendered in parallel.
const BATCH: usize = 2048;
/// The listing stops after this many errors.
pub const MAX_ERRORS: usize = 100;
/// More phones than this in one file are refused (the MAC set would stop being small).
pub const MAX_PHONES: usize = 2_000_000;

/// One data row of `phones.csv` as the vendor's check sees it.
pub struct PhoneRow<'a> {
    pub line: u64,
    pub mac: Mac,
    pub fields: &'a csv::StringRecord,
}

/// The files of one phone: (file name, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// Runs the pipeline; returns how many phones were written into `sink`.
///
/// `check` sees every row in file order and returns what `render` needs, or a one-line reason the
/// row is wrong. `render` runs in parallel.
pub fn generate<P: Send + Sync>(
    csv: &mut CsvFile,
    mac_column: usize,
    sink: &super::Sink,
    mut check: impl FnMut(&PhoneRow) -> Result<P, String>,
    render: impl Fn(&P) -> Result<Files> + Sync,
) -> Result<usize> {
    let shown = csv.shown.clone();
    let mut seen: HashMap<Mac, u64> = HashMap::new();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut batch = Batch {
        rows: Vec::with_capacity(BATCH),
        sink,
        render: &render,
        bar: crate::mechanisms::progress::bar(0, "phones"),
    };
    let mut phones = 0usize;
    while let Some(row) = csv.next_row()? {
        let line = row.line;
        match check_row(&row, mac_column, &mut seen, &mut check) {
            Err(msg) => {
                errors.push(Diagnostic::error(shown.clone(), msg).at(line as usize, 1));
                if errors.len() >= MAX_ERRORS {
                    break;
                }
            }
            Ok(p) if errors.is_empty() => {
                batch.rows.push(p);
                phones += 1;
                if batch.rows.len() == BATCH {
                    batch.write()?;
                }
            }
            Ok(_) => {} // Once anything is wrong, rows are only checked, not rendered.
        }
        if seen.len() > MAX_PHONES {
            return Err(anyhow!("{shown}:{line}: more than {MAX_PHONES} phones in one file; split it"));
        }
    }
    if !errors.is_empty() {
        return Err(refuse(&errors));
    }
    batch.write()?;
    batch.bar.finish_and_clear();
    Ok(phones)
}

/// One row's MAC read and de-duplicated (`seen`: MAC → first line), then the vendor's `check`.
fn check_row<P>(
    row: &super::csv_input::Row,
    mac_column: usize,
    seen: &mut HashMap<Mac, u64>,
    check: &mut impl FnMut(&PhoneRow) -> Result<P, String>,
) -> Result<P, String> {
    let mac = Mac::parse(row.fields.get(mac_column).unwrap_or_default())?;
    if let Some(first) = seen.get(&mac) {
        return Err(format!("MAC {mac} appears twice (first on line {first})"));
    }
    seen.insert(mac, row.line);
    check(&PhoneRow { line: row.line, mac, fields: row.fields })
}

/// Checked rows waiting to be rendered, and where their files go.
struct Batch<'a, P, R> {
    rows: Vec<P>,
    sink: &'a super::Sink,
    render: &'a R,
    bar: indicatif::ProgressBar,
}

impl<P: Send + Sync, R: Fn(&P) -> Result<Files> + Sync> Batch<'_, P, R> {
    /// Renders the rows on every core, writes their files and empties the batch.
    fn write(&mut self) -> Result<()> {
        self.rows.par_iter().try_for_each(|p| -> Result<()> {
            for (name, bytes) in (self.render)(p)? {
                self.sink.write(&name, &bytes)?;
            }
            Ok(())
        })?;
        self.bar.inc(self.rows.len() as u64);
        self.rows.clear();
        Ok(())
    }
}

/// The error for rows that refuse a whole input: the first problem in the error line; every one
/// kept for the command to list (a core prints nothing).
pub fn refuse(errors: &[Diagnostic]) -> anyhow::Error {
    anyhow::Error::new(Refused { errors: errors.to_vec() })
}

/// Problems that refused a whole input (`phones.csv`, a common cfg, a phonebook), in input order.
#[derive(Debug)]
pub struct Refused {
    pub errors: Vec<Diagnostic>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(first) = self.errors.first() else { return f.write_str("refused") };
        write!(f, "{}", first.file)?;
        if let Some(line) = first.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", first.message)?;
        match self.errors.len() {
            1 => Ok(()),
            n if n >= MAX_ERRORS => write!(f, " (and more: stopped after {n} problems)"),
            n => write!(f, " (and {} more problems)", n - 1),
        }
    }
}

impl std::error::Error for Refused {}
