//! `bundler config flyingvoice`: the command line of it (the files are written by
//! `bundler::kinds::config::flyingvoice::generate`).

use anyhow::Result;
use bundler::kinds::config::flyingvoice::generate::{generate, Generated, Request};
use bundler::kinds::config::{Sink, Sources};
use bundler::mechanisms::output::StagedDir;
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler config flyingvoice --phones phones.csv --out tftp/
  bundler config flyingvoice --phones phones.csv --common common.cfg --phonebook contacts.csv \\
      --resources-url http://prov.example.com/fv --out tftp/

phones.csv: a header row, then one phone per row: column `mac`, optionally `model`, and one column per
parameter (account.1.user_name, account.1.password, …); columns whose name starts with '#' are ignored.
An empty cell leaves the parameter out.
--common: a cfg file (parameter = value lines) or a TOML file (account.1.sip_server.1.address = \"…\").
--phonebook: CSV with columns name, numbers (up to 3, separated by ';'), group. Written as Yealink-style
phonebook XML: Flyingvoice does not publish the format, so this shape is an ASSUMPTION.")]
pub struct Args {
    /// The phones: CSV with columns mac, optionally model, and one column per parameter.
    #[arg(long, value_name = "CSV")]
    pub phones: PathBuf,
    /// Settings for every phone: a .cfg file or a .toml file.
    #[arg(long, value_name = "FILE")]
    pub common: Option<PathBuf>,
    /// Contacts CSV (name, numbers, group) to write as a phonebook XML referenced from the common cfg.
    #[arg(long, value_name = "CSV")]
    pub phonebook: Option<PathBuf>,
    /// Where the output folder is served; the phonebook URL is built from it (else the bare file name).
    #[arg(long, value_name = "URL")]
    pub resources_url: Option<String>,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,
    /// Print what was written as JSON.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    /// The request the flags make.
    pub fn request(&self) -> Request {
        Request {
            sources: Sources::from_flags(&self.phones, self.common.as_deref(), self.resources_url.as_deref()),
            phonebook: self.phonebook.clone(),
        }
    }
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let staged = StagedDir::new(&args.out)?;
    let Generated { count, extra, data, warnings, more_oui_warnings } =
        generate(&args.request(), &Sink::new(staged.path()), ctx)?;
    staged.commit()?;
    for w in &warnings {
        eprintln!("{w}");
    }
    if more_oui_warnings > 0 {
        eprintln!("… and {more_oui_warnings} more MACs outside the vendor's prefixes");
    }
    if args.json {
        bundler::mechanisms::report::print_json(&serde_json::json!({
            "out": args.out,
            "phones": count,
            "per_phone": [data.files.phone_boot, data.files.phone_cfg],
            "common_files": extra,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if bundler::quiet() {
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "wrote {count} phone(s) ({} and {} each) and {} to {}",
        data.files.phone_boot,
        data.files.phone_cfg,
        extra.join(", "),
        args.out.display()
    );
    if args.phonebook.is_some() {
        println!("note: {}: {}", data.phonebook.file, data.phonebook.source);
    }
    Ok(ExitCode::SUCCESS)
}
