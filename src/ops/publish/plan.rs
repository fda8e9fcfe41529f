//! What a publish does, decided before anything is sent: the tree's files in upload order (what the
//! configs point at, then the configs, then the tree's own description), which of them the
//! destination already holds, which it must not replace, and which objects are stale.

use super::dest::Object;
use super::record::{Record, Recorded, RECORD_KEY};
use crate::mechanisms::headers::{freshness, mime_type, Freshness};
use crate::mechanisms::tree_manifest::{TreeManifest, CONFIG_DIR, MANIFEST_JSON, REPORT_HTML, SUMS_FILE};
use anyhow::{Context as _, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The three upload steps, in order: a config never arrives before what it points at, and the
/// tree's description arrives last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Firmware, ring tones, tars, images, phonebooks: everything a config points at.
    Resources,
    Configs,
    /// `manifest.json`, `SHA256SUMS`, `report.html`.
    Description,
}

/// One file of the local tree.
#[derive(Debug, Clone)]
pub struct LocalFile {
    pub key: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub phase: Phase,
    pub freshness: Freshness,
}

impl LocalFile {
    pub fn content_type(&self) -> &'static str {
        mime_type(&self.key)
    }
}

/// What happens to one local file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The destination holds these bytes already.
    Unchanged,
    Upload,
    /// The listing and the record cannot tell: ask the object's stamp.
    Ask,
    /// Not replaced, for this reason.
    Refuse(String),
}

/// The tree's files listed in `manifest.json`, plus the manifest, `SHA256SUMS` and `report.html`,
/// hashed from disk (a file that differs from the manifest is refused: publish what was built).
pub fn local_files(tree: &Path) -> Result<Vec<LocalFile>> {
    let manifest: TreeManifest = crate::mechanisms::tree_manifest::read(tree, "not a bundler manifest.json")?;
    let mut files: Vec<(String, Option<String>, Phase, Option<String>)> = manifest
        .artifacts
        .iter()
        .map(|a| {
            let basic = a.details.get("basic_name").and_then(|v| v.as_str()).map(str::to_string);
            let phase = if a.path.starts_with(CONFIG_DIR) { Phase::Configs } else { Phase::Resources };
            (a.path.clone(), Some(a.sha256.clone()), phase, basic)
        })
        .collect();
    for name in [SUMS_FILE, REPORT_HTML, MANIFEST_JSON] {
        if tree.join(name).is_file() {
            files.push((name.to_string(), None, Phase::Description, None));
        }
    }
    use rayon::prelude::*;
    let mut out: Vec<LocalFile> = files.into_par_iter().map(|f| hash_one(tree, f)).collect::<Result<_>>()?;
    out.sort_by(|a, b| (a.phase, &a.key).cmp(&(b.phase, &b.key)));
    Ok(out)
}

fn hash_one(
    tree: &Path,
    (key, want, phase, basic): (String, Option<String>, Phase, Option<String>),
) -> Result<LocalFile> {
    let path = tree.join(&key);
    let (bytes, sha256) = crate::ops::publish::hash_file(&path).with_context(|| format!("{}", path.display()))?;
    if let Some(want) = want.filter(|w| *w != sha256) {
        anyhow::bail!(
            "{}: differs from manifest.json (sha256 {want}); rebuild or run `bundler verify`",
            path.display()
        );
    }
    let freshness = freshness(&key, basic.as_deref());
    Ok(LocalFile { key, path, bytes, sha256, phase, freshness })
}

/// What to do with `local`, given the destination's object at its key, the record's entry and,
/// once asked, the object's stamp (`Some(None)`: asked, it has none).
pub fn decide(
    local: &LocalFile,
    remote: Option<&Object>,
    rec: Option<&Recorded>,
    stamp: Option<Option<&str>>,
) -> Decision {
    let Some(remote) = remote else { return Decision::Upload };
    let same_size = remote.bytes == local.bytes;
    if rec.is_some_and(|r| r.tag.as_deref() == Some(remote.tag.as_str()) && r.sha256 == local.sha256) && same_size {
        return Decision::Unchanged;
    }
    let Some(stamp) = stamp else { return Decision::Ask };
    if stamp == Some(local.sha256.as_str()) && same_size {
        return Decision::Unchanged;
    }
    let ours = stamp.is_some() || rec.is_some_and(|r| r.tag.is_none() || r.tag.as_deref() == Some(remote.tag.as_str()));
    if !ours {
        return Decision::Refuse(
            "an object bundler did not write is there (or it was replaced since): not replaced; delete it or publish under another prefix".into(),
        );
    }
    if local.freshness == Freshness::Immutable {
        return Decision::Refuse(
            "a versioned name never gets other bytes, and the object there differs: publish the firmware under a new version name".into(),
        );
    }
    Decision::Upload
}

/// An object bundler wrote that the new tree no longer has.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    pub key: String,
    pub bytes: u64,
    /// Whether it may be deleted: it is still what bundler wrote.
    pub deletable: bool,
}

/// The stale objects, and how many objects under the prefix bundler did not write (never touched).
pub fn stale(local: &[LocalFile], remote: &BTreeMap<String, Object>, record: &Record) -> (Vec<Stale>, usize) {
    let wanted: std::collections::BTreeSet<&str> = local.iter().map(|f| f.key.as_str()).collect();
    let mut list = Vec::new();
    let mut foreign = 0;
    for (key, obj) in remote.iter().filter(|(k, _)| k.as_str() != RECORD_KEY && !wanted.contains(k.as_str())) {
        match record.objects.get(key) {
            Some(r) => {
                let deletable = r.tag.as_deref() == Some(obj.tag.as_str());
                list.push(Stale { key: key.clone(), bytes: obj.bytes, deletable });
            }
            None => foreign += 1,
        }
    }
    (list, foreign)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str, sha: &str, freshness: Freshness) -> LocalFile {
        let phase = if key.starts_with(CONFIG_DIR) { Phase::Configs } else { Phase::Resources };
        LocalFile { key: key.into(), path: PathBuf::new(), bytes: 3, sha256: sha.into(), phase, freshness }
    }

    fn object(key: &str, tag: &str) -> Object {
        Object { key: key.into(), bytes: 3, tag: tag.into() }
    }

    fn rec(sha: &str, tag: Option<&str>) -> Recorded {
        Recorded { sha256: sha.into(), bytes: 3, tag: tag.map(str::to_string) }
    }

    #[test]
    fn what_the_record_and_the_listing_settle_without_asking() {
        let f = file("ring/ring5.bin", "aa", Freshness::Revalidate);
        assert_eq!(decide(&f, None, None, None), Decision::Upload);
        let o = object("ring/ring5.bin", "t1");
        assert_eq!(decide(&f, Some(&o), Some(&rec("aa", Some("t1"))), None), Decision::Unchanged);
        // Another tag than the one recorded, a pending entry, or no entry: ask the object's stamp.
        assert_eq!(decide(&f, Some(&o), Some(&rec("aa", Some("t0"))), None), Decision::Ask);
        assert_eq!(decide(&f, Some(&o), Some(&rec("aa", None)), None), Decision::Ask);
        assert_eq!(decide(&f, Some(&o), None, None), Decision::Ask);
    }

    #[test]
    fn the_stamp_decides_ownership_and_versioned_names_never_change() {
        let f = file("ring/ring5.bin", "aa", Freshness::Revalidate);
        let o = object("ring/ring5.bin", "t1");
        assert_eq!(decide(&f, Some(&o), None, Some(Some("aa"))), Decision::Unchanged, "bundler wrote these bytes");
        assert_eq!(decide(&f, Some(&o), None, Some(Some("bb"))), Decision::Upload, "bundler wrote older bytes");
        assert_eq!(decide(&f, Some(&o), Some(&rec("bb", None)), Some(None)), Decision::Upload, "pending: ours");
        assert!(matches!(decide(&f, Some(&o), None, Some(None)), Decision::Refuse(r) if r.contains("did not write")));
        let replaced = decide(&f, Some(&o), Some(&rec("bb", Some("t0"))), Some(None));
        assert!(matches!(replaced, Decision::Refuse(r) if r.contains("did not write")), "replaced by someone else");
        let fw = file("firmware/hl_fw924.rom_2.0.4.6.41", "aa", Freshness::Immutable);
        let o = object("firmware/hl_fw924.rom_2.0.4.6.41", "t1");
        assert!(
            matches!(decide(&fw, Some(&o), None, Some(Some("bb"))), Decision::Refuse(r) if r.contains("versioned"))
        );
        assert_eq!(decide(&fw, Some(&o), None, Some(Some("aa"))), Decision::Unchanged);
    }

    #[test]
    fn stale_is_only_what_bundler_wrote_and_still_holds() {
        let local = vec![file("ring/ring5.bin", "aa", Freshness::Revalidate)];
        let remote: BTreeMap<String, Object> =
            ["ring/ring5.bin", "ring/ring6.bin", "ring/ring7.bin", "notes.txt", RECORD_KEY]
                .iter()
                .map(|k| (k.to_string(), object(k, "t1")))
                .collect();
        let mut record = Record::default();
        record.objects.insert("ring/ring6.bin".into(), rec("cc", Some("t1")));
        record.objects.insert("ring/ring7.bin".into(), rec("dd", Some("t0")));
        let (list, foreign) = stale(&local, &remote, &record);
        let got: Vec<(&str, bool)> = list.iter().map(|s| (s.key.as_str(), s.deletable)).collect();
        assert_eq!(got, [("ring/ring6.bin", true), ("ring/ring7.bin", false)]);
        assert_eq!(foreign, 1, "notes.txt is not bundler's; the record is not counted");
    }
}
