//! Putting built assets into the tar: either a fresh, sorted `hlpres/` tree, or the vendor's base
//! tar with only the named entries replaced and every other entry kept byte for byte in its order.
//! When the whole tar would exceed its cap, JPEG quality is lowered across the entries until it
//! fits, or the error lists every entry's size.

use super::asset::BuiltAsset;
use crate::mechanisms::archive::{in_folder, read_tar, TarBuilder, TarEntry, TarLimits};
use crate::mechanisms::image::encode::JPEG_QUALITY_FLOOR;
use crate::rules::layout::ArchiveRule;
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;

/// A vendor's base tar, read and checked.
#[derive(Debug, Clone)]
pub struct BaseTar {
    pub shown: String,
    pub entries: Vec<TarEntry>,
}

impl BaseTar {
    /// Reads an untrusted base tar: links, devices, absolute paths, `..`, extension headers and
    /// entries larger than the archive's own cap are refused with the entry's name.
    pub fn parse(shown: &str, bytes: &[u8], rule: &ArchiveRule) -> Result<BaseTar> {
        let limits = TarLimits { max_entry_bytes: rule.max_bytes, ..TarLimits::default() };
        let entries = read_tar(bytes, limits).with_context(|| shown.to_string())?;
        Ok(BaseTar { shown: shown.to_string(), entries })
    }

    /// Names (without the folder) of the files directly in `folder`.
    pub fn file_names(&self, folder: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| !e.is_dir)
            .filter_map(|e| in_folder(&e.name, folder).map(str::to_string))
            .collect()
    }

    /// The file entry for `name` inside `folder` (case-insensitive), if the base has it.
    pub fn entry(&self, folder: &str, name: &str) -> Option<&TarEntry> {
        self.entries
            .iter()
            .find(|e| !e.is_dir && in_folder(&e.name, folder).is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }
}

/// Writes the tar: with a base, replaced entries stay in place (under the base's names) and new
/// ones follow, sorted; without, the folder entry and the assets, sorted.
pub fn assemble(folder: &str, base: Option<&BaseTar>, assets: &[BuiltAsset], mtime: i64) -> Result<Vec<u8>> {
    let mut tar = TarBuilder::new(mtime);
    let mut sorted: Vec<&BuiltAsset> = assets.iter().collect();
    sorted.sort_by(|a, b| a.target.name.cmp(&b.target.name));
    let mut placed = vec![false; sorted.len()];
    match base {
        Some(base) => {
            for entry in &base.entries {
                let replaced = (!entry.is_dir)
                    .then(|| in_folder(&entry.name, folder))
                    .flatten()
                    .and_then(|n| sorted.iter().position(|a| a.target.name.eq_ignore_ascii_case(n)));
                match replaced {
                    Some(i) => {
                        tar.add_file(&entry.name, &sorted[i].data)?;
                        placed[i] = true;
                    }
                    None => tar.add_raw(&entry.raw),
                }
            }
        }
        None => tar.add_dir(folder)?,
    }
    for (asset, done) in sorted.iter().zip(&placed) {
        if !done {
            tar.add_file(&format!("{folder}/{}", asset.target.name), &asset.data)?;
        }
    }
    Ok(tar.finish())
}

/// Assembles the tar and, when it is over `rule.max_bytes`, lowers the JPEG quality ceiling across
/// all built JPEG entries (binary search) until it fits. Returns the tar and the ceiling used, if
/// one was needed; fails with a table of entry sizes when even the quality floor does not fit.
pub fn assemble_under_cap(
    rule: &ArchiveRule,
    model: &str,
    base: Option<&BaseTar>,
    assets: &mut [BuiltAsset],
    mtime: i64,
) -> Result<(Vec<u8>, Option<u8>)> {
    let tar = assemble(&rule.folder, base, assets, mtime)?;
    if tar.len() as u64 <= rule.max_bytes {
        return Ok((tar, None));
    }
    let original: Vec<Option<u8>> = assets.iter().map(|a| a.quality).collect();
    let top = original.iter().flatten().copied().max();
    let Some(top) = top.filter(|&q| q > JPEG_QUALITY_FLOOR) else {
        bail!("{}", over_cap_table(rule, model, base, assets, tar.len()));
    };
    let at = |assets: &mut [BuiltAsset], ceiling: u8| -> Result<Vec<u8>> {
        for (a, q) in assets.iter_mut().zip(&original) {
            if let (true, Some(q)) = (a.is_jpeg(), q) {
                a.reencode_jpeg(ceiling.min(*q))?;
            }
        }
        assemble(&rule.folder, base, assets, mtime)
    };
    let floor_tar = at(assets, JPEG_QUALITY_FLOOR)?;
    if floor_tar.len() as u64 > rule.max_bytes {
        bail!("{}", over_cap_table(rule, model, base, assets, floor_tar.len()));
    }
    // Invariant: ceiling `lo` fits, `hi` does not.
    let (mut lo, mut hi) = (JPEG_QUALITY_FLOOR, top);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if at(assets, mid)?.len() as u64 <= rule.max_bytes {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((at(assets, lo)?, Some(lo)))
}

/// The over-cap error: one line, then each entry's size.
fn over_cap_table(
    rule: &ArchiveRule,
    model: &str,
    base: Option<&BaseTar>,
    assets: &[BuiltAsset],
    total: usize,
) -> String {
    let mut s = format!(
        "{} would be {total} bytes, over {model}'s cap of {} bytes even at JPEG quality {JPEG_QUALITY_FLOOR}; entry sizes:",
        rule.file, rule.max_bytes
    );
    for a in assets {
        let _ = write!(s, "\n  {:>9}  {}/{} (from {})", a.bytes, rule.folder, a.target.name, a.source);
    }
    if let Some(base) = base {
        for e in base.entries.iter().filter(|e| !e.is_dir) {
            let replaced = in_folder(&e.name, &rule.folder)
                .is_some_and(|n| assets.iter().any(|a| a.target.name.eq_ignore_ascii_case(n)));
            if !replaced {
                let _ = write!(s, "\n  {:>9}  {} (kept from {})", e.data.len(), e.name, base.shown);
            }
        }
    }
    s
}
