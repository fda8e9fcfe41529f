//! The one way to open a file of a tree bundler reads or serves (`verify`, `serve`). The tree's
//! folder is opened once; each file is opened relative to it with cap-std, so the open itself cannot
//! leave the tree (openat2 `RESOLVE_BENEATH` on Linux: a `..`, absolute or escaping symbolic link is
//! refused, even one swapped in after an earlier check), non-blocking so a FIFO swapped in cannot
//! hang it, and kept only when the opened handle is a regular file. Checks made earlier by path (the
//! walk's entry kinds, serve's path rules) decide what to ask for and what to say; this decides
//! what is read.

use crate::mechanisms::walk::Entry;
use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use std::fs::{File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// Why a file of the tree was not opened.
#[derive(Debug)]
pub enum Refused {
    /// Nothing of that name (or a dangling link).
    Missing,
    /// The path, or a link on it, leads outside the tree.
    Outside,
    /// Opened, but not a regular file: `what` names it ("folder", "FIFO", "device", …).
    NotRegular(&'static str),
    /// Any other failure to open or to read its metadata.
    Io(io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => write!(f, "no such file"),
            Refused::Outside => write!(f, "leads outside the tree (a symbolic link?); not read"),
            Refused::NotRegular(what) => write!(f, "a {what}, not a regular file; not read"),
            Refused::Io(e) => write!(f, "cannot open: {e}"),
        }
    }
}

/// A tree's root folder, opened once.
pub struct TreeRoot {
    dir: Dir,
    /// The folder as the caller named it (the walk's entry paths start with it).
    given: PathBuf,
}

impl TreeRoot {
    pub fn open(root: &Path) -> anyhow::Result<TreeRoot> {
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())
            .map_err(|e| anyhow::anyhow!("{}: cannot read folder: {e}", root.display()))?;
        Ok(TreeRoot { dir, given: root.to_path_buf() })
    }

    /// Opens `rel` (relative to the root) for reading: a regular file inside the tree, with its
    /// metadata read from the opened handle.
    pub fn open_file(&self, rel: &Path) -> Result<(File, Metadata), Refused> {
        let mut options = OpenOptions::new();
        options.read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
        let file = self.dir.open_with(rel, &options).map_err(refusal)?.into_std();
        let meta = file.metadata().map_err(Refused::Io)?;
        if !meta.is_file() {
            return Err(Refused::NotRegular(what(&meta.file_type())));
        }
        Ok((file, meta))
    }

    /// Whether `rel` (relative to the root; empty for the root) is a folder inside the tree, reached
    /// without leaving it.
    pub fn is_folder(&self, rel: &Path) -> bool {
        let rel = if rel.as_os_str().is_empty() { Path::new(".") } else { rel };
        self.dir.metadata(rel).is_ok_and(|m| m.is_dir())
    }

    /// `rel` as a path under the folder as the caller named it (for messages).
    pub fn path(&self, rel: &Path) -> PathBuf {
        self.given.join(rel)
    }

    /// Opens a walked entry of this tree (see [`TreeRoot::open_file`]).
    pub fn open_entry(&self, entry: &Entry) -> Result<(File, Metadata), Refused> {
        self.open_file(entry.path.strip_prefix(&self.given).unwrap_or(Path::new(&entry.rel)))
    }

    /// The whole of a walked entry, refusing more than `max` bytes; the error is why (the caller
    /// names the file).
    pub fn read_entry(&self, entry: &Entry, max: u64) -> Result<Vec<u8>, String> {
        let (file, _) = self.open_entry(entry).map_err(|r| r.to_string())?;
        crate::mechanisms::input::read_from(file, max).map_err(|e| e.to_string())
    }
}

/// The one file `path` of a tree, read as every tree file is: its folder opened, the file opened
/// beneath it ([`TreeRoot::open_file`]: no link out of the folder, no FIFO or device, no blocking),
/// at most `max` bytes. Errors name the file.
pub fn read_path(path: &Path, max: u64) -> anyhow::Result<Vec<u8>> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        anyhow::bail!("{}: not a file name", path.display());
    };
    let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
    let (file, _) = TreeRoot::open(parent)
        .map_err(|e| anyhow::anyhow!("{}: cannot open ({e:#})", path.display()))?
        .open_file(Path::new(name))
        .map_err(|r| anyhow::anyhow!("{}: {r}", path.display()))?;
    crate::mechanisms::input::read_from(file, max).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))
}

/// cap-std reports an escape as `PermissionDenied` without an OS error code (a real `EACCES`
/// carries one).
fn refusal(e: io::Error) -> Refused {
    match e.kind() {
        io::ErrorKind::NotFound => Refused::Missing,
        io::ErrorKind::PermissionDenied if e.raw_os_error().is_none() => Refused::Outside,
        _ => Refused::Io(e),
    }
}

fn what(ft: &std::fs::FileType) -> &'static str {
    if ft.is_dir() {
        "folder"
    } else if ft.is_symlink() {
        "symbolic link"
    } else {
        crate::mechanisms::walk::special_name(ft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::time::Duration;

    /// A tree holding `in.txt`, beside a folder `outside` holding `secret.txt`.
    fn setup() -> (tempfile::TempDir, PathBuf) {
        let base = tempfile::tempdir().unwrap();
        let tree = base.path().join("tree");
        std::fs::create_dir_all(tree.join("sub")).unwrap();
        std::fs::create_dir(base.path().join("outside")).unwrap();
        std::fs::write(base.path().join("outside/secret.txt"), b"SECRET").unwrap();
        std::fs::write(tree.join("in.txt"), b"inside").unwrap();
        std::fs::write(tree.join("sub/in.txt"), b"sub inside").unwrap();
        (base, tree)
    }

    fn read(root: &TreeRoot, rel: &str) -> Result<Vec<u8>, Refused> {
        let (file, _) = root.open_file(Path::new(rel))?;
        crate::mechanisms::input::read_from(file, 1024).map_err(|e| Refused::Io(io::Error::other(e)))
    }

    #[test]
    fn a_regular_file_inside_opens_and_reads() {
        let (_base, tree) = setup();
        symlink("sub/in.txt", tree.join("link.txt")).unwrap();
        let root = TreeRoot::open(&tree).unwrap();
        assert_eq!(read(&root, "in.txt").unwrap(), b"inside");
        assert_eq!(read(&root, "sub/in.txt").unwrap(), b"sub inside");
        assert_eq!(read(&root, "link.txt").unwrap(), b"sub inside", "a link inside the tree is followed");
        assert!(matches!(read(&root, "nope.txt"), Err(Refused::Missing)));
        assert!(matches!(read(&root, "sub"), Err(Refused::NotRegular("folder"))));
    }

    #[test]
    fn links_out_of_the_tree_are_refused() {
        let (base, tree) = setup();
        let secret = base.path().join("outside/secret.txt");
        symlink(&secret, tree.join("absolute.txt")).unwrap();
        symlink("../outside/secret.txt", tree.join("dotdot.txt")).unwrap();
        symlink("../../outside/secret.txt", tree.join("sub/deeper.txt")).unwrap();
        let root = TreeRoot::open(&tree).unwrap();
        for rel in ["absolute.txt", "dotdot.txt", "sub/deeper.txt", "../outside/secret.txt"] {
            let got = read(&root, rel);
            assert!(matches!(got, Err(Refused::Outside)), "{rel}: {got:?}");
        }
        assert!(matches!(read(&root, secret.to_str().unwrap()), Err(Refused::Outside)), "an absolute path");
    }

    #[test]
    fn a_folder_swapped_for_a_link_out_is_refused() {
        let (base, tree) = setup();
        let root = TreeRoot::open(&tree).unwrap();
        assert_eq!(read(&root, "sub/in.txt").unwrap(), b"sub inside");
        // The race: after a check found `sub/` a folder, it becomes a link to a folder outside.
        std::fs::rename(tree.join("sub"), base.path().join("old-sub")).unwrap();
        std::fs::copy(base.path().join("outside/secret.txt"), base.path().join("outside/in.txt")).unwrap();
        symlink(base.path().join("outside"), tree.join("sub")).unwrap();
        let got = read(&root, "sub/in.txt");
        assert!(matches!(got, Err(Refused::Outside)), "{got:?}");
        symlink("../outside", tree.join("rel-sub")).unwrap();
        assert!(matches!(read(&root, "rel-sub/secret.txt"), Err(Refused::Outside)));
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let (_base, tree) = setup();
        let made = std::process::Command::new("mkfifo").arg(tree.join("pipe")).status().unwrap();
        assert!(made.success());
        let root = TreeRoot::open(&tree).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // In a thread: a regression blocks in open(2), and the test fails on the timeout instead of hanging.
        std::thread::spawn(move || {
            let _ = tx.send(read(&root, "pipe").map(|_| ()).map_err(|e| e.to_string()));
        });
        let got = rx.recv_timeout(Duration::from_secs(5)).expect("opening a FIFO blocked");
        assert_eq!(got, Err("a FIFO, not a regular file; not read".to_string()));
    }
}
