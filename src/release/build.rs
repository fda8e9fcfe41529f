//! Building plan items: each item turns its inputs into output bytes, with nothing written.
//! Items are independent, so `build_all` runs them on `jobs` threads with a progress bar.

use super::manifest::{Branding, Languages, RingSpec};
use super::plan::{Item, Plan, Work};
use crate::layout::{AssetKind, ConfigFormat, Layouts, Model};
use crate::report::Severity;
use anyhow::{bail, Context as _, Result};
use indicatif::ProgressBar;
use std::path::Path;

/// One built file of the tree.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path relative to the tree.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Facts for the manifest and report (duration, dimensions, …).
    pub details: serde_json::Value,
    /// The models this file serves when it is fewer than the item's (a firmware file).
    pub models: Option<Vec<String>>,
    /// The file's SHA-256 when already known (a reused file, checked against the previous tree; a
    /// config, from what was written).
    pub sha256: Option<String>,
    /// `Some(size)`: the file is already in the staging tree (a config) and `bytes` is empty.
    pub staged: Option<usize>,
}

impl Output {
    /// A newly built file serving all of its item's models.
    pub fn new(path: &str, bytes: Vec<u8>, details: serde_json::Value) -> Output {
        Output { path: path.to_string(), bytes, details, models: None, sha256: None, staged: None }
    }
}

/// Builds one item's outputs (configs straight into `staging`, the rest in memory).
pub fn build_item(
    item: &Item,
    firmware: Option<&crate::firmware::Laid>,
    layouts: &Layouts,
    staging: &Path,
) -> Result<Vec<Output>> {
    let model = layouts.model(&item.rule_model)?;
    match &item.work {
        Work::Ring(spec) => build_ring(item, spec, model),
        Work::ExpPres(path) => build_exp_pres(item, path, model),
        Work::Hlpres(branding) => build_hlpres(item, branding, model),
        Work::Language(languages) => build_language(item, languages, model, layouts),
        Work::Config { spec, vendor, tree } => build_configs(spec, vendor, tree, layouts, staging),
        Work::Direct { kind, file, look } => build_direct(item, *kind, file, look, model),
        Work::Firmware(_) => Ok(firmware_outputs(item, firmware.expect("firmware read before building"))),
    }
}

fn build_ring(item: &Item, spec: &RingSpec, model: &Model) -> Result<Vec<Output>> {
    let req = crate::ringtone::Request {
        input: &spec.file,
        raw: None,
        max_seconds: spec.max_seconds,
        codec: spec.codec,
        container: None,
        start: spec.start,
        fade_ms: spec.fade_ms,
        fade_in_ms: spec.fade_in_ms,
        normalize: spec.normalize,
        origin: crate::ringtone::Origin::Manifest { slot: spec.slot },
    };
    let enc = crate::ringtone::build(&req, model)?;
    let details = serde_json::json!({
        "seconds": (enc.seconds * 1000.0).round() / 1000.0,
        "codec": enc.codec.to_string(),
        "container": enc.container.to_string(),
        "cut": enc.cut,
        "warnings": enc.warnings,
    });
    Ok(item.outputs.iter().map(|p| Output::new(p, enc.bytes.clone(), details.clone())).collect())
}

fn build_exp_pres(item: &Item, path: &Path, model: &Model) -> Result<Vec<Output>> {
    let rule = model.exp_pres.as_ref().expect("planned only with a rule");
    let bytes = crate::input::read_limited(path, rule.max_bytes)
        .map_err(|e| anyhow::anyhow!("{e:#} (the cap for {} on {})", rule.file, model.name))?;
    if !crate::archive::looks_like_tar(&bytes) {
        bail!("{}: not a tar archive", path.display());
    }
    Ok(vec![Output::new(&item.outputs[0], bytes, serde_json::json!({}))])
}

fn build_hlpres(item: &Item, branding: &Branding, model: &Model) -> Result<Vec<Output>> {
    let request = crate::hlpres::HlpresRequest {
        base: branding.base.clone(),
        sources: crate::hlpres::AssetSources {
            wallpapers: branding.wallpapers.clone(),
            screensavers: branding.screensavers.clone(),
            weblogo: branding.weblogo.clone(),
            lcdlogo: branding.lcdlogo.clone(),
            icons: branding.icons.clone(),
            assets_dir: None,
        },
        look: branding.look,
        mtime: crate::epoch::build_time()?,
    };
    let built = crate::hlpres::build_hlpres(model, &request)?;
    let entries: Vec<serde_json::Value> = built
        .assets
        .iter()
        .map(|a| serde_json::json!({ "name": a.target.name, "bytes": a.data.len(), "cap": a.target.max_bytes, "width": a.target.width, "height": a.target.height }))
        .collect();
    let details = serde_json::json!({ "entries": entries, "kept": built.kept, "warnings": built.warnings });
    Ok(vec![Output::new(&item.outputs[0], built.tar, details)])
}

fn build_language(item: &Item, languages: &Languages, model: &Model, layouts: &Layouts) -> Result<Vec<Output>> {
    let rules = crate::language::LanguageRules::from_layouts(layouts, Some(&model.name))?;
    let mut opts = crate::language::CheckOptions::new(rules);
    opts.lcd_template = languages.lcd_template.clone();
    opts.web_template = languages.web_template.clone();
    opts.strict = languages.strict;
    opts.keep_bytes = true;
    let report = crate::language::check_dir(&languages.dir, &opts)?;
    if let Some(first) = report.files.iter().flat_map(|f| &f.diagnostics).find(|d| d.severity == Severity::Error) {
        bail!("{first} (and {} more error(s); run `bundler language check` for all)", report.errors - 1);
    }
    if let Some(note) = report.notes.iter().find(|d| d.severity == Severity::Error) {
        bail!("{}: {} (languages.dir)", languages.dir.display(), note.message);
    }
    let tar = crate::language::pack(&report, crate::epoch::build_time()?)?;
    let files: Vec<serde_json::Value> = report
        .files
        .iter()
        .filter(|f| f.packed)
        .map(|f| serde_json::json!({ "name": f.name, "items": f.items, "warnings": f.warnings }))
        .collect();
    let details = serde_json::json!({ "files": files, "warnings": report.warnings });
    Ok(item.outputs.iter().map(|p| Output::new(p, tar.clone(), details.clone())).collect())
}

fn build_direct(
    item: &Item,
    kind: AssetKind,
    file: &Path,
    look: &crate::hlpres::Look,
    model: &Model,
) -> Result<Vec<Output>> {
    let rule = model.asset(kind).expect("planned only with a rule");
    let name = item.outputs[0].rsplit('/').next().unwrap_or(kind.name());
    let target = crate::hlpres::Target::from_rule(rule, name)?;
    let bytes = crate::input::read_limited(file, crate::hlpres::asset::MAX_INPUT_BYTES)?;
    let built = crate::hlpres::build_asset(&target, &file.display().to_string(), &bytes, look)?;
    let details = serde_json::json!({ "width": target.width, "height": target.height });
    Ok(vec![Output::new(&item.outputs[0], built.data, details)])
}

/// The firmware files laid out for the plan, each at the item's outputs of its name.
fn firmware_outputs(item: &Item, laid: &crate::firmware::Laid) -> Vec<Output> {
    let mut outs = Vec::new();
    for file in &laid.files {
        for path in item.outputs.iter().filter(|p| p.rsplit('/').next() == Some(file.name.as_str())) {
            let details = serde_json::json!({ "basic_name": file.basic_name, "source": file.source });
            let models = Some(file.models.clone());
            outs.push(Output { models, ..Output::new(path, file.data.clone(), details) });
        }
    }
    outs
}

/// What building one item gave: its outputs and whether they were reused from the previous tree.
pub type Built = (Vec<Output>, bool);

/// Builds every item that has no reused outputs, on `jobs` threads. Results keep the plan's order.
pub fn build_all(
    plan: &Plan,
    firmware: Option<&crate::firmware::Laid>,
    layouts: &Layouts,
    jobs: usize,
    show_progress: bool,
    reused: Vec<Option<Vec<Output>>>,
    staging: &Path,
) -> Result<Vec<Built>> {
    use rayon::prelude::*;
    let bar =
        if show_progress { crate::progress::bar(plan.items.len() as u64, "release") } else { ProgressBar::hidden() };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build()?;
    let results: Vec<Result<Built>> = pool.install(|| {
        plan.items
            .par_iter()
            .zip(reused)
            .map(|(item, reused)| {
                bar.set_message(item.label.clone());
                let result = match reused {
                    Some(outputs) => Ok((outputs, true)),
                    None => build_item(item, firmware, layouts, staging).map(|o| (o, false)),
                };
                bar.inc(1);
                result
            })
            .collect()
    });
    bar.finish_and_clear();
    results.into_iter().collect()
}

/// The AES key from the environment variable `[config] aes_key_env` names, when it names one.
pub fn aes_key(spec: &super::manifest::ConfigSpec) -> Result<Option<String>> {
    let Some(var) = &spec.aes_key_env else { return Ok(None) };
    match std::env::var(var) {
        Ok(key) if !key.is_empty() => Ok(Some(key)),
        _ => bail!("[config] aes_key_env: the environment variable {var} is not set"),
    }
}

/// Generates the configs straight into `config/` of the staging tree and returns what was written
/// (bytes already on disk: each [`Output`] carries its size and digest, not its bytes).
fn build_configs(
    spec: &super::manifest::ConfigSpec,
    vendor: &str,
    tree: &super::plan::TreeSettings,
    layouts: &Layouts,
    staging: &Path,
) -> Result<Vec<Output>> {
    let dir = staging.join(super::plan::CONFIG_DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let sink = crate::config::Sink::new(&dir);
    let ctx = crate::Context { layouts: layouts.clone() };
    let details = match layouts.vendor(vendor)?.config_format()? {
        ConfigFormat::HtekXml => htek_configs(spec, vendor, tree, &sink, &ctx)?,
        ConfigFormat::FlyingvoiceCfg => {
            let request = crate::config::flyingvoice::Request {
                phones: spec.phones.clone(),
                common: spec.common.clone(),
                phonebook: spec.phonebook.clone(),
                resources_url: None,
                tree: Some(tree.clone()),
            };
            let g = crate::config::flyingvoice::generate(&request, &sink, &ctx)?;
            // The common cfg, which every phone loads, carries the settings all models share.
            let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
            serde_json::json!({ "phones": g.count, "models": tree.keys().collect::<Vec<_>>(), "warnings": warnings })
        }
    };
    let outputs = sink.into_written().into_iter().map(|w| Output {
        sha256: Some(w.sha256),
        staged: Some(w.bytes),
        ..Output::new(&format!("{}{}", super::plan::CONFIG_DIR, w.name), Vec::new(), details.clone())
    });
    Ok(outputs.collect())
}

/// The Htek configs of the release (printing their warnings); returns the config item's details.
fn htek_configs(
    spec: &super::manifest::ConfigSpec,
    vendor: &str,
    tree: &super::plan::TreeSettings,
    sink: &crate::config::Sink,
    ctx: &crate::Context,
) -> Result<serde_json::Value> {
    // Phones that may stop after cfg<code>.xml get everything in their own file, unless the
    // manifest keeps the common files (then warned about, naming what they would miss).
    let continues = ctx.layouts.vendor(vendor)?.provisioning.after_common == crate::layout::AfterCommon::Continues;
    let merge_common = spec.merge_common.unwrap_or(!continues);
    let request = crate::config::htek::Request {
        phones: spec.phones.clone(),
        common: spec.common.clone(),
        aes_key: aes_key(spec)?,
        prefix: spec.prefix.clone(),
        postfix: spec.postfix.clone(),
        merge_common,
        tree: Some(tree.clone()),
        warn_shadowed: !merge_common && !continues,
        ..Default::default()
    };
    let g = crate::config::htek::generate(&request, sink, ctx)?;
    let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
    for w in &warnings {
        eprintln!("{w}");
    }
    let models: Vec<&String> = g.present.iter().filter(|(_, n)| **n > 0).map(|(m, _)| m).collect();
    Ok(
        serde_json::json!({ "phones": g.count, "models": models, "encrypted": spec.aes_key_env.is_some(), "common_files": !merge_common, "warnings": warnings }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_go_straight_into_the_staging_tree_with_their_digests() {
        let layouts = Layouts::load(None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let phones = dir.path().join("phones.csv");
        std::fs::write(&phones, "mac,model\n001fc1000001,UC924\n").unwrap();
        let spec = super::super::manifest::ConfigSpec {
            phones,
            common: None,
            aes_key_env: None,
            prefix: String::new(),
            postfix: String::new(),
            merge_common: None,
            phonebook: None,
        };
        let staging = dir.path().join("staging");
        std::fs::create_dir(&staging).unwrap();
        let outputs = build_configs(&spec, "htek", &Default::default(), &layouts, &staging).unwrap();
        assert!(!outputs.is_empty());
        for o in &outputs {
            let on_disk = std::fs::read(staging.join(&o.path)).unwrap();
            assert!(o.bytes.is_empty(), "{}: bytes kept in memory", o.path);
            assert_eq!(o.staged, Some(on_disk.len()), "{}", o.path);
            assert_eq!(o.sha256.as_deref(), Some(crate::checksums::sha256_hex(&on_disk).as_str()), "{}", o.path);
        }
    }
}
