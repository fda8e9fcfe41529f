//! `bundler verify`: its arguments, the findings printed (text or JSON) and the exit status (1 when
//! any file breaks a rule). The checks are [`bundler::ops::verify`]; an `s3://` tree is checked as
//! `bundler publish --check` does.

use anyhow::Result;
use bundler::mechanisms::report::{has_errors, print_json, Severity};
use bundler::Context;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler verify build\n  bundler verify /srv/tftp --model UC924 --json\n\nExit status 1 when any file breaks a rule."
)]
pub struct Args {
    /// The tree to check.
    pub dir: PathBuf,
    /// Check every file against this model (default: the model named by the file's folder, or the
    /// models in manifest.json).
    #[arg(long)]
    pub model: Option<String>,
    #[command(flatten)]
    pub templates: super::inspect::TemplateArgs,
    /// Decrypt encrypted Htek configs with this key (1–16 hex digits) to check the settings they
    /// carry; without it those files are a note saying what was not checked.
    #[arg(long, value_name = "HEX", env = "BUNDLER_AES_KEY", hide_env_values = true)]
    pub aes_key: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// For a tree published to s3://BUCKET/PREFIX: where the storage is.
    #[command(flatten)]
    pub remote: super::publish::RemoteArgs,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    if let Some(url) = args.dir.to_str().filter(|d| d.starts_with("s3://")) {
        return super::publish::verify_remote(url, &args.remote, args.json);
    }
    let key = args
        .aes_key
        .as_deref()
        .map(|k| bundler::kinds::config::aes::AesKey::parse(k, &ctx.layouts.htek))
        .transpose()
        .map_err(|e| anyhow::anyhow!("--aes-key: {e}"))?;
    let findings =
        bundler::ops::verify::verify(&args.dir, args.model.as_deref(), args.templates.templates(), key.as_ref(), ctx)?;
    if args.json {
        print_json(&findings)?;
    } else {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        bundler::mechanisms::report::write_limited(&mut out, findings.iter().filter(|d| d.severity != Severity::Note))?;
        out.flush()?;
        drop(out);
        let errors = findings.iter().filter(|d| d.severity == Severity::Error).count();
        let warnings = findings.iter().filter(|d| d.severity == Severity::Warning).count();
        if !bundler::quiet() {
            println!("{}: {errors} error(s), {warnings} warning(s)", args.dir.display());
        }
    }
    Ok(if has_errors(&findings) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
