//! `bundler verify`: re-checks a provisioning tree, built by bundler or by hand. Every file is
//! inspected against the rules of the model(s) it serves, checksums and `manifest.json` are
//! compared with the files, firmware names are matched against the layouts, and files that must
//! never be served are flagged. Exit status 1 with a list of every violation.

use crate::checksums::{sha256_hex, Sums, SUMS_FILE};
use crate::inspect::{inspect_bytes, FileReport, Options, Templates};
use crate::layout::Model;
use crate::release::{TreeManifest, MANIFEST_JSON, REPORT_HTML};
use crate::report::{has_errors, print_json, Diagnostic, Severity};
use crate::Context;
use anyhow::{bail, Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Trees with more files than this are refused (a mistaken `verify /`).
const MAX_FILES: usize = 100_000;
/// Files larger than this are reported, not read.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler verify build\n  bundler verify /srv/tftp --model UC924 --json\n\nExit status 1 when any file breaks a rule."
)]
pub struct Args {
    /// The tree to check.
    pub dir: PathBuf,
    /// Check every file against this model (default: the model named by the file's folder, or the
    /// models in manifest.json).
    #[arg(long)]
    pub model: Option<String>,
    #[command(flatten)]
    pub templates: crate::inspect::TemplateArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let findings = verify(&args.dir, args.model.as_deref(), args.templates.templates(), ctx)?;
    if args.json {
        print_json(&findings)?;
    } else {
        for d in findings.iter().filter(|d| d.severity != Severity::Note) {
            println!("{d}");
        }
        let errors = findings.iter().filter(|d| d.severity == Severity::Error).count();
        let warnings = findings.iter().filter(|d| d.severity == Severity::Warning).count();
        println!("{}: {errors} error(s), {warnings} warning(s)", args.dir.display());
    }
    Ok(if has_errors(&findings) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Every finding about the tree at `dir`.
pub fn verify(dir: &Path, model: Option<&str>, templates: Templates, ctx: &Context) -> Result<Vec<Diagnostic>> {
    if !dir.is_dir() {
        bail!("{}: not a folder", dir.display());
    }
    let files = walk(dir)?;
    let mut found = Vec::new();
    let forced = model.map(|m| ctx.layouts.model(m)).transpose()?;
    let tree_manifest = read_tree_manifest(dir, &mut found);
    let tree_models: Vec<&Model> = tree_manifest
        .as_ref()
        .map(|t| t.models.iter().filter_map(|m| ctx.layouts.model(m).ok()).collect())
        .unwrap_or_default();
    check_sums(dir, &files, &mut found)?;
    if let Some(t) = &tree_manifest {
        check_manifest(dir, t, &mut found);
    }
    for rel in &files {
        let path = dir.join(rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if name == SUMS_FILE || name == MANIFEST_JSON || name == REPORT_HTML {
            continue;
        }
        if crate::glob::matches("factory*.bin", name) {
            found.push(Diagnostic::error(
                rel,
                "factory files are used in Htek's factory and must never be served (guide §2.1)",
            ));
            continue;
        }
        let models: Vec<&Model> = match forced {
            Some(m) => vec![m],
            None => match rel.split('/').find_map(|c| ctx.layouts.model(c).ok()) {
                Some(m) => vec![m],
                None => tree_models.clone(),
            },
        };
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            found.push(Diagnostic::error(rel, format!("{size} bytes: larger than any file a phone fetches")));
            continue;
        }
        let bytes = crate::input::read_limited(&path, MAX_FILE_BYTES)?;
        if let Some(d) = check_firmware_name(rel, name, &bytes, ctx) {
            found.push(d);
            continue;
        }
        let targets: Vec<Option<&Model>> =
            if models.is_empty() { vec![None] } else { models.into_iter().map(Some).collect() };
        let mut per_model: Vec<(Option<&Model>, Vec<Diagnostic>)> = Vec::new();
        for m in targets {
            let opts = Options { model: m, wav: None, templates };
            let mut here = Vec::new();
            match inspect_bytes(rel, &bytes, &opts, ctx) {
                Ok(report) => collect(&report, &mut here),
                Err(_) => here.push(Diagnostic::note(rel, "not a file bundler checks")),
            }
            per_model.push((m, here));
        }
        found.extend(merge_models(per_model));
    }
    found.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(found)
}

/// The diagnostics of a report and its entries.
fn collect(report: &FileReport, found: &mut Vec<Diagnostic>) {
    found.extend(report.diagnostics.iter().cloned());
    for e in &report.entries {
        collect(e, found);
    }
}

/// One file's findings checked against several models: a finding every model shares is listed once;
/// one that only some models have names them.
fn merge_models(per_model: Vec<(Option<&Model>, Vec<Diagnostic>)>) -> Vec<Diagnostic> {
    let total = per_model.len();
    let mut merged: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    for (model, found) in per_model {
        for d in found {
            let name = model.map(|m| m.name.clone());
            match merged.iter_mut().find(|(m, _)| m.message == d.message && m.line == d.line && m.file == d.file) {
                Some((_, names)) => names.extend(name),
                None => merged.push((d, name.into_iter().collect())),
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut d, names)| {
            if names.len() < total && !names.is_empty() && !names.iter().any(|n| d.message.contains(n.as_str())) {
                d.message = format!("{} ({})", d.message, names.join(", "));
            }
            d
        })
        .collect()
}

/// Firmware files are not inspected, only their names: a `.rom` or boot/img file must carry a
/// name some model fetches (with any prefix and postfix).
fn check_firmware_name(rel: &str, name: &str, bytes: &[u8], ctx: &Context) -> Option<Diagnostic> {
    let lower = name.to_ascii_lowercase();
    let looks_like_firmware = lower.contains(".rom") || lower.contains("boot_") || lower.contains("img_");
    if !looks_like_firmware || crate::archive::looks_like_tar(bytes) {
        return None;
    }
    let known = ctx
        .layouts
        .models()
        .any(|m| m.firmware.iter().chain(m.legacy_firmware.iter()).any(|f| lower.contains(&f.to_ascii_lowercase())));
    Some(if known {
        Diagnostic::note(rel, "firmware name matches the layouts")
    } else {
        Diagnostic::error(rel, "looks like firmware but no model fetches a file of this name")
    })
}

/// Every file under `dir`, as `/`-separated relative paths, sorted.
fn walk(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        for entry in std::fs::read_dir(&here).with_context(|| format!("{}: cannot read folder", here.display()))? {
            let entry = entry.with_context(|| format!("{}: cannot read folder", here.display()))?;
            let kind = entry.file_type()?;
            let child = rel.join(entry.file_name());
            if kind.is_dir() {
                stack.push(child);
            } else if kind.is_file() {
                out.push(child.to_string_lossy().replace('\\', "/"));
                if out.len() > MAX_FILES {
                    bail!("{}: more than {MAX_FILES} files; is this the right folder?", dir.display());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn read_tree_manifest(dir: &Path, found: &mut Vec<Diagnostic>) -> Option<TreeManifest> {
    let bytes = std::fs::read(dir.join(MANIFEST_JSON)).ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            found.push(Diagnostic::error(MANIFEST_JSON, format!("unreadable: {e}")));
            None
        }
    }
}

fn check_sums(dir: &Path, files: &[String], found: &mut Vec<Diagnostic>) -> Result<()> {
    if !dir.join(SUMS_FILE).exists() {
        return Ok(());
    }
    let sums = match Sums::read_in(dir) {
        Ok(s) => s,
        Err(e) => {
            found.push(Diagnostic::error(SUMS_FILE, format!("{e:#}")));
            return Ok(());
        }
    };
    for (name, hash) in &sums.0 {
        match std::fs::read(dir.join(name)) {
            Ok(bytes) if sha256_hex(&bytes) == *hash => {}
            Ok(_) => {
                found.push(Diagnostic::error(name.as_str(), format!("content does not match its {SUMS_FILE} digest")))
            }
            Err(_) => found.push(Diagnostic::error(name.as_str(), format!("listed in {SUMS_FILE} but missing"))),
        }
    }
    for f in files {
        if f != SUMS_FILE && !sums.0.contains_key(f) {
            found.push(Diagnostic::warning(f.as_str(), format!("not listed in {SUMS_FILE}")));
        }
    }
    Ok(())
}

fn check_manifest(dir: &Path, tree: &TreeManifest, found: &mut Vec<Diagnostic>) {
    for a in &tree.artifacts {
        match std::fs::read(dir.join(&a.path)) {
            Ok(bytes) if bytes.len() != a.bytes => found.push(Diagnostic::error(
                a.path.as_str(),
                format!("{} bytes, {MANIFEST_JSON} says {}", bytes.len(), a.bytes),
            )),
            Ok(bytes) if sha256_hex(&bytes) != a.sha256 => found
                .push(Diagnostic::error(a.path.as_str(), format!("content does not match its {MANIFEST_JSON} digest"))),
            Ok(_) => {}
            Err(_) => found.push(Diagnostic::error(a.path.as_str(), format!("listed in {MANIFEST_JSON} but missing"))),
        }
    }
}
