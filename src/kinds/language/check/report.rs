//! The findings: one [`FileCheck`] per file and the [`LanguageReport`] of the whole set, the
//! findings across files (two languages on one menu position, nothing to pack, completeness not
//! checked) and the recording of one file's findings in file order.

use super::super::compare::{self, Counts, Template};
use super::super::items::Items;
use super::super::names::{self, FileKind, Format};
use super::super::position::LineIndex;
use super::{CheckOptions, LanguageRules, Source};
use crate::mechanisms::report::{Diagnostic, Severity};
use serde::Serialize;

/// What was found about one file.
#[derive(Debug, Serialize)]
pub struct FileCheck {
    pub file: String,
    pub name: String,
    #[serde(flatten)]
    pub kind: FileKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Items found in the file (for a translation compared with a template: template items present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<usize>,
    /// The comparison with the template, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Counts>,
    /// Whether the file goes into the pack.
    pub packed: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// The bytes that go into the pack (as given, or without BOM, or converted), when kept.
    #[serde(skip)]
    pub pack_bytes: Option<Vec<u8>>,
    /// Whether the file is one that goes into a pack (a language file or template that was read).
    #[serde(skip)]
    pub(super) packable: bool,
}

impl FileCheck {
    pub(super) fn new(source: &Source, kind: FileKind) -> FileCheck {
        FileCheck {
            file: source.shown.clone(),
            name: source.name.clone(),
            kind,
            encoding: None,
            items: None,
            comparison: None,
            packed: false,
            errors: 0,
            warnings: 0,
            diagnostics: Vec::new(),
            pack_bytes: None,
            packable: false,
        }
    }

    pub(super) fn push(&mut self, severity: Severity, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(&self.file, severity, message));
    }

    /// One line: what the file is and what was found (`5000 items, 1 missing, 0 extra, …`).
    pub fn summary(&self) -> String {
        let mut s = format!("{}: {}", self.file, self.kind.describe());
        if let Some(enc) = &self.encoding {
            s.push_str(&format!(", {enc}"));
        }
        match (&self.comparison, self.items) {
            (Some(c), _) => s.push_str(&format!(
                ": {} of {} items, {} missing, {} extra, {} empty",
                c.translated,
                c.translated + c.missing,
                c.missing,
                c.extra,
                c.empty
            )),
            (None, Some(items)) => s.push_str(&format!(": {items} items")),
            (None, None) => {}
        }
        s.push_str(&format!(
            "; {} error{}, {} warning{}",
            self.errors,
            plural(self.errors),
            self.warnings,
            plural(self.warnings)
        ));
        if matches!(self.kind, FileKind::Leftover) && self.errors == 0 {
            s.push_str("; skipped");
        }
        s
    }

    pub(super) fn finish(&mut self) {
        self.errors = self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        self.warnings = self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
        if self.errors > 0 {
            self.pack_bytes = None;
        }
        self.packed = self.packable && self.errors == 0;
    }
}

/// Which template a kind of translation was compared with.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateUse {
    pub file: String,
    pub items: usize,
}

/// Everything a check found, file by file (sorted by name), with the totals.
#[derive(Debug, Serialize)]
pub struct LanguageReport {
    pub rules: LanguageRules,
    pub lcd_template: Option<TemplateUse>,
    pub web_template: Option<TemplateUse>,
    pub files: Vec<FileCheck>,
    /// Findings about the whole set (completeness not checked, nothing to pack).
    pub notes: Vec<Diagnostic>,
    pub errors: usize,
    pub warnings: usize,
}

impl LanguageReport {
    /// Whether anything is an error (the pack is then refused).
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// How many files have at least one error.
    pub fn files_with_errors(&self) -> usize {
        self.files.iter().filter(|f| f.errors > 0).count()
    }
}

/// Adds the findings across files (two languages on one menu position) and totals each check.
pub(super) fn finish_checks(sources: &[Source], kinds: &[FileKind], checks: Vec<Option<FileCheck>>) -> Vec<FileCheck> {
    let names_and_kinds: Vec<(&str, &FileKind)> = sources.iter().map(|s| s.name.as_str()).zip(kinds.iter()).collect();
    let duplicates = names::duplicate_positions(&names_and_kinds);
    let mut files = Vec::with_capacity(checks.len());
    for (i, (source, check)) in sources.iter().zip(checks).enumerate() {
        let mut check = check.expect("every file was checked");
        for (_, first) in duplicates.iter().filter(|(d, _)| *d == i) {
            let position = kinds[i].position().unwrap_or_default();
            check.diagnostics.insert(
                0,
                Diagnostic::error(
                    &check.file,
                    format!(
                        "{} and {first} both take menu position {position}: each language needs its own number",
                        source.name
                    ),
                ),
            );
        }
        check.finish();
        files.push(check);
    }
    files
}

/// Findings about the whole set: translations whose completeness could not be checked (no
/// template, `templates` being the LCD and the web one), and no language file at all.
pub(super) fn set_notes(
    files: &[FileCheck],
    [lcd, web]: [Option<&Template>; 2],
    opts: &CheckOptions,
) -> Vec<Diagnostic> {
    let mut notes = Vec::new();
    for (format, template, option, name) in [
        (Format::Xml, lcd, "--lcd-template", &opts.rules.files.lcd_template),
        (Format::Js, web, "--web-template", &opts.rules.files.web_template),
    ] {
        let translations =
            files.iter().filter(|f| f.kind.position().is_some() && f.kind.format() == Some(format)).count();
        if template.is_none() && translations > 0 {
            let kind = if format == Format::Xml { "LCD" } else { "web" };
            notes.push(Diagnostic::note(
                "",
                format!("completeness of the {kind} translations not checked: no {name} among the files and no {option} FILE"),
            ));
        }
    }
    if files.iter().all(|f| !f.packable && f.errors == 0) {
        notes.push(Diagnostic::error("", "no language files found (N_Native(English).xml, N_English.js)"));
    }
    notes
}

/// Records the item count, the comparison with `template` (if any) and the parser's warnings,
/// located findings in file order, findings without a place after them.
pub(super) fn record_findings(
    check: &mut FileCheck,
    text: &str,
    items: &Items,
    warnings: Vec<(usize, String)>,
    template: Option<&Template>,
    opts: &CheckOptions,
) {
    let lines = LineIndex::new(text);
    let soft = if opts.strict { Severity::Error } else { Severity::Warning };
    let mut located = Vec::new();
    for (offset, message) in warnings {
        let (line, column) = lines.at(offset);
        located.push(Diagnostic::new(&check.file, soft, message).at(line, column));
    }
    match template {
        Some(t) => {
            let counts = compare::compare(&check.file, &lines, items, t, opts.strict, &mut located);
            check.items = Some(counts.translated);
            check.comparison = Some(counts);
        }
        None => check.items = Some(items.iter().filter(|i| i.translatable).count()),
    }
    // Located findings in file order; findings without a place (missing items) after them.
    located.sort_by_key(|d| d.line.unwrap_or(usize::MAX));
    check.diagnostics.extend(located);
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
