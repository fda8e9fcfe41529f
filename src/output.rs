//! Writing outputs atomically: a temporary file in the destination folder, then a rename, so a
//! reader never sees a half-written file and a failure leaves nothing behind.
//!
//! Many files at once (100,000 per-phone configs) go through a [`StagedDir`]: they are written into a
//! hidden staging folder, and only when all of them are there is the staging folder renamed into place
//! (or, when the output folder already exists, each file renamed into it).

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating the parent folder when it is missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = &parent_of(path);
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

/// Refuses a file-name prefix/postfix a phone could not ask for as written: only ASCII letters,
/// digits and `-._~` (the URL unreserved set, RFC 3986 §2.3), since the phone puts it into a URL
/// unescaped; not `.` or `..`; at most 64 bytes.
pub fn check_name_part(flag: &str, value: &str) -> Result<()> {
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))) {
        let shown = if bad == ' ' { "a space".to_string() } else { format!("'{}'", bad.escape_default()) };
        bail!(
            "{flag} '{}' has {shown}: a file-name prefix/postfix may hold only ASCII letters, digits and -._~ (a phone puts it into a URL unescaped)",
            value.escape_default()
        );
    }
    if value == "." || value == ".." {
        bail!("{flag} '{value}' must be text for a file name, not '{value}'");
    }
    if value.len() > 64 {
        bail!("{flag} is longer than 64 bytes");
    }
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
    /// A staging folder for adding files to `out`: beside it when `out` does not exist yet, inside
    /// it (hidden) when it does, so the final renames stay on one file system.
    pub fn new(out: &Path) -> Result<StagedDir> {
        let fresh = !out.exists();
        if !fresh && !out.is_dir() {
            anyhow::bail!("{}: exists and is not a folder", out.display());
        }
        let within = if fresh { parent_of(out) } else { out.to_path_buf() };
        StagedDir::create(out, &within, ".bundler-staging-", fresh)
    }

    /// A staging folder for replacing `out` as a whole ([`StagedDir::replace`]), created beside it.
    /// Staging folders left by killed runs are removed first.
    pub fn beside(out: &Path) -> Result<StagedDir> {
        if out.exists() && !out.is_dir() {
            anyhow::bail!("{}: exists and is not a folder", out.display());
        }
        let parent = parent_of(out);
        let name = out.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let prefix = format!(".{name}.bundler-");
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        StagedDir::create(out, &parent, &prefix, !out.exists())
    }

    fn create(out: &Path, within: &Path, prefix: &str, fresh: bool) -> Result<StagedDir> {
        std::fs::create_dir_all(within)
            .with_context(|| format!("{}: cannot create output folder", within.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(within)
            .with_context(|| format!("{}: cannot write in output folder", within.display()))?;
        // The staging folder is created private (0700); the folder it becomes must be readable by
        // the server that hands the files out.
        let handle =
            std::fs::File::open(tmp.path()).with_context(|| format!("{}: cannot open", tmp.path().display()))?;
        make_readable(&handle, 0o755).with_context(|| format!("{}: cannot set permissions", tmp.path().display()))?;
        Ok(StagedDir { out: out.to_path_buf(), tmp, fresh })
    }

    /// Writes one file at a `/`-separated path inside the staging folder, refusing paths that
    /// would leave it.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// Puts a file that is unchanged from the previous output into the staging folder: a hard link
    /// to `previous` (whose bytes were just checked to be `bytes`), so an unchanged rebuild does not
    /// write everything again. A previous entry that is not a plain file (a symlink) is never
    /// linked, and where links are not possible the bytes are written.
    pub fn keep(&self, rel: &str, previous: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        let plain = std::fs::symlink_metadata(previous).is_ok_and(|m| m.file_type().is_file());
        if plain && std::fs::hard_link(previous, &path).is_ok() {
            return Ok(());
        }
        std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))
    }

    /// The staging path of `rel`, refused when it leaves the folder; its folders are created.
    fn path_for(&self, rel: &str) -> Result<PathBuf> {
        if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
            anyhow::bail!("refusing to write outside the output folder: '{rel}'");
        }
        let path = self.tmp.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("{}: cannot create", p.display()))?;
        }
        Ok(path)
    }

    /// Replaces `out` with the staged folder: `out` is moved aside, the staging folder renamed into
    /// its place, and the old one removed. A failure puts the old folder back.
    pub fn replace(self) -> Result<()> {
        let out = self.out;
        let staged = self.tmp.keep();
        if out.exists() {
            let old = parent_of(&out).join(format!(
                ".{}.bundler-old-{}",
                out.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
                std::process::id()
            ));
            std::fs::rename(&out, &old).with_context(|| format!("{}: cannot replace", out.display()))?;
            if let Err(e) = std::fs::rename(&staged, &out) {
                let _ = std::fs::rename(&old, &out);
                let _ = std::fs::remove_dir_all(&staged);
                return Err(e).with_context(|| format!("{}: cannot replace", out.display()));
            }
            let _ = std::fs::remove_dir_all(&old);
            return Ok(());
        }
        std::fs::rename(&staged, &out).map_err(|e| {
            let _ = std::fs::remove_dir_all(&staged);
            anyhow::anyhow!("{}: cannot create: {e}", out.display())
        })
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

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
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
