//! `bundler config`: provisioning configs for Htek (XML, optionally AES-encrypted) and Flyingvoice
//! (boot and cfg files), and the tools to check (`lint`), explain (`resolve`) and read (`decrypt`)
//! what is on a provisioning server.
//!
//! Formats: FORMATS.md §1 "Configuration files", "P-codes", "AES encryption" and §2. The vendor
//! vocabulary (file names, P-code dictionary, phonebook keys) is data in `layouts/htek-config.toml`
//! and `layouts/flyingvoice-config.toml`.

pub mod choose;
pub(crate) mod csv_input;
pub mod flyingvoice;
pub mod format;
pub mod htek;
pub(crate) mod lint;
pub mod mac;
mod phonebook;
mod phones;
mod resolve;
mod spec;

pub use format::VendorConfig;
pub use lint::ConfigInspector;
pub use phonebook::PhonebookInspector;
pub use spec::{ConfigSpec, TreeConfigs};

/// Model name → the (setting, value) pairs the configs of that model must carry (a release tree's
/// own settings, in plan order).
pub type TreeSettings = std::collections::BTreeMap<String, Vec<(String, String)>>;

/// What both vendors' config generators take: the phones, the common settings, and where the
/// phones find their resources.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The phones CSV (one config per row).
    pub phones: PathBuf,
    /// Settings every phone gets (`common.toml` for Htek, a cfg file for Flyingvoice).
    pub common: Option<PathBuf>,
    /// Where the resources are served (`--resources-url`), when not given by `tree`.
    pub resources_url: Option<String>,
    /// Set by `release`: per model, the settings its tree needs (instead of `resources_url`). A
    /// common or CSV value for one of them wins, with a warning when it differs.
    pub tree: Option<TreeSettings>,
}

impl Sources {
    /// What a `config htek|flyingvoice` command's flags name (no tree: that is `release`'s).
    pub fn from_flags(phones: &Path, common: Option<&Path>, resources_url: Option<&str>) -> Sources {
        Sources {
            phones: phones.to_path_buf(),
            common: common.map(Path::to_path_buf),
            resources_url: resources_url.map(str::to_string),
            tree: None,
        }
    }
}

/// Where a config generator writes its files: a folder that exists (the command's staging folder,
/// or `config/` of a release's staging tree), remembering each file's size and digest so the
/// caller need not read them back.
pub struct Sink {
    dir: PathBuf,
    written: std::sync::Mutex<Vec<Written>>,
}

/// One file a [`Sink`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: String,
    pub bytes: usize,
    pub sha256: String,
}

impl Sink {
    pub fn new(dir: &Path) -> Sink {
        Sink { dir: dir.to_path_buf(), written: Default::default() }
    }

    /// Writes `name` (a plain file name) into the folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
        let record = Written {
            name: name.to_string(),
            bytes: bytes.len(),
            sha256: crate::mechanisms::checksums::sha256_hex(bytes),
        };
        self.written.lock().expect("sink list").push(record);
        Ok(())
    }

    /// Every file written, sorted by name.
    pub fn into_written(self) -> Vec<Written> {
        let mut list = self.written.into_inner().expect("sink list");
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }
}

use crate::rules::layout::{ConfigFormat, Model};
use crate::Context;
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `common.toml` files larger than this are refused.
const MAX_TOML_BYTES: u64 = 4 * 1024 * 1024;
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
    Htek(htek::generate::Args),
    /// Flyingvoice: <mac>.boot and <mac>.cfg per phone, y000000000000.boot/.cfg, optional phonebook.
    Flyingvoice(flyingvoice::generate::Args),
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
        Command::Htek(a) => nothing_written(htek::generate::run(a, ctx)),
        Command::Flyingvoice(a) => nothing_written(flyingvoice::generate::run(a, ctx)),
        Command::Decrypt(a) => decrypt(a, ctx),
        Command::Lint(a) => lint::run(a, ctx),
        Command::Resolve(a) => resolve::run(a, ctx),
        Command::Pcodes(a) => list_pcodes(a, ctx),
    }
}

/// Whether a dictionary entry matches `--search` (lower-case `word`).
fn pcode_matches(word: &str, code: u32, p: &crate::rules::layout::htek_config::Pcode) -> bool {
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
            pcode: &'a crate::rules::layout::htek_config::Pcode,
        }
        let entries: Vec<Entry> = data.pcodes().map(|(c, p)| Entry { code: format!("P{c}"), pcode: p }).collect();
        crate::mechanisms::report::print_json(
            &serde_json::json!({ "pcodes": entries, "names": data.elements(), "resources": htek_resources(args, ctx)? }),
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
    let resources = htek_resources(args, ctx)?;
    println!("\n--resources-url URL fills ({{url}} = URL, {{model}} = model name):");
    for r in resources {
        let only = r.requires_asset.map(|k| format!(" (models with a {k})")).unwrap_or_default();
        println!("  {:<8}{:<36}{}{only}", r.setting, r.value, r.source);
    }
    Ok(ExitCode::SUCCESS)
}

/// `config pcodes --search WORD`: the matching codes and named elements; exit 1 when none match.
fn search_pcodes(word: &str, data: &crate::rules::layout::HtekData, json: bool) -> Result<ExitCode> {
    let codes: Vec<_> = data.pcodes().filter(|(c, p)| pcode_matches(word, *c, p)).collect();
    let names: Vec<_> = data.elements().iter().filter(|(n, _)| n.to_lowercase().contains(word)).collect();
    if json {
        let codes: serde_json::Map<String, serde_json::Value> =
            codes.iter().map(|(c, p)| (format!("P{c}"), serde_json::to_value(p).unwrap_or_default())).collect();
        let names: serde_json::Map<String, serde_json::Value> =
            names.iter().map(|(n, e)| (n.to_string(), serde_json::to_value(e).unwrap_or_default())).collect();
        crate::mechanisms::report::print_json(&serde_json::json!({ "pcodes": codes, "names": names }))?;
    } else {
        for (code, p) in &codes {
            let also =
                if p.public_para.is_empty() { String::new() } else { format!(" (also {})", p.public_para.join(", ")) };
            println!("P{code:<7} {}{also}  # {}", p.para, p.source);
        }
        for (name, e) in &names {
            println!("{name}  -> {}  # {}", e.pcode.as_deref().unwrap_or("no code known"), e.source);
        }
        if !crate::quiet() {
            println!("{} code(s), {} named element(s) match '{word}'", codes.len(), names.len());
        }
    }
    Ok(if codes.is_empty() && names.is_empty() { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The fetch entries `config htek --resources-url` fills for the vendor's phones (its layout's
/// `[[fetch]]`): the `--vendor` given, else the one vendor with Htek XML configs.
fn htek_resources<'a>(args: &PcodesArgs, ctx: &'a Context) -> Result<Vec<&'a crate::rules::layout::Fetch>> {
    let vendor = ctx.layouts.config_vendor(ctx.layouts.htek.format, args.vendor.as_deref(), "give --vendor")?;
    Ok(vendor.fetch.iter().filter(|f| htek::generate::RESOURCE_KINDS.contains(&f.kind)).collect())
}

/// Says on every failure of a generator that nothing was written (true: outputs are staged), and
/// lists every problem of a refused input above the error line.
fn nothing_written(result: Result<ExitCode>) -> Result<ExitCode> {
    result.map_err(|e| match e.downcast_ref::<phones::Refused>().filter(|r| r.errors.len() > 1) {
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
    let key = htek::aes::AesKey::parse(&args.aes_key)?;
    let shown = args.file.display();
    let bytes = crate::mechanisms::input::read_limited(&args.file, MAX_CONFIG_BYTES)?;
    let plain = decrypt_config(&key, &bytes).map_err(|e| anyhow!("{shown}: cannot decrypt: {e}"))?;
    let data = ctx.layouts.htek.clone();
    let read = htek::xml::read(&shown.to_string(), plain.trim_start_matches('\u{FEFF}'), &data);
    for d in &read.diagnostics {
        eprintln!("{d}");
    }
    eprintln!("{shown}: {} setting(s)", read.settings.len());
    match &args.output {
        Some(out) => crate::mechanisms::output::write_atomic(out, plain.as_bytes())?,
        None => print!("{plain}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Decrypts an Htek config and checks the result is XML text, so a wrong key that happens to give
/// valid padding is still caught.
pub fn decrypt_config(key: &htek::aes::AesKey, bytes: &[u8]) -> Result<String> {
    let plain = key.decrypt(bytes)?;
    match String::from_utf8(plain) {
        Ok(text) if text.trim_start_matches('\u{FEFF}').trim_start().starts_with('<') => Ok(text),
        _ => bail!("the decrypted bytes are not XML text: wrong key?"),
    }
}

/// Whether a phones.csv column is a note for people (`#location`), ignored by the generators.
fn is_note_column(name: &str) -> bool {
    name.starts_with('#')
}

/// Checks a base URL (`http://…` or `https://…`, no spaces) and drops a trailing slash.
fn check_base_url(url: &str) -> Result<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() <= "https://".len() {
        bail!("--resources-url '{url}' must be an http:// or https:// URL (phones fetch resources over HTTP(S), Htek guide §5)");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("--resources-url '{url}' contains a space or control character");
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Why `model` cannot take `format`'s configs, if it cannot: the command its vendor's format takes,
/// or that its vendor has no configs.
pub fn wrong_format(model: &Model, format: ConfigFormat) -> Option<String> {
    match model.config_format {
        Some(f) if f == format => None,
        Some(f) => Some(format!(
            "model {} is a {} phone; use `bundler config {}`",
            model.name,
            model.vendor,
            choose::for_format(f).command()
        )),
        None => Some(format!("model {}: configs are not supported for vendor {}", model.name, model.vendor)),
    }
}

/// Reads a small TOML file; a syntax error names the file, line and column.
fn read_toml(path: &Path) -> Result<(String, toml::Table)> {
    let (shown, text) = crate::mechanisms::tomlfile::read_text(path, MAX_TOML_BYTES)?;
    let table = crate::rules::toml::parse(&shown, &text)?;
    Ok((shown, table))
}

/// Flattens TOML tables into `dotted.name = value` pairs (so `account.1.user_name = "x"` reads as
/// the parameter `account.1.user_name`). Values must be strings or integers.
fn flatten(shown: &str, section: &str, table: toml::Table) -> Result<Vec<(String, String)>> {
    fn walk(
        shown: &str,
        section: &str,
        prefix: &str,
        table: toml::Table,
        out: &mut Vec<(String, String)>,
    ) -> Result<()> {
        for (key, value) in table {
            let name = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
            let text = match value {
                toml::Value::Table(t) => {
                    walk(shown, section, &name, t, out)?;
                    continue;
                }
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => {
                    bail!("{shown}: {section}{name} = {b}: write 1 or 0 (phones take numbers), or quote it")
                }
                other => bail!("{shown}: {section}{name}: a {} value; write it as a quoted string", other.type_str()),
            };
            out.push((name, text));
        }
        Ok(())
    }
    let mut out = Vec::new();
    let section = if section.is_empty() { String::new() } else { format!("{section} ") };
    walk(shown, &section, "", table, &mut out)?;
    Ok(out)
}
