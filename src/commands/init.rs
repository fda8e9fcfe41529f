//! `bundler init`: its arguments and what it prints; the project is made by
//! `bundler::ops::init::create`.

use anyhow::Result;
use bundler::ops::init::{create, NEXT};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  bundler init office --vendor htek --model UC924 --model UC926\n  cd office && bundler release release.toml --out build   # names every file still missing"
)]
pub struct Args {
    /// The project folder to create (new, or an empty folder).
    pub dir: PathBuf,
    /// The phones' vendor (`bundler models` lists them).
    #[arg(long)]
    pub vendor: String,
    /// A phone model of the release; repeat for each model.
    #[arg(long = "model", value_name = "MODEL", required = true)]
    pub models: Vec<String>,
    /// Print what was created as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Creates the project and says what was created and what to do next.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let created = create(&args.dir, &args.vendor, &args.models, ctx)?;
    if args.json {
        bundler::mechanisms::report::print_json(&serde_json::json!({ "dir": args.dir, "created": created }))?;
    } else if !bundler::quiet() {
        println!("{}: created {}", args.dir.display(), created.join(", "));
        println!(
            "next: drop your files in, then `cd {} && {NEXT}` names whatever is still missing",
            args.dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
