//! Checking language files: names, encoding, well-formedness, completeness against the templates.
//!
//! Inputs come as [`Source`]s (files of a folder, files named on the command line, or entries of a
//! `Language.tar`), so the folder check, the pack and `inspect Language.tar` run the same checks.
//! Nothing here prints or writes: the result is a [`LanguageReport`].

use super::compare::{self, Counts, Template};
use super::encoding;
use super::items::{Items, ParseError, Parsed};
use super::names::{self, FileKind, Format};
use super::position::LineIndex;
use super::{js_items, xml_items};
use crate::mechanisms::report::{Diagnostic, Severity};
use crate::rules::layout::{ArchiveRule, LanguageFiles, Layouts, Model};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The layout rules a language pack follows: the archive (`Language.tar`, its folder and size cap)
/// and the file names and item rules.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageRules {
    /// The model the rules were taken from.
    pub model: String,
    pub archive: ArchiveRule,
    pub files: LanguageFiles,
}

impl LanguageRules {
    /// The rules of `model`; without a model, those of the model with the smallest language-pack
    /// cap (all Htek models share one rule in the built-in layouts).
    pub fn from_layouts(layouts: &Layouts, model: Option<&str>) -> Result<LanguageRules> {
        match model {
            Some(name) => {
                let m = layouts.model(name)?;
                LanguageRules::of(m)
                    .with_context(|| format!("{} takes no language pack (its layout has no [language])", m.name))
            }
            None => layouts
                .models()
                .filter_map(LanguageRules::of)
                .min_by_key(|r| r.archive.max_bytes)
                .context("no model in the layouts takes a language pack"),
        }
    }

    /// The rules of a model, if it takes a language pack.
    pub fn of(model: &Model) -> Option<LanguageRules> {
        Some(LanguageRules {
            model: model.name.clone(),
            archive: model.language.clone()?,
            files: model.language_files.clone()?,
        })
    }
}

/// What to check against and how strictly.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub rules: LanguageRules,
    /// The English LCD template; without one, the folder's own copy is used if it has one.
    pub lcd_template: Option<PathBuf>,
    /// The English web template; without one, the folder's own copy is used if it has one.
    pub web_template: Option<PathBuf>,
    /// Values identical to English, placeholder differences and duplicate keys become errors.
    pub strict: bool,
    /// Transcode files that are not UTF-8 from this encoding into the packed copy.
    pub convert_from: Option<&'static encoding_rs::Encoding>,
    /// Keep every file's bytes in the report for [`super::pack`] (a check alone needs none).
    pub keep_bytes: bool,
}

impl CheckOptions {
    /// Default options for `rules`: no template paths, not strict, no conversion.
    pub fn new(rules: LanguageRules) -> CheckOptions {
        CheckOptions {
            rules,
            lcd_template: None,
            web_template: None,
            strict: false,
            convert_from: None,
            keep_bytes: true,
        }
    }
}

/// Where the sources come from: a user's folder (leftovers are skipped) or a built archive
/// (a leftover in it is already the mistake the guide warns about).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Folder,
    Archive,
}

/// One input: a file name as it would be packed, the path shown in messages, and its content.
#[derive(Debug)]
pub struct Source {
    /// The name under the archive folder (`10_简体中文(ChineseSimplified).xml`).
    pub name: String,
    /// How messages name it (`lang/10_….xml`, `Language/10_….xml`).
    pub shown: String,
    pub content: Content,
}

/// A source's content, read only when its name says it is a language file.
#[derive(Debug)]
pub enum Content {
    Path(PathBuf),
    Bytes(Vec<u8>),
    /// A folder where a file was expected.
    Folder,
    /// Something that cannot be read at all, with the reason.
    Unreadable(String),
}

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
    packable: bool,
}

impl FileCheck {
    fn new(source: &Source, kind: FileKind) -> FileCheck {
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

    fn push(&mut self, severity: Severity, message: impl Into<String>) {
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

    fn finish(&mut self) {
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

/// Checks every file of folder `dir`.
pub fn check_dir(dir: &Path, opts: &CheckOptions) -> Result<LanguageReport> {
    check_sources(sources_in_dir(dir)?, opts, Origin::Folder)
}

/// Checks files and folders named on the command line.
pub fn check_paths(paths: &[PathBuf], opts: &CheckOptions) -> Result<LanguageReport> {
    let mut sources = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot open", path.display()))?;
        if meta.is_dir() {
            sources.extend(sources_in_dir(path)?);
        } else {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            sources.push(Source { name, shown: path.display().to_string(), content: Content::Path(path.clone()) });
        }
    }
    check_sources(sources, opts, Origin::Folder)
}

/// Most entries a language folder may hold (a mistaken folder is refused, not read).
const MAX_FOLDER_ENTRIES: usize = 10_000;

/// The files of a folder, sorted by name. A folder that cannot be listed is an error.
pub fn sources_in_dir(dir: &Path) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for entry in crate::mechanisms::walk::list(dir, MAX_FOLDER_ENTRIES)? {
        let path = entry.path;
        let name = entry.rel;
        let content = if path.file_name().is_some_and(|n| n.to_str().is_none()) {
            Content::Unreadable("the file name is not valid UTF-8".to_string())
        } else if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            Content::Folder
        } else {
            Content::Path(path.clone())
        };
        sources.push(Source { name, shown: path.display().to_string(), content });
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}

/// Runs every check on `sources`. An `Err` is a problem that stops the whole check: a template
/// that cannot be read or parsed (the translations cannot be judged against it).
pub fn check_sources(mut sources: Vec<Source>, opts: &CheckOptions, origin: Origin) -> Result<LanguageReport> {
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let kinds: Vec<FileKind> = sources.iter().map(|s| kind_of(s, &opts.rules.files)).collect();
    let mut checks: Vec<Option<FileCheck>> = sources.iter().map(|_| None).collect();

    let lcd = choose_template(Format::Xml, &opts.lcd_template, &sources, &kinds, opts, &mut checks)?;
    let web = choose_template(Format::Js, &opts.web_template, &sources, &kinds, opts, &mut checks)?;
    let templates = [lcd.as_ref(), web.as_ref()];
    check_remaining(&sources, &kinds, templates, opts, origin, &mut checks);
    let files = finish_checks(&sources, &kinds, checks);
    let notes = set_notes(&files, templates, opts);
    let errors =
        files.iter().map(|f| f.errors).sum::<usize>() + notes.iter().filter(|n| n.severity == Severity::Error).count();
    let warnings = files.iter().map(|f| f.warnings).sum();
    let template_use =
        |t: &Option<Template>| t.as_ref().map(|t| TemplateUse { file: t.shown.clone(), items: t.item_count() });
    Ok(LanguageReport {
        rules: opts.rules.clone(),
        lcd_template: template_use(&lcd),
        web_template: template_use(&web),
        files,
        notes,
        errors,
        warnings,
    })
}

/// Checks every source not checked yet (the templates were) against the template of its kind,
/// `templates` being the LCD and the web one. Files are independent: they are checked on every
/// core, and each check goes to its source's place in `checks`.
fn check_remaining(
    sources: &[Source],
    kinds: &[FileKind],
    [lcd, web]: [Option<&Template>; 2],
    opts: &CheckOptions,
    origin: Origin,
    checks: &mut [Option<FileCheck>],
) {
    let pending: Vec<usize> = (0..sources.len()).filter(|&i| checks[i].is_none()).collect();
    let check_one = |i: usize| {
        let template = match kinds[i] {
            FileKind::LcdTranslation { .. } => lcd,
            FileKind::WebTranslation { .. } => web,
            _ => None,
        };
        let mut check = check_file(&sources[i], kinds[i].clone(), template, opts, origin).0;
        if !opts.keep_bytes {
            check.pack_bytes = None;
        }
        check
    };
    // rayon keeps the order.
    let done: Vec<FileCheck> = {
        use rayon::prelude::*;
        pending.par_iter().map(|&i| check_one(i)).collect()
    };
    for (&i, check) in pending.iter().zip(done) {
        checks[i] = Some(check);
    }
}

/// Adds the findings across files (two languages on one menu position) and totals each check.
fn finish_checks(sources: &[Source], kinds: &[FileKind], checks: Vec<Option<FileCheck>>) -> Vec<FileCheck> {
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
fn set_notes(files: &[FileCheck], [lcd, web]: [Option<&Template>; 2], opts: &CheckOptions) -> Vec<Diagnostic> {
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

fn kind_of(source: &Source, files: &LanguageFiles) -> FileKind {
    match &source.content {
        Content::Folder if !names::is_leftover(&source.name) => FileKind::Unknown {
            reason: "a sub-folder: the language files go directly into the folder, without sub-folders".to_string(),
        },
        _ => names::classify(&source.name, files),
    }
}

/// The template for one format: the one given with an option, else the folder's own copy.
/// Templates found among the sources are checked here (their `FileCheck` goes into `checks`).
fn choose_template(
    format: Format,
    given: &Option<PathBuf>,
    sources: &[Source],
    kinds: &[FileKind],
    opts: &CheckOptions,
    checks: &mut [Option<FileCheck>],
) -> Result<Option<Template>> {
    let role = if format == Format::Xml { FileKind::LcdTemplate } else { FileKind::WebTemplate };
    let mut chosen = None;
    if let Some(path) = given {
        let source =
            Source { name: String::new(), shown: path.display().to_string(), content: Content::Path(path.clone()) };
        let (check, parsed) = check_file(&source, role.clone(), None, opts, Origin::Folder);
        chosen = Some(template_from(&check, parsed)?);
    }
    for (i, source) in sources.iter().enumerate() {
        if kinds[i] != role {
            continue;
        }
        let (check, parsed) = check_file(source, role.clone(), None, opts, Origin::Folder);
        if chosen.is_none() {
            chosen = Some(template_from(&check, parsed)?);
        }
        checks[i] = Some(check);
    }
    Ok(chosen)
}

/// A template from its check, or the error that stops everything: a broken template.
fn template_from(check: &FileCheck, parsed: Option<(String, Items)>) -> Result<Template> {
    if let Some(d) = check.diagnostics.iter().find(|d| d.severity == Severity::Error) {
        let at = match (d.line, d.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            _ => String::new(),
        };
        bail!("{}{at}: the template itself is broken, fix it first: {}", d.file, d.message);
    }
    let (text, items) = parsed.context("template was not parsed")?;
    let template = Template::new(check.file.clone(), text, items);
    if template.item_count() == 0 {
        bail!("{}: the template has no items to translate: is it the right file?", template.shown);
    }
    Ok(template)
}

/// Checks one file; for a template also returns its text and items.
fn check_file(
    source: &Source,
    kind: FileKind,
    template: Option<&Template>,
    opts: &CheckOptions,
    origin: Origin,
) -> (FileCheck, Option<(String, Items)>) {
    let mut check = FileCheck::new(source, kind);
    let Some(format) = language_format(&mut check, origin) else {
        return (check, None);
    };
    check_packed_name(&mut check, source, opts);
    let bytes = match read_content(source, opts.rules.archive.max_bytes) {
        Ok(b) => b,
        Err(message) => {
            check.push(Severity::Error, message);
            return (check, None);
        }
    };
    let Some((text, changed)) = decode_text(&mut check, &bytes, format, opts) else {
        return (check, None);
    };
    let Some(Parsed { items, warnings }) = parse_items(&mut check, &text, format, opts) else {
        return (check, None);
    };
    record_findings(&mut check, &text, &items, warnings, template, opts);
    let is_template = matches!(check.kind, FileKind::LcdTemplate | FileKind::WebTemplate);
    let for_template = is_template.then(|| (text.to_string(), items));
    check.pack_bytes = Some(if changed { text.into_owned().into_bytes() } else { bytes });
    // The English templates are the source of translations, not a language the phone offers
    // (English is built in, guide §4.2): they are checked but never packed.
    check.packable = !is_template;
    (check, for_template)
}

/// The format of a language file or template; `None` (with the finding recorded) for an editor
/// leftover or a file that is not a language file, which are not read.
fn language_format(check: &mut FileCheck, origin: Origin) -> Option<Format> {
    match &check.kind {
        FileKind::Leftover => {
            match origin {
                Origin::Folder => check.push(Severity::Warning, "editor leftover: skipped, never packed"),
                Origin::Archive => check.push(
                    Severity::Error,
                    "editor leftover inside the archive: remove it, the phone's upgrade may fail on it (guide §20)",
                ),
            }
            None
        }
        FileKind::Unknown { reason } => {
            let reason = reason.clone();
            check.push(Severity::Error, reason);
            None
        }
        kind => Some(kind.format().expect("language files have a format")),
    }
}

/// Records an error when the name, under the archive folder, does not fit a plain tar header.
fn check_packed_name(check: &mut FileCheck, source: &Source, opts: &CheckOptions) {
    let packed_name = format!("{}/{}", opts.rules.archive.folder, source.name);
    if !source.name.is_empty() && packed_name.len() > crate::mechanisms::archive::MAX_NAME_BYTES {
        check.push(
            Severity::Error,
            format!(
                "the name is {} bytes; inside the archive ('{packed_name}') it exceeds the {} a plain tar header holds: shorten it",
                source.name.len(),
                crate::mechanisms::archive::MAX_NAME_BYTES
            ),
        );
    }
}

/// Decodes `bytes` into text (recording the encoding and its findings) and, for XML, checks the
/// declared encoding. Returns the text and whether it differs from `bytes`; `None` (with the
/// error recorded) when the bytes cannot be decoded.
fn decode_text<'a>(
    check: &mut FileCheck,
    bytes: &'a [u8],
    format: Format,
    opts: &CheckOptions,
) -> Option<(Cow<'a, str>, bool)> {
    let decoded = match encoding::decode(&check.file, bytes, opts.convert_from) {
        Ok(d) => d,
        Err(d) => {
            check.diagnostics.push(d);
            return None;
        }
    };
    check.encoding = Some(decoded.encoding.clone());
    check.diagnostics.extend(decoded.diagnostics);
    let mut text = decoded.text;
    let mut changed = decoded.changed;
    if format == Format::Xml {
        if let Some(rewritten) = xml_declaration(check, &text, changed) {
            text = Cow::Owned(rewritten);
            changed = true;
        }
    }
    Some((text, changed))
}

/// Parses the items of `text`; `None` (with the error recorded at its place) when it is malformed.
fn parse_items(check: &mut FileCheck, text: &str, format: Format, opts: &CheckOptions) -> Option<Parsed> {
    let parsed = match format {
        Format::Xml => xml_items::parse(
            text,
            &xml_items::AttributeRules {
                id_attributes: &opts.rules.files.id_attributes,
                ignored_attributes: &opts.rules.files.ignored_attributes,
            },
        ),
        Format::Js => js_items::parse(text),
    };
    match parsed {
        Ok(p) => Some(p),
        Err(ParseError { line, column, message }) => {
            check.diagnostics.push(Diagnostic::error(&check.file, message).at(line, column));
            None
        }
    }
}

/// Records the item count, the comparison with `template` (if any) and the parser's warnings,
/// located findings in file order, findings without a place after them.
fn record_findings(
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

/// Reads a source's bytes, refusing files over `max` bytes before reading them.
fn read_content(source: &Source, max: u64) -> Result<Vec<u8>, String> {
    match &source.content {
        Content::Bytes(b) if b.len() as u64 > max => Err(too_big(b.len() as u64, max)),
        Content::Bytes(b) => Ok(b.clone()),
        Content::Path(path) => {
            let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
            if meta.len() > max {
                return Err(too_big(meta.len(), max));
            }
            // Read with the size known, in one allocation; the cap still holds if the file grows.
            let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
            file.take(max + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
            if bytes.len() as u64 > max {
                return Err(too_big(bytes.len() as u64, max));
            }
            Ok(bytes)
        }
        Content::Folder => Err("a folder, not a file".to_string()),
        Content::Unreadable(reason) => Err(reason.clone()),
    }
}

fn too_big(len: u64, max: u64) -> String {
    format!("{len} bytes, more than the {max} a whole language pack may hold (layout cap): not a language file")
}

/// Checks the encoding an XML declaration names. For a converted file the declaration is rewritten
/// to UTF-8 (returned); otherwise a declaration other than UTF-8 is an error when the text has
/// non-ASCII characters (the phone would misread them), a warning when it has none.
fn xml_declaration(check: &mut FileCheck, text: &str, converted: bool) -> Option<String> {
    let (declared, range) = encoding::declared_encoding(text)?;
    if encoding::is_utf8_label(declared) {
        return None;
    }
    let (line, column) = LineIndex::new(text).at(range.start);
    if converted {
        check.diagnostics.push(
            Diagnostic::note(
                &check.file,
                format!("encoding=\"{declared}\" in the XML declaration changed to UTF-8 in the packed copy"),
            )
            .at(line, column),
        );
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..range.start]);
        out.push_str("UTF-8");
        out.push_str(&text[range.end..]);
        return Some(out);
    }
    let severity = if text.is_ascii() { Severity::Warning } else { Severity::Error };
    check.diagnostics.push(
        Diagnostic::new(
            &check.file,
            severity,
            format!(
                "the XML declaration says encoding=\"{declared}\" but the phone reads UTF-8: change it to encoding=\"UTF-8\""
            ),
        )
        .at(line, column),
    );
    None
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::super::{js_items, xml_items};

    /// Every prefix and many single-character mutations of a valid file: parsing may fail, but
    /// must never panic.
    #[test]
    fn damaged_files_never_panic() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<L name=\"é\">\n  <i id=\"a\" t=\"x %s\">Çall &amp; {0}</i><!-- c -->\n  <![CDATA[z]]><g><i>y\\n</i></g>\n</L>\n";
        let js = "// c\nvar lang = {\n  \"Call\": \"Ça \\u00e9\\x41\\n\" + 'x',\n  b: [`t`, 1, -2],\n  /* m */ c: {d: \"%1$s\"}\n};\nlang[\"e\"] = f(1, {g: 'h'});\n";
        let ids = vec!["id".to_string()];
        let rules = xml_items::AttributeRules { id_attributes: &ids, ignored_attributes: &[] };
        let inserts = ['<', '>', '"', '\'', '\\', '&', ';', '{', '}', '[', ']', '$', '`', '\n', '/', '*', 'é', '\u{0}'];
        for text in [xml, js] {
            let chars: Vec<(usize, char)> = text.char_indices().collect();
            for &(at, _) in &chars {
                let _ = xml_items::parse(&text[..at], &rules);
                let _ = js_items::parse(&text[..at]);
                for c in inserts {
                    let mut damaged = String::from(&text[..at]);
                    damaged.push(c);
                    damaged.push_str(&text[at..]);
                    let _ = xml_items::parse(&damaged, &rules);
                    let _ = js_items::parse(&damaged);
                }
            }
        }
    }
}
