//! `inspect` for tar files: lists the entries and refuses hostile ones; with a model, checks the
//! archive against the model's cap for that archive.

use super::{read_tar, TarLimits};
use crate::mechanisms::findings::{FileReport, Inspector, Options};
use crate::mechanisms::report::Diagnostic;
use crate::Context;
use anyhow::Result;

/// Recognises ustar and old-style tars by the header checksum and magic.
pub struct TarInspector;

/// Whether `bytes` starts with a tar header.
pub fn looks_like_tar(bytes: &[u8]) -> bool {
    bytes.len() >= 512
        && (&bytes[257..262] == b"ustar" || read_tar(&bytes[..bytes.len().min(1024)], TarLimits::default()).is_ok())
}

impl Inspector for TarInspector {
    fn recognises(&self, _name: &str, bytes: &[u8], _opts: &Options, _ctx: &Context) -> bool {
        looks_like_tar(bytes)
    }

    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, _ctx: &Context) -> Result<FileReport> {
        let mut report = FileReport::new(shown, "tar");
        report.field("bytes", bytes.len());
        let entries = match read_tar(bytes, TarLimits::default()) {
            Ok(e) => e,
            Err(e) => {
                report.diagnostics.push(Diagnostic::error(shown, format!("{e:#}")));
                return Ok(report);
            }
        };
        report.field("entries", entries.len());
        if let Some(model) = opts.model {
            let file_name = std::path::Path::new(shown).file_name().and_then(|n| n.to_str()).unwrap_or(shown);
            for rule in [&model.hlpres, &model.language].into_iter().flatten() {
                if rule.file.eq_ignore_ascii_case(file_name) {
                    report.diagnostics.extend(over_cap(shown, bytes.len(), &model.name, rule));
                }
            }
        }
        for e in &entries {
            let mut entry = FileReport::new(&e.name, if e.is_dir { "folder" } else { "file" });
            if !e.is_dir {
                entry.field("bytes", e.data.len());
            }
            report.entries.push(entry);
        }
        Ok(report)
    }
}

/// The error for an archive over its cap, if it is.
pub fn over_cap(
    shown: &str,
    bytes: usize,
    model: &str,
    rule: &crate::rules::layout::ArchiveRule,
) -> Option<Diagnostic> {
    (bytes as u64 > rule.max_bytes).then(|| {
        Diagnostic::error(
            shown,
            format!("{bytes} bytes, over {model}'s cap of {} bytes for {}", rule.max_bytes, rule.file),
        )
    })
}
