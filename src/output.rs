//! Writing outputs atomically: a temporary file in the destination folder, then a rename, so a
//! reader never sees a half-written file and a failure leaves nothing behind.
//!
//! Many files at once (100,000 per-phone configs) go through a [`StagedDir`]: they are written into a
//! hidden staging folder, and only when all of them are there is the staging folder renamed into place
//! (or, when the output folder already exists, each file renamed into it).

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating the parent folder when it is missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot create output folder", parent.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bundler-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("{}: cannot write in output folder", parent.display()))?;
    tmp.write_all(bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    make_readable(tmp.as_file(), 0o644).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// Gives a file or folder the usual permissions of served files (`0644`/`0755`): temporary files
/// are created private, and a web or TFTP server must be able to read what bundler writes.
pub fn make_readable(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

/// A staging folder for a set of files that must appear together or not at all.
///
/// Dropping it without [`StagedDir::commit`] removes everything written so far.
pub struct StagedDir {
    out: PathBuf,
    tmp: tempfile::TempDir,
    /// Whether `out` did not exist, so the staging folder itself becomes it.
    fresh: bool,
}

impl StagedDir {
    /// A staging folder for `out`: beside it when `out` does not exist yet, inside it (hidden) when it
    /// does, so the final renames stay on one file system.
    pub fn new(out: &Path) -> Result<StagedDir> {
        let fresh = !out.exists();
        let within = if fresh {
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create output folder", parent.display()))?;
            parent.to_path_buf()
        } else if out.is_dir() {
            out.to_path_buf()
        } else {
            anyhow::bail!("{}: exists and is not a folder", out.display());
        };
        let tmp = tempfile::Builder::new()
            .prefix(".bundler-staging-")
            .tempdir_in(&within)
            .with_context(|| format!("{}: cannot write in output folder", within.display()))?;
        // The staging folder is created private (0700); the folder it becomes must be readable by
        // the server that hands the files out.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("{}: cannot set permissions", tmp.path().display()))?;
        }
        Ok(StagedDir { out: out.to_path_buf(), tmp, fresh })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Moves every staged file into the output folder (replacing files of the same name) and removes
    /// the staging folder.
    pub fn commit(self) -> Result<()> {
        let out = self.out;
        if self.fresh {
            let tmp = self.tmp.keep();
            return std::fs::rename(&tmp, &out).map_err(|e| {
                let _ = std::fs::remove_dir_all(&tmp);
                anyhow::anyhow!("{}: cannot move the output into place: {e}", out.display())
            });
        }
        move_tree(self.tmp.path(), &out)?;
        Ok(()) // `self.tmp` (now empty) is removed on drop.
    }
}

fn move_tree(from: &Path, to: &Path) -> Result<()> {
    let entries = std::fs::read_dir(from).with_context(|| format!("{}: cannot read", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot read", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::create_dir_all(&target).with_context(|| format!("{}: cannot create", target.display()))?;
            move_tree(&entry.path(), &target)?;
        } else {
            std::fs::rename(entry.path(), &target).with_context(|| format!("{}: cannot write", target.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_files_appear_together_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new/out");
        let staged = StagedDir::new(&out).unwrap();
        std::fs::write(staged.path().join("a.xml"), b"a").unwrap();
        assert!(!out.exists());
        staged.commit().unwrap();
        assert_eq!(std::fs::read(out.join("a.xml")).unwrap(), b"a");

        // Into an existing folder: other files stay, same names are replaced, no staging left over.
        std::fs::write(out.join("keep.txt"), b"k").unwrap();
        let staged = StagedDir::new(&out).unwrap();
        std::fs::write(staged.path().join("a.xml"), b"b").unwrap();
        staged.commit().unwrap();
        let mut names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        assert_eq!(names, ["a.xml", "keep.txt"]);
        assert_eq!(std::fs::read(out.join("a.xml")).unwrap(), b"b");

        // Dropped without commit: nothing written.
        let staged = StagedDir::new(&out).unwrap();
        std::fs::write(staged.path().join("c.xml"), b"c").unwrap();
        drop(staged);
        assert!(!out.join("c.xml").exists());
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
    }

    #[test]
    fn creates_folders_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b/ring5.bin");
        write_atomic(&out, b"abc").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"abc");
        let names: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["ring5.bin"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o644);
        }
    }
}
