//! Where `bundler publish` puts a tree: one small interface (list, get, stamp, put, delete) with a
//! local folder and S3 behind it. The order of uploads, the unchanged check and the stale rules are
//! written once (`plan.rs`, `exec.rs`) above it, so they are tested on a folder without a server as
//! well as on a real S3 server.

use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

/// One object the destination holds under its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// The key below the prefix (`config/cfg001fc1aabbcc.xml`).
    pub key: String,
    pub bytes: u64,
    /// What changes whenever the object's bytes are replaced: S3's ETag, a folder file's size and
    /// modification time.
    pub tag: String,
}

/// The bytes of one upload.
pub enum Body<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

/// One upload, with the headers phones and caches get from the one table (`headers.rs`).
pub struct Put<'a> {
    pub key: &'a str,
    pub body: Body<'a>,
    pub bytes: u64,
    pub sha256: &'a str,
    pub content_type: &'static str,
    pub cache_control: &'static str,
}

/// A place a tree is published to.
pub trait Destination: Sync {
    /// How the destination is named in messages (`s3://phones/htek at http://…`, a folder).
    fn describe(&self) -> String;
    /// Every object under the prefix.
    fn list(&self) -> Result<Vec<Object>>;
    /// The bytes of one object (at most `max`), `None` when there is none.
    fn get(&self, key: &str, max: u64) -> Result<Option<Vec<u8>>>;
    /// The SHA-256 that bundler stored beside the object when it wrote it (S3 metadata), `None`
    /// when there is no object or it carries none (not written by bundler, or a folder).
    fn stamp(&self, key: &str) -> Result<Option<String>>;
    /// Replaces or creates one object in one step; returns its new tag.
    fn put(&self, put: &Put) -> Result<String>;
    fn delete(&self, key: &str) -> Result<()>;
}

/// A local folder as a destination (a mounted share, a web server's root, and the tests' double):
/// each file written to a temporary name beside it and renamed, so a reader never sees half of it.
pub struct Folder {
    root: PathBuf,
}

/// Trees with more files than this are refused as a destination (a mistaken `/`).
const MAX_FOLDER_FILES: usize = 2_000_000;

impl Folder {
    pub fn new(root: &Path) -> Folder {
        Folder { root: root.to_path_buf() }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        let bad = key.split('/').any(|p| p.is_empty() || p == "." || p == "..");
        anyhow::ensure!(!bad && !key.starts_with('/'), "{key}: not a plain relative path");
        Ok(self.root.join(key))
    }
}

fn tag_of(meta: &std::fs::Metadata) -> String {
    let nanos = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    format!("{}-{}", meta.len(), nanos.map_or(0, |d| d.as_nanos()))
}

impl Destination for Folder {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn list(&self) -> Result<Vec<Object>> {
        if !self.root.exists() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in crate::mechanisms::walk::walk(&self.root, MAX_FOLDER_FILES)? {
            let meta = std::fs::symlink_metadata(self.root.join(&e.rel))?;
            if meta.is_file() {
                out.push(Object { key: e.rel.clone(), bytes: meta.len(), tag: tag_of(&meta) });
            }
        }
        Ok(out)
    }

    fn get(&self, key: &str, max: u64) -> Result<Option<Vec<u8>>> {
        let path = self.path(key)?;
        match crate::mechanisms::input::read_limited(&path, max) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(crate::mechanisms::error::Error::Missing { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn stamp(&self, _key: &str) -> Result<Option<String>> {
        Ok(None)
    }

    fn put(&self, put: &Put) -> Result<String> {
        let path = self.path(put.key)?;
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the folder", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        match put.body {
            Body::File(src) => {
                let mut f = std::fs::File::open(src).with_context(|| format!("{}: cannot open", src.display()))?;
                std::io::copy(&mut f, &mut tmp)?;
            }
            Body::Bytes(b) => std::io::Write::write_all(&mut tmp, b)?,
        }
        tmp.as_file().sync_all()?;
        let file =
            tmp.persist(&path).map_err(|e| e.error).with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(tag_of(&file.metadata()?))
    }

    fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key)?;
        std::fs::remove_file(&path).with_context(|| format!("{}: cannot delete", path.display()))
    }
}
