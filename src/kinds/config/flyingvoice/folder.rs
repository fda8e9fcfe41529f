//! A provisioning folder as the Flyingvoice include walk reads it (`config resolve` and `config
//! lint`): only what is inside it, never a link out of it.

use super::fvfile;
use super::includes::{self, Fetched, Listed, Located, Step};
use crate::mechanisms::tree_file::TreeRoot;
use crate::rules::layout::FvData;
use anyhow::Result;
use std::path::{Component, Path, PathBuf};

/// The include walk over a provisioning folder (`config resolve` and `config lint`): reads `start`
/// (relative to `root`) and follows its includes. Problems of the graph itself (an include that is
/// missing, leaves the folder, also through a symlink, or closes a cycle; nesting too deep) are
/// [`Step::Problem`]s at the include line that causes them, with the file shown relative to `root`.
pub fn walk_includes(root: &Path, start: &Path, data: &FvData, on: &mut dyn for<'s> FnMut(Step<'s>)) -> Result<()> {
    let real_root = root.canonicalize().map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let files = TreeRoot::open(root)?;
    let bytes = read_in(&files, &root.join(start), start, fvfile::MAX_FILE_BYTES)?;
    let mut folder = Folder { root, real_root, files };
    includes::walk(&mut folder, data, &start.display().to_string(), &bytes, on)
}

/// A provisioning folder as the include walk reads it: only what is inside it.
struct Folder<'a> {
    root: &'a Path,
    real_root: PathBuf,
    /// What is read: the checks in `locate` only choose the messages.
    files: TreeRoot,
}

impl includes::Source for Folder<'_> {
    fn locate(&mut self, from: &str, target: &str) -> Located {
        let not_followed = |listed, problem: Option<String>| Located::NotFollowed { listed, problem };
        if target.contains("://") || target.starts_with('/') {
            let note = Some("absolute URL: bundler reads only the folder".into());
            return not_followed(Some(Listed { name: target.to_string(), status: "skipped", note }), None);
        }
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let Some(next) = inside(&base.join(target)) else {
            return not_followed(None, Some(format!("includes '{target}', which leaves the provisioning folder")));
        };
        let (path, name) = (self.root.join(&next), next.display().to_string());
        if !path.is_file() {
            let problem = format!("includes '{target}', which is not there: the phone gets nothing from it");
            return not_followed(Some(Listed { name, status: "missing", note: None }), Some(problem));
        }
        if !path.canonicalize().is_ok_and(|p| p.starts_with(&self.real_root)) {
            return not_followed(None, Some(format!(
                "includes '{target}', which is a symlink to outside the provisioning folder: the server would not hand it out"
            )));
        }
        Located::At(name)
    }

    fn fetch(&mut self, name: &str, _target: &str) -> Result<Fetched> {
        read_in(&self.files, &self.root.join(name), Path::new(name), fvfile::MAX_FILE_BYTES).map(Fetched::Got)
    }
}

/// The file `rel` of the provisioning folder `root`, read through it (never a link out of it, never a
/// FIFO), refusing more than `max` bytes; errors name `shown`.
fn read_in(root: &TreeRoot, shown: &Path, rel: &Path, max: u64) -> Result<Vec<u8>> {
    let (file, _) = root.open_file(rel).map_err(|r| anyhow::anyhow!("{}: {r}", shown.display()))?;
    crate::mechanisms::input::read_from(file, max).map_err(|why| anyhow::anyhow!("{}: {why}", shown.display()))
}

/// Whether `path`, symlinks followed, is inside the folder `root`.
pub fn within(root: &Path, path: &Path) -> bool {
    match (root.canonicalize(), path.canonicalize()) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => false,
    }
}

/// `path` with `.` and `..` resolved, or `None` when it climbs out of the folder.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use includes::Source;

    /// An include `locate` found inside the folder, swapped before it is read (the race): a link out
    /// or a FIFO is refused by the read itself, quickly.
    #[test]
    fn an_include_swapped_after_it_was_located_is_not_read() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("fv");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(base.path().join("secret.cfg"), "SECRET = 1\n").unwrap();
        std::os::unix::fs::symlink("../secret.cfg", root.join("link.cfg")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(root.join("pipe.cfg")).status().unwrap().success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let real_root = root.canonicalize().unwrap();
            let mut folder = Folder { root: &root, real_root, files: TreeRoot::open(&root).unwrap() };
            let got = ["link.cfg", "pipe.cfg"].map(|n| folder.fetch(n, n).err().map(|e| e.to_string()));
            let _ = tx.send(got);
        });
        let [link, pipe] = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("reading a FIFO blocked");
        assert!(link.as_deref().is_some_and(|e| e.contains("link.cfg") && e.contains("outside the tree")), "{link:?}");
        assert!(pipe.as_deref().is_some_and(|e| e.contains("pipe.cfg") && e.contains("a FIFO")), "{pipe:?}");
    }
}
