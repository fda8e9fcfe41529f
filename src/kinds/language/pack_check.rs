//! `bundler inspect Language.tar`: a tar whose folder is a model's language folder gets the tar
//! inspector's listing plus every entry's check results (the same checks as `language check`, on
//! the bytes in the archive, with the templates the archive holds).

use super::check::{check_sources, CheckOptions, Content, LanguageReport, LanguageRules, Origin, Source};
use crate::mechanisms::archive::{looks_like_tar, read_tar, TarEntry, TarInspector, TarLimits};
use crate::mechanisms::findings::{FileReport, Inspector, Options};
use crate::mechanisms::report::Diagnostic;
use crate::Context;
use anyhow::Result;
use std::path::Path;

/// The language rules whose archive folder holds `entries`, if any (the `--model` given first).
fn rules_for(entries: &[TarEntry], opts: &Options, ctx: &Context) -> Option<LanguageRules> {
    let folder = entries.first()?.name.split('/').next()?.to_string();
    let candidates: Vec<LanguageRules> = match opts.model {
        Some(m) => LanguageRules::of(m).into_iter().collect(),
        None => ctx.layouts.models().filter_map(LanguageRules::of).collect(),
    };
    candidates.into_iter().filter(|r| r.archive.folder == folder).min_by_key(|r| r.archive.max_bytes)
}

/// A tar whose entries lie in a model's language folder (`Language.tar`).
pub struct LanguagePackInspector;

impl Inspector for LanguagePackInspector {
    fn recognises(&self, _name: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> bool {
        looks_like_tar(bytes)
            && read_tar(bytes, TarLimits::default()).is_ok_and(|entries| rules_for(&entries, opts, ctx).is_some())
    }

    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport> {
        let mut report = TarInspector.inspect(shown, bytes, opts, ctx)?;
        if let Ok(entries) = read_tar(bytes, TarLimits::default()) {
            annotate_archive(&mut report, bytes, &entries, opts, ctx)?;
        }
        Ok(report)
    }
}

/// Adds the language checks to a tar's report when the tar is a language pack; otherwise leaves it.
fn annotate_archive(
    report: &mut FileReport,
    bytes: &[u8],
    entries: &[TarEntry],
    opts: &Options,
    ctx: &Context,
) -> Result<()> {
    let Some(rules) = rules_for(entries, opts, ctx) else {
        return Ok(());
    };
    report.kind = format!("tar, language pack ({})", rules.archive.file);
    if opts.model.is_none() && bytes.len() as u64 > rules.archive.max_bytes {
        let a = &rules.archive;
        let why = format!("{} bytes, over the cap of {} bytes for {} [{}]", bytes.len(), a.max_bytes, a.file, a.source);
        report.diagnostics.push(Diagnostic::error(&report.file, why));
    }
    let sources = sources(report, entries, &rules);
    let mut check = CheckOptions::new(rules);
    check.lcd_template = opts.templates.lcd.map(Path::to_path_buf);
    check.web_template = opts.templates.web.map(Path::to_path_buf);
    match check_sources(sources, &check, Origin::Archive) {
        Ok(language) => add_results(report, language),
        Err(e) => report.diagnostics.push(Diagnostic::error(&report.file, format!("{e:#}"))),
    }
    Ok(())
}

/// The entries in the language folder, to check; an entry outside it is an error in `report`.
fn sources(report: &mut FileReport, entries: &[TarEntry], rules: &LanguageRules) -> Vec<Source> {
    let folder = format!("{}/", rules.archive.folder);
    let mut sources = Vec::new();
    for e in entries {
        match crate::mechanisms::archive::under_folder(&e.name, &rules.archive.folder) {
            Some("") => continue,
            Some(name) => sources.push(Source {
                name: name.trim_end_matches('/').to_string(),
                shown: e.name.clone(),
                content: if e.is_dir { Content::Folder } else { Content::Bytes(e.data.clone()) },
            }),
            _ => report.diagnostics.push(Diagnostic::error(
                &report.file,
                format!("entry '{}' is outside {folder}: the phone only reads {folder}", e.name),
            )),
        }
    }
    sources
}

/// The templates, the notes and each checked file's results, on the tar's report and its entries.
fn add_results(report: &mut FileReport, language: LanguageReport) {
    for t in [&language.lcd_template, &language.web_template].into_iter().flatten() {
        report.field("template", format!("{} ({} items)", t.file, t.items));
    }
    report.diagnostics.extend(language.notes.iter().map(|n| Diagnostic { file: report.file.clone(), ..n.clone() }));
    for check in language.files {
        let Some(entry) = report.entries.iter_mut().find(|r| r.file == check.file) else {
            continue;
        };
        entry.kind = check.kind.describe();
        if let Some(enc) = &check.encoding {
            entry.field("encoding", enc.as_str());
        }
        if let Some(items) = check.items {
            entry.field("items", items);
        }
        if let Some(c) = &check.comparison {
            entry.field("missing", c.missing);
            entry.field("extra", c.extra);
            entry.field("empty", c.empty);
        }
        entry.field("errors", check.errors);
        entry.field("warnings", check.warnings);
        entry.diagnostics.extend(check.diagnostics);
    }
}
