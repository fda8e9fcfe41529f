//! Checking language files: names, encoding, well-formedness, completeness against the templates.
//!
//! Inputs come as [`Source`]s (files of a folder, files named on the command line, or entries of a
//! `Language.tar`), so the folder check, the pack and `inspect Language.tar` run the same checks.
//! Nothing here prints or writes: the result is a [`LanguageReport`].
//!
//! Files: `options.rs` (the rules and options), `sources.rs` (gathering the files and telling what
//! each is), `templates.rs` (choosing the templates), `file.rs` (one file's check), `decode.rs`
//! (bytes to text), `report.rs` (the findings and the report).

mod decode;
mod file;
mod options;
mod report;
mod sources;
mod templates;

use super::compare::Template;
use super::names::{FileKind, Format};
use crate::mechanisms::report::Severity;
use anyhow::{Context, Result};
use file::check_file;
pub use options::{CheckOptions, LanguageRules, Origin};
use report::{finish_checks, set_notes};
pub use report::{FileCheck, LanguageReport, TemplateUse};
use sources::kind_of;
pub use sources::{sources_in_dir, Content, Source};
use std::path::{Path, PathBuf};
use templates::choose_template;

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
pub(super) fn check_remaining(
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
