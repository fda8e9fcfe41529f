//! `bundler verify`: re-checks a provisioning tree, built by bundler or by hand. Every file is
//! inspected against the rules of the model(s) it serves, checksums and `manifest.json` are
//! compared with the files, firmware names are matched against the layouts, and files that must
//! never be served are flagged. `bundler verify` (src/commands/verify.rs) prints the findings and
//! exits 1 when any is an error.

pub(crate) mod fetched;
mod tree;

use crate::mechanisms::checksums::sha256_hex;
use crate::mechanisms::report::Diagnostic;
use crate::mechanisms::tree_file::TreeRoot;
use crate::mechanisms::tree_manifest::{Sums, TreeManifest, MANIFEST_JSON, REPORT_HTML, SUMS_FILE};
use crate::mechanisms::walk::{Entry, Kind};
use crate::ops::inspect::{inspect_bytes, FileReport, Options, Templates};
use crate::rules::layout::Model;
use crate::Context;
use anyhow::{bail, Result};
use fetched::{Expect, Fetched};
use std::collections::BTreeMap;
use std::path::Path;

/// Trees with more entries than this are refused (a mistaken `verify /`). A release tree holds one
/// config per phone, and a provider may have a few hundred thousand phones.
const MAX_FILES: usize = 2_000_000;
/// `SHA256SUMS` and `manifest.json` larger than this are refused.
const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;
/// Files larger than this are reported, not read.
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Every finding about the tree at `dir`. Only what lies inside `dir` is read: paths in
/// `SHA256SUMS` and `manifest.json` that leave it, symbolic links out of it and FIFOs, sockets or
/// devices are reported, never opened.
/// `key` decrypts encrypted configs for the tree-consistency check.
pub fn verify(
    dir: &Path,
    model: Option<&str>,
    templates: Templates,
    key: Option<&crate::kinds::config::aes::AesKey>,
    ctx: &Context,
) -> Result<Vec<Diagnostic>> {
    verify_known(dir, model, templates, key, &BTreeMap::new(), ctx)
}

/// [`verify`], taking `known` (path → SHA-256) as files that already passed the per-file checks
/// under the same rules (a release's reused files: their reuse key covers the rules and the
/// inputs): a file at such a path with that digest is not inspected again. The lists, digests and
/// the tree-consistency check still cover every file.
pub fn verify_known(
    dir: &Path,
    model: Option<&str>,
    templates: Templates,
    key: Option<&crate::kinds::config::aes::AesKey>,
    known: &BTreeMap<String, String>,
    ctx: &Context,
) -> Result<Vec<Diagnostic>> {
    if !dir.is_dir() {
        bail!("{}: not a folder", dir.display());
    }
    let entries = crate::mechanisms::walk::walk(dir, MAX_FILES)?;
    let root = TreeRoot::open(dir)?;
    let by_name: BTreeMap<&str, &Entry> = entries.iter().map(|e| (e.rel.as_str(), e)).collect();
    let mut found = Vec::new();
    let forced = model.map(|m| ctx.layouts.model(m)).transpose()?;
    let tree_manifest =
        read_list(&root, &by_name, MANIFEST_JSON, &mut found).and_then(|b| parse_manifest(&b, &mut found));
    let sums = read_list(&root, &by_name, SUMS_FILE, &mut found).and_then(|b| parse_sums(&b, &mut found));
    let tree_models = tree_manifest.as_ref().map_or_else(Vec::new, |t| known_models(&t.models, ctx));
    let fetched = Fetched::from_layouts(ctx)?;
    let mut digests = BTreeMap::new();
    let bar = crate::mechanisms::progress::bar(entries.len() as u64, "verify");
    for entry in &entries {
        bar.inc(1);
        let Some(bytes) = read_entry(&root, entry, &mut found) else { continue };
        let digest = sha256_hex(&bytes);
        let checked_before = known.get(&entry.rel) == Some(&digest);
        digests.insert(entry.rel.clone(), (bytes.len(), digest));
        if checked_before {
            continue;
        }
        let models = match forced {
            Some(m) => vec![m],
            None => model_in_path(&entry.rel, ctx).map_or(tree_models.clone(), |m| vec![m]),
        };
        let base = Options { model: None, wav: None, templates };
        check_file(&entry.rel, &bytes, &models, &fetched, base, ctx, &mut found);
    }
    bar.finish_and_clear();
    if let Some(sums) = &sums {
        check_sums(sums, &by_name, &digests, &mut found);
    }
    if let Some(t) = &tree_manifest {
        check_manifest(t, &by_name, &digests, &mut found);
        found.extend(tree::check(t, &root, &by_name, key, ctx)?);
    } else {
        found.extend(tree::foreign_shadows(&root, &by_name, key, ctx)?);
    }
    found.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(found)
}

/// The bytes of a tree entry, or `None` with the reason in `found` (not a readable file, too large).
/// What the walk saw decides whether to read it; the open through `root` decides what is read.
fn read_entry(root: &TreeRoot, entry: &Entry, found: &mut Vec<Diagnostic>) -> Option<Vec<u8>> {
    if !readable(entry, found) {
        return None;
    }
    let read = root.open_entry(entry).map_err(|r| r.to_string()).and_then(|(file, meta)| {
        if entry.len > MAX_FILE_BYTES || meta.len() > MAX_FILE_BYTES {
            return Err("larger than any file a phone fetches; not read".to_string());
        }
        crate::mechanisms::input::read_from(file, MAX_FILE_BYTES).map_err(|e| e.to_string())
    });
    read.map_err(|why| found.push(Diagnostic::error(&entry.rel, why))).ok()
}

/// The models of `names` the layouts know.
fn known_models<'c>(names: &[String], ctx: &'c Context) -> Vec<&'c Model> {
    names.iter().filter_map(|m| ctx.layouts.model(m).ok()).collect()
}

/// The model a folder of the entry's path is named after (`UC924/…`), if any.
fn model_in_path<'c>(rel: &str, ctx: &'c Context) -> Option<&'c Model> {
    rel.split('/').find_map(|c| ctx.layouts.model(c).ok())
}

/// Whether to read an entry: a regular file, or a link inside the tree to one (with a warning).
/// Folders are passed over; everything else is reported and never opened.
fn readable(entry: &Entry, found: &mut Vec<Diagnostic>) -> bool {
    match &entry.kind {
        Kind::File => true,
        Kind::Dir => false,
        Kind::Special(what) => {
            found.push(Diagnostic::error(
                &entry.rel,
                format!("a {what}, not a regular file: a server would hang or fail on it; not read"),
            ));
            false
        }
        Kind::Symlink(link) => {
            let target = link.target.display();
            match (&link.inside, link.to_file) {
                (Some(_), true) => {
                    found.push(Diagnostic::warning(
                        &entry.rel,
                        format!("symbolic link to {target}: checked as that file; a server that refuses links will not serve it (copy the file instead)"),
                    ));
                    true
                }
                (Some(_), false) => {
                    found.push(Diagnostic::error(
                        &entry.rel,
                        format!("symbolic link to {target}, which is not a regular file; not followed"),
                    ));
                    false
                }
                (None, _) => {
                    found.push(Diagnostic::error(
                        &entry.rel,
                        format!("symbolic link to {target}, outside the tree or missing: a server that follows links would hand that out; not followed"),
                    ));
                    false
                }
            }
        }
    }
}

/// One file's findings: never-served names, fetched names that do not hold what the phone
/// expects, and every rule of each model it serves.
pub(crate) fn check_file(
    rel: &str,
    bytes: &[u8],
    models: &[&Model],
    fetched: &Fetched,
    base: Options,
    ctx: &Context,
    found: &mut Vec<Diagnostic>,
) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if rel == SUMS_FILE || rel == MANIFEST_JSON || rel == REPORT_HTML {
        return;
    }
    if let Some(reason) = fetched.forbidden(name) {
        found.push(Diagnostic::error(rel, reason));
        return;
    }
    let expect = fetched.expect(name);
    if expect == Some(Expect::Firmware) {
        let max = models.iter().map(|m| m.firmware_max_bytes).max().unwrap_or(u64::MAX);
        found.extend(fetched::firmware_problem(bytes, max).map(|m| Diagnostic::error(rel, m)));
        return;
    }
    if fetched.unknown_firmware(name) && !crate::mechanisms::archive::looks_like_tar(bytes) {
        found.push(Diagnostic::error(rel, "looks like firmware but no model fetches a file of this name"));
        return;
    }
    let targets: Vec<Option<&Model>> =
        if models.is_empty() { vec![None] } else { models.iter().copied().map(Some).collect() };
    let mut per_model: Vec<(Option<&Model>, Vec<Diagnostic>)> = Vec::new();
    for m in targets {
        let opts = Options { model: m, ..base };
        let mut here = Vec::new();
        match (inspect_bytes(rel, bytes, &opts, ctx), expect) {
            (Ok(report), Some(e)) if e.problem(&report).is_some() => {
                here.push(Diagnostic::error(rel, e.problem(&report).unwrap_or_default()))
            }
            (Ok(report), _) => collect(&report, &mut here),
            (Err(err), Some(e)) => here.push(Diagnostic::error(rel, e.unreadable(&format!("{err:#}")))),
            (Err(_), None) => here.push(Diagnostic::note(rel, "not a file bundler checks")),
        }
        per_model.push((m, here));
    }
    found.extend(merge_models(per_model));
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

/// The bytes of `SHA256SUMS` or `manifest.json` when the tree has it as a regular file.
fn read_list(
    root: &TreeRoot,
    by_name: &BTreeMap<&str, &Entry>,
    name: &str,
    found: &mut Vec<Diagnostic>,
) -> Option<Vec<u8>> {
    let entry = by_name.get(name)?;
    if entry.kind != Kind::File {
        found.push(Diagnostic::error(name, "not a regular file; not read"));
        return None;
    }
    // manifest.json lists every config of a provider's tree: its own, larger limit.
    let max = if name == MANIFEST_JSON { crate::mechanisms::tree_manifest::MAX_MANIFEST_BYTES } else { MAX_LIST_BYTES };
    root.read_entry(entry, max).map_err(|why| found.push(Diagnostic::error(name, why))).ok()
}

fn parse_manifest(bytes: &[u8], found: &mut Vec<Diagnostic>) -> Option<TreeManifest> {
    crate::mechanisms::tree_manifest::parse(bytes)
        .map_err(|e| found.push(Diagnostic::error(MANIFEST_JSON, format!("unreadable: {e:#}"))))
        .ok()
}

fn parse_sums(bytes: &[u8], found: &mut Vec<Diagnostic>) -> Option<Sums> {
    let parsed = std::str::from_utf8(bytes).map_err(anyhow::Error::from).and_then(|t| Sums::parse(t, SUMS_FILE));
    parsed.map_err(|e| found.push(Diagnostic::error(SUMS_FILE, format!("{e:#}")))).ok()
}

/// The digest of a file a list names, or the error for a name that leaves the tree, is not a
/// regular file or is missing (`list` names the list in messages).
fn listed<'d>(
    name: &str,
    list: &str,
    by_name: &BTreeMap<&str, &Entry>,
    digests: &'d BTreeMap<String, (usize, String)>,
) -> Result<Option<&'d (usize, String)>, Diagnostic> {
    if !crate::mechanisms::walk::stays_inside(name) {
        return Err(Diagnostic::error(list, format!("lists '{name}', a path outside the tree; not read")));
    }
    match by_name.get(name).map(|e| &e.kind) {
        None => Err(Diagnostic::error(name, format!("listed in {list} but missing"))),
        Some(Kind::Dir | Kind::Special(_)) => {
            Err(Diagnostic::error(name, format!("listed in {list} but not a regular file")))
        }
        // A file or link already reported if it was not read (too large, link out of the tree).
        Some(_) => Ok(digests.get(name)),
    }
}

fn check_sums(
    sums: &Sums,
    by_name: &BTreeMap<&str, &Entry>,
    digests: &BTreeMap<String, (usize, String)>,
    found: &mut Vec<Diagnostic>,
) {
    for (name, hash) in &sums.0 {
        match listed(name, SUMS_FILE, by_name, digests) {
            Err(d) => found.push(d),
            Ok(Some((_, actual))) if actual != hash => {
                found.push(Diagnostic::error(name.as_str(), format!("content does not match its {SUMS_FILE} digest")))
            }
            Ok(_) => {}
        }
    }
    for f in digests.keys() {
        if f != SUMS_FILE && !sums.0.contains_key(f) {
            found.push(Diagnostic::warning(f.as_str(), format!("not listed in {SUMS_FILE}")));
        }
    }
}

fn check_manifest(
    tree: &TreeManifest,
    by_name: &BTreeMap<&str, &Entry>,
    digests: &BTreeMap<String, (usize, String)>,
    found: &mut Vec<Diagnostic>,
) {
    for a in &tree.artifacts {
        let file = a.path.as_str();
        match listed(file, MANIFEST_JSON, by_name, digests) {
            Err(d) => found.push(d),
            Ok(Some((len, _))) if *len != a.bytes => {
                found.push(Diagnostic::error(file, format!("{len} bytes, {MANIFEST_JSON} says {}", a.bytes)))
            }
            Ok(Some((_, hash))) if *hash != a.sha256 => {
                found.push(Diagnostic::error(file, format!("content does not match its {MANIFEST_JSON} digest")))
            }
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The walk saw a regular file; by the time it is read it is something else (the race).
    fn read_swapped(root: &Path, rel: &str) -> (Option<Vec<u8>>, Vec<Diagnostic>) {
        let entry = Entry { rel: rel.into(), path: root.join(rel), kind: Kind::File, len: 0 };
        let tree = TreeRoot::open(root).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // In a thread: a regression blocks on a FIFO, and the test fails on the timeout instead.
        std::thread::spawn(move || {
            let mut found = Vec::new();
            let _ = tx.send((read_entry(&tree, &entry, &mut found), found));
        });
        rx.recv_timeout(Duration::from_secs(5)).expect("reading the entry blocked")
    }

    #[test]
    fn a_file_swapped_after_the_walk_is_not_read() {
        let base = tempfile::tempdir().unwrap();
        let tree = base.path().join("tree");
        std::fs::create_dir_all(tree.join("ring")).unwrap();
        std::fs::write(base.path().join("secret.txt"), b"SECRET").unwrap();
        std::os::unix::fs::symlink(base.path().join("secret.txt"), tree.join("absolute.bin")).unwrap();
        std::os::unix::fs::symlink("../secret.txt", tree.join("dotdot.bin")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(tree.join("pipe.bin")).status().unwrap().success());
        for (rel, why) in
            [("absolute.bin", "outside the tree"), ("dotdot.bin", "outside the tree"), ("pipe.bin", "a FIFO")]
        {
            let (bytes, found) = read_swapped(&tree, rel);
            assert_eq!(bytes, None, "{rel}");
            assert!(found.iter().any(|d| d.file == rel && d.message.contains(why)), "{rel}: {found:?}");
        }
        std::fs::write(tree.join("ring/ring4.bin"), b"inside").unwrap();
        assert_eq!(read_swapped(&tree, "ring/ring4.bin").0.as_deref(), Some(&b"inside"[..]));
    }
}
