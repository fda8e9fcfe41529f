//! `bundler config`: provisioning configs for Htek (XML, optionally AES-encrypted) and Flyingvoice
//! (boot and cfg files), and the tools to check (`lint`), explain (`resolve`) and read (`decrypt`)
//! what is on a provisioning server. One file per subcommand that writes or walks; `pcodes` and
//! `decrypt` are here. The work is `bundler::kinds::config`.

mod flyingvoice;
mod htek;
mod lint;
mod resolve;

use anyhow::{anyhow, Result};
use bundler::kinds::config::aes::AesKey;
use bundler::kinds::config::htek::generate::htek_resources;
use bundler::kinds::config::{decrypt_config, Refused};
use bundler::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// Config files `decrypt` reads are at most this large.
const MAX_CONFIG_BYTES: u64 = 64 * 1024 * 1024;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Htek: cfg<mac>.xml per phone (optionally AES-encrypted) and cfg<DEVICECODE>.xml per model.
    Htek(htek::Args),
    /// Flyingvoice: <mac>.boot and <mac>.cfg per phone, y000000000000.boot/.cfg, optional phonebook.
    Flyingvoice(flyingvoice::Args),
    /// Print the plaintext of an AES-encrypted Htek config file.
    Decrypt(DecryptArgs),
    /// Check config files or folders (Htek XML, Flyingvoice boot/cfg) and report every problem.
    Lint(lint::Args),
    /// Show what one phone would end up with: the files it fetches and every effective setting.
    Resolve(resolve::Args),
    /// List the Htek P-code dictionary (codes, aliases, types, sources) from the layouts.
    Pcodes(PcodesArgs),
}

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler config pcodes\n  bundler config pcodes --search transport\n  bundler config pcodes --json\n\nAdd or change entries with --layouts DIR (a file htek-config.toml with [pcodes.P35] para = \"…\" alias = \"…\")."
)]
pub struct PcodesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only codes and named elements whose code, para names (bundler's and the public sources'),
    /// alias or element name contain WORD (any case).
    #[arg(long, value_name = "WORD")]
    pub search: Option<String>,
    /// Whose `--resources-url` settings to list: a vendor with Htek XML configs (needed only when
    /// the layouts have several).
    #[arg(long, value_name = "VENDOR")]
    pub vendor: Option<String>,
}

#[derive(clap::Args)]
#[command(after_help = "Example:\n  bundler config decrypt tftp/cfg001fc110d3a9.xml --aes-key 001FC1BC")]
pub struct DecryptArgs {
    /// The encrypted file.
    pub file: PathBuf,
    /// The key (1–16 hex digits), as given to `config htek --aes-key`.
    #[arg(long, value_name = "HEX")]
    pub aes_key: String,
    /// Write the plaintext to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    match &args.command {
        Command::Htek(a) => nothing_written(htek::run(a, ctx)),
        Command::Flyingvoice(a) => nothing_written(flyingvoice::run(a, ctx)),
        Command::Decrypt(a) => decrypt(a, ctx),
        Command::Lint(a) => lint::run(a, ctx),
        Command::Resolve(a) => resolve::run(a, ctx),
        Command::Pcodes(a) => list_pcodes(a, ctx),
    }
}

/// Whether a dictionary entry matches `--search` (lower-case `word`).
fn pcode_matches(word: &str, code: u32, p: &bundler::rules::layout::htek_config::Pcode) -> bool {
    let mut texts = [format!("p{code}"), p.para.to_lowercase(), p.alias.as_deref().unwrap_or("").to_lowercase()]
        .into_iter()
        .chain(p.public_para.iter().map(|s| s.to_lowercase()));
    texts.any(|t| t.contains(word))
}

fn list_pcodes(args: &PcodesArgs, ctx: &Context) -> Result<ExitCode> {
    let data = ctx.layouts.htek.clone();
    if let Some(word) = &args.search {
        return search_pcodes(&word.to_lowercase(), &data, args.json);
    }
    if args.json {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            code: String,
            #[serde(flatten)]
            pcode: &'a bundler::rules::layout::htek_config::Pcode,
        }
        let entries: Vec<Entry> = data.pcodes().map(|(c, p)| Entry { code: format!("P{c}"), pcode: p }).collect();
        bundler::mechanisms::report::print_json(
            &serde_json::json!({ "pcodes": entries, "names": data.elements(), "resources": htek_resources(args.vendor.as_deref(), ctx)? }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{:<8}{:<34}{:<10}{:<42}SOURCE", "CODE", "ALIAS", "TYPE", "PARA");
    for (code, p) in data.pcodes() {
        let kind =
            serde_json::to_value(p.value_type).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let range = match (p.min, p.max) {
            (None, None) => String::new(),
            (lo, hi) => {
                format!(" {}–{}", lo.map_or("…".into(), |v| v.to_string()), hi.map_or("…".into(), |v| v.to_string()))
            }
        };
        println!(
            "{:<8}{:<34}{:<10}{:<42}{}{range}",
            format!("P{code}"),
            p.alias.as_deref().unwrap_or("-"),
            kind,
            p.para,
            p.source
        );
    }
    println!("\nnamed-dialect elements (config lint/resolve/decrypt read them; --dialect named writes them):");
    for (name, e) in data.elements() {
        println!("  {:<40}{:<8}{}", name, e.pcode.as_deref().unwrap_or("-"), e.source);
    }
    let resources = htek_resources(args.vendor.as_deref(), ctx)?;
    println!("\n--resources-url URL fills ({{url}} = URL, {{model}} = model name):");
    for r in resources {
        let only = r.requires_asset.map(|k| format!(" (models with a {k})")).unwrap_or_default();
        println!("  {:<8}{:<36}{}{only}", r.setting, r.value, r.source);
    }
    Ok(ExitCode::SUCCESS)
}

/// `config pcodes --search WORD`: the matching codes and named elements; exit 1 when none match.
fn search_pcodes(word: &str, data: &bundler::rules::layout::HtekData, json: bool) -> Result<ExitCode> {
    let codes: Vec<_> = data.pcodes().filter(|(c, p)| pcode_matches(word, *c, p)).collect();
    let names: Vec<_> = data.elements().iter().filter(|(n, _)| n.to_lowercase().contains(word)).collect();
    if json {
        let codes: serde_json::Map<String, serde_json::Value> =
            codes.iter().map(|(c, p)| (format!("P{c}"), serde_json::to_value(p).unwrap_or_default())).collect();
        let names: serde_json::Map<String, serde_json::Value> =
            names.iter().map(|(n, e)| (n.to_string(), serde_json::to_value(e).unwrap_or_default())).collect();
        bundler::mechanisms::report::print_json(&serde_json::json!({ "pcodes": codes, "names": names }))?;
    } else {
        for (code, p) in &codes {
            let also =
                if p.public_para.is_empty() { String::new() } else { format!(" (also {})", p.public_para.join(", ")) };
            println!("P{code:<7} {}{also}  # {}", p.para, p.source);
        }
        for (name, e) in &names {
            println!("{name}  -> {}  # {}", e.pcode.as_deref().unwrap_or("no code known"), e.source);
        }
        if !bundler::quiet() {
            println!("{} code(s), {} named element(s) match '{word}'", codes.len(), names.len());
        }
    }
    Ok(if codes.is_empty() && names.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Says on every failure of a generator that nothing was written (true: outputs are staged), and
/// lists every problem of a refused input above the error line.
fn nothing_written(result: Result<ExitCode>) -> Result<ExitCode> {
    result.map_err(|e| match e.downcast_ref::<Refused>().filter(|r| r.errors.len() > 1) {
        Some(refused) => {
            for d in &refused.errors {
                eprintln!("{d}");
            }
            anyhow!("{e:#}, listed above; nothing written")
        }
        None => anyhow!("{e:#}; nothing written"),
    })
}

/// Prints the plaintext; what the reader of both dialects finds in it goes to standard error.
fn decrypt(args: &DecryptArgs, ctx: &Context) -> Result<ExitCode> {
    let key = AesKey::parse(&args.aes_key, &ctx.layouts.htek)?;
    let shown = args.file.display();
    let bytes = bundler::mechanisms::input::read_limited(&args.file, MAX_CONFIG_BYTES)?;
    let plain = decrypt_config(&key, &bytes).map_err(|e| anyhow!("{shown}: cannot decrypt: {e}"))?;
    let data = ctx.layouts.htek.clone();
    let read = bundler::kinds::config::htek::xml::read(&shown.to_string(), plain.trim_start_matches('\u{FEFF}'), &data);
    for d in &read.diagnostics {
        eprintln!("{d}");
    }
    eprintln!("{shown}: {} setting(s)", read.settings.len());
    match &args.output {
        Some(out) => bundler::mechanisms::output::write_atomic(out, plain.as_bytes())?,
        None => print!("{plain}"),
    }
    Ok(ExitCode::SUCCESS)
}
