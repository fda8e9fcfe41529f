//! Building `Language.tar` from a checked set of files: the folder entry, then every language file
//! and template under its own (UTF-8) name, sorted, as deterministic ustar (one writer for every
//! archive: `crate::mechanisms::archive::TarBuilder`). Refused when the check found any error or when the
//! archive would exceed the layout's cap.

use super::check::LanguageReport;
use crate::mechanisms::archive::TarBuilder;
use anyhow::{bail, Result};

/// The archive bytes for a report without errors, entries stamped with `mtime`.
pub fn pack(report: &LanguageReport, mtime: i64) -> Result<Vec<u8>> {
    let rule = &report.rules.archive;
    if report.has_errors() {
        bail!(
            "{} not built: {} error{} in {} file{}",
            rule.file,
            report.errors,
            if report.errors == 1 { "" } else { "s" },
            report.files_with_errors(),
            if report.files_with_errors() == 1 { "" } else { "s" }
        );
    }
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    for f in report.files.iter().filter(|f| f.packed) {
        let Some(bytes) = f.pack_bytes.as_deref() else {
            bail!("{}: the check kept no bytes to pack (CheckOptions::keep_bytes was off)", f.file);
        };
        files.push((f.name.as_str(), bytes));
    }
    if files.is_empty() {
        bail!("{} not built: no language files to pack", rule.file);
    }
    files.sort_by(|a, b| a.0.cmp(b.0));
    let mut tar = TarBuilder::new(mtime);
    tar.add_dir(&rule.folder)?;
    for (name, bytes) in files {
        tar.add_file(&format!("{}/{name}", rule.folder), bytes)?;
    }
    let bytes = tar.finish();
    if bytes.len() as u64 > rule.max_bytes {
        bail!(
            "{} would be {} bytes, over {}'s cap of {} bytes [{}]",
            rule.file,
            bytes.len(),
            report.rules.model,
            rule.max_bytes,
            rule.source
        );
    }
    Ok(bytes)
}
