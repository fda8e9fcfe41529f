//! `bundler hlpres`: builds a model's `hlpres.tar` (wallpapers, screensavers, web logo, LCD logo,
//! icons) from the user's images, checked against the model's layout rules, optionally laid over
//! the vendor's base tar. `bundler image` builds one asset on its own; `inspect` checks both.
//!
//! [`build_hlpres`], [`build_asset`] and [`build_single`] are library-style: no printing, no
//! writing; the command line (`src/commands/hlpres.rs`, `image.rs`) prints and writes.

mod assemble;
pub mod asset;
pub mod check;
pub mod image_inspectors;
pub mod plan;
pub mod shared;
mod single;
mod spec;

pub use asset::{build_asset, BuiltAsset, Look, Target};
pub use plan::AssetSources;
pub use single::build_single;
pub use spec::{Branding, DirectImage, ExpPres};

use crate::mechanisms::archive::read_tar;
use crate::rules::layout::Model;
use anyhow::{bail, Context as _, Result};
use assemble::{assemble_under_cap, BaseTar};
use rayon::prelude::*;
use serde::Serialize;
use std::path::PathBuf;

/// Largest base tar read, in bytes.
const MAX_BASE_BYTES: u64 = 64 * 1024 * 1024;

/// Everything `build_hlpres` needs besides the model.
#[derive(Debug, Clone, Default)]
pub struct HlpresRequest {
    /// The vendor's base tar, if any.
    pub base: Option<PathBuf>,
    pub sources: AssetSources,
    pub look: Look,
    /// Entry time (seconds since 1970), normally `crate::mechanisms::epoch::build_time()`.
    pub mtime: i64,
}

/// A built `hlpres.tar` and what went into it.
#[derive(Debug, Serialize)]
pub struct BuiltHlpres {
    /// The archive's file name (`hlpres.tar`).
    pub file: String,
    #[serde(skip)]
    pub tar: Vec<u8>,
    pub bytes: usize,
    pub max_bytes: u64,
    pub assets: Vec<BuiltAsset>,
    /// Entries kept from the base tar unchanged.
    pub kept: Vec<String>,
    /// When the whole tar was over its cap: the JPEG quality ceiling applied to every entry.
    pub quality_ceiling: Option<u8>,
    pub warnings: Vec<String>,
}

/// Builds `hlpres.tar` for `model`: plans the slots, builds every asset (in parallel), and
/// assembles the tar under the archive's cap. Reads the input files; writes and prints nothing.
pub fn build_hlpres(model: &Model, request: &HlpresRequest) -> Result<BuiltHlpres> {
    let rule = model.hlpres.as_ref().with_context(|| format!("{} has no hlpres.tar in its layout", model.name))?;
    let base = match &request.base {
        Some(path) => {
            let bytes = crate::mechanisms::input::read_limited(path, MAX_BASE_BYTES)?;
            Some(BaseTar::parse(&path.display().to_string(), &bytes, rule)?)
        }
        None => None,
    };
    let mut warnings = Vec::new();
    let targets = targets(model, &request.sources, base.as_ref(), &rule.folder, &mut warnings)?;
    let mut assets = shared::sharing(|| build_assets(&targets, &request.look, &model.name))?;
    for a in &assets {
        warnings.extend(a.warnings.iter().map(|w| format!("{}: {w}", a.source)));
    }
    let (tar, ceiling) = assemble_under_cap(rule, &model.name, base.as_ref(), &mut assets, request.mtime)?;
    let entries = read_tar(&tar, crate::mechanisms::archive::TarLimits::default())?;
    if let Some(errors) = check::tar_errors(&entries, model) {
        bail!("{} would break {}'s rules, so it is not written: {errors}", rule.file, model.name);
    }
    if let Some(q) = ceiling {
        warnings.push(format!(
            "lowered JPEG quality to at most {q} across the entries so {} fits {}'s cap of {} bytes",
            rule.file, model.name, rule.max_bytes
        ));
    }
    let kept = base.as_ref().map_or_else(Vec::new, |b| kept_entries(b, &assets, &rule.folder));
    Ok(BuiltHlpres {
        file: rule.file.clone(),
        bytes: tar.len(),
        tar,
        max_bytes: rule.max_bytes,
        assets,
        kept,
        quality_ceiling: ceiling,
        warnings,
    })
}

/// Every slot's target (following the base tar's entries in `folder`, when there is one) and its
/// source file.
fn targets(
    model: &Model,
    sources: &AssetSources,
    base: Option<&BaseTar>,
    folder: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<(Target, PathBuf)>> {
    let base_names = base.map(|b| b.file_names(folder));
    let slots = plan::plan_slots(model, sources, base_names.as_deref(), warnings)?;
    let mut targets = Vec::new();
    for slot in &slots {
        let mut target = Target::from_rule(&slot.rule, &slot.name)?;
        if let Some(base) = base {
            follow_base(base, folder, &model.name, &mut target, warnings)?;
        }
        targets.push((target, slot.source.clone()));
    }
    Ok(targets)
}

/// Builds every target from its source, in parallel, with a progress bar.
fn build_assets(targets: &[(Target, PathBuf)], look: &Look, model: &str) -> Result<Vec<BuiltAsset>> {
    let bar = crate::mechanisms::progress::bar(targets.len() as u64, &format!("{model} images"));
    let assets = targets
        .par_iter()
        .map(|(target, source)| {
            let bytes = crate::mechanisms::input::read_limited(source, asset::MAX_INPUT_BYTES)?;
            let built = build_asset(target, &source.display().to_string(), &bytes, look);
            bar.inc(1);
            built
        })
        .collect::<Result<Vec<_>>>()?;
    bar.finish_and_clear();
    Ok(assets)
}

/// The base tar's entries that no built asset replaced.
fn kept_entries(base: &BaseTar, assets: &[BuiltAsset], folder: &str) -> Vec<String> {
    base.entries
        .iter()
        .filter(|e| {
            !assets.iter().any(|a| crate::mechanisms::archive::in_folder(&e.name, folder) == Some(&a.target.name))
        })
        .map(|e| e.name.clone())
        .collect()
}

/// With a base tar, a replaced entry keeps the base's name, format and (when they differ from the
/// layout) dimensions; a target the base lacks is added, with a warning.
fn follow_base(
    base: &BaseTar,
    folder: &str,
    model: &str,
    target: &mut Target,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let stem = target.name.rsplit_once('.').map_or(target.name.as_str(), |(s, _)| s).to_string();
    let entry = base
        .entry(folder, &target.name)
        .or_else(|| ["jpg", "jpeg", "bmp", "png"].iter().find_map(|ext| base.entry(folder, &format!("{stem}.{ext}"))));
    let Some(entry) = entry else {
        warnings.push(format!("{}: has no {folder}/{}; it is added at the end", base.shown, target.name));
        return Ok(());
    };
    let file_name = entry.name.rsplit('/').next().unwrap_or(&entry.name).to_string();
    target.name = file_name;
    match crate::mechanisms::image::probe(&entry.data) {
        Ok(info) => {
            if matches!(
                info.format,
                crate::mechanisms::image::Format::Jpeg
                    | crate::mechanisms::image::Format::Png
                    | crate::mechanisms::image::Format::Bmp
            ) {
                target.format = info.format;
            } else {
                bail!("{}: {} is {}, which bundler cannot write", base.shown, entry.name, info.format.name());
            }
            if (info.width, info.height) != (target.width, target.height) {
                warnings.push(format!(
                    "{}: {} is {}×{} but {model} shows it at {}×{}; the new image is made at {model}'s size",
                    base.shown, entry.name, info.width, info.height, target.width, target.height
                ));
            }
        }
        Err(e) => {
            let by_name = crate::mechanisms::image::Format::from_name(&target.name).unwrap_or(target.format);
            target.format = by_name;
            warnings.push(format!(
                "{}: {} is not a readable image ({e:#}); using the layout's size",
                base.shown, entry.name
            ));
        }
    }
    Ok(())
}

/// A contact sheet (PNG) of every image in a built tar, labelled with name, size and bytes/cap.
pub fn preview_png(model: &Model, tar: &[u8]) -> Result<Vec<u8>> {
    use crate::mechanisms::image::sheet::{contact_sheet, SheetItem};
    let entries = read_tar(tar, crate::mechanisms::archive::TarLimits::default())?;
    let mut items = Vec::new();
    for e in entries.iter().filter(|e| !e.is_dir) {
        let Ok(decoded) =
            crate::mechanisms::image::decode(&e.data, &crate::mechanisms::image::DecodeLimits::default(), None)
        else {
            continue;
        };
        let file = e.name.rsplit('/').next().unwrap_or(&e.name);
        let cap = model.asset_for_name(file).map_or(String::new(), |r| format!(" / {}", group(r.max_bytes)));
        let (w, h) = (decoded.image.width(), decoded.image.height());
        items.push(SheetItem {
            image: decoded.image.to_rgba8(),
            label: vec![
                e.name.clone(),
                format!("{w}x{h} {}", decoded.format.name()),
                format!("{}{cap} bytes", group(e.data.len() as u64)),
            ],
        });
    }
    let sheet = contact_sheet(&items);
    let mut png = Vec::new();
    sheet.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).context("preview PNG")?;
    Ok(png)
}

/// `12,345` style numbers.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
