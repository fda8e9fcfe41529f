//! `bundler release`: the whole provisioning tree from one manifest. The plan is computed first
//! (so `--dry-run` and every manifest error come before any work), items are built in parallel or
//! reused from the previous tree when nothing about them changed, and the tree is swapped in at the
//! end with `SHA256SUMS`, `manifest.json` and `report.html`.

mod build;
mod html;
pub mod manifest;
pub mod plan;

use crate::checksums::{sha256_hex, Sums, SUMS_FILE};
use crate::report::print_json;
use crate::Context;
use anyhow::{Context as _, Result};
use build::Output;
use plan::{Item, Setting};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

/// The tree's description of itself.
pub const MANIFEST_JSON: &str = "manifest.json";
/// The tree's human-readable report.
pub const REPORT_HTML: &str = "report.html";

#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  bundler release examples/htek-office/release.toml --out build\n\nThe manifest format is documented in README.md (\"Release manifest\")."
)]
pub struct Args {
    /// The release manifest (TOML).
    pub manifest: PathBuf,
    /// Folder to build the tree in; replaced as a whole when the build succeeds.
    #[arg(long, value_name = "DIR", default_value = "build")]
    pub out: PathBuf,
    /// Print the plan (every artifact and its output path) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Items built at once (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// One file of the tree as `manifest.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    pub path: String,
    pub bytes: usize,
    pub sha256: String,
    pub label: String,
    pub models: Vec<String>,
    /// The largest size the phone (or the layout) accepts for this file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
    pub sources: Vec<Source>,
    pub rule: String,
    /// The settings that point phones at this file (from the layout's fetch table).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<SettingRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Digest of everything the artifact was made from (inputs, rules, options, bundler version):
    /// an unchanged key means the previous file can be reused.
    pub key: String,
    /// Whether this build reused the file from the previous tree.
    #[serde(skip)]
    pub reused: bool,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SettingRecord {
    pub code: String,
    pub value: String,
    /// The model the value is for, when it differs per model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `config`: the tree's configs carry it; `set_on_phone`: the release has no `[config]`, so it
    /// is to be set on the phones some other way.
    pub scope: SettingScope,
}

/// Where a recorded setting is set.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SettingScope {
    Config,
    SetOnPhone,
}

/// The `manifest.json` format this bundler writes: 2 records `settings` lists with their scope.
pub const TREE_FORMAT_VERSION: u32 = 2;

/// `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct TreeManifest {
    /// [`TREE_FORMAT_VERSION`]; absent (1) in trees of older bundlers.
    #[serde(default = "format_one")]
    pub format_version: u32,
    pub bundler: String,
    pub vendor: String,
    pub models: Vec<String>,
    pub base_url: Option<String>,
    pub artifacts: Vec<Artifact>,
}

fn format_one() -> u32 {
    1
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let manifest = manifest::load(&args.manifest, &ctx.layouts)?;
    let mut plan = plan::plan(&manifest, &ctx.layouts)?;
    if args.dry_run {
        return print_plan(&plan.items, args.json);
    }
    let base = manifest.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let hasher = InputHasher::default();
    hasher.hash_all(plan.items.iter().flat_map(|item| &item.inputs), jobs)?;
    let keys: Vec<String> = plan.items.iter().map(|item| item_key(item, &hasher, ctx)).collect::<Result<_>>()?;
    let previous = read_previous(&args.out);
    let reused: Vec<Option<Vec<Output>>> =
        plan.items.iter().zip(&keys).map(|(item, key)| reuse(previous.as_ref()?, &args.out, item, key)).collect();
    let firmware_needed =
        plan.items.iter().zip(&reused).any(|(i, r)| matches!(i.work, plan::Work::Firmware(_)) && r.is_none());
    let firmware = match plan.firmware.take() {
        Some(located) if firmware_needed => Some(located.read()?),
        _ => None,
    };
    let show_progress = !args.json && std::io::stderr().is_terminal();
    let built = build::build_all(&plan, firmware.as_ref(), &ctx.layouts, jobs, show_progress, reused)?;

    let scope = if manifest.config.is_some() { SettingScope::Config } else { SettingScope::SetOnPhone };
    let mut artifacts = Vec::new();
    for ((item, key), (outputs, reused)) in plan.items.iter().zip(&keys).zip(built) {
        let sources = item
            .inputs
            .iter()
            .map(|p| Ok(Source { path: relative(p, &base), sha256: hasher.hash(p)? }))
            .collect::<Result<Vec<_>>>()?;
        for out in outputs {
            artifacts.push((
                Artifact {
                    path: out.path.clone(),
                    bytes: out.bytes.len(),
                    sha256: out.sha256.clone().unwrap_or_else(|| sha256_hex(&out.bytes)),
                    label: item.label.clone(),
                    models: out.models.clone().unwrap_or_else(|| item.models.clone()),
                    cap: item.cap,
                    sources: sources.clone(),
                    rule: item.rule.clone(),
                    settings: records(&item.settings, out.models.as_deref(), scope),
                    url: manifest.base_url.as_ref().map(|u| format!("{u}/{}", out.path)),
                    key: key.clone(),
                    reused,
                    details: out.details,
                },
                out.bytes,
            ));
        }
    }
    artifacts.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let tree = TreeManifest {
        format_version: TREE_FORMAT_VERSION,
        bundler: env!("CARGO_PKG_VERSION").to_string(),
        vendor: manifest.vendor.clone(),
        models: manifest.models.clone(),
        base_url: manifest.base_url.clone(),
        artifacts: artifacts.iter().map(|(a, _)| a.clone()).collect(),
    };
    write_tree(&args.out, &tree, &artifacts)?;
    let reused = artifacts.iter().filter(|(a, _)| a.reused).count();
    if args.json {
        print_json(&tree)?;
    } else {
        for (a, _) in &artifacts {
            println!("{}  {} bytes  {}{}", a.path, a.bytes, a.label, if a.reused { "  (reused)" } else { "" });
        }
        println!(
            "{}: {} files ({} reused), {}, {}, {}",
            args.out.display(),
            artifacts.len(),
            reused,
            SUMS_FILE,
            MANIFEST_JSON,
            REPORT_HTML
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The manifest records of an item's settings, narrowed to the output's models where it has its own.
fn records(settings: &[Setting], models: Option<&[String]>, scope: SettingScope) -> Vec<SettingRecord> {
    settings
        .iter()
        .filter(|s| match (&s.model, models) {
            (Some(m), Some(list)) => list.contains(m),
            _ => true,
        })
        .map(|Setting { code, value, model }| SettingRecord {
            code: code.clone(),
            value: value.clone(),
            model: model.clone(),
            scope,
        })
        .collect()
}

fn print_plan(items: &[Item], json: bool) -> Result<ExitCode> {
    #[derive(Serialize)]
    struct Planned<'a> {
        label: &'a str,
        models: &'a [String],
        outputs: &'a [String],
        inputs: Vec<String>,
        rule: &'a str,
    }
    let planned: Vec<Planned> = items
        .iter()
        .map(|i| Planned {
            label: &i.label,
            models: &i.models,
            outputs: &i.outputs,
            inputs: i.inputs.iter().map(|p| p.display().to_string()).collect(),
            rule: &i.rule,
        })
        .collect();
    if json {
        print_json(&planned)?;
    } else {
        for p in &planned {
            println!("{} ({}):", p.label, p.models.join(", "));
            for o in p.outputs {
                println!("  {o}");
            }
        }
        println!("(dry run: nothing written)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the whole tree into a staging folder and swaps it in.
fn write_tree(out: &Path, tree: &TreeManifest, artifacts: &[(Artifact, Vec<u8>)]) -> Result<()> {
    let staging = crate::output::StagedDir::beside(out)?;
    let result = (|| -> Result<()> {
        let mut sums = Sums::default();
        for (a, bytes) in artifacts {
            if a.reused {
                staging.keep(&a.path, &out.join(&a.path), bytes)?;
            } else {
                staging.write(&a.path, bytes)?;
            }
            sums.0.insert(a.path.clone(), a.sha256.clone());
        }
        let json = serde_json::to_vec_pretty(tree)?;
        staging.write(MANIFEST_JSON, &json)?;
        sums.insert(MANIFEST_JSON, &json);
        let report = html::render(tree, artifacts);
        staging.write(REPORT_HTML, report.as_bytes())?;
        sums.insert(REPORT_HTML, report.as_bytes());
        staging.write(SUMS_FILE, sums.render().as_bytes())
    })();
    // On failure the staging folder is dropped, which removes it.
    result?;
    staging.replace()
}

/// The previous tree's manifest, if there is a readable one.
fn read_previous(out: &Path) -> Option<TreeManifest> {
    let bytes = std::fs::read(out.join(MANIFEST_JSON)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The previous outputs of `item` when its key is unchanged and every file is intact.
fn reuse(previous: &TreeManifest, out: &Path, item: &Item, key: &str) -> Option<Vec<Output>> {
    item.outputs
        .iter()
        .map(|path| {
            let a = previous.artifacts.iter().find(|a| &a.path == path && a.key == key)?;
            let bytes = std::fs::read(out.join(path)).ok()?;
            (sha256_hex(&bytes) == a.sha256).then(|| Output {
                path: path.clone(),
                bytes,
                details: a.details.clone(),
                models: Some(a.models.clone()),
                sha256: Some(a.sha256.clone()),
            })
        })
        .collect()
}

/// Everything an item's output depends on, hashed.
fn item_key(item: &Item, hasher: &InputHasher, ctx: &Context) -> Result<String> {
    let model = ctx.layouts.model(&item.rule_model)?;
    let inputs: Vec<String> = item.inputs.iter().map(|p| hasher.hash(p)).collect::<Result<_>>()?;
    let text = format!(
        "{}\n{:?}\n{}\n{:?}\n{:?}\n{}",
        env!("CARGO_PKG_VERSION"),
        item.work,
        serde_json::to_string(model)?,
        item.outputs,
        inputs,
        crate::epoch::build_time()?
    );
    Ok(sha256_hex(text.as_bytes()))
}

/// Hashes input files and folders once per run, however many items use them.
#[derive(Default)]
struct InputHasher {
    done: Mutex<BTreeMap<PathBuf, String>>,
}

impl InputHasher {
    /// Hashes every distinct path on `jobs` threads (the inputs are most of an unchanged rebuild's
    /// work: a few minutes of WAV are tens of MB), so `hash` then finds them done.
    fn hash_all<'a>(&self, paths: impl Iterator<Item = &'a PathBuf>, jobs: usize) -> Result<()> {
        use rayon::prelude::*;
        let mut distinct: Vec<&PathBuf> = paths.collect();
        distinct.sort();
        distinct.dedup();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build()?;
        let results: Vec<Result<String>> = pool.install(|| distinct.par_iter().map(|p| self.hash(p)).collect());
        // The first error in path order, whichever thread met it first.
        results.into_iter().try_for_each(|r| r.map(drop))
    }

    fn hash(&self, path: &Path) -> Result<String> {
        if let Some(h) = self.done.lock().expect("hash cache").get(path) {
            return Ok(h.clone());
        }
        let h = hash_path(path)?;
        self.done.lock().expect("hash cache").insert(path.to_path_buf(), h.clone());
        Ok(h)
    }
}

/// SHA-256 of a file, or of a folder's sorted names and contents.
fn hash_path(path: &Path) -> Result<String> {
    if path.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot read folder", path.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("{}: cannot read folder", path.display()))?;
        names.sort();
        let mut text = String::new();
        for n in names {
            text.push_str(&format!("{}\n{}\n", n.file_name().unwrap_or_default().to_string_lossy(), hash_path(&n)?));
        }
        return Ok(sha256_hex(text.as_bytes()));
    }
    crate::checksums::sha256_file(path)
}

/// A path as shown in the manifest: relative to the manifest's folder when inside it.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}
