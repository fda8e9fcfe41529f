//! `bundler config lint`: the command line of it (the checks are `bundler::kinds::config::lint`).

use anyhow::Result;
use bundler::kinds::config::aes::AesKey;
use bundler::kinds::config::lint::Linter;
use bundler::mechanisms::report::{has_errors, print_json, Severity};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler config lint tftp/
  bundler config lint cfg0012.xml y000000000000.boot --json
  bundler config lint tftp/ --aes-key 001FC1BC

In a folder: Htek files named cfg….xml (with any prefix/postfix) and every *.boot and *.cfg file.
Exit status 1 when any error is found.")]
pub struct Args {
    /// Files or folders to check.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Decrypt AES-encrypted Htek files with this key and check what is inside.
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// Print the findings as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let linter = Linter {
        htek: ctx.layouts.htek.clone(),
        fv: ctx.layouts.flyingvoice.clone(),
        key: args.aes_key.as_deref().map(|k| AesKey::parse(k, &ctx.layouts.htek)).transpose()?,
        ctx,
        follow_includes: true,
    };
    let mut found = Vec::new();
    let mut files = 0usize;
    for path in &args.paths {
        files += linter.lint_path(path, &mut found);
    }
    if args.json {
        print_json(&found)?;
    } else {
        let mut printer = bundler::mechanisms::report::snippet::Printer::stdout();
        for d in &found {
            println!("{}", printer.show(d));
        }
        let count = |s: Severity| found.iter().filter(|d| d.severity == s).count();
        if !bundler::quiet() {
            eprintln!(
                "checked {files} file(s): {} error(s), {} warning(s)",
                count(Severity::Error),
                count(Severity::Warning)
            );
        }
    }
    Ok(if has_errors(&found) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
