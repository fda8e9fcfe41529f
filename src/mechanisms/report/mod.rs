//! Findings and how they are shown: compiler-style lines for people, JSON for scripts.
//!
//! Every checker (ring files, images, tars, language files, configs) reports `Diagnostic`s, so the
//! output format and the exit-code rule ("1 when any error") live here once. [`snippet`] draws a
//! finding's source line with a caret under it.

pub mod snippet;

use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// How serious a finding is. Any `Error` makes the command exit with status 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about a file, optionally at a line and column (1-based).
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: impl Into<String>, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic { file: file.into(), line: None, column: None, severity, message: message.into() }
    }

    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(file, Severity::Error, message)
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(file, Severity::Warning, message)
    }

    pub fn note(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(file, Severity::Note, message)
    }

    /// The same finding at `line:column`.
    pub fn at(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: severity: message`, leaving out the parts that are unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}: {}", self.severity, self.message)
    }
}

/// Whether any finding is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

pub use crate::rules::toml::line_col;

/// Text output shows at most this many findings of one file …
pub const PER_FILE_SHOWN: usize = 50;
/// … and this many in all; `--json` always has every one.
pub const TOTAL_SHOWN: usize = 1000;

/// Decides which findings text output shows, so a tree or folder with many broken files prints a
/// readable amount; what it holds back is counted for [`Limiter::summary`].
pub struct Limiter {
    per_file: HashMap<String, usize>,
    per_file_max: usize,
    total_max: usize,
    shown: usize,
    held_back: usize,
}

impl Default for Limiter {
    fn default() -> Limiter {
        Limiter::new(PER_FILE_SHOWN, TOTAL_SHOWN)
    }
}

impl Limiter {
    pub fn new(per_file_max: usize, total_max: usize) -> Limiter {
        Limiter { per_file: HashMap::new(), per_file_max, total_max, shown: 0, held_back: 0 }
    }

    /// Whether to show `d`; counts it as held back when not.
    pub fn admit(&mut self, d: &Diagnostic) -> bool {
        let of_file = self.per_file.entry(d.file.clone()).or_insert(0);
        if *of_file >= self.per_file_max || self.shown >= self.total_max {
            self.held_back += 1;
            return false;
        }
        *of_file += 1;
        self.shown += 1;
        true
    }

    /// `… and N more (use --json for all)` when anything was held back.
    pub fn summary(&self) -> Option<String> {
        (self.held_back > 0).then(|| {
            format!(
                "… and {} more (text output shows {} per file and {} in all; use --json for all)",
                self.held_back, self.per_file_max, self.total_max
            )
        })
    }
}

/// Writes findings one a line, past the [`Limiter`]'s limits summarised in one closing line.
pub fn write_limited<'a>(
    out: &mut impl std::io::Write,
    findings: impl IntoIterator<Item = &'a Diagnostic>,
) -> std::io::Result<()> {
    let mut limiter = Limiter::default();
    let mut printer = snippet::Printer::stdout();
    for d in findings {
        if limiter.admit(d) {
            writeln!(out, "{}", printer.show(d))?;
        }
    }
    if let Some(s) = limiter.summary() {
        writeln!(out, "{s}")?;
    }
    Ok(())
}

/// Prints a value as pretty JSON on standard output.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiler_style_lines() {
        let d = Diagnostic::error("a.xml", "missing item 'x'").at(3, 7);
        assert_eq!(d.to_string(), "a.xml:3:7: error: missing item 'x'");
        assert_eq!(Diagnostic::warning("b", "w").to_string(), "b: warning: w");
        assert!(has_errors(&[d]));
        assert_eq!(line_col("ab\ncdé\nx", 7), (2, 4));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn limiter_holds_back_past_each_limit_and_counts_it() {
        let mut l = Limiter::new(2, 3);
        let a = Diagnostic::error("a", "x");
        let b = Diagnostic::error("b", "x");
        let shown: Vec<bool> = [&a, &a, &a, &b, &b, &b].iter().map(|d| l.admit(d)).collect();
        assert_eq!(shown, [true, true, false, true, false, false]);
        assert!(l.summary().unwrap().starts_with("… and 3 more"));
        assert!(Limiter::default().summary().is_none());
    }
}
