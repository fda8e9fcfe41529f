//! The one rule for what `bundler serve` hands out, shared by HTTP and TFTP: a regular file inside
//! the served folder, reached without `..`, without an absolute path and without a symbolic link that
//! leads out of the folder. Folders are never listed (a request for one is "not found"). The path
//! rules below give the log its reasons; the file itself is opened through [`TreeRoot`], so a link,
//! folder or FIFO swapped in after a check still cannot hand out anything else.

use crate::mechanisms::tree_file::{Refused, TreeRoot};
use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};

/// What a request names.
#[derive(Debug)]
pub enum Lookup {
    /// A regular file inside the tree, opened, with the metadata of the opened handle.
    File(File, Metadata),
    /// Nothing of that name in the tree (or a folder: no listing), the most common provisioning failure.
    Missing,
    /// The name tries to leave the tree; the reason is for the log line.
    Refused(&'static str),
    /// It is there but could not be opened (permissions, I/O); the reason is for the log line.
    Failed(String),
}

/// The served folder, resolved once.
pub struct Tree {
    root: PathBuf,
    files: TreeRoot,
}

impl Tree {
    pub fn open(dir: &Path) -> anyhow::Result<Tree> {
        let root = dir.canonicalize().map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        if !root.is_dir() {
            anyhow::bail!("{}: not a folder", dir.display());
        }
        Ok(Tree { files: TreeRoot::open(&root)?, root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Looks up a request path (already percent-decoded), e.g. `/UC924/hlpres.tar` or `cfg0012.xml`.
    pub fn lookup(&self, name: &str) -> Lookup {
        let rel = match relative(name) {
            Ok(rel) => rel,
            Err(why) => return Lookup::Refused(why),
        };
        if rel.as_os_str().is_empty() {
            return Lookup::Missing;
        }
        match self.files.open_file(&rel) {
            Ok((file, meta)) => Lookup::File(file, meta),
            Err(Refused::Outside) => Lookup::Refused("a symbolic link out of the tree"),
            Err(Refused::Missing | Refused::NotRegular(_)) => Lookup::Missing,
            Err(Refused::Io(e)) => Lookup::Failed(e.to_string()),
        }
    }

    /// Whether a request path names a folder of the tree (the root included), under the same rules
    /// (for FTP's `CWD`; folders are never listed).
    pub fn is_folder(&self, name: &str) -> bool {
        relative(name).is_ok_and(|rel| self.files.is_folder(&rel))
    }
}

/// A request path as a path relative to the tree, or why it is refused.
fn relative(name: &str) -> Result<PathBuf, &'static str> {
    let mut rel = PathBuf::new();
    for part in name.trim_start_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("'..' in the path"),
            p if p.contains('\\') || p.contains('\0') => return Err("a backslash or NUL in the path"),
            p => rel.push(p),
        }
    }
    if name.starts_with("//") || Path::new(name.trim_start_matches('/')).is_absolute() {
        return Err("an absolute path");
    }
    Ok(rel)
}

/// `%XX` sequences of a URL path decoded; `None` when one is malformed or the result is not UTF-8.
pub fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confines_requests_to_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("UC924")).unwrap();
        std::fs::write(dir.path().join("UC924/hlpres.tar"), b"x").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("out")).unwrap();
        let tree = Tree::open(dir.path()).unwrap();
        assert!(matches!(tree.lookup("/UC924/hlpres.tar"), Lookup::File(..)));
        assert!(matches!(tree.lookup("UC924//./hlpres.tar"), Lookup::File(..)));
        assert!(matches!(tree.lookup("/UC924"), Lookup::Missing));
        assert!(matches!(tree.lookup("/nope.xml"), Lookup::Missing));
        assert!(matches!(tree.lookup("/UC924/../../etc/passwd"), Lookup::Refused(_)));
        assert!(matches!(tree.lookup("/out"), Lookup::Refused(_)));
        assert_eq!(percent_decode("/a%2e%2E/b").as_deref(), Some("/a../b"));
        assert_eq!(percent_decode("/a%zz"), None);
    }
}
