//! `bundler publish`: puts a built tree on S3-compatible object storage (or a folder) so that a
//! phone never sees half of it: resources first, then configs, then the tree's description; only
//! what changed is sent; stale objects go only when asked and only those bundler wrote; every
//! object gets the headers of the one table (`headers.rs`). `--check` and `bundler verify s3://…`
//! compare what is there with the manifest. `bundler publish` (src/commands/publish.rs) prints
//! what these return.

mod check;
mod credentials;
pub mod dest;
mod exec;
pub mod plan;
pub mod record;
mod s3;

pub use exec::{publish, Options, Outcome};

use crate::mechanisms::tree_compare::{Change, Entry, Kind};
use anyhow::Result;
use dest::{Destination, Folder};
use sha2::Digest as _;
use std::io::Read as _;
use std::path::Path;

/// Where the object storage is, when not where the environment and profile say.
#[derive(Debug, Clone, Copy, Default)]
pub struct Storage<'a> {
    /// The S3 endpoint, for storage other than AWS.
    pub endpoint: Option<&'a str>,
    /// The bucket's region.
    pub region: Option<&'a str>,
}

/// A file's size and SHA-256, read in pieces.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let (mut file, _) = crate::mechanisms::input::open_regular(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, format!("{:x}", hasher.finalize())))
}

/// The destination named by `to` (`s3://BUCKET/PREFIX` or a folder), and a line saying where and
/// with which credentials. Larger files go up to S3 in parts of `part_mib` MiB.
pub fn open(to: &str, storage: Storage, part_mib: u64) -> Result<(Box<dyn Destination>, String)> {
    if to.starts_with("s3://") {
        let s3 = s3::S3::new(to, storage.endpoint, storage.region, part_mib << 20)?;
        let line = format!("{} at {} ({})", s3.describe(), s3.endpoint(), s3.credentials_from());
        return Ok((Box::new(s3), line));
    }
    let folder = Folder::new(Path::new(to));
    let line = folder.describe();
    Ok((Box::new(folder), line))
}

/// `--check`: what `dest` holds against the tree's files `local` (missing, differing, extra).
pub fn check(dest: &dyn Destination, local: &[plan::LocalFile], jobs: usize) -> Result<Vec<Change>> {
    let expected: Vec<Entry> = local.iter().map(|f| entry(&f.key, f.bytes, &f.sha256)).collect();
    check::compare(dest, &expected, jobs)
}

fn entry(path: &str, bytes: u64, sha: &str) -> Entry {
    Entry { path: path.to_string(), bytes: Some(bytes), sha256: Some(sha.to_string()) }
}

/// `bundler verify s3://BUCKET/PREFIX`: the published tree at `dest` (named `url`) against its own
/// `manifest.json`; the changes and how many files the manifest lists.
pub fn check_published(dest: &dyn Destination, url: &str) -> Result<(Vec<Change>, usize)> {
    let bytes = dest
        .get(crate::mechanisms::tree_manifest::MANIFEST_JSON, crate::mechanisms::tree_manifest::MAX_MANIFEST_BYTES)?
        .ok_or_else(|| anyhow::anyhow!("{url}: no manifest.json there (publish a tree first)"))?;
    #[derive(serde::Deserialize)]
    struct Files {
        artifacts: Vec<Entry>,
    }
    let files: Files = crate::mechanisms::tree_manifest::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{url}/manifest.json: not a bundler manifest.json ({e})"))?;
    let description = [
        crate::mechanisms::tree_manifest::MANIFEST_JSON,
        crate::mechanisms::tree_manifest::SUMS_FILE,
        crate::mechanisms::tree_manifest::REPORT_HTML,
    ];
    let mut list = check::compare(dest, &files.artifacts, 8)?;
    list.retain(|c| !(c.kind == Kind::Added && description.contains(&c.path.as_str())));
    Ok((list, files.artifacts.len()))
}
