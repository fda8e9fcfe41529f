//! What bundler has written under a prefix: `.bundler-publish.json` beside the tree, one entry per
//! object (SHA-256, size, and the tag the destination gave it). It decides which objects are
//! bundler's (only those are ever replaced or deleted as stale) and lets an unchanged tree be
//! recognised from one listing, without reading any object.

use super::dest::{Body, Destination, Put};
use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record's key under the prefix.
pub const RECORD_KEY: &str = ".bundler-publish.json";
/// Records larger than this are refused (a few hundred bytes per object).
const MAX_RECORD_BYTES: u64 = 512 * 1024 * 1024;
/// The record format this bundler writes.
const RECORD_FORMAT: u32 = 1;

/// One object bundler wrote (or was about to write: `tag` is `None` until the upload returned).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    pub sha256: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    pub format: u32,
    pub objects: BTreeMap<String, Recorded>,
}

impl Record {
    /// The record at the destination, or an empty one when there is none yet.
    pub fn read(dest: &dyn Destination) -> Result<Record> {
        let Some(bytes) = dest.get(RECORD_KEY, MAX_RECORD_BYTES)? else {
            return Ok(Record { format: RECORD_FORMAT, objects: BTreeMap::new() });
        };
        let record: Record = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}/{RECORD_KEY}: not a bundler publish record", dest.describe()))?;
        anyhow::ensure!(
            record.format <= RECORD_FORMAT,
            "{}/{RECORD_KEY}: written by a newer bundler (format {}); update bundler",
            dest.describe(),
            record.format
        );
        Ok(record)
    }

    /// Writes the record in one step.
    pub fn write(&self, dest: &dyn Destination) -> Result<()> {
        let bytes = serde_json::to_vec(self)?;
        let sha = crate::mechanisms::checksums::sha256_hex(&bytes);
        let put = Put {
            key: RECORD_KEY,
            body: Body::Bytes(&bytes),
            bytes: bytes.len() as u64,
            sha256: &sha,
            content_type: "application/json",
            cache_control: crate::mechanisms::headers::Freshness::Revalidate.cache_control(),
        };
        dest.put(&put).map(|_| ()).with_context(|| format!("{RECORD_KEY}: cannot write the publish record"))
    }
}
