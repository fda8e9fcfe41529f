//! `bundler firmware`: its arguments and what it prints; finding, naming and writing the files is
//! `bundler::kinds::firmware`'s.

use anyhow::Result;
use bundler::kinds::firmware::{lay_out, settings, write_files, Laid, Request, Serving, Version};
use bundler::mechanisms::report::print_json;
use bundler::Context;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler firmware Firmware_Htek_2.0.4.6.41_20191104.zip --model UC924 \\\n      --prefix hl_ --postfix _2.0.4.6.41 --out tftp\n  bundler firmware fw924.rom img_924.bin --model UC924 \\\n      --version 1.0.3.73 --from-version 1.0.3.70\n  bundler firmware vendor.zip --all --json\n\nNames are literal concatenations: PREFIX + fw924.rom + POSTFIX (guide §10)."
)]
pub struct Args {
    /// Vendor firmware zips or plain firmware files (fw924.rom, boot_924.bin, img_924.bin, FIP13G-FVUI_V….bin).
    #[arg(required = true, value_name = "ROM|ZIP")]
    pub inputs: Vec<PathBuf>,
    /// Models to lay out (repeatable).
    #[arg(long = "model", value_name = "M", required_unless_present = "all", conflicts_with = "all")]
    pub models: Vec<String>,
    /// Every model whose firmware is among the inputs.
    #[arg(long)]
    pub all: bool,
    /// Target firmware version (default: read from the input file names).
    #[arg(long, value_name = "V")]
    pub version: Option<Version>,
    /// Text put before every served file name (P232).
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Text put after every served file name, after the extension (P233).
    #[arg(long, default_value = "")]
    pub postfix: String,
    /// Version the phones run now: from 1.0.3.71 or older the legacy img_9xx.bin is needed too.
    #[arg(long, value_name = "V")]
    pub from_version: Option<Version>,
    /// Folder to write into (created if missing); SHA256SUMS there is updated.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// URL of that folder as phones see it, for the printed settings.
    #[arg(long, value_name = "URL", default_value_t = format!("{}/firmware", bundler::rules::SERVER_PLACEHOLDER))]
    pub server_url: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Lays the firmware out, writes it with `SHA256SUMS`, and prints the files and the settings that
/// point phones at them.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let req = Request {
        inputs: &args.inputs,
        models: if args.all { &[] } else { &args.models },
        version: args.version.clone(),
        from_version: args.from_version.clone(),
        prefix: &args.prefix,
        postfix: &args.postfix,
    };
    let laid = lay_out(&ctx.layouts, &req)?;
    write_files(&args.out, &laid)?;
    let serving =
        Serving { server_url: args.server_url.clone(), prefix: args.prefix.clone(), postfix: args.postfix.clone() };
    let settings = settings(ctx, &laid, &serving)?;
    if args.json {
        #[derive(Serialize)]
        struct Out<'a> {
            out: String,
            #[serde(flatten)]
            laid: &'a Laid,
            settings: &'a str,
        }
        print_json(&Out { out: args.out.display().to_string(), laid: &laid, settings: &settings })?;
    } else if !bundler::quiet() {
        for f in &laid.files {
            println!(
                "{}: {} bytes, sha256 {}, for {} (from {})",
                args.out.join(&f.name).display(),
                f.bytes,
                f.sha256,
                f.models.join(", "),
                f.source
            );
        }
        for n in &laid.notes {
            eprintln!("note: {n}");
        }
        println!("\nSettings for the phones:\n{settings}");
    }
    Ok(ExitCode::SUCCESS)
}
