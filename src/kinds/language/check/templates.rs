//! Choosing the English templates the translations are compared with: the one given with an
//! option, else the folder's own copy; a broken template stops the whole check.

use super::super::compare::Template;
use super::super::items::Items;
use super::super::names::{FileKind, Format};
use super::file::check_file;
use super::{CheckOptions, Content, FileCheck, Origin, Source};
use crate::mechanisms::report::Severity;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// The template for one format: the one given with an option, else the folder's own copy.
/// Templates found among the sources are checked here (their `FileCheck` goes into `checks`).
pub(super) fn choose_template(
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
pub(super) fn template_from(check: &FileCheck, parsed: Option<(String, Items)>) -> Result<Template> {
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
