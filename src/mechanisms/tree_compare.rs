//! The comparison of two lists of a tree's files (path, size, SHA-256): files added, changed (other
//! bytes) and removed. One mechanism for `bundler diff` (two manifests), the report's "changes since
//! the previous tree", `bundler publish` (the local tree against what a destination holds) and
//! `bundler verify s3://…` (a published tree against its manifest).

use crate::mechanisms::tree_manifest::MANIFEST_JSON;
use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One file of a tree, as far as a comparison needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct Entry {
    pub path: String,
    #[serde(default)]
    pub bytes: Option<u64>,
    #[serde(default)]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Changed,
    Removed,
}

/// One difference between two trees.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: Kind,
    pub path: String,
    pub old_bytes: Option<u64>,
    pub new_bytes: Option<u64>,
}

/// The part of `manifest.json` a comparison reads; any other key (of an older or newer bundler) is
/// ignored.
#[derive(Deserialize)]
struct Files {
    artifacts: Vec<Entry>,
}

/// The files listed in `manifest.json` (given itself, or the folder holding it).
pub fn read_entries(path: &Path) -> Result<Vec<Entry>> {
    let files: Files =
        crate::mechanisms::tree_manifest::read(path, "not a bundler manifest.json (no readable artifacts list)")?;
    Ok(files.artifacts)
}

impl Entry {
    pub fn of(a: &crate::mechanisms::tree_manifest::Artifact) -> Entry {
        Entry { path: a.path.clone(), bytes: Some(a.bytes as u64), sha256: Some(a.sha256.clone()) }
    }
}

/// What a tree about to be replaced held, for the report's change list.
pub enum Previous {
    /// No tree there yet (a first build).
    None,
    /// A tree whose `manifest.json` is missing or unreadable (the reason).
    Unreadable(String),
    Entries(Vec<Entry>),
}

/// The files of the tree at `out`, if there is one (a folder without `manifest.json` is none).
pub fn previous(out: &Path) -> Previous {
    if std::fs::symlink_metadata(out.join(MANIFEST_JSON)).is_err() {
        return Previous::None;
    }
    match read_entries(out) {
        Ok(entries) => Previous::Entries(entries),
        Err(e) => Previous::Unreadable(format!("{e:#}")),
    }
}

/// The changes from `old` to `new`, in path order.
pub fn changes(old: &[Entry], new: &[Entry]) -> Vec<Change> {
    let old: BTreeMap<&str, &Entry> = old.iter().map(|e| (e.path.as_str(), e)).collect();
    let new: BTreeMap<&str, &Entry> = new.iter().map(|e| (e.path.as_str(), e)).collect();
    let mut paths: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    paths.sort_unstable();
    paths.dedup();
    let mut list = Vec::new();
    for path in paths {
        let (o, n) = (old.get(path), new.get(path));
        let kind = match (o, n) {
            (None, Some(_)) => Kind::Added,
            (Some(_), None) => Kind::Removed,
            (Some(o), Some(n)) if o.sha256 != n.sha256 || o.bytes != n.bytes => Kind::Changed,
            _ => continue,
        };
        list.push(Change {
            kind,
            path: path.to_string(),
            old_bytes: o.and_then(|e| e.bytes),
            new_bytes: n.and_then(|e| e.bytes),
        });
    }
    list
}

/// How many changes of each kind, as "2 added, 1 changed, 0 removed".
pub fn summary(list: &[Change]) -> String {
    let count = |k: Kind| list.iter().filter(|c| c.kind == k).count();
    format!("{} added, {} changed, {} removed", count(Kind::Added), count(Kind::Changed), count(Kind::Removed))
}

/// A size for people: "1234 bytes", or "?" when the manifest did not record it.
pub fn size(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "?".to_string(), |b| format!("{b} bytes"))
}
