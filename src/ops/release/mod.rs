//! `bundler release`: the whole provisioning tree from one manifest. The plan is computed first
//! (so `--dry-run` and every manifest error come before any work), items are built in parallel or
//! reused from the previous tree when nothing about them changed, and the tree is swapped in at the
//! end with `SHA256SUMS`, `manifest.json` and `report.html`. The command line (what is printed,
//! `--dry-run`) is src/commands/release.rs.

mod build;
mod html;
mod in_place;
mod inputs;
pub mod manifest;
mod outdir;
pub mod plan;

use crate::kinds::config::aes::AesKey;
use crate::mechanisms::checksums::sha256_hex;
use crate::mechanisms::tree_manifest::{
    Artifact, SettingRecord, SettingScope, Source, Sums, TreeManifest, MANIFEST_JSON, REPORT_HTML, SUMS_FILE,
    TREE_FORMAT_VERSION,
};
use crate::Context;
use anyhow::{Context as _, Result};
use build::Output;
use inputs::InputHasher;
use plan::{Item, Setting};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A previous report larger than this is not reused (it is rendered again).
const MAX_REPORT_BYTES: u64 = 1 << 30;

/// What to build, and where.
pub struct Request {
    /// The release manifest (TOML).
    pub manifest: PathBuf,
    /// The folder the tree is built in, replaced as a whole when the build succeeds.
    pub out: PathBuf,
    /// Replace `out` even when it holds files bundler did not write.
    pub force: bool,
    /// Items built at once (default: the number of cores).
    pub jobs: Option<usize>,
    /// Where the tree will be served, instead of the manifest's `base_url`.
    pub base_url: Option<String>,
    /// Show a progress bar while building.
    pub progress: bool,
}

/// A release planned and checked, before any work: what `--dry-run` shows and [`build`] builds.
pub struct Prepared {
    manifest: manifest::Manifest,
    plan: plan::Plan,
    /// `--out` resolved.
    out: PathBuf,
}

/// One item of the plan as `--dry-run` shows it.
#[derive(Serialize)]
pub struct Planned<'a> {
    pub label: &'a str,
    pub models: &'a [String],
    pub outputs: &'a [String],
    pub inputs: Vec<String>,
    pub rule: &'a str,
}

/// What a build made: the tree's `manifest.json`, and every file recorded in it with its bytes.
pub struct Released {
    pub tree: TreeManifest,
    pub artifacts: Vec<(Artifact, Vec<u8>)>,
}

/// Reads the manifest, plans every item and checks what the build needs from outside the manifest
/// (the AES key variable, an `--out` that may be replaced): every manifest error before any work.
pub fn prepare(req: &Request, ctx: &Context) -> Result<Prepared> {
    let mut manifest = manifest::load(&req.manifest, &ctx.layouts)?;
    if let Some(url) = &req.base_url {
        manifest.base_url = Some(url.clone());
    }
    let plan = plan::plan(&manifest, &ctx.layouts)?;
    let out = check_environment(req, &manifest, &plan)?;
    Ok(Prepared { manifest, plan, out })
}

impl Prepared {
    /// Every item of the plan, with its outputs and inputs.
    pub fn planned(&self) -> Vec<Planned<'_>> {
        self.plan
            .items
            .iter()
            .map(|i| Planned {
                label: &i.label,
                models: &i.models,
                outputs: &i.outputs,
                inputs: i.inputs.iter().map(|p| p.display().to_string()).collect(),
                rule: &i.rule,
            })
            .collect()
    }
}

/// Builds the tree `prepared` plans (reusing what did not change), checks it as `bundler verify`
/// does and swaps it in for `req.out`.
pub fn build(req: &Request, prepared: Prepared, ctx: &Context) -> Result<Released> {
    let Prepared { manifest, plan, out } = prepared;
    // Held until the new tree is in place: a second run into the same folder fails at once.
    let lock = crate::mechanisms::output::OutLock::acquire(&out)?;
    if let Some(aside) = crate::mechanisms::output::recover(&out, &lock)? {
        eprintln!(
            "note: {}: put back the previous tree from {} (an earlier run was killed while replacing it)",
            req.out.display(),
            aside.display()
        );
    }
    if !req.force {
        outdir::check_replaceable(&out, &req.out)?;
    }
    let plan = build::locate(plan, &manifest, &ctx.layouts)?;
    let jobs = req.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let cache = inputs::cache_path(&out);
    let hasher = InputHasher::new(&cache);
    let inputs = plan.items.iter().flat_map(|i| i.inputs.iter().map(|p| (p.as_path(), i.input_max)));
    hasher.hash_all(inputs, jobs)?;
    let previous = read_previous(&out);
    let (keys, reused) = reusable(&plan, &hasher, &out, previous.as_ref(), ctx)?;
    let staging = crate::mechanisms::output::StagedDir::beside(&out, &lock)?;
    // Each photo is decoded once for every model's hlpres.tar (and direct images) that uses it.
    let built = crate::kinds::hlpres::shared::sharing(|| {
        build::build_all(&plan, &ctx.layouts, jobs, req.progress, reused, staging.path())
    })?;
    print_config_warnings(&plan, &built, &ctx.layouts);

    let all_reused = built.iter().all(|(_, reused)| *reused);
    let configured = configured_models(&plan, &built);
    let mut artifacts = record_artifacts(&plan, &keys, built, &hasher, &manifest, &configured, previous.as_ref())?;
    let tree = tree_manifest(&manifest, &artifacts);
    let (templates, key) = check_inputs(&manifest, ctx)?;
    // With a config key, the tree's check also proves the configs open with today's key (the
    // reuse key names the variable, not its value), so such a tree is always checked again.
    if all_reused && key.is_none() && in_place::already_built(&out, &tree, &artifacts, &hasher) {
        drop(staging);
        if hasher.read_any() {
            save_cache(&hasher, &cache);
        }
        return Ok(Released { tree, artifacts });
    }
    load_reused(&out, &mut artifacts)?;
    let report = match unchanged_report(&out, &tree) {
        Some(report) => report,
        None => html::render(&tree, &artifacts, &crate::mechanisms::tree_compare::previous(&out), &ctx.layouts),
    };
    // Reused files passed these checks when they were built (same key: same rules and inputs).
    let known: BTreeMap<String, String> =
        artifacts.iter().filter(|(a, _)| a.reused).map(|(a, _)| (a.path.clone(), a.sha256.clone())).collect();
    let check = |dir: &Path| check_tree(dir, &req.out, templates, key.as_ref(), &known, ctx);
    write_tree(staging, &out, &tree, &artifacts, &report, check)?;
    record_tree(&hasher, &out, &artifacts, &report);
    save_cache(&hasher, &cache);
    drop(lock);
    Ok(Released { tree, artifacts })
}

/// Records every file of the new tree and its report as they now are, for the next run.
fn record_tree(hasher: &InputHasher, out: &Path, artifacts: &[(Artifact, Vec<u8>)], report: &str) {
    let report_digest = crate::mechanisms::checksums::sha256_hex(report.as_bytes());
    let files = artifacts.iter().map(|(a, _)| (out.join(&a.path), a.sha256.as_str()));
    hasher.record_written(files.chain([(out.join(REPORT_HTML), report_digest.as_str())]));
}

/// Saves the input cache; the tree is in place, so a failure is only a warning (without a cache
/// the next run reads every input).
fn save_cache(hasher: &InputHasher, cache: &Path) {
    if let Err(e) = hasher.save(cache) {
        eprintln!("warning: {e:#}");
    }
}

/// Each item's reuse key, and its previous outputs where the key is unchanged and the files intact.
fn reusable(
    plan: &plan::Plan,
    hasher: &InputHasher,
    out: &Path,
    previous: Option<&TreeManifest>,
    ctx: &Context,
) -> Result<(Vec<String>, Reused)> {
    let keys: Vec<String> = plan.items.iter().map(|item| item_key(item, hasher, ctx)).collect::<Result<_>>()?;
    let root = previous.and_then(|_| crate::mechanisms::tree_file::TreeRoot::open(out).ok());
    let reused = plan
        .items
        .iter()
        .zip(&keys)
        .map(|(item, key)| reuse(previous?, root.as_ref()?, out, item, key, hasher))
        .collect();
    Ok((keys, reused))
}

/// Reads the reused files (hashed as streams when chosen, see [`reuse`]) into memory when the
/// tree is built anew: the report shows them, and a file that cannot be linked is copied. The
/// staged tree's check compares what is on disk with their digests once more.
fn load_reused(out: &Path, artifacts: &mut [(Artifact, Vec<u8>)]) -> Result<()> {
    let mut unread = artifacts.iter_mut().filter(|(a, bytes)| a.reused && bytes.is_empty() && a.bytes > 0).peekable();
    if unread.peek().is_none() {
        return Ok(());
    }
    let root = crate::mechanisms::tree_file::TreeRoot::open(out)?;
    for (a, bytes) in unread {
        let changed =
            || anyhow::anyhow!("{}: changed while the release ran; run it again", out.join(&a.path).display());
        let (file, _) = root.open_file(Path::new(&a.path)).map_err(|_| changed())?;
        *bytes = crate::mechanisms::input::read_from(file, a.bytes as u64).map_err(|_| changed())?;
        if bytes.len() != a.bytes {
            return Err(changed());
        }
    }
    Ok(())
}

/// Per plan item, its reused outputs (`None`: to be built).
type Reused = Vec<Option<Vec<Output>>>;

/// The tree's `manifest.json`.
fn tree_manifest(manifest: &manifest::Manifest, artifacts: &[(Artifact, Vec<u8>)]) -> TreeManifest {
    TreeManifest {
        format_version: TREE_FORMAT_VERSION,
        bundler: env!("CARGO_PKG_VERSION").to_string(),
        vendor: manifest.vendor.clone(),
        models: manifest.models.clone(),
        base_url: manifest.base_url.clone(),
        artifacts: artifacts.iter().map(|(a, _)| a.clone()).collect(),
    }
}

/// What the staged tree's check reads besides the tree: the language templates, and the configs'
/// key, so it reads what the encrypted configs carry.
fn check_inputs<'m>(
    manifest: &'m manifest::Manifest,
    ctx: &Context,
) -> Result<(crate::ops::inspect::Templates<'m>, Option<AesKey>)> {
    let templates = crate::ops::inspect::Templates {
        lcd: manifest.languages.as_ref().and_then(|l| l.lcd_template.as_deref()),
        web: manifest.languages.as_ref().and_then(|l| l.web_template.as_deref()),
    };
    let key = match &manifest.config {
        Some(spec) => spec.aes_key()?.map(|k| AesKey::parse(&k, &ctx.layouts.htek)).transpose()?,
        None => None,
    };
    Ok((templates, key))
}

/// Every built or reused file as `manifest.json` records it, with its bytes, sorted by path.
fn record_artifacts(
    plan: &plan::Plan,
    keys: &[String],
    built: Vec<build::Built>,
    hasher: &InputHasher,
    manifest: &manifest::Manifest,
    configured: &[String],
    previous: Option<&TreeManifest>,
) -> Result<Vec<(Artifact, Vec<u8>)>> {
    let base = manifest.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut artifacts = Vec::new();
    for ((item, key), (outputs, reused)) in plan.items.iter().zip(keys).zip(built) {
        let sources = item
            .inputs
            .iter()
            .map(|p| Ok(Source { path: relative(p, &base), sha256: hasher.hash(p, item.input_max)? }))
            .collect::<Result<Vec<_>>>()?;
        for out in outputs {
            let models = out.models.clone().unwrap_or_else(|| item.models.clone());
            // A reused file's bytes are not read yet (see `reuse`): its size is the previous tree's.
            let earlier = previous.filter(|_| reused).and_then(|p| p.artifacts.iter().find(|a| a.path == out.path));
            let size = earlier.map_or(out.staged.unwrap_or(out.bytes.len()), |a| a.bytes);
            artifacts.push((
                Artifact {
                    path: out.path.clone(),
                    bytes: size,
                    sha256: out.sha256.clone().unwrap_or_else(|| sha256_hex(&out.bytes)),
                    label: item.label.clone(),
                    settings: records(&item.settings, &models, configured),
                    models,
                    cap: item.cap,
                    sources: sources.clone(),
                    rule: item.rule.clone(),
                    url: manifest.base_url.as_ref().map(|u| format!("{u}/{}", out.path)),
                    key: key.clone(),
                    reused,
                    staged: out.staged.is_some(),
                    details: out.details,
                },
                out.bytes,
            ));
        }
    }
    artifacts.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(artifacts)
}

/// The config item's detail `name` (a list), when the plan has configs.
fn config_detail<'a>(plan: &plan::Plan, built: &'a [build::Built], name: &str) -> Vec<&'a str> {
    let config = plan.items.iter().zip(built).find(|(i, _)| matches!(i.work, plan::Work::Config(_)));
    let Some((_, (outputs, _))) = config else { return Vec::new() };
    let list = outputs.first().and_then(|o| o.details.get(name)).and_then(|m| m.as_array());
    list.into_iter().flatten().filter_map(|m| m.as_str()).collect()
}

/// The models whose phones got configs in this build (the config item's `models` detail).
fn configured_models(plan: &plan::Plan, built: &[build::Built]) -> Vec<String> {
    config_detail(plan, built, "models").into_iter().map(str::to_string).collect()
}

/// The config generator's warnings, one line each on standard error, where the kind shows them.
fn print_config_warnings(plan: &plan::Plan, built: &[build::Built], layouts: &crate::rules::layout::Layouts) {
    let shown = plan.items.iter().any(|i| matches!(&i.work, plan::Work::Config(c) if c.shows_warnings(layouts)));
    for w in config_detail(plan, built, "warnings").into_iter().filter(|_| shown) {
        eprintln!("{w}");
    }
}

/// The manifest records of an item's settings for an output serving `models`, narrowed to those
/// models where a setting has its own value. Scope is decided per model: `config` where the tree's
/// configs carry it (a model with phones in `configured`), else `set_on_phone`. A shared setting
/// whose models differ in that is recorded once per model, so a model without phones is never told
/// the configs carry it.
fn records(settings: &[Setting], models: &[String], configured: &[String]) -> Vec<SettingRecord> {
    let scope = |m: &String| if configured.contains(m) { SettingScope::Config } else { SettingScope::SetOnPhone };
    let record = |s: &Setting, model: Option<&String>, scope| SettingRecord {
        code: s.code.clone(),
        value: s.value.clone(),
        model: model.cloned(),
        scope,
    };
    let mut out = Vec::new();
    for s in settings {
        match &s.model {
            Some(m) if models.contains(m) => out.push(record(s, Some(m), scope(m))),
            Some(_) => {}
            None => {
                let scopes: Vec<SettingScope> = models.iter().map(scope).collect();
                match scopes.first() {
                    Some(&first) if scopes.iter().all(|&x| x == first) => out.push(record(s, None, first)),
                    Some(_) => out.extend(models.iter().map(|m| record(s, Some(m), scope(m)))),
                    None => out.push(record(s, None, SettingScope::SetOnPhone)),
                }
            }
        }
    }
    out
}

/// What the build needs from outside the manifest, checked before any work (and by `--dry-run`):
/// the AES key variable, and an `--out` that may be replaced. Returns `--out` resolved.
fn check_environment(req: &Request, manifest: &manifest::Manifest, plan: &plan::Plan) -> Result<PathBuf> {
    if let Some(spec) = &manifest.config {
        spec.aes_key()?;
    }
    let inputs: Vec<&Path> = plan.items.iter().flat_map(|i| &i.inputs).map(PathBuf::as_path).collect();
    let out = outdir::resolve(&req.out, &manifest.path, &inputs)?;
    if !req.force {
        outdir::check_replaceable(&out, &req.out)?;
    }
    Ok(out)
}

/// Runs `bundler verify` on the staged tree: any error stops the release with every error found.
fn check_tree(
    dir: &Path,
    shown: &Path,
    templates: crate::ops::inspect::Templates,
    key: Option<&crate::kinds::config::aes::AesKey>,
    known: &BTreeMap<String, String>,
    ctx: &Context,
) -> Result<()> {
    let findings = crate::ops::verify::verify_known(dir, None, templates, key, known, ctx)?;
    const SHOWN: usize = 20;
    let errors: Vec<String> = findings
        .iter()
        .filter(|d| d.severity == crate::mechanisms::report::Severity::Error)
        .map(|d| format!("\n  {d}"))
        .collect();
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(SHOWN);
        let tail = if more > 0 { format!("\n  … and {more} more") } else { String::new() };
        anyhow::bail!(
            "{}: the new tree fails `bundler verify` with {} error(s); nothing was replaced:{}{tail}",
            shown.display(),
            errors.len(),
            errors[..errors.len().min(SHOWN)].concat()
        );
    }
    Ok(())
}

/// Writes the rest of the tree into the staging folder (which holds the configs already), has
/// `check` look at it, and swaps it in.
fn write_tree(
    staging: crate::mechanisms::output::StagedDir,
    out: &Path,
    tree: &TreeManifest,
    artifacts: &[(Artifact, Vec<u8>)],
    report: &str,
    check: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let result = (|| -> Result<()> {
        let mut sums = Sums::default();
        for (a, bytes) in artifacts {
            if a.staged {
                // Written there by the config generator.
            } else if a.reused {
                staging.keep(&a.path, &out.join(&a.path), bytes)?;
            } else {
                staging.write(&a.path, bytes)?;
            }
            sums.0.insert(a.path.clone(), a.sha256.clone());
        }
        let json = serde_json::to_vec_pretty(tree)?;
        staging.write(MANIFEST_JSON, &json)?;
        sums.insert(MANIFEST_JSON, &json);
        staging.write(REPORT_HTML, report.as_bytes())?;
        sums.insert(REPORT_HTML, report.as_bytes());
        staging.write(SUMS_FILE, sums.render().as_bytes())?;
        check(staging.path())
    })();
    // On failure the staging folder is dropped, which removes it.
    result?;
    staging.replace()
}

/// The previous tree's report when that tree is exactly the new one (same `manifest.json`): its
/// change list still describes the last real change, and an unchanged rebuild stays byte-identical.
fn unchanged_report(out: &Path, tree: &TreeManifest) -> Option<String> {
    let old = crate::mechanisms::tree_file::read_path(
        &out.join(MANIFEST_JSON),
        crate::mechanisms::tree_manifest::MAX_MANIFEST_BYTES,
    )
    .ok()?;
    if old != serde_json::to_vec_pretty(tree).ok()? {
        return None;
    }
    String::from_utf8(crate::mechanisms::tree_file::read_path(&out.join(REPORT_HTML), MAX_REPORT_BYTES).ok()?).ok()
}

/// The previous tree's manifest, if there is a readable one.
fn read_previous(out: &Path) -> Option<TreeManifest> {
    crate::mechanisms::tree_manifest::read(out, "unreadable").ok()
}

/// The previous outputs of `item` when its key is unchanged and every file is intact.
/// Each file is read as a tree file (never a FIFO, device or link out of the tree), at most the
/// size the manifest records, and hashed as a stream: an unchanged tree needs none of the bytes
/// in memory ([`load_reused`] reads them when the tree is built anew). A file whose size, mtime,
/// ctime and inode are what the input cache recorded after the previous run is not read at all.
fn reuse(
    previous: &TreeManifest,
    root: &crate::mechanisms::tree_file::TreeRoot,
    out: &Path,
    item: &Item,
    key: &str,
    hasher: &InputHasher,
) -> Option<Vec<Output>> {
    item.outputs
        .iter()
        .map(|path| {
            let a = previous.artifacts.iter().find(|a| &a.path == path && a.key == key)?;
            let (file, meta) = root.open_file(Path::new(path)).ok()?;
            let at = out.join(path);
            let digest = hasher.output_digest(&at, file, &meta, a.bytes as u64).ok()?;
            (digest == a.sha256).then(|| Output {
                path: path.clone(),
                bytes: Vec::new(),
                details: a.details.clone(),
                models: Some(a.models.clone()),
                sha256: Some(a.sha256.clone()),
                staged: None,
            })
        })
        .collect()
}

/// Everything an item's output depends on, serialised for its reuse key.
#[derive(Serialize)]
struct KeySpec<'a> {
    bundler: &'a str,
    work: &'a plan::Work,
    /// The rules of every model the item serves (the rule model first).
    rules: Vec<&'a crate::rules::layout::Model>,
    outputs: &'a [String],
    /// The inputs' digests, in the item's order.
    inputs: Vec<String>,
    build_time: i64,
}

/// The reuse key of an item: the SHA-256 of its [`KeySpec`] as JSON.
fn item_key(item: &Item, hasher: &InputHasher, ctx: &Context) -> Result<String> {
    let mut rules = vec![ctx.layouts.model(&item.rule_model)?];
    for name in item.models.iter().filter(|m| **m != item.rule_model) {
        rules.push(ctx.layouts.model(name)?);
    }
    let spec = KeySpec {
        bundler: env!("CARGO_PKG_VERSION"),
        work: &item.work,
        rules,
        outputs: &item.outputs,
        inputs: item.inputs.iter().map(|p| hasher.hash(p, item.input_max)).collect::<Result<_>>()?,
        build_time: crate::mechanisms::epoch::build_time()?,
    };
    let json = serde_json::to_vec(&spec).with_context(|| format!("{}: cannot record its reuse key", item.label))?;
    Ok(sha256_hex(&json))
}

/// A path as shown in the manifest: relative to the manifest's folder when inside it.
fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring tone item of UC924 reading `input`.
    fn ring_item(input: &Path) -> Item {
        let spec = crate::kinds::ringtone::RingSpec {
            slot: 5,
            file: input.to_path_buf(),
            max_seconds: None,
            start: 0.0,
            codec: None,
            normalize: None,
            fade_ms: 0,
            fade_in_ms: 0,
        };
        Item {
            label: "ring tone slot 5".into(),
            work: plan::Work::Ring(spec),
            rule_model: "UC924".into(),
            models: vec!["UC924".into()],
            outputs: vec!["ring/ring5.bin".into()],
            inputs: vec![input.to_path_buf()],
            input_max: 1 << 20,
            rule: String::new(),
            cap: None,
            settings: Vec::new(),
        }
    }

    #[test]
    fn the_reuse_key_follows_the_spec_and_the_model_rules() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("tone.wav");
        std::fs::write(&input, b"RIFF").unwrap();
        let plain = Context { layouts: crate::rules::layout::Layouts::builtin().unwrap() };
        let key =
            |item: &Item, ctx: &Context| item_key(item, &InputHasher::new(&dir.path().join("no-cache")), ctx).unwrap();
        let item = ring_item(&input);
        assert_eq!(key(&item, &plain), key(&ring_item(&input), &plain), "same plan, same key");

        let layouts = dir.path().join("layouts");
        std::fs::create_dir(&layouts).unwrap();
        std::fs::write(layouts.join("htek.toml"), "[defaults.ringtone]\nmax_bytes = 12345\n").unwrap();
        let capped = Context::load(Some(&layouts)).unwrap();
        assert_ne!(key(&item, &plain), key(&item, &capped), "a changed ring cap changes the key");

        let mut faded = ring_item(&input);
        let plan::Work::Ring(spec) = &mut faded.work else { unreachable!() };
        spec.fade_ms = 200;
        assert_ne!(key(&item, &plain), key(&faded, &plain), "a changed spec changes the key");
    }

    #[test]
    fn files_known_to_have_passed_are_not_inspected_again_unless_their_bytes_changed() {
        let ctx = Context { layouts: crate::rules::layout::Layouts::builtin().unwrap() };
        let staged = tempfile::tempdir().unwrap();
        std::fs::create_dir(staged.path().join("ring")).unwrap();
        std::fs::write(staged.path().join("ring/ring5.bin"), b"junk").unwrap();
        let known = |digest: &str| BTreeMap::from([("ring/ring5.bin".to_string(), digest.to_string())]);
        let check =
            |k: &BTreeMap<String, String>| check_tree(staged.path(), Path::new("b"), Default::default(), None, k, &ctx);
        assert!(check(&known(&sha256_hex(b"junk"))).is_ok(), "a known file with its digest is not inspected");
        let err = check(&known(&sha256_hex(b"other bytes"))).unwrap_err().to_string();
        assert!(err.contains("ring/ring5.bin"), "a changed file is inspected: {err}");
    }

    #[test]
    fn a_staged_tree_that_verify_rejects_stops_the_release() {
        let ctx = Context { layouts: crate::rules::layout::Layouts::builtin().unwrap() };
        let staged = tempfile::tempdir().unwrap();
        std::fs::create_dir(staged.path().join("ring")).unwrap();
        std::fs::write(staged.path().join("ring/ring5.bin"), b"not a ring tone at all").unwrap();
        let err = check_tree(staged.path(), Path::new("build"), Default::default(), None, &BTreeMap::new(), &ctx)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("build: the new tree fails `bundler verify`"), "{err}");
        assert!(err.contains("ring/ring5.bin"), "{err}");
    }
}
