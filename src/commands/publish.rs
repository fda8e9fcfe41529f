//! `bundler publish`: its arguments, the lines (or JSON) it prints and its exit status (0 published
//! or no difference, 1 differences found by `--check`, 2 anything not published). The publishing
//! is [`bundler::ops::publish`]. `RemoteArgs` and the `--check` report are shared with
//! `bundler verify s3://…`.

use anyhow::Result;
use bundler::mechanisms::tree_compare::{size, Change, Kind};
use bundler::ops::publish::{Options, Outcome, Storage};
use std::path::PathBuf;
use std::process::ExitCode;

/// Where the object storage is and how to reach it (credentials never come from flags).
#[derive(clap::Args, Debug, Clone)]
pub struct RemoteArgs {
    /// The S3 endpoint, for storage other than AWS (http://127.0.0.1:8333, https://minio.example.com);
    /// default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS.
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// The bucket's region; default AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

impl RemoteArgs {
    pub fn storage(&self) -> Storage<'_> {
        Storage { endpoint: self.endpoint.as_deref(), region: self.region.as_deref() }
    }
}

#[derive(clap::Args)]
#[command(after_help = "Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (AWS_SESSION_TOKEN), else the \
profile AWS_PROFILE (default 'default') in ~/.aws/credentials or ~/.aws/config.\n\nExamples:\n  \
bundler publish build s3://phones/htek --endpoint http://127.0.0.1:8333 --dry-run\n  \
bundler publish build s3://phones/htek --delete-stale\n  bundler publish build s3://phones/htek --check\n\n\
Exit status 0 when the whole tree is published (or --check finds no difference); 1 when --check finds \
differences; 2 when anything could not be published or read.")]
pub struct Args {
    /// The tree to publish: a folder `bundler release` wrote (with manifest.json).
    pub tree: PathBuf,
    /// Where: s3://BUCKET/PREFIX, or a local folder.
    pub to: String,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Show what would be uploaded and what is stale; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// After the new tree is complete, delete objects under the prefix that an earlier publish wrote
    /// and the tree no longer has (never objects bundler did not write).
    #[arg(long)]
    pub delete_stale: bool,
    /// Compare what the destination holds with the tree (size, SHA-256); send nothing.
    #[arg(long, conflicts_with_all = ["dry_run", "delete_stale"])]
    pub check: bool,
    /// Uploads at the same time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Files larger than this many MiB go up multipart, in parts of this size (S3: at least 5).
    #[arg(long, value_name = "MIB", default_value_t = 16, value_parser = clap::value_parser!(u64).range(5..=5120))]
    pub part_size: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let local = bundler::ops::publish::plan::local_files(&args.tree)?;
    let (dest, where_) = bundler::ops::publish::open(&args.to, args.remote.storage(), args.part_size)?;
    let jobs = usize::from(args.jobs);
    if !bundler::quiet() && !args.json {
        eprintln!("publishing {} to {where_}", args.tree.display());
    }
    if args.check {
        let list = bundler::ops::publish::check(dest.as_ref(), &local, jobs)?;
        return report_check(&dest.describe(), &list, local.len(), args.json);
    }
    let opts = Options { dry_run: args.dry_run, delete_stale: args.delete_stale, jobs };
    let out = bundler::ops::publish::publish(dest.as_ref(), &local, &opts)?;
    report(args, &dest.describe(), &where_, &out)
}

/// `bundler verify s3://BUCKET/PREFIX`: the published tree against its own `manifest.json`.
pub fn verify_remote(url: &str, remote: &RemoteArgs, json: bool) -> Result<ExitCode> {
    let (dest, where_) = bundler::ops::publish::open(url, remote.storage(), 16)?;
    if !bundler::quiet() && !json {
        eprintln!("checking {where_}");
    }
    let (list, checked) = bundler::ops::publish::check_published(dest.as_ref(), url)?;
    report_check(&dest.describe(), &list, checked, json)
}

/// The differences `--check` found, one line each and a summary (or JSON); exit 1 when a file is
/// missing or differs.
fn report_check(dest: &str, list: &[Change], checked: usize, json: bool) -> Result<ExitCode> {
    let count = |k: Kind| list.iter().filter(|c| c.kind == k).count();
    let (missing, differ, extra) = (count(Kind::Removed), count(Kind::Changed), count(Kind::Added));
    if json {
        bundler::mechanisms::report::print_json(&serde_json::json!({
            "destination": dest, "checked": checked, "missing": missing, "differ": differ, "extra": extra,
            "changes": list,
        }))?;
    } else {
        for c in list {
            let (word, sizes) = match c.kind {
                Kind::Removed => ("missing", size(c.old_bytes)),
                Kind::Changed => ("differs", format!("{} here, {} in the tree", size(c.new_bytes), size(c.old_bytes))),
                Kind::Added => ("extra", size(c.new_bytes)),
            };
            println!("{word:<8} {dest}/{}  {sizes}", c.path);
        }
        if !bundler::quiet() {
            println!("{dest}: {checked} files checked, {missing} missing, {differ} differ, {extra} extra objects");
        }
    }
    Ok(if missing + differ > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// `1234567` → `1,234,567`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn report(args: &Args, dest: &str, where_: &str, out: &Outcome) -> Result<ExitCode> {
    let failed = !out.refused.is_empty() || !out.failed.is_empty();
    if args.json {
        bundler::mechanisms::report::print_json(&serde_json::json!({
            "tree": args.tree, "destination": dest, "at": where_, "dry_run": args.dry_run, "outcome": out,
        }))?;
    } else {
        print_text(args, dest, out);
    }
    for f in out.refused.iter().chain(&out.failed) {
        eprintln!("error: {dest}/{}: {}", f.key, f.reason);
    }
    if failed && !out.complete && !args.dry_run {
        eprintln!("error: {dest}: publish stopped before the configs it would have sent; the configs there still point at complete files; run it again");
    }
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn print_text(args: &Args, dest: &str, out: &Outcome) {
    if args.dry_run {
        for key in &out.uploaded {
            println!("upload   {dest}/{key}");
        }
    }
    let verb = if args.delete_stale { "delete" } else { "stale" };
    let deleted: std::collections::BTreeSet<&String> = out.deleted.iter().collect();
    for s in out.stale.iter().filter(|s| args.dry_run || !deleted.contains(&s.key)) {
        let note = if s.deletable { "" } else { "  (changed since bundler wrote it: kept)" };
        println!("{verb:<8} {dest}/{}{note}", s.key);
    }
    if bundler::quiet() {
        return;
    }
    let would = if args.dry_run { "would upload" } else { "uploaded" };
    println!(
        "{would} {}, unchanged {}, deleted {}, {}",
        thousands(out.uploaded.len()),
        thousands(out.unchanged),
        out.deleted.len(),
        megabytes(out.uploaded_bytes)
    );
    let left = out.stale.len() - out.deleted.len();
    if left > 0 && !args.delete_stale {
        println!(
            "{left} stale object(s) bundler wrote are left: --delete-stale removes them once the tree is complete"
        );
    }
    if out.foreign > 0 {
        println!("{} object(s) under the prefix that bundler did not write: left alone", thousands(out.foreign));
    }
}
