//! Findings for people: the `file:line:col: severity: message` line (coloured on a terminal unless
//! `NO_COLOR` is set), followed, when the file can be read, by its source line with a caret under
//! the column (drawn by `annotate-snippets`).

use super::{Diagnostic, Severity};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::io::IsTerminal;

/// Source files larger than this are not quoted.
const MAX_SOURCE_BYTES: u64 = 16 * 1024 * 1024;

/// Whether output on standard output should be coloured: a terminal, and `NO_COLOR` unset or empty
/// (<https://no-color.org>).
pub fn stdout_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether standard error should be coloured (the same rule as [`stdout_colour`]).
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Shows findings, reading each quoted file once.
pub struct Printer {
    colour: bool,
    /// The last file read and its lines (none when it could not be read as text).
    source: Option<(String, Option<Vec<String>>)>,
}

impl Printer {
    pub fn new(colour: bool) -> Printer {
        Printer { colour, source: None }
    }

    /// A printer for standard output.
    pub fn stdout() -> Printer {
        Printer::new(stdout_colour())
    }

    /// The finding's line, then its source line and caret when the file and line are known.
    pub fn show(&mut self, d: &Diagnostic) -> String {
        let mut text = self.headline(d);
        if let (Some(line), Some(source)) = (d.line, self.line_of(&d.file, d.line)) {
            text.push('\n');
            text.push_str(&self.snippet(d, line, &source));
        }
        text
    }

    fn headline(&self, d: &Diagnostic) -> String {
        let plain = d.to_string();
        if !self.colour {
            return plain;
        }
        let colour = match d.severity {
            Severity::Error => "\x1b[1;31m",
            Severity::Warning => "\x1b[1;33m",
            Severity::Note => "\x1b[1;36m",
        };
        let word = format!(": {}: ", d.severity);
        plain.replacen(&word, &format!(": {colour}{}\x1b[0m: ", d.severity), 1)
    }

    /// The text of line `line` (1-based) of `file`, when the file is readable text.
    fn line_of(&mut self, file: &str, line: Option<usize>) -> Option<String> {
        if self.source.as_ref().is_none_or(|(f, _)| f != file) {
            let lines = crate::mechanisms::input::read_limited(std::path::Path::new(file), MAX_SOURCE_BYTES)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .map(|t| t.lines().map(str::to_string).collect());
            self.source = Some((file.to_string(), lines));
        }
        let lines = self.source.as_ref()?.1.as_ref()?;
        lines.get(line?.checked_sub(1)?).cloned()
    }

    /// The source line with a caret under the column, without a header (the headline is ours).
    fn snippet(&self, d: &Diagnostic, line: usize, source: &str) -> String {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        // The column counts characters; the span is in bytes.
        let col = d.column.unwrap_or(1).max(1) - 1;
        let start = source.char_indices().nth(col).map_or(source.len(), |(i, _)| i);
        let end = source[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        let report = &[Group::with_level(level)
            .element(Snippet::source(source).line_start(line).annotation(AnnotationKind::Primary.span(start..end)))];
        let renderer = if self.colour { Renderer::styled() } else { Renderer::plain() };
        renderer.render(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_line_with_a_caret_under_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.cfg");
        std::fs::write(&file, "first\nkey = välue\n").unwrap();
        let d = Diagnostic::error(file.display().to_string(), "bad").at(2, 8);
        let text = Printer::new(false).show(&d);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("{}:2:8: error: bad", file.display()));
        let quoted = lines.iter().position(|l| l.ends_with("key = välue")).expect("source line");
        assert!(lines[quoted].trim_start().starts_with('2'), "{text}");
        let caret = lines[quoted + 1];
        let bar = lines[quoted].find('|').unwrap();
        assert_eq!(caret.find('^').unwrap() - bar, "| key = v".len(), "{text}");
        assert!(!text.contains('\x1b'), "no colour when asked for none");
        assert!(Printer::new(true).show(&d).contains("\x1b[1;31merror"), "coloured when asked");
    }

    #[test]
    fn a_finding_without_a_readable_file_is_one_line() {
        let d = Diagnostic::warning("not/there.xml", "odd").at(3, 1);
        assert_eq!(Printer::new(false).show(&d), "not/there.xml:3:1: warning: odd");
    }
}
