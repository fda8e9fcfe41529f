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
///
/// Only a regular file (or a new name) is replaced: `-` writes to standard output, a character
/// device or FIFO (`/dev/null`, `/dev/stdout` on a pipe) is written through, and a symlink to a
/// regular file has its target replaced (the link stays). A folder or a dangling symlink is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return out.write_all(bytes).and_then(|()| out.flush()).context("standard output: cannot write");
    }
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => bail!("{}: is a folder, not a file", path.display()),
        Ok(m) if !m.is_file() => write_through(path, bytes),
        Ok(_) if link => {
            let target = std::fs::canonicalize(path).with_context(|| format!("{}: cannot resolve", path.display()))?;
            replace_file(&target, bytes)
        }
        Err(_) if link => bail!("{}: is a symlink to a missing file; refusing to replace the link", path.display()),
        _ => replace_file(path, bytes),
    }
}

/// Writes into an existing device or FIFO as it is.
fn write_through(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("{}: cannot open", path.display()))?;
    file.write_all(bytes).with_context(|| format!("{}: cannot write", path.display()))
}

/// A temporary file beside `path`, renamed over it.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
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

/// Writes a new file with the served mode (0644), whatever the umask.
fn write_served(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?;
    file.write_all(bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    make_readable(&file, 0o644).with_context(|| format!("{}: cannot set permissions", path.display()))
}

/// Sets a path's permission bits (a folder's, here).
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Whether an entry has exactly the permission bits bundler gives what it serves (`0644` files,
/// `0755` folders).
pub fn served(meta: &std::fs::Metadata, mode: u32) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o777 == mode
    }
    #[cfg(not(unix))]
    {
        let _ = (meta, mode);
        true
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
    /// Staging folders left by killed runs are removed first; holding `lock` guarantees that no
    /// other run is using them.
    pub fn beside(out: &Path, lock: &OutLock) -> Result<StagedDir> {
        if out.exists() && !out.is_dir() {
            anyhow::bail!("{}: exists and is not a folder", out.display());
        }
        let parent = parent_of(out);
        let name = tree_name(out);
        debug_assert_eq!(lock.path, beside_out(out, "bundler-lock"));
        let leftovers = [format!(".{name}.bundler-staging-"), format!(".{name}.bundler-old-")];
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                let file_name = e.file_name().to_string_lossy().into_owned();
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && leftovers.iter().any(|p| file_name.starts_with(p.as_str())) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        StagedDir::create(out, &parent, &leftovers[0], !out.exists())
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
        write_served(&path, bytes)
    }

    /// Puts a file that is unchanged from the previous output into the staging folder: a hard link
    /// to `previous` (whose bytes were just checked to be `bytes`), so an unchanged rebuild does not
    /// write everything again. A previous entry that is not a plain file (a symlink), or whose mode
    /// is not the served `0644` (a link shares it), is never linked, and where links are not
    /// possible the bytes are written.
    pub fn keep(&self, rel: &str, previous: &Path, bytes: &[u8]) -> Result<()> {
        let path = self.path_for(rel)?;
        let plain = std::fs::symlink_metadata(previous).is_ok_and(|m| m.file_type().is_file() && served(&m, 0o644));
        if plain && std::fs::hard_link(previous, &path).is_ok() {
            return Ok(());
        }
        write_served(&path, bytes)
    }

    /// The staging path of `rel`, refused when it leaves the folder; its folders are created.
    fn path_for(&self, rel: &str) -> Result<PathBuf> {
        if rel.starts_with('/') || rel.split('/').any(|c| c == ".." || c.is_empty()) {
            anyhow::bail!("refusing to write outside the output folder: '{rel}'");
        }
        let path = self.tmp.path().join(rel);
        if let Some(p) = path.parent().filter(|p| !p.is_dir()) {
            std::fs::create_dir_all(p).with_context(|| format!("{}: cannot create", p.display()))?;
            // Folders as a server reads them (0755), whatever the umask: the new ones up to the root.
            for folder in p.ancestors().take_while(|a| *a != self.tmp.path()) {
                set_mode(folder, 0o755).with_context(|| format!("{}: cannot set permissions", folder.display()))?;
            }
        }
        Ok(path)
    }

    /// Replaces `out` with the staged folder. Where the kernel and file system have it, one
    /// `renameat2(RENAME_EXCHANGE)` swaps the two (there is a tree at `out` at every instant) and
    /// the old tree, now at the staging name, is removed. Elsewhere `out` is moved aside to
    /// `.NAME.bundler-old-PID`, the staging folder renamed into its place, and the old one removed;
    /// a kill between the two renames leaves the old tree aside, and [`recover`] puts it back on
    /// the next run. A failure puts the old folder back.
    pub fn replace(self) -> Result<()> {
        let out = self.out;
        let staged = self.tmp.keep();
        if !out.exists() {
            return std::fs::rename(&staged, &out).map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                anyhow::anyhow!("{}: cannot create: {e}", out.display())
            });
        }
        if exchange(&staged, &out).is_ok() {
            let _ = std::fs::remove_dir_all(&staged);
            return Ok(());
        }
        let old = beside_out(&out, &format!("bundler-old-{}", std::process::id()));
        std::fs::rename(&out, &old).with_context(|| format!("{}: cannot replace", out.display()))?;
        if let Err(e) = std::fs::rename(&staged, &out) {
            let _ = std::fs::rename(&old, &out);
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e).with_context(|| format!("{}: cannot replace", out.display()));
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
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
        refuse_foreign_targets(self.tmp.path(), &out)?;
        move_tree(self.tmp.path(), &out)?;
        Ok(()) // `self.tmp` (now empty) is removed on drop.
    }
}

/// Swaps two folders in one step (`renameat2` with `RENAME_EXCHANGE`; Linux 3.15 and most local
/// file systems). An error (not supported here) leaves both where they were.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (a, b);
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

/// Undoes a run killed between the two renames of [`StagedDir::replace`]: when `out` is missing and
/// a previous tree was moved aside (`.NAME.bundler-old-*`), it is put back at `out` (the newest, if
/// several), so the next run sees the tree it is replacing and nothing is deleted as a leftover.
/// Returns the folder put back. Holding `lock` guarantees that no other run is between its renames.
pub fn recover(out: &Path, lock: &OutLock) -> Result<Option<PathBuf>> {
    debug_assert_eq!(lock.path, beside_out(out, "bundler-lock"));
    if std::fs::symlink_metadata(out).is_ok() {
        return Ok(None);
    }
    let prefix = format!(".{}.bundler-old-", tree_name(out));
    let Ok(entries) = std::fs::read_dir(parent_of(out)) else { return Ok(None) };
    let newest = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    let Some((_, aside)) = newest else { return Ok(None) };
    std::fs::rename(&aside, out).with_context(|| {
        format!(
            "{}: cannot put back the previous tree from {} (a run was killed while replacing it)",
            out.display(),
            aside.display()
        )
    })?;
    Ok(Some(aside))
}

/// The name of the output folder, as used in the names of its staging folders and lock.
fn tree_name(out: &Path) -> String {
    out.file_name().map_or_else(|| "out".to_string(), |n| n.to_string_lossy().into_owned())
}

/// A file bundler keeps beside the output folder `out`: `.NAME.WHAT` in its parent (the lock, the
/// release's input cache).
pub fn beside_out(out: &Path, what: &str) -> PathBuf {
    parent_of(out).join(format!(".{}.{what}", tree_name(out)))
}

/// An exclusive claim on an output folder, so two runs never build into it at once: a locked file
/// `.NAME.bundler-lock` beside it, holding the owner's process id, removed when the claim ends.
pub struct OutLock {
    path: PathBuf,
    file: std::fs::File,
}

impl OutLock {
    /// Claims `out`, or fails at once naming the run that holds it.
    pub fn acquire(out: &Path) -> Result<OutLock> {
        let parent = parent_of(out);
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("{}: cannot create output folder", parent.display()))?;
        let path = beside_out(out, "bundler-lock");
        // The holder removes the file when done, so a file locked here may already be unlinked:
        // only a lock on the file that is still at `path` counts.
        for _ in 0..100 {
            let file = open_lock_file(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = std::io::Read::read_to_string(&mut std::io::Read::take(&file, 64), &mut holder);
                    let holder =
                        if holder.trim().is_empty() { "a process".to_string() } else { holder.trim().to_string() };
                    bail!(
                        "{}: another bundler run ({holder}, lock {}) is building into this folder; try again when it has finished",
                        out.display(),
                        path.display()
                    );
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("{}: cannot lock", path.display()))
                }
            }
            if same_file(&file, &path) {
                let mut lock = OutLock { path, file };
                lock.file.set_len(0)?;
                write!(lock.file, "pid {}", std::process::id())?;
                return Ok(lock);
            }
        }
        bail!("{}: cannot lock (the lock file keeps changing)", path.display())
    }
}

/// Opens (or creates) the lock file without following a symbolic link at its name and without
/// blocking, and keeps it only when it is a regular file: a link there is refused, never written
/// through.
fn open_lock_file(path: &Path) -> Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW | libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| match e.raw_os_error() {
        Some(libc::ELOOP) => anyhow::anyhow!(
            "{}: the lock file is a symbolic link; refusing to write through it (remove it if no bundler run is building here)",
            path.display()
        ),
        _ => anyhow::anyhow!("{}: cannot create the lock file: {e}", path.display()),
    })?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        bail!("{}: the lock file is not a regular file; refusing to use it", path.display());
    }
    Ok(file)
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Removed while still locked (the file closes after this), so a waiting run sees it gone.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether the open `file` is the file now at `path`.
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// The folder `path` is in (`.` for a bare name).
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Before anything moves: every staged path must land on nothing or on a plain file (or, for a
/// folder, a plain folder) in `out`. A symlink, device or FIFO there is refused, never replaced or
/// followed out of the folder.
fn refuse_foreign_targets(staged: &Path, out: &Path) -> Result<()> {
    for entry in crate::mechanisms::walk::walk(staged, usize::MAX)? {
        let target = out.join(&entry.rel);
        let Ok(meta) = std::fs::symlink_metadata(&target) else { continue };
        let kind = meta.file_type();
        let fits = if entry.kind == crate::mechanisms::walk::Kind::Dir { kind.is_dir() } else { kind.is_file() };
        if !fits {
            let what = if kind.is_symlink() {
                "a symlink"
            } else if kind.is_dir() {
                "a folder"
            } else {
                "not a plain file"
            };
            bail!(
                "{}: is {what}; refusing to replace it (move it away or choose another output folder)",
                target.display()
            );
        }
    }
    Ok(())
}

fn move_tree(from: &Path, to: &Path) -> Result<()> {
    let entries = std::fs::read_dir(from).with_context(|| format!("{}: cannot read", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}: cannot read", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) && target.is_dir() {
            move_tree(&entry.path(), &target)?;
        } else {
            // A file, or a folder new to `to`: moved whole, with the modes staging gave it.
            std::fs::rename(entry.path(), &target).with_context(|| format!("{}: cannot write", target.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn two_folders_swap_in_one_step() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("f"), "new").unwrap();
        std::fs::write(b.join("f"), "old").unwrap();
        exchange(&a, &b).expect("renameat2(RENAME_EXCHANGE) on this file system");
        assert_eq!(std::fs::read_to_string(b.join("f")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(a.join("f")).unwrap(), "old");
    }

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
    fn a_symlink_in_the_output_folder_is_refused_before_anything_moves() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(dir.path().join("outside.txt"), b"mine").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), out.join("b.xml")).unwrap();
        let staged = StagedDir::new(&out).unwrap();
        std::fs::write(staged.path().join("a.xml"), b"a").unwrap();
        std::fs::write(staged.path().join("b.xml"), b"b").unwrap();
        let err = staged.commit().unwrap_err().to_string();
        assert!(err.contains("b.xml") && err.contains("symlink"), "{err}");
        assert_eq!(std::fs::read(dir.path().join("outside.txt")).unwrap(), b"mine");
        assert!(std::fs::symlink_metadata(out.join("b.xml")).unwrap().file_type().is_symlink());
        assert!(!out.join("a.xml").exists(), "nothing moves when one target is refused");
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
