//! What every artifact kind's builder shares: where an item is built and for whom ([`Place`]), the
//! files it makes ([`Output`]), and the one interface each kind's spec implements ([`ArtifactSpec`]).
//!
//! The kinds (`ringtone`, `hlpres`, `language`, `firmware`, `config`) implement it next to their
//! own code; `release` plans items from its manifest and calls it. This module knows no kind.

use crate::rules::layout::{Layouts, Model};
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// One built file of the tree.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path relative to the tree.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Facts for the manifest and report (duration, dimensions, …).
    pub details: serde_json::Value,
    /// The models this file serves when it is fewer than the item's (a firmware file).
    pub models: Option<Vec<String>>,
    /// The file's SHA-256 when already known (a reused file, checked against the previous tree; a
    /// config, from what was written).
    pub sha256: Option<String>,
    /// `Some(size)`: the file is already in the staging tree (a config) and `bytes` is empty.
    pub staged: Option<usize>,
}

impl Output {
    /// A newly built file serving all of its item's models.
    pub fn new(path: &str, bytes: Vec<u8>, details: serde_json::Value) -> Output {
        Output { path: path.to_string(), bytes, details, models: None, sha256: None, staged: None }
    }

    /// The same bytes and details at every one of `paths` (a file every model fetches from its own path).
    pub fn at_each(paths: &[String], bytes: &[u8], details: &serde_json::Value) -> Vec<Output> {
        paths.iter().map(|p| Output::new(p, bytes.to_vec(), details.clone())).collect()
    }
}

/// Where and for whom one item is built.
pub struct Place<'a> {
    /// The item's output paths relative to the tree, in the order its kind produces them.
    pub outputs: &'a [String],
    /// The model whose rules apply (the first of `models` for shared items).
    pub model: &'a Model,
    /// Every model the item serves.
    pub models: &'a [String],
    pub layouts: &'a Layouts,
    /// The staging tree, for kinds that write straight into it (configs); the others return bytes.
    pub staging: &'a Path,
}

impl Place<'_> {
    /// The first output path (kinds that make one file).
    pub fn output(&self) -> &str {
        &self.outputs[0]
    }
}

/// One artifact kind's spec: everything that decides its output, serialised for the reuse key.
pub trait ArtifactSpec: Send + Sync {
    /// Builds the item's outputs at `at` (in memory, or into `at.staging` with `Output::staged`).
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>>;
}

/// Serialises an optional value by its text (`mu-law`, `1.0.3.73`), for the reuse key.
pub fn serialize_display<T: std::fmt::Display, S: serde::Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    value.as_ref().map(ToString::to_string).serialize(s)
}
