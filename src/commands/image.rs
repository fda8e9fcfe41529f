//! `bundler image`: its arguments and printing; the asset is built by
//! `bundler::kinds::hlpres::build_single` under the same rules as in `hlpres.tar`.

use super::hlpres::{describe, LookArgs};
use anyhow::Result;
use bundler::kinds::hlpres::build_single;
use bundler::mechanisms::output::write_atomic;
use bundler::mechanisms::report::print_json;
use bundler::rules::layout::AssetKind;
use bundler::Context;
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
    #[arg(long = "as", value_parser = super::named::<AssetKind>(), value_name = "KIND")]
    pub kind: AssetKind,
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

/// Builds the asset, writes it, and reports it.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let model = ctx.layouts.model(&args.model)?;
    let (output, built) = build_single(model, args.kind, args.output.as_deref(), &args.input, &args.look.look())?;
    write_atomic(&output, &built.data)?;
    for w in &built.warnings {
        eprintln!("warning: {}: {w}", args.input.display());
    }
    if args.json {
        print_json(&built)?;
    } else if !bundler::quiet() {
        println!("wrote {}", describe("", &built).replacen(&built.target.name, &output.display().to_string(), 1));
        for n in &built.notes {
            println!("    {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
