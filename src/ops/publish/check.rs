//! The proof after a publish: every object compared with the tree's manifest (size and SHA-256),
//! through the same comparison as `bundler diff` (`tree_compare`). An object's SHA-256 comes from
//! the publish record when the object is still the one bundler wrote (same tag), else from the
//! stamp bundler stored with it, else from its bytes (read and hashed).

use super::dest::Destination;
use super::exec::parallel;
use super::record::{Record, RECORD_KEY};
use crate::mechanisms::tree_compare::{changes, Change, Entry};
use anyhow::Result;
use std::collections::BTreeSet;

/// Objects read to be hashed are refused past this size.
const MAX_OBJECT_BYTES: u64 = 8 << 30;

/// The differences between `expected` (the manifest) and what `dest` holds: `removed` is missing
/// at the destination, `changed` differs, `added` is an extra object (not an error).
pub fn compare(dest: &dyn Destination, expected: &[Entry], jobs: usize) -> Result<Vec<Change>> {
    let listed = dest.list()?;
    let record = Record::read(dest)?;
    let wanted: BTreeSet<&str> = expected.iter().map(|e| e.path.as_str()).collect();
    let objects: Vec<_> = listed.into_iter().filter(|o| o.key != RECORD_KEY).collect();
    let found: Vec<Result<Entry>> = parallel(&objects, jobs, |o| {
        if !wanted.contains(o.key.as_str()) {
            return Ok(Entry { path: o.key.clone(), bytes: Some(o.bytes), sha256: None });
        }
        let recorded = record.objects.get(&o.key).filter(|r| r.tag.as_deref() == Some(o.tag.as_str()));
        let sha = match recorded {
            Some(r) => r.sha256.clone(),
            None => match dest.stamp(&o.key)? {
                Some(s) => s,
                None => hash_object(dest, &o.key)?,
            },
        };
        Ok(Entry { path: o.key.clone(), bytes: Some(o.bytes), sha256: Some(sha) })
    });
    let found: Vec<Entry> = found.into_iter().collect::<Result<_>>()?;
    Ok(changes(expected, &found))
}

fn hash_object(dest: &dyn Destination, key: &str) -> Result<String> {
    let bytes = dest.get(key, MAX_OBJECT_BYTES)?.ok_or_else(|| anyhow::anyhow!("{key}: gone while checking"))?;
    Ok(crate::mechanisms::checksums::sha256_hex(&bytes))
}
