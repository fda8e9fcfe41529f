//! `bundler diff`: what changed between two provisioning trees, read from their `manifest.json`
//! files (the comparison itself is `bundler::mechanisms::tree_compare`).

use anyhow::Result;
use bundler::mechanisms::tree_compare::{changes, read_entries, size, summary, Change, Kind};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler diff old-build build\n  bundler diff old/manifest.json build/manifest.json --json\n  bundler diff old-build build --exit-code   # 1 when anything changed, as `git diff --exit-code`\n\nExit status 0 whether or not anything changed (with --exit-code: 1 when something did); 2 when a manifest cannot be read."
)]
pub struct Args {
    /// The previous tree (a folder holding manifest.json, or the manifest.json itself).
    pub old: PathBuf,
    /// The new tree (a folder holding manifest.json, or the manifest.json itself).
    pub new: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when the trees differ, 0 when they do not (as `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
}

/// Prints the changes (text or JSON); the exit status follows `--exit-code`.
pub fn run(args: &Args) -> Result<ExitCode> {
    let old = read_entries(&args.old)?;
    let new = read_entries(&args.new)?;
    let list = changes(&old, &new);
    if args.json {
        bundler::mechanisms::report::print_json(&serde_json::json!({
            "old": args.old,
            "new": args.new,
            "changes": list,
        }))?;
        return Ok(status(args, &list));
    }
    for c in &list {
        let sizes = match c.kind {
            Kind::Added => size(c.new_bytes),
            Kind::Removed => size(c.old_bytes),
            Kind::Changed => format!("{} -> {}", size(c.old_bytes), size(c.new_bytes)),
        };
        println!("{:<8} {}  {sizes}", format!("{:?}", c.kind).to_lowercase(), c.path);
    }
    if !bundler::quiet() {
        println!("{}", summary(&list));
    }
    Ok(status(args, &list))
}

/// 1 with `--exit-code` when anything changed, else 0.
fn status(args: &Args, list: &[Change]) -> ExitCode {
    if args.exit_code && !list.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
