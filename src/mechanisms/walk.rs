//! The one tree walker of the project: every entry under a folder, never following a symbolic link,
//! each reported by its kind, with a limit on how many entries a walk may find (a mistaken
//! `verify /`). Callers decide what a link or a FIFO means for them; nothing here opens a file.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// What an entry is, read without following links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    /// A symbolic link; `target` is what it points at, as written in the link.
    Symlink(Link),
    /// A FIFO, socket or device: `what` names it for messages.
    Special(&'static str),
}

/// Where a symbolic link leads, resolved once without reading anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: PathBuf,
    /// The fully resolved target, when it exists and lies inside the walked folder.
    pub inside: Option<PathBuf>,
    /// Whether the resolved target is a regular file.
    pub to_file: bool,
}

/// One entry: its `/`-separated path relative to the walked folder, and its kind.
#[derive(Debug, Clone)]
pub struct Entry {
    pub rel: String,
    pub path: PathBuf,
    pub kind: Kind,
    /// Size in bytes of a regular file (0 for the rest).
    pub len: u64,
}

/// Every entry under `root` (not `root` itself), sorted by path; errors past `max_entries`.
pub fn walk(root: &Path, max_entries: usize) -> Result<Vec<Entry>> {
    walk_to(root, max_entries, usize::MAX)
}

/// The entries directly in `root` (a folder's listing), sorted; errors past `max_entries`.
pub fn list(root: &Path, max_entries: usize) -> Result<Vec<Entry>> {
    walk_to(root, max_entries, 1)
}

/// The entries under `root` down to `max_depth` levels (1: the folder's own listing), sorted.
pub fn walk_to(root: &Path, max_entries: usize, max_depth: usize) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    visit(root, max_entries, max_depth, |entry| {
        out.push(entry);
        None::<()>
    })?;
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The first `Some` that `find` gives for an entry under `root`, visited depth first with each
/// folder's entries in name order (a folder before what it holds); stops there, so a huge folder
/// is walked only as far as needed. Errors past `max_entries` entries visited.
pub fn first<T>(root: &Path, max_entries: usize, find: impl FnMut(Entry) -> Option<T>) -> Result<Option<T>> {
    visit(root, max_entries, usize::MAX, find)
}

fn visit<T>(
    root: &Path,
    max_entries: usize,
    max_depth: usize,
    mut find: impl FnMut(Entry) -> Option<T>,
) -> Result<Option<T>> {
    let canonical = root.canonicalize().with_context(|| format!("{}: cannot read folder", root.display()))?;
    if !canonical.is_dir() {
        bail!("{}: cannot read folder: not a folder", root.display());
    }
    let walker = walkdir::WalkDir::new(root).min_depth(1).max_depth(max_depth).follow_links(false);
    for (seen, item) in walker.sort_by_file_name().into_iter().enumerate() {
        if seen >= max_entries {
            bail!("{}: more than {max_entries} entries; is this the right folder?", root.display());
        }
        let item = item.map_err(|e| {
            let why = e.io_error().map_or_else(|| e.to_string(), |io| io.to_string());
            anyhow::anyhow!("{}: cannot read folder: {why}", e.path().unwrap_or(root).display())
        })?;
        if let Some(found) = find(entry(&item, root, &canonical)?) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

fn entry(item: &walkdir::DirEntry, root: &Path, canonical: &Path) -> Result<Entry> {
    let meta = item.metadata().with_context(|| format!("{}: cannot read", item.path().display()))?;
    let rel = item.path().strip_prefix(root).unwrap_or(item.path()).to_string_lossy().replace('\\', "/");
    let kind = kind_of(&meta.file_type(), item.path(), canonical);
    let len = if meta.is_file() { meta.len() } else { 0 };
    Ok(Entry { rel, path: item.path().to_path_buf(), kind, len })
}

fn kind_of(ft: &std::fs::FileType, path: &Path, root: &Path) -> Kind {
    if ft.is_file() {
        Kind::File
    } else if ft.is_dir() {
        Kind::Dir
    } else if ft.is_symlink() {
        Kind::Symlink(link(path, root))
    } else {
        Kind::Special(special_name(ft))
    }
}

fn link(path: &Path, root: &Path) -> Link {
    let target = std::fs::read_link(path).unwrap_or_default();
    let resolved = path.canonicalize().ok();
    let to_file = resolved.as_ref().and_then(|r| std::fs::symlink_metadata(r).ok()).is_some_and(|m| m.is_file());
    Link { target, inside: resolved.filter(|r| r.starts_with(root)), to_file }
}

/// The word for a FIFO, socket or device in messages.
#[cfg(unix)]
pub fn special_name(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
pub fn special_name(_ft: &std::fs::FileType) -> &'static str {
    "special file"
}

/// Whether `rel` (a path written in a file of the tree, e.g. a `SHA256SUMS` line) names something
/// inside the tree: relative, no `..`, no empty or `.` parts, no backslash or NUL.
pub fn stays_inside(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.starts_with('/')
        && !rel.contains(['\\', '\0'])
        && rel.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_tree() {
        assert!(stays_inside("ring/ring4.bin"));
        for bad in ["../outside.txt", "/etc/passwd", "a/../../b", "", "a//b", "./a", "a\\..\\b"] {
            assert!(!stays_inside(bad), "{bad}");
        }
    }
}
