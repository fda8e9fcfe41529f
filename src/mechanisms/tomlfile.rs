//! TOML files read from disk, bounded: one file's text, or the `*.toml` files of an override folder.
//! Parsing them with positions is `crate::rules::toml`'s.

use anyhow::{anyhow, Context, Result};
use std::path::Path;

/// Reads a UTF-8 text file of at most `max_bytes`: (how errors name it, its text).
pub fn read_text(path: &Path, max_bytes: u64) -> Result<(String, String)> {
    let shown = path.display().to_string();
    let bytes = crate::mechanisms::input::read_limited(path, max_bytes)?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{shown}: not UTF-8 text"))?;
    Ok((shown, text))
}

/// The `*.toml` files of a folder, sorted by name, as (how errors name it, file stem with
/// extension, text): at most `max_files` entries in the folder and `max_bytes` per file.
pub fn read_folder(dir: &Path, max_files: usize, max_bytes: u64) -> Result<Vec<(String, String, String)>> {
    let entries = crate::mechanisms::walk::list(dir, max_files)
        .with_context(|| format!("{}: cannot read layouts folder", dir.display()))?;
    let paths = entries.into_iter().map(|e| e.path).filter(|p| p.extension().is_some_and(|e| e == "toml"));
    paths
        .map(|path| {
            let (shown, text) = read_text(&path, max_bytes)?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            Ok((shown, name, text))
        })
        .collect()
}
