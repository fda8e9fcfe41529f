//! `bundler config resolve`: the command line of it (the walk is `bundler::kinds::config::resolve`
//! and each format's `VendorConfig::resolve`).

use anyhow::Result;
use bundler::kinds::config::format::{Ask, Listing, Resolution};
use bundler::kinds::config::mac::Mac;
use bundler::kinds::config::resolve::resolve;
use bundler::mechanisms::report::{has_errors, print_json};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler config resolve tftp/ --mac 00:1F:C1:10:D3:A9 --model UC924 --aes-key 001FC1BC
  bundler config resolve fv/ --mac 001fc110d3a9 --json")]
pub struct Args {
    /// The provisioning folder, as the phone's server hands it out.
    pub dir: PathBuf,
    /// The phone's MAC address (any usual spelling).
    #[arg(long)]
    pub mac: String,
    /// The phone's model (needed for Htek: it names the common file; sets the vendor).
    #[arg(long)]
    pub model: Option<String>,
    /// Decrypt AES-encrypted Htek files with this key.
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// Htek config file name prefix the phone uses (P234).
    #[arg(long, value_name = "P", default_value = "")]
    pub prefix: String,
    /// Htek config file name postfix the phone uses (P235).
    #[arg(long, value_name = "S", default_value = "")]
    pub postfix: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let mac = Mac::parse(&args.mac).map_err(|e| anyhow::anyhow!("--mac: {e}"))?;
    let ask = Ask {
        dir: &args.dir,
        mac,
        model_given: args.model.is_some(),
        aes_key: args.aes_key.as_deref(),
        prefix: &args.prefix,
        postfix: &args.postfix,
    };
    let r = resolve(&ask, args.model.as_deref(), ctx)?;
    if args.json {
        print_json(&r)?;
    } else {
        print_text(&r);
    }
    Ok(if has_errors(&r.diagnostics) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn print_text(r: &Resolution) {
    println!("{} phone {}", r.vendor, r.mac);
    if r.listing == Listing::Requests {
        println!("requests, in order:");
        for f in &r.files {
            let note = f.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            println!("  {}. {:<28} {}{note}", f.depth, f.file, f.status);
        }
        println!("takes:");
        for t in &r.takes {
            println!("  {t}");
        }
    } else {
        println!("reads, in order:");
        for f in &r.files {
            let note = f.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            let status = if f.status == "present" { String::new() } else { format!(" {}", f.status) };
            println!("  {}{}{status}{note}", "  ".repeat(f.depth), f.file);
        }
    }
    let mut printer = bundler::mechanisms::report::snippet::Printer::stdout();
    for d in &r.diagnostics {
        println!("{}", printer.show(d));
    }
    println!("effective settings ({}):", r.settings.len());
    let width = r.settings.iter().map(|s| s.key.len() + s.value.chars().count() + 3).max().unwrap_or(0).min(60);
    for s in &r.settings {
        let pair = format!("{} = {}", s.key, s.value.replace('\n', "\\n"));
        let para = s.para.as_deref().map(|p| format!("{p}, ")).unwrap_or_default();
        println!("{pair:<width$}  # {para}{}:{}", s.file, s.line);
    }
}
