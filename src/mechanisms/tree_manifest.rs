//! A provisioning tree's description of itself: `manifest.json` (with its format version), the
//! names of the files beside it (`report.html`, `SHA256SUMS`), and the one bounded reader of a
//! tree's manifest. `release` writes it; `verify`, `diff`, `dhcp` and `release` (the previous tree)
//! read it.

use anyhow::{Context as _, Result};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::mechanisms::checksums::{Sums, SUMS_FILE};

/// The tree's description of itself.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The tree folder provisioning configs go to; its files are known only once built.
pub const CONFIG_DIR: &str = "config/";
/// The tree's human-readable report.
pub const REPORT_HTML: &str = "report.html";

/// `manifest.json` files larger than this are refused. One config per phone makes a provider's
/// tree list hundreds of thousands of files, each entry about 1 KB: 256 MiB holds a quarter million.
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// One file of the tree as `manifest.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    pub path: String,
    pub bytes: usize,
    pub sha256: String,
    pub label: String,
    pub models: Vec<String>,
    /// The largest size the phone (or the layout) accepts for this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
    pub sources: Vec<Source>,
    pub rule: String,
    /// The settings that point phones at this file (from the layout's fetch table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<SettingRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Digest of everything the artifact was made from (inputs, rules, options, bundler version):
    /// an unchanged key means the previous file can be reused.
    pub key: String,
    /// Whether this build reused the file from the previous tree.
    #[serde(skip)]
    pub reused: bool,
    /// Whether the file was written into the staging tree while it was built (a config).
    #[serde(skip)]
    pub staged: bool,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SettingRecord {
    pub code: String,
    pub value: String,
    /// The model the value is for, when it differs per model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `config`: the tree's configs carry it; `set_on_phone`: the release has no `[config]`, so it
    /// is to be set on the phones some other way.
    pub scope: SettingScope,
}

/// Where a recorded setting is set.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SettingScope {
    Config,
    SetOnPhone,
}

/// The `manifest.json` format this bundler writes: 2 records `settings` lists with their scope.
pub const TREE_FORMAT_VERSION: u32 = 2;

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TreeManifest {
    /// [`TREE_FORMAT_VERSION`]; absent (1) in trees of older bundlers.
    #[serde(default = "format_one")]
    pub format_version: u32,
    pub bundler: String,
    pub vendor: String,
    pub models: Vec<String>,
    pub base_url: Option<String>,
    pub artifacts: Vec<Artifact>,
}

fn format_one() -> u32 {
    1
}

/// The manifest file of a tree: `path` itself when it is not a folder, else `path/manifest.json`.
pub fn manifest_path(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(MANIFEST_JSON)
    } else {
        path.to_path_buf()
    }
}

/// Reads a tree's `manifest.json` (at most [`MAX_MANIFEST_BYTES`], opened as a tree file: a FIFO,
/// device or link out of the folder is refused without blocking) as `T`: the whole
/// [`TreeManifest`] or the part of it a reader needs. `what` ends the error for unparsable JSON
/// (`not a bundler release manifest`); the error names the file.
pub fn read<T: DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let file = manifest_path(path);
    let bytes = crate::mechanisms::tree_file::read_path(&file, MAX_MANIFEST_BYTES)?;
    parse(&bytes).with_context(|| format!("{}: {what}", file.display()))
}

/// Parses `manifest.json` bytes read by a caller that has its own way of reading them.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    Ok(serde_json::from_slice(bytes)?)
}
