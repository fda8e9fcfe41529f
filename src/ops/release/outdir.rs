//! Where a release may write: `--out` is replaced as a whole, so it must never hold the manifest,
//! an input, or the folder the user is in, and an existing folder is replaced only when it is a
//! tree bundler made (its `manifest.json` lists every file in it) or empty.

use crate::mechanisms::tree_manifest::{TreeManifest, MANIFEST_JSON, REPORT_HTML, SUMS_FILE};
use anyhow::{bail, Context as _, Result};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// `--out` as an absolute path with symlinks resolved, refused when replacing it would remove the
/// manifest, an input or the current folder.
pub fn resolve(out: &Path, manifest: &Path, inputs: &[&Path]) -> Result<PathBuf> {
    let abs = canonical(out).with_context(|| format!("--out {}: cannot resolve the folder", out.display()))?;
    if abs.parent().is_none() {
        bail!("--out {}: the tree replaces the whole folder; choose a folder of its own", out.display());
    }
    for path in std::iter::once(manifest).chain(inputs.iter().copied()) {
        let p = canonical(path).with_context(|| format!("{}: cannot resolve", path.display()))?;
        if p.starts_with(&abs) {
            bail!(
                "--out {}: contains {}, which the tree would replace; choose a folder of its own such as --out build",
                out.display(),
                path.display()
            );
        }
    }
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).context("cannot read the current folder")?;
    if cwd.starts_with(&abs) {
        bail!(
            "--out {}: is (or contains) the current folder, which the tree would replace; run from elsewhere or give a subfolder such as --out build",
            out.display()
        );
    }
    Ok(abs)
}

/// `path` made absolute: its longest existing ancestor canonicalised, the missing rest appended.
fn canonical(path: &Path) -> std::io::Result<PathBuf> {
    let mut missing = Vec::new();
    let mut here = if path.as_os_str().is_empty() { Path::new(".") } else { path };
    loop {
        match std::fs::canonicalize(here) {
            Ok(mut found) => {
                for part in missing.iter().rev() {
                    found.push(part);
                }
                return Ok(found);
            }
            Err(e) => match (here.components().next_back(), here.parent()) {
                (Some(Component::Normal(name)), Some(parent)) => {
                    missing.push(name.to_os_string());
                    here = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
                }
                _ => return Err(e),
            },
        }
    }
}

/// Refuses to replace an existing `out` that holds anything its `manifest.json` does not list.
pub fn check_replaceable(out: &Path, shown: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(out) else { return Ok(()) };
    if !meta.is_dir() {
        bail!("--out {}: exists and is not a folder", shown.display());
    }
    let listed = listed_paths(out);
    let advice = "move it away, choose another --out, or pass --force to replace the folder anyway";
    if let Some(stray) = first_unlisted(out, listed.as_ref())? {
        match listed {
            None => bail!(
                "--out {}: holds '{stray}' and is not a tree bundler built (no readable {MANIFEST_JSON}); refusing to replace it: {advice}",
                shown.display()
            ),
            Some(_) => bail!(
                "--out {}: '{stray}' is not part of the tree bundler built there (not in its {MANIFEST_JSON}); refusing to replace it: {advice}",
                shown.display()
            ),
        }
    }
    Ok(())
}

/// Every path the tree's `manifest.json` accounts for, when it has a readable one.
fn listed_paths(out: &Path) -> Option<BTreeSet<String>> {
    let tree: TreeManifest = crate::mechanisms::tree_manifest::read(out, "unreadable").ok()?;
    let mut listed: BTreeSet<String> = tree.artifacts.into_iter().map(|a| a.path).collect();
    listed.extend([SUMS_FILE, MANIFEST_JSON, REPORT_HTML].map(String::from));
    Some(listed)
}

/// Most entries looked at in an existing `--out` before giving up on it.
const MAX_OUT_ENTRIES: usize = 10_000_000;

/// The first entry under `dir` that the listing does not account for: a file not listed, or a
/// folder no listed path is in. Stops at the first, so a huge folder is not walked.
fn first_unlisted(dir: &Path, listed: Option<&BTreeSet<String>>) -> Result<Option<String>> {
    crate::mechanisms::walk::first(dir, MAX_OUT_ENTRIES, |entry| {
        let is_dir = entry.kind == crate::mechanisms::walk::Kind::Dir;
        let child = if is_dir { format!("{}/", entry.rel) } else { entry.rel };
        let Some(listed) = listed else { return Some(child) };
        let covered = if is_dir {
            listed.range(child.clone()..).next().is_some_and(|p| p.starts_with(&child))
        } else {
            listed.contains(&child)
        };
        (!covered).then_some(child)
    })
}
