//! What `bundler config lint` and `inspect` run on config files: checks Htek config XML and
//! Flyingvoice boot/cfg files, alone or as the folders a provisioning server hands out, and reports
//! every problem as `file:line:col: severity: …`.

use super::aes::{looks_encrypted, AesKey};
use super::flyingvoice::fvfile::{self, Item, Kind};
use super::htek::names::{htek_name, HtekName};
use super::htek::xml as htek_xml;
use crate::mechanisms::findings::{FileReport, Inspector, Options};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::FvData;
use crate::rules::layout::HtekData;
use crate::Context;
use anyhow::Result;
use std::path::Path;

/// Config files larger than this are reported, not read.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How deep into sub-folders a folder is searched.
const MAX_DEPTH: usize = 8;
/// Most entries `config lint DIR` walks (a mistaken `lint /` is refused).
const MAX_ENTRIES: usize = 100_000;

/// Which kind of config file a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    Htek,
    Flyingvoice(Kind),
}

/// Recognises a config file by its name (`.boot`, `.cfg`, `cfg….xml`), else by its content (XML
/// text, or AES-encrypted blocks).
pub fn config_kind(name: &str, bytes: &[u8]) -> Option<ConfigKind> {
    if let Some(kind) = Kind::of(name) {
        return Some(ConfigKind::Flyingvoice(kind));
    }
    let xmlish = bytes.trim_ascii_start().starts_with(b"<") || bytes.starts_with(b"\xEF\xBB\xBF");
    (htek_name(name).is_some() || xmlish || looks_encrypted(bytes)).then_some(ConfigKind::Htek)
}

/// `bundler inspect` for config files: what the file is, what it holds, and the lint findings.
pub struct ConfigInspector;

impl Inspector for ConfigInspector {
    fn recognises(&self, name: &str, bytes: &[u8], _opts: &Options, ctx: &Context) -> bool {
        let base = Path::new(name).file_name().and_then(|n| n.to_str()).unwrap_or(name);
        let root = format!("<{}", ctx.layouts.htek.document.root);
        Kind::of(base).is_some()
            || htek_name(base).is_some()
            || (bytes.trim_ascii_start().starts_with(b"<")
                && bytes.windows(root.len()).take(4096).any(|w| w == root.as_bytes()))
    }

    fn inspect(&self, shown: &str, bytes: &[u8], _opts: &Options, ctx: &Context) -> Result<FileReport> {
        let path = Path::new(shown);
        let (htek, fv) = (ctx.layouts.htek.clone(), ctx.layouts.flyingvoice.clone());
        let linter = Linter { htek, fv, key: None, ctx, follow_includes: path.is_file() };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(shown);
        let mut report = match config_kind(name, bytes) {
            Some(ConfigKind::Flyingvoice(kind)) => {
                let mut r = FileReport::new(
                    shown,
                    if kind == Kind::Boot { "Flyingvoice boot file" } else { "Flyingvoice cfg file" },
                );
                let parsed = fvfile::parse(shown, bytes, kind, &linter.fv.syntax);
                r.field("settings", parsed.settings().count());
                let includes: Vec<&str> = parsed
                    .items
                    .iter()
                    .filter_map(|i| if let Item::Include { target, .. } = i { Some(target.as_str()) } else { None })
                    .collect();
                if !includes.is_empty() {
                    r.field("includes", includes.join(", "));
                }
                r
            }
            _ if looks_encrypted(bytes) => FileReport::new(shown, "Htek config (AES-encrypted)"),
            _ => {
                let mut r = FileReport::new(shown, "Htek config XML");
                r.field("settings", htek_xml::read_bytes(shown, bytes, &linter.htek).settings.len());
                r
            }
        };
        report.field("bytes", bytes.len());
        linter.lint_bytes(path, bytes, &mut report.diagnostics);
        Ok(report)
    }
}

/// Everything lint needs besides the files.
pub struct Linter<'a> {
    pub htek: std::sync::Arc<HtekData>,
    pub fv: std::sync::Arc<FvData>,
    pub key: Option<AesKey>,
    pub ctx: &'a Context,
    /// Whether includes are looked up beside the file. Off for bytes whose name is not a path from
    /// the working folder (a file inside a tree `verify` reads; its tree check reads includes).
    pub follow_includes: bool,
}

impl Linter<'_> {
    /// Checks a file or a folder; returns how many files were checked.
    pub fn lint_path(&self, path: &Path, out: &mut Vec<Diagnostic>) -> usize {
        let shown = path.display().to_string();
        if path.is_dir() {
            let root = match crate::mechanisms::tree_file::TreeRoot::open(path) {
                Ok(root) => root,
                Err(e) => {
                    out.push(Diagnostic::error(&shown, format!("{e:#}")));
                    return 0;
                }
            };
            let mut files = Vec::new();
            collect(path, &mut files, out);
            files.sort_by(|a, b| a.path.cmp(&b.path));
            if files.is_empty() {
                out.push(Diagnostic::warning(&shown, "no config files here (cfg….xml, *.boot, *.cfg)"));
            }
            let names: Vec<Option<HtekName>> =
                files.iter().map(|f| f.path.file_name().and_then(|n| n.to_str()).and_then(htek_name)).collect();
            if names.iter().any(|n| matches!(n, Some(HtekName::Common(_))))
                && names.iter().any(|n| matches!(n, Some(HtekName::Phone(_))))
            {
                out.push(Diagnostic::warning(
                    &shown,
                    "both cfg<code>.xml and cfg<mac>.xml are here: the guide contradicts itself on whether a phone that got the first also fetches the second (§2.1 note 2: no; §9.1: yes)",
                ));
            }
            // Read beneath the folder: a link out of it, or a FIFO swapped in, is refused, not read.
            for f in &files {
                match root.read_entry(f, MAX_FILE_BYTES) {
                    Ok(bytes) => self.lint_bytes(&f.path, &bytes, out),
                    Err(why) => out.push(Diagnostic::error(f.path.display().to_string(), why)),
                }
            }
            return files.len();
        }
        self.lint_file(path, out);
        1
    }

    /// Checks one file, recognised by name (`.boot`, `.cfg`, `cfg….xml`) or content.
    pub fn lint_file(&self, path: &Path, out: &mut Vec<Diagnostic>) {
        let shown = path.display().to_string();
        match crate::mechanisms::input::read_or_why(path, MAX_FILE_BYTES) {
            Ok(bytes) => self.lint_bytes(path, &bytes, out),
            Err(why) => out.push(Diagnostic::error(&shown, why)),
        }
    }

    /// Checks the bytes of the file at `path` (includes are looked up beside it).
    pub fn lint_bytes(&self, path: &Path, bytes: &[u8], out: &mut Vec<Diagnostic>) {
        let shown = path.display().to_string();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        match config_kind(name, bytes) {
            Some(ConfigKind::Flyingvoice(kind)) => self.lint_fv(path, &shown, name, kind, bytes, out),
            Some(ConfigKind::Htek) => self.lint_htek(&shown, name, bytes, out),
            None => out.push(Diagnostic::error(
                &shown,
                "not a config file bundler knows (Htek cfg….xml, Flyingvoice .boot or .cfg)",
            )),
        }
    }

    fn lint_htek(&self, shown: &str, name: &str, bytes: &[u8], out: &mut Vec<Diagnostic>) {
        match htek_name(name) {
            Some(HtekName::Phone(mac)) if mac.bytes().any(|b| b.is_ascii_uppercase()) => out.push(Diagnostic::error(
                shown,
                format!(
                    "upper-case MAC in the file name: phones request cfg{}.xml (lowercase, guide §2.1)",
                    mac.to_ascii_lowercase()
                ),
            )),
            Some(HtekName::Common(code))
                if !self.ctx.layouts.models().any(|m| m.device_code.as_deref() == Some(&code)) =>
            {
                out.push(Diagnostic::warning(
                    shown,
                    format!("device code {code} is not in the layouts: no known model fetches this file"),
                ))
            }
            _ => {}
        }
        let text = if looks_encrypted(bytes) {
            let Some(key) = &self.key else {
                out.push(Diagnostic::note(
                    shown,
                    format!("AES-encrypted ({} bytes); give --aes-key to check what is inside", bytes.len()),
                ));
                return;
            };
            match super::decrypt_config(key, bytes) {
                Ok(text) => text,
                Err(e) => {
                    return out.push(Diagnostic::error(
                        shown,
                        format!("AES-encrypted, but it does not decrypt with the given key: {e}"),
                    ))
                }
            }
        } else {
            return out.extend(htek_xml::read_bytes(shown, bytes, &self.htek).diagnostics);
        };
        out.extend(htek_xml::read(shown, &text, &self.htek).diagnostics);
    }

    fn lint_fv(&self, path: &Path, shown: &str, name: &str, kind: Kind, bytes: &[u8], out: &mut Vec<Diagnostic>) {
        let stem = &name[..name.rfind('.').unwrap_or(name.len())];
        if stem.len() == 12
            && stem.bytes().all(|b| b.is_ascii_hexdigit())
            && stem.bytes().any(|b| b.is_ascii_uppercase())
        {
            out.push(Diagnostic::error(
                shown,
                format!(
                    "upper-case MAC in the file name: phones request {}{} (lowercase; names are case-sensitive)",
                    stem.to_ascii_lowercase(),
                    &name[stem.len()..]
                ),
            ));
        }
        let parsed = fvfile::parse(shown, bytes, kind, &self.fv.syntax);
        out.extend(parsed.diagnostics.iter().cloned());
        let vendors: Vec<_> = self.ctx.layouts.vendors_with(self.fv.format).collect();
        for (key, value, line) in parsed.settings() {
            if !vendors.iter().any(|v| v.fetch_by_setting(key).is_some()) {
                continue;
            }
            if let Some(why) = crate::rules::layout::url_without_host(value) {
                out.push(Diagnostic::error(shown, format!("{key}: {why}")).at(line, 1));
            }
        }
        if self.follow_includes {
            self.lint_includes(path, out);
        }
    }

    /// The include graph from `path` (the walk `config resolve` uses): missing includes, includes
    /// leaving the folder (also by symlink), cycles. A problem met from several files is listed once.
    fn lint_includes(&self, path: &Path, out: &mut Vec<Diagnostic>) {
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let Some(name) = path.file_name() else { return };
        let mut graph = Vec::new();
        let walked = super::flyingvoice::folder::walk_includes(base, Path::new(name), &self.fv, &mut |step| {
            if let crate::kinds::config::flyingvoice::includes::Step::Problem(d) = step {
                graph.push(d);
            }
        });
        if let Err(e) = walked {
            graph.push(Diagnostic::error(name.to_string_lossy(), format!("{e:#}")));
        }
        for mut d in graph {
            d.file = path.with_file_name(&d.file).display().to_string();
            let line = d.to_string();
            if !out.iter().any(|o| o.to_string() == line) {
                out.push(d);
            }
        }
    }
}

/// The config files under a folder (not hidden ones, not deeper than [`MAX_DEPTH`]).
fn collect(dir: &Path, files: &mut Vec<crate::mechanisms::walk::Entry>, out: &mut Vec<Diagnostic>) {
    let entries = match crate::mechanisms::walk::walk_to(dir, MAX_ENTRIES, MAX_DEPTH + 1) {
        Ok(e) => e,
        Err(e) => return out.push(Diagnostic::error(dir.display().to_string(), format!("{e:#}"))),
    };
    for entry in entries {
        let name = entry.rel.rsplit('/').next().unwrap_or_default();
        let hidden = entry.rel.split('/').any(|c| c.starts_with('.'));
        let file = match &entry.kind {
            crate::mechanisms::walk::Kind::File => true,
            crate::mechanisms::walk::Kind::Symlink(link) => link.to_file,
            _ => false,
        };
        if !hidden && file && (Kind::of(name).is_some() || htek_name(name).is_some()) {
            files.push(entry);
        }
    }
}
