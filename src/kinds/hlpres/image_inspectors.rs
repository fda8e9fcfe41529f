//! `inspect` for images and for `hlpres.tar` files (ours or a vendor's): every entry's format,
//! dimensions and bytes, checked against the model's asset rules and the archive cap.

use super::check::{check_entry, check_image};
use crate::mechanisms::archive::{looks_like_tar, read_tar, TarInspector, TarLimits};
use crate::mechanisms::findings::{FileReport, Inspector, Options};
use crate::mechanisms::image::Format;
use crate::Context;
use anyhow::Result;

/// A single image file (JPEG, PNG, BMP, GIF, WebP), checked by its name against the model.
pub struct ImageInspector;

impl Inspector for ImageInspector {
    fn recognises(&self, _name: &str, bytes: &[u8], _opts: &Options, _ctx: &Context) -> bool {
        Format::sniff(bytes).is_some()
    }

    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, _ctx: &Context) -> Result<FileReport> {
        let mut report = FileReport::new(shown, "image");
        check_image(&mut report, shown, bytes, opts.model, true);
        Ok(report)
    }
}

/// A tar that holds images (`hlpres.tar`, ours or a vendor's): the generic tar listing, plus each
/// entry checked as an image against the model's asset rules and the archive against its cap.
pub struct HlpresInspector;

impl Inspector for HlpresInspector {
    /// A readable tar with at least one image entry.
    fn recognises(&self, _name: &str, bytes: &[u8], _opts: &Options, _ctx: &Context) -> bool {
        looks_like_tar(bytes)
            && read_tar(bytes, TarLimits::default())
                .is_ok_and(|entries| entries.iter().any(|e| !e.is_dir && Format::sniff(&e.data).is_some()))
    }

    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport> {
        let mut report = TarInspector.inspect(shown, bytes, opts, ctx)?;
        report.kind = "tar (screen assets)".to_string();
        let Ok(entries) = read_tar(bytes, TarLimits::default()) else {
            return Ok(report);
        };
        let model = opts.model;
        let rule = model.and_then(|m| m.hlpres.as_ref());
        if let (Some(model), Some(rule)) = (model, rule) {
            let file = shown.rsplit(['/', '\\']).next().unwrap_or(shown);
            // The generic tar check already compared the cap when the file has the archive's name.
            if !rule.file.eq_ignore_ascii_case(file) {
                report.diagnostics.extend(crate::mechanisms::archive::over_cap(shown, bytes.len(), &model.name, rule));
            }
            report.field("cap", rule.max_bytes);
        }
        for (entry, entry_report) in entries.iter().zip(report.entries.iter_mut()) {
            check_entry(entry_report, entry, model);
        }
        Ok(report)
    }
}
