//! `bundler hlpres`: its arguments (and the image-fitting flags `bundler image` shares), and the
//! printing; the tar is built by `bundler::kinds::hlpres::build_hlpres`.

use anyhow::Result;
use bundler::kinds::hlpres::{
    build_hlpres, group, preview_png, AssetSources, BuiltAsset, BuiltHlpres, HlpresRequest, Look,
};
use bundler::mechanisms::image::{Color, Fit, FitStyle, Gravity};
use bundler::mechanisms::output::write_atomic;
use bundler::mechanisms::report::print_json;
use bundler::rules::layout::Model;
use bundler::Context;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    #[arg(long, value_parser = super::named::<Fit>(), default_value_t = Fit::Auto)]
    pub fit: Fit,
    /// Which part stays when cropping, or where a letterboxed image sits.
    #[arg(long, value_parser = super::named::<Gravity>(), default_value_t = Gravity::Center)]
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

/// Builds the tar (and the preview), writes them, and reports what went in.
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
        mtime: bundler::mechanisms::epoch::build_time()?,
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

/// Warnings on stderr; then JSON, or a line per asset and what was written (none with `-q`).
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
    if bundler::quiet() {
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
