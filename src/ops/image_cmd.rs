//! `bundler image`: one screen asset on its own, with the same rules as in `hlpres.tar`, for the
//! phones' direct-download URLs (P20052 wallpaper replaces wallpaper6, P20051 screensaver replaces
//! screensaver photo 1), so it must already be at the model's size and under its cap.

use crate::kinds::hlpres::asset::{build_asset, Target, MAX_INPUT_BYTES};
use crate::kinds::hlpres::plan::rule_for;
use crate::kinds::hlpres::{describe, LookArgs};
use crate::mechanisms::image::Format;
use crate::mechanisms::output::write_atomic;
use crate::mechanisms::report::print_json;
use crate::Context;
use anyhow::{Context as _, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler image --model UC924 --as wallpaper beach.jpg -o tftp/wallpaper.jpg
  bundler image --model UC903 --as lcdlogo logo.png --dither
  bundler image --model UC926 --as screensaver photo.png --fit contain --background black")]
pub struct Args {
    /// Phone model whose rules apply.
    #[arg(long)]
    pub model: String,
    /// Which asset to make.
    #[arg(long = "as", value_enum, value_name = "KIND")]
    pub kind: crate::rules::layout::AssetKind,
    /// Input image (JPEG, PNG, BMP, GIF or WebP).
    pub input: PathBuf,
    #[command(flatten)]
    pub look: LookArgs,
    /// Output file (default: KIND.FORMAT, e.g. wallpaper.jpg); its extension picks among the formats the model accepts.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let model = ctx.layouts.model(&args.model)?;
    let rule = rule_for(model, args.kind)?;
    let default_format = rule.formats.first().with_context(|| format!("{}: the layout gives no format", model.name))?;
    let output = args.output.clone().unwrap_or_else(|| PathBuf::from(format!("{}.{default_format}", args.kind.name())));
    let out_name = output.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    // The output's extension picks the format when it names one; otherwise the layout's first.
    let name = if Format::from_name(&out_name).is_some() {
        out_name
    } else {
        format!("{}.{default_format}", args.kind.name())
    };
    let target = Target::from_rule(rule, &name).with_context(|| format!("{}", output.display()))?;
    let bytes = crate::mechanisms::input::read_limited(&args.input, MAX_INPUT_BYTES)?;
    let built = build_asset(&target, &args.input.display().to_string(), &bytes, &args.look.look())?;
    write_atomic(&output, &built.data)?;
    for w in &built.warnings {
        eprintln!("warning: {}: {w}", args.input.display());
    }
    if args.json {
        print_json(&built)?;
    } else if !crate::quiet() {
        println!("wrote {}", describe("", &built).replacen(&built.target.name, &output.display().to_string(), 1));
        for n in &built.notes {
            println!("    {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
