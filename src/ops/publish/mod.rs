//! `bundler publish`: puts a built tree on S3-compatible object storage (or a folder) so that a
//! phone never sees half of it: resources first, then configs, then the tree's description; only
//! what changed is sent; stale objects go only when asked and only those bundler wrote; every
//! object gets the headers of the one table (`headers.rs`). `--check` and `bundler verify s3://…`
//! compare what is there with the manifest.

mod check;
mod credentials;
pub mod dest;
mod exec;
pub mod plan;
pub mod record;
mod s3;

pub use exec::{publish, Options, Outcome};

use crate::mechanisms::tree_compare::{Change, Entry, Kind};
use anyhow::Result;
use dest::{Destination, Folder};
use sha2::Digest as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};
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

/// A file's size and SHA-256, read in pieces.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    let (mut file, _) = crate::mechanisms::input::open_regular(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, format!("{:x}", hasher.finalize())))
}

/// The destination named by `to`, and a line saying where and with which credentials.
fn open(to: &str, remote: &RemoteArgs, part_mib: u64) -> Result<(Box<dyn Destination>, String)> {
    if to.starts_with("s3://") {
        let s3 = s3::S3::new(to, remote.endpoint.as_deref(), remote.region.as_deref(), part_mib << 20)?;
        let line = format!("{} at {} ({})", s3.describe(), s3.endpoint(), s3.credentials_from());
        return Ok((Box::new(s3), line));
    }
    let folder = Folder::new(Path::new(to));
    let line = folder.describe();
    Ok((Box::new(folder), line))
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let local = plan::local_files(&args.tree)?;
    let (dest, where_) = open(&args.to, &args.remote, args.part_size)?;
    let jobs = usize::from(args.jobs);
    if !crate::quiet() && !args.json {
        eprintln!("publishing {} to {where_}", args.tree.display());
    }
    if args.check {
        let expected: Vec<Entry> = local.iter().map(|f| entry(&f.key, f.bytes, &f.sha256)).collect();
        let list = check::compare(dest.as_ref(), &expected, jobs)?;
        return report_check(&dest.describe(), &list, expected.len(), args.json);
    }
    let opts = Options { dry_run: args.dry_run, delete_stale: args.delete_stale, jobs };
    let out = publish(dest.as_ref(), &local, &opts)?;
    report(args, &dest.describe(), &where_, &out)
}

fn entry(path: &str, bytes: u64, sha: &str) -> Entry {
    Entry { path: path.to_string(), bytes: Some(bytes), sha256: Some(sha.to_string()) }
}

/// `bundler verify s3://BUCKET/PREFIX`: the published tree against its own `manifest.json`.
pub fn verify_remote(url: &str, remote: &RemoteArgs, json: bool) -> Result<ExitCode> {
    let (dest, where_) = open(url, remote, 16)?;
    if !crate::quiet() && !json {
        eprintln!("checking {where_}");
    }
    let bytes = dest
        .get(crate::mechanisms::tree_manifest::MANIFEST_JSON, crate::mechanisms::tree_manifest::MAX_MANIFEST_BYTES)?
        .ok_or_else(|| anyhow::anyhow!("{url}: no manifest.json there (publish a tree first)"))?;
    #[derive(serde::Deserialize)]
    struct Files {
        artifacts: Vec<Entry>,
    }
    let files: Files = crate::mechanisms::tree_manifest::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{url}/manifest.json: not a bundler manifest.json ({e})"))?;
    let description = [
        crate::mechanisms::tree_manifest::MANIFEST_JSON,
        crate::mechanisms::tree_manifest::SUMS_FILE,
        crate::mechanisms::tree_manifest::REPORT_HTML,
    ];
    let mut list = check::compare(dest.as_ref(), &files.artifacts, 8)?;
    list.retain(|c| !(c.kind == Kind::Added && description.contains(&c.path.as_str())));
    report_check(&dest.describe(), &list, files.artifacts.len(), json)
}

fn report_check(dest: &str, list: &[Change], checked: usize, json: bool) -> Result<ExitCode> {
    let count = |k: Kind| list.iter().filter(|c| c.kind == k).count();
    let (missing, differ, extra) = (count(Kind::Removed), count(Kind::Changed), count(Kind::Added));
    if json {
        crate::mechanisms::report::print_json(&serde_json::json!({
            "destination": dest, "checked": checked, "missing": missing, "differ": differ, "extra": extra,
            "changes": list,
        }))?;
    } else {
        for c in list {
            let (word, sizes) = match c.kind {
                Kind::Removed => ("missing", crate::mechanisms::tree_compare::size(c.old_bytes)),
                Kind::Changed => (
                    "differs",
                    format!(
                        "{} here, {} in the tree",
                        crate::mechanisms::tree_compare::size(c.new_bytes),
                        crate::mechanisms::tree_compare::size(c.old_bytes)
                    ),
                ),
                Kind::Added => ("extra", crate::mechanisms::tree_compare::size(c.new_bytes)),
            };
            println!("{word:<8} {dest}/{}  {sizes}", c.path);
        }
        if !crate::quiet() {
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
        crate::mechanisms::report::print_json(&serde_json::json!({
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
    if crate::quiet() {
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
