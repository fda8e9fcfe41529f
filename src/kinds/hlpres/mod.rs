//! `bundler hlpres`: builds a model's `hlpres.tar` (wallpapers, screensavers, web logo, LCD logo,
//! icons) from the user's images, checked against the model's layout rules, optionally laid over
//! the vendor's base tar. `bundler image` builds one asset on its own; `inspect` checks both.
//!
//! [`build_hlpres`] and [`build_asset`] are library-style: no printing, no writing; the CLI
//! wrappers here only parse, print and write.

mod assemble;
pub mod asset;
pub mod check;
pub mod image_inspectors;
pub mod plan;
mod spec;

pub use asset::{build_asset, BuiltAsset, Look, Target};
pub use plan::AssetSources;
pub use spec::{Branding, DirectImage, ExpPres};

use crate::mechanisms::archive::read_tar;
use crate::mechanisms::image::{Color, Fit, FitStyle, Gravity};
use crate::mechanisms::output::write_atomic;
use crate::mechanisms::report::print_json;
use crate::rules::layout::Model;
use crate::Context;
use anyhow::{bail, Context as _, Result};
use assemble::{assemble_under_cap, BaseTar};
use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Largest base tar read, in bytes.
const MAX_BASE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler hlpres --model UC924 --wallpaper beach.jpg --wallpaper office.png --weblogo logo.png
  bundler hlpres --model UC924 --base vendor/hlpres.tar --assets branding/ --preview sheet.png
  bundler hlpres --model UC903 --lcdlogo logo.png --dither -o out/hlpres.tar

The tar is written atomically; entry times come from SOURCE_DATE_EPOCH (else 1970-01-01).")]
pub struct Args {
    /// Phone model whose layout gives names, sizes, formats and byte caps.
    #[arg(long)]
    pub model: String,
    /// The vendor's hlpres.tar: only the named entries are replaced, everything else is kept byte for byte.
    #[arg(long, value_name = "TAR")]
    pub base: Option<PathBuf>,
    /// Wallpaper image; given n times it fills the model's first n wallpaper slots.
    #[arg(long, value_name = "FILE")]
    pub wallpaper: Vec<PathBuf>,
    /// Screensaver image; given n times it fills the first n screensaver slots.
    #[arg(long, value_name = "FILE")]
    pub screensaver: Vec<PathBuf>,
    /// Logo for the phone's web page (weblogo.jpg).
    #[arg(long, value_name = "FILE")]
    pub weblogo: Option<PathBuf>,
    /// Logo for the phone's screen (lcdlogo_color.png or lcdlogo_bw.png, by model).
    #[arg(long, value_name = "FILE")]
    pub lcdlogo: Option<PathBuf>,
    /// An icon: NAME=FILE, e.g. MenuIcon.png=menu.png (with --base, NAME must be in the base tar).
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_icon)]
    pub icon: Vec<(String, PathBuf)>,
    /// Folder of images named after the targets (weblogo.png, wallpaper4.jpg, …; any input format).
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,
    #[command(flatten)]
    pub look: LookArgs,
    /// Also write a contact sheet of every image in the tar (PNG).
    #[arg(long, value_name = "PNG")]
    pub preview: Option<PathBuf>,
    /// Output file (default: the model's archive name, hlpres.tar).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How images are fitted: shared by `hlpres` and `image`.
#[derive(clap::Args, Debug, Clone)]
pub struct LookArgs {
    /// cover: fill and crop; contain: letterbox; stretch: distort; auto: cover for wallpapers and
    /// screensavers, contain for logos and icons.
    #[arg(long, value_enum, default_value_t = Fit::Auto)]
    pub fit: Fit,
    /// Which part stays when cropping, or where a letterboxed image sits.
    #[arg(long, value_enum, default_value_t = Gravity::Center)]
    pub gravity: Gravity,
    /// Colour under transparency (JPEG/BMP/1-bit targets) and around letterboxed images.
    #[arg(long, value_name = "COLOR", default_value = "white")]
    pub background: Color,
    /// Floyd–Steinberg dithering for 1-bit logos (default: threshold).
    #[arg(long)]
    pub dither: bool,
}

impl LookArgs {
    pub fn look(&self) -> Look {
        Look {
            style: FitStyle { fit: self.fit, gravity: self.gravity, background: self.background },
            dither: self.dither,
        }
    }
}

fn parse_icon(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => Ok((name.to_string(), PathBuf::from(file))),
        _ => Err(format!("'{text}' is not NAME=FILE (e.g. MenuIcon.png=menu.png)")),
    }
}

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
    let mut assets = build_assets(&targets, &request.look, &model.name)?;
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

/// One line describing a built asset.
pub fn describe(folder: &str, a: &BuiltAsset) -> String {
    let q = a.quality.map_or(String::new(), |q| format!(" q{q}"));
    format!(
        "{folder}{}  {}×{} {}{q}  {}/{} bytes  from {}",
        a.target.name,
        a.target.width,
        a.target.height,
        a.target.format.name(),
        group(a.bytes as u64),
        group(a.target.max_bytes),
        a.source
    )
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let model = ctx.layouts.model(&args.model)?;
    let request = HlpresRequest {
        base: args.base.clone(),
        sources: AssetSources {
            wallpapers: args.wallpaper.clone(),
            screensavers: args.screensaver.clone(),
            weblogo: args.weblogo.clone(),
            lcdlogo: args.lcdlogo.clone(),
            icons: args.icon.clone(),
            assets_dir: args.assets.clone(),
        },
        look: args.look.look(),
        mtime: crate::mechanisms::epoch::build_time()?,
    };
    let built = build_hlpres(model, &request)?;
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(&built.file));
    let preview =
        args.preview.as_ref().map(|p| Ok::<_, anyhow::Error>((p, preview_png(model, &built.tar)?))).transpose()?;
    write_atomic(&output, &built.tar)?;
    if let Some((path, png)) = &preview {
        write_atomic(path, png)?;
    }
    report(&built, &output, preview.as_ref().map(|(p, _)| p.as_path()), args.json, model)?;
    Ok(ExitCode::SUCCESS)
}

fn report(built: &BuiltHlpres, output: &Path, preview: Option<&Path>, json: bool, model: &Model) -> Result<()> {
    for w in &built.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        #[derive(Serialize)]
        struct Out<'a> {
            output: String,
            preview: Option<String>,
            model: &'a str,
            #[serde(flatten)]
            built: &'a BuiltHlpres,
        }
        let out = Out {
            output: output.display().to_string(),
            preview: preview.map(|p| p.display().to_string()),
            model: &model.name,
            built,
        };
        return print_json(&out);
    }
    if crate::quiet() {
        return Ok(());
    }
    let folder = model.hlpres.as_ref().map_or(String::new(), |r| format!("{}/", r.folder));
    for a in &built.assets {
        println!("  {}", describe(&folder, a));
        for n in &a.notes {
            println!("      {n}");
        }
    }
    if !built.kept.is_empty() {
        println!("  {} entries kept unchanged from the base tar", built.kept.len());
    }
    println!("wrote {}: {} bytes (cap {})", output.display(), group(built.bytes as u64), group(built.max_bytes));
    if let Some(p) = preview {
        println!("wrote {} (preview)", p.display());
    }
    Ok(())
}
