//! Writing the server tree atomically: everything goes into a staging folder beside the target,
//! which replaces the target only once complete. A failed or killed build leaves the previous tree
//! as it was (at most a stale staging folder, removed by the next build).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// A staging folder for a new version of `target`.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
}

fn prefix_for(target: &Path) -> Result<(PathBuf, String)> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .with_context(|| format!("{}: not a usable output folder name", target.display()))?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, format!(".{name}.bundler-")))
}

impl Staging {
    /// Creates the staging folder, removing stale ones left by killed builds.
    pub fn new(target: &Path) -> Result<Staging> {
        let (parent, prefix) = prefix_for(target)?;
        std::fs::create_dir_all(&parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        if target.exists() && !target.is_dir() {
            bail!("{}: exists and is not a folder", target.display());
        }
        let dir = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .with_context(|| format!("{}: cannot create a staging folder", parent.display()))?
            .keep();
        let handle = std::fs::File::open(&dir).with_context(|| format!("{}: cannot open", dir.display()))?;
        crate::output::make_readable(&handle, 0o755)
            .with_context(|| format!("{}: cannot set permissions", dir.display()))?;
        Ok(Staging { dir, target: target.to_path_buf() })
    }

    /// Writes one file of the tree (path relative to the tree, `/`-separated).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// Puts a file that is unchanged from the previous tree into the staging folder: a hard link
    /// to `previous` (whose bytes were just checked to be `bytes`), so an unchanged rebuild does
    /// not write the tree again. A previous entry that is not a plain file (a symlink) is never
    /// linked, and where links are not possible the bytes are written.
    pub fn keep(&self, rel: &str, previous: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        let plain = std::fs::symlink_metadata(previous).is_ok_and(|m| m.file_type().is_file());
        if plain && std::fs::hard_link(previous, &path).is_ok() {
            return Ok(());
        }
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// The staging path of `rel`, refused when it leaves the tree; its folders are created.
    fn path_for(&self, rel: &str) -> Result<PathBuf> {
        if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
            bail!("refusing to write outside the tree: '{rel}'");
        }
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("{}: cannot create", p.display()))?;
        }
        Ok(path)
    }

    /// Replaces the target with the staged tree.
    pub fn commit(self) -> Result<()> {
        let (parent, prefix) = prefix_for(&self.target)?;
        if self.target.exists() {
            let old = parent.join(format!("{prefix}old-{}", std::process::id()));
            std::fs::rename(&self.target, &old)
                .with_context(|| format!("{}: cannot replace", self.target.display()))?;
            if let Err(e) = std::fs::rename(&self.dir, &self.target) {
                let _ = std::fs::rename(&old, &self.target);
                return Err(e).with_context(|| format!("{}: cannot replace", self.target.display()));
            }
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&self.dir, &self.target)
                .with_context(|| format!("{}: cannot create", self.target.display()))?;
        }
        Ok(())
    }

    /// Removes the staging folder (on failure).
    pub fn discard(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
