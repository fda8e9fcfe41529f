//! `bundler release`: its arguments, `--dry-run`'s plan, the files of the new tree and where to
//! serve it (text or JSON), and the exit status. The release is [`bundler::ops::release`].

use anyhow::Result;
use bundler::mechanisms::report::print_json;
use bundler::mechanisms::tree_manifest::{Artifact, TreeManifest, MANIFEST_JSON, REPORT_HTML, SUMS_FILE};
use bundler::ops::release::{Planned, Request};
use bundler::Context;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  bundler release examples/htek-office/release.toml --out build\n\nThe manifest format is documented in docs/release.md (\"The manifest\")."
)]
pub struct Args {
    /// The release manifest (TOML).
    pub manifest: PathBuf,
    /// Folder to build the tree in; replaced as a whole when the build succeeds. It must be new,
    /// empty, or a tree bundler built (every file listed in its manifest.json).
    #[arg(long, value_name = "DIR", default_value = "build")]
    pub out: PathBuf,
    /// Replace --out even when it holds files bundler did not write (never when it holds the
    /// manifest, an input or the current folder).
    #[arg(long)]
    pub force: bool,
    /// Print the plan (every artifact and its output path) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Items built at once, 1 to 256 (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Where the tree will be served, instead of the manifest's base_url: build the same release for
    /// a lab server (`--base-url http://127.0.0.1:8080`) without editing the manifest.
    #[arg(long, value_name = "URL", value_parser = parse_base_url)]
    pub base_url: Option<String>,
}

/// `--base-url`: a URL the phones can fetch from, without a trailing slash.
fn parse_base_url(url: &str) -> std::result::Result<String, String> {
    let known = ["http://", "https://", "tftp://", "ftp://"].iter().any(|s| url.starts_with(s));
    if !known || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("'{url}' is not an http://, https://, tftp:// or ftp:// URL without spaces"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let request = Request {
        manifest: args.manifest.clone(),
        out: args.out.clone(),
        force: args.force,
        jobs: args.jobs.map(usize::from),
        base_url: args.base_url.clone(),
        progress: !args.json && !bundler::quiet() && std::io::stderr().is_terminal(),
    };
    let prepared = bundler::ops::release::prepare(&request, ctx)?;
    if args.dry_run {
        print_plan(&prepared.planned(), args.json)?;
        return Ok(ExitCode::SUCCESS);
    }
    let released = bundler::ops::release::build(&request, prepared, ctx)?;
    print_result(args, &released.tree, &released.artifacts)?;
    if !args.json && !bundler::quiet() {
        print_next(args, &released.tree, ctx);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--dry-run`: every item and its outputs (or JSON with the inputs and rules too).
fn print_plan(planned: &[Planned], json: bool) -> Result<()> {
    if json {
        return print_json(&planned);
    }
    for p in planned {
        println!("{} ({}):", p.label, p.models.join(", "));
        for o in p.outputs {
            println!("  {o}");
        }
    }
    println!("(dry run: nothing written)");
    Ok(())
}

/// The tree as JSON, or one line per file and a summary (nothing with `-q`).
fn print_result(args: &Args, tree: &TreeManifest, artifacts: &[(Artifact, Vec<u8>)]) -> Result<()> {
    if args.json {
        return print_json(tree);
    }
    if bundler::quiet() {
        return Ok(());
    }
    for (a, _) in artifacts {
        println!("{}  {} bytes  {}{}", a.path, a.bytes, a.label, if a.reused { "  (reused)" } else { "" });
    }
    let reused = artifacts.iter().filter(|(a, _)| a.reused).count();
    println!(
        "{}: {} files ({} reused), {}, {}, {}",
        args.out.display(),
        artifacts.len(),
        reused,
        SUMS_FILE,
        MANIFEST_JSON,
        REPORT_HTML
    );
    Ok(())
}

/// Where the tree is and how to serve it: the report to sign off, the `serve` command, and the URL
/// the phones are to be given (their config folder, as `bundler dhcp --tree` hands it out).
fn print_next(args: &Args, tree: &TreeManifest, ctx: &Context) {
    let out = args.out.display();
    let at = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    println!("the tree is in {}; sign it off in {out}/{REPORT_HTML}", at.display());
    println!("serve it: bundler serve {out} --http 0.0.0.0:80 --tftp 0.0.0.0:69 (or any web server: --print-nginx)");
    let config = ctx.layouts.vendor(&tree.vendor).ok().and_then(|v| v.fetch(bundler::rules::layout::FetchKind::Config));
    match (&tree.base_url, config) {
        (Some(base), Some(f)) => println!(
            "phones fetch their configs from {} (bundler dhcp --tree {out} --format dnsmasq|isc|kea)",
            f.value_for(base.trim_end_matches('/'), "", "")
        ),
        (Some(base), None) => println!("phones fetch it from {base}"),
        (None, _) => println!("no base_url: the files name no server (set base_url, or give --base-url)"),
    }
}
