//! `bundler config htek`: the command line of it (the files are written by
//! `bundler::kinds::config::htek::generate`).

use anyhow::Result;
use bundler::kinds::config::aes::AesKey;
use bundler::kinds::config::htek::generate::{generate, CommonFile, Request};
use bundler::kinds::config::{Sink, Sources};
use bundler::mechanisms::output::StagedDir;
use bundler::mechanisms::report::Diagnostic;
use bundler::rules::layout::htek_config::{Dialect, HtekData};
use bundler::Context;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Warnings printed before the rest are only counted.
const MAX_WARNINGS_SHOWN: usize = 20;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler config htek --phones phones.csv --out tftp/
  bundler config htek --phones phones.csv --common common.toml --aes-key 001FC1BC --out tftp/
  bundler config htek --phones phones.csv --resources-url http://prov.example.com/htek --prefix hl_

phones.csv: a header row, then one phone per row. Columns `mac` and `model`; every other column is a
setting named by P-code (P47) or alias (account1.sip_server); columns whose name starts with '#' are
ignored (notes, locations). An empty cell leaves the setting out;
a value may not contain a line break (common.toml values may).
common.toml: [all] for every model, [models.UC924] for one model; keys are P-codes or aliases.
Nothing is written when any row is wrong; files are replaced only once all of them are ready.")]
pub struct Args {
    /// The phones: CSV with columns mac, model and one column per setting.
    #[arg(long, value_name = "CSV")]
    pub phones: PathBuf,
    /// Settings shared by all phones ([all]) or by one model ([models.UC924]).
    #[arg(long, value_name = "TOML")]
    pub common: Option<PathBuf>,
    /// Encrypt each per-phone file with this key (1–16 hex digits), as `openssl enc -aes-128-cbc` does.
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// Also write the key (P8631) and P240 = 1 into the common files. Anyone who can fetch a common
    /// file can then decrypt every phone's config.
    #[arg(long, requires = "aes_key")]
    pub write_key_to_common: bool,
    /// Config file name prefix (P234): file names become PREFIX + cfg….xml + POSTFIX.
    #[arg(long, value_name = "P", default_value = "")]
    pub prefix: String,
    /// Config file name postfix (P235).
    #[arg(long, value_name = "S", default_value = "")]
    pub postfix: String,
    /// Base URL of the resource tree (ring tones, hlpres.tar, Language.tar, wallpaper, screensaver):
    /// fills the ring, Language.tar, hlpres.tar, wallpaper and screensaver settings of the layout's
    /// `[[fetch]]` table (`bundler config pcodes` lists them) in the common files.
    #[arg(long, value_name = "URL")]
    pub resources_url: Option<String>,
    /// Write every setting into the per-phone files and no common files (works whether or not the
    /// phone fetches cfg<mac>.xml after the common file: the guide says both).
    #[arg(long)]
    pub merge_common: bool,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Element names to write: `pcode` (<P47 para=…>) or `named` (<Profile1_Sipserver>, newer
    /// firmware). Default: the model's `config_dialect` in the layouts (pcode for every model today).
    /// Named can write only settings with a known element name (`bundler config pcodes`).
    #[arg(long, value_parser = crate::commands::named::<Dialect>())]
    pub dialect: Option<Dialect>,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    /// The request the flags make.
    pub fn request(&self) -> Request {
        Request {
            sources: Sources::from_flags(&self.phones, self.common.as_deref(), self.resources_url.as_deref()),
            aes_key: self.aes_key.clone(),
            write_key_to_common: self.write_key_to_common,
            prefix: self.prefix.clone(),
            postfix: self.postfix.clone(),
            merge_common: self.merge_common,
            dialect: self.dialect,
            warn_shadowed: false,
        }
    }
}

pub fn run(cli: &Args, ctx: &Context) -> Result<ExitCode> {
    let args = &cli.request();
    let staged = StagedDir::new(&cli.out)?;
    let g = generate(args, &Sink::new(staged.path()), ctx)?;
    staged.commit()?;
    print_warnings(&g.warnings);
    if cli.json {
        let commons: Vec<serde_json::Value> = g
            .commons
            .iter()
            .map(|c| {
                let phones: usize = c.models.iter().filter_map(|m| g.present.get(m)).sum();
                serde_json::json!({ "file": c.name, "models": c.models, "phones": phones, "settings": c.settings.len() })
            })
            .collect();
        let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
        bundler::mechanisms::report::print_json(&serde_json::json!({
            "out": cli.out,
            "phones": g.count,
            "encrypted": g.key.is_some(),
            "common_files": commons,
            "warnings": warnings,
        }))?;
    } else if !bundler::quiet() {
        print_summary(cli, &g.data, g.key.as_ref(), g.count, &g.commons, &g.present);
    }
    Ok(ExitCode::SUCCESS)
}

/// What was written, and what the phones need besides.
fn print_summary(
    args: &Args,
    data: &HtekData,
    key: Option<&AesKey>,
    count: usize,
    commons: &[CommonFile],
    present: &BTreeMap<String, usize>,
) {
    let how = if key.is_some() { " (AES-128-CBC)" } else { "" };
    println!("wrote {count} per-phone file(s){how} and {} common file(s) to {}", commons.len(), args.out.display());
    for c in commons {
        let phones: usize = c.models.iter().filter_map(|m| present.get(m)).sum();
        println!("  {:<24} {:<16} {phones} phone(s), {} setting(s)", c.name, c.models.join(","), c.settings.len());
    }
    let (aes, auth) = (&data.settings.aes_key, &data.settings.authenticate);
    match key {
        Some(_) if args.write_key_to_common && args.merge_common => {
            println!("note: {aes} (the key) and {auth} = 1 are in every per-phone file, which is encrypted with that key")
        }
        Some(_) if args.write_key_to_common => eprintln!(
            "warning: the AES key is in the common file(s) in plain text (--write-key-to-common): anyone who can fetch them can decrypt every phone's config"
        ),
        Some(_) => println!(
            "note: phones decrypt their files only once {aes} (common AES key) and {auth} (authenticate cfg file) = 1 are set on them"
        ),
        None => {}
    }
    if !args.merge_common {
        println!(
            "note: the guide contradicts itself on whether a phone that got its common file also fetches cfg<mac>.xml (§2.1 note 2 says no, §9.1 yes); --merge-common avoids depending on it"
        );
    }
}

fn print_warnings(warnings: &[Diagnostic]) {
    for w in warnings.iter().take(MAX_WARNINGS_SHOWN) {
        eprintln!("{w}");
    }
    if warnings.len() > MAX_WARNINGS_SHOWN {
        eprintln!("… and {} more warnings", warnings.len() - MAX_WARNINGS_SHOWN);
    }
}
