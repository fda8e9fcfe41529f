//! The tree-consistency check of `verify` (and of `release`, on the staged tree): the configs of a
//! tree built by bundler read against the vendor layout's `[[fetch]]` table. A setting that points
//! into the tree at a file it lacks, firmware a phone would not find under its prefix/postfix, a
//! setting `manifest.json` records as carried that no config carries, and per-phone settings a
//! common file shadows are errors naming the config file and the setting.
//!
//! Encrypted Htek configs are read with `--aes-key` (or `BUNDLER_AES_KEY`); without it they are a
//! note saying what was not checked.

use crate::kinds::config::aes::AesKey;
use crate::kinds::config::choose;
use crate::kinds::config::flyingvoice::fvfile;
use crate::kinds::config::format::TreeFile;
use crate::mechanisms::report::Diagnostic;
use crate::mechanisms::tree_file::TreeRoot;
use crate::mechanisms::tree_manifest::{SettingScope, TreeManifest, CONFIG_DIR};
use crate::mechanisms::walk::Entry;
use crate::rules::layout::{AfterCommon, FetchKind, Request, Vendor};
use crate::Context;
use anyhow::Result;
use std::collections::BTreeMap;

/// One config file of the tree and the settings read from it (setting name → value).
struct Config {
    rel: String,
    /// `None` when it could not be read (encrypted without a key): nothing is known of it.
    settings: Option<BTreeMap<String, String>>,
}

/// Every finding of the tree check. `entries`: the tree's files by path relative to it.
pub fn check(
    tree: &TreeManifest,
    root: &TreeRoot,
    entries: &BTreeMap<&str, &Entry>,
    key: Option<&AesKey>,
    ctx: &Context,
) -> Result<Vec<Diagnostic>> {
    let Ok(vendor) = ctx.layouts.vendor(&tree.vendor) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    let configs = read_configs(vendor, root, entries, key, ctx, &mut found)?;
    if configs.is_empty() {
        return Ok(found);
    }
    let base = format!("{}/", tree.base_url.as_deref().unwrap_or(crate::rules::SERVER_PLACEHOLDER));
    for c in &configs {
        let Some(settings) = &c.settings else { continue };
        let lookup = Lookup { settings, tree, vendor, entries };
        for (setting, value) in settings {
            let Some(fetch) = vendor.fetch_by_setting(setting) else { continue };
            if let Some(why) = crate::rules::layout::url_without_host(value) {
                found.push(Diagnostic::error(&c.rel, format!("{setting}: {why}")));
                continue;
            }
            let Some(rel) = value.strip_prefix(&base) else { continue };
            if let Some(msg) = lookup.missing_target(fetch, rel) {
                found.push(Diagnostic::error(&c.rel, format!("{setting} = {value}: {msg}")));
            }
        }
    }
    if configs.iter().all(|c| c.settings.is_some()) {
        found.extend(uncarried(tree, &configs));
    }
    found.extend(shadowed(tree, vendor, &configs, ctx)?);
    Ok(found)
}

/// What the target of a setting in one config is looked up against: that config's other
/// settings, the tree and its files, and the vendor's rules.
struct Lookup<'a> {
    settings: &'a BTreeMap<String, String>,
    tree: &'a TreeManifest,
    vendor: &'a Vendor,
    entries: &'a BTreeMap<&'a str, &'a Entry>,
}

impl Lookup<'_> {
    /// Why the file(s) a setting points at are not in the tree, if they are not.
    fn missing_target(&self, fetch: &crate::rules::layout::Fetch, rel: &str) -> Option<String> {
        let rel = rel.trim_end_matches('/');
        match (fetch.request, fetch.kind) {
            (Request::File, _) => {
                (!self.entries.contains_key(rel)).then(|| format!("the tree has no {rel} (the phone gets a 404)"))
            }
            (Request::Folder, FetchKind::Firmware) => self.firmware_problem(rel),
            (Request::Folder, FetchKind::Config) => None,
            (Request::Folder, _) => {
                (self.files_under(rel).next().is_none()).then(|| format!("the tree has no file under {rel}/"))
            }
        }
    }

    /// Whether a phone asking the firmware folder for prefix + its model's firmware name + postfix
    /// finds a file, for at least one of the tree's models.
    fn firmware_problem(&self, rel: &str) -> Option<String> {
        let p = &self.vendor.provisioning;
        let part =
            |code: &Option<String>| code.as_ref().and_then(|c| self.settings.get(c)).cloned().unwrap_or_default();
        let (prefix, postfix) = (part(&p.firmware_prefix), part(&p.firmware_postfix));
        let names: Vec<String> = (self.tree.models.iter())
            .filter_map(|m| self.vendor.models.iter().find(|v| v.name == *m)?.firmware.clone())
            .map(|fw| format!("{rel}/{prefix}{fw}{postfix}"))
            .collect();
        if names.is_empty() || names.iter().any(|n| self.entries.contains_key(n.as_str())) {
            return None;
        }
        let have: Vec<&str> = self.files_under(rel).take(3).collect();
        let codes = [&p.firmware_prefix, &p.firmware_postfix].map(|c| c.clone().unwrap_or_default()).join("/");
        Some(format!(
            "with {codes} = '{prefix}'/'{postfix}' a phone asks for {}, which the tree does not have (it has {})",
            names.join(" or "),
            if have.is_empty() { "nothing there".to_string() } else { have.join(", ") }
        ))
    }

    /// The tree's paths under the folder `rel`, in order.
    fn files_under<'s>(&'s self, rel: &str) -> impl Iterator<Item = &'s str> + 's {
        let inside = format!("{rel}/");
        self.entries.keys().copied().filter(move |p| p.starts_with(&inside))
    }
}

/// Settings `manifest.json` says the configs carry that no config carries.
fn uncarried(tree: &TreeManifest, configs: &[Config]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for a in &tree.artifacts {
        for s in a.settings.iter().filter(|s| s.scope == SettingScope::Config) {
            let carried = configs.iter().filter_map(|c| c.settings.as_ref()).any(|m| m.contains_key(&s.code));
            if !carried && !seen.contains(&s.code) {
                seen.push(s.code.clone());
                out.push(Diagnostic::error(
                    &a.path,
                    format!(
                        "{} records {} = {} as set by the configs, but no config under {CONFIG_DIR} carries it",
                        crate::mechanisms::tree_manifest::MANIFEST_JSON,
                        s.code,
                        s.value
                    ),
                ));
            }
        }
    }
    out
}

/// Per-phone files whose settings a phone stopping after its common file never reads.
fn shadowed(tree: &TreeManifest, vendor: &Vendor, configs: &[Config], ctx: &Context) -> Result<Vec<Diagnostic>> {
    let Some(config) = choose::for_vendor(vendor).ok().filter(|c| c.may_stop_after_common()) else {
        return Ok(Vec::new());
    };
    if vendor.provisioning.after_common == AfterCommon::Continues {
        return Ok(Vec::new());
    }
    let commons: Vec<&Config> = configs
        .iter()
        .filter(|c| {
            tree.models
                .iter()
                .filter_map(|m| config.common_file(&ctx.layouts, ctx.layouts.model(m).ok()?))
                .any(|name| c.rel.contains(&name))
        })
        .collect();
    if commons.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = commons.iter().map(|c| c.rel.as_str()).collect();
    let in_common =
        |k: &String, v: &String| commons.iter().any(|c| c.settings.as_ref().is_some_and(|s| s.get(k) == Some(v)));
    let fact = serde_json::to_value(vendor.provisioning.after_common).unwrap_or_default();
    let kept = tree.artifacts.iter().any(|a| a.details.get("common_files").and_then(|v| v.as_bool()) == Some(true));
    let mut out = Vec::new();
    for c in configs.iter().filter(|c| is_phone_file(&c.rel)) {
        let own: Vec<&str> = match &c.settings {
            Some(s) => s.iter().filter(|(k, v)| !in_common(k, v)).map(|(k, _)| k.as_str()).collect(),
            None => vec!["its settings"],
        };
        if own.is_empty() {
            continue;
        }
        let msg = format!(
            "{} are only in this file, but {} exist(s) and a phone may stop after its common file (layouts: after_common = {fact}); release with merge_common = true",
            own.join(", "),
            names.join(", "),
        );
        out.push(if kept { Diagnostic::warning(&c.rel, msg) } else { Diagnostic::error(&c.rel, msg) });
    }
    Ok(out)
}

/// For a tree bundler did not write (no `manifest.json`): per-phone Htek configs beside a common
/// file of a known device code, whose settings a phone stopping at the common file would miss.
/// While the layouts do not know the stop rule, a warning naming the evidence both ways.
pub fn foreign_shadows(
    root: &TreeRoot,
    entries: &BTreeMap<&str, &Entry>,
    key: Option<&AesKey>,
    ctx: &Context,
) -> Result<Vec<Diagnostic>> {
    let mut out = Vec::new();
    for vendor in &ctx.layouts.vendors {
        let Some(config) = choose::for_vendor(vendor).ok().filter(|c| c.may_stop_after_common()) else { continue };
        let prov = &vendor.provisioning;
        if prov.after_common == AfterCommon::Continues {
            continue;
        }
        let commons: Vec<String> = ctx
            .layouts
            .models()
            .filter(|m| m.vendor == vendor.vendor)
            .filter_map(|m| config.common_file(&ctx.layouts, m))
            .collect();
        let read = |rel: &str, found: &mut Vec<Diagnostic>| {
            let bytes = root.read_entry(entries.get(rel)?, fvfile::MAX_FILE_BYTES).ok()?;
            match config.tree_file(rel, bytes, key, &ctx.layouts, found) {
                TreeFile::Settings(settings) => settings,
                TreeFile::Includes(_) | TreeFile::Other => None,
            }
        };
        for (rel, _) in entries.iter().filter(|(r, _)| is_phone_file(r) && config.holds_settings(r)) {
            let dir = rel.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"));
            let beside: Vec<String> =
                commons.iter().map(|c| format!("{dir}{c}")).filter(|c| entries.contains_key(c.as_str())).collect();
            let Some(common) = beside.first() else { continue };
            let mut ignored = Vec::new();
            let (Some(own), Some(first)) = (read(rel, &mut ignored), read(common, &mut ignored)) else { continue };
            let missed: Vec<&str> =
                own.iter().filter(|(k, v)| first.get(*k) != Some(*v)).map(|(k, _)| k.as_str()).collect();
            if missed.is_empty() {
                continue;
            }
            let msg = format!(
                "{} setting(s) only in this file ({}), but {common} is beside it: a phone that stops at its common file misses them (says it stops: {}; says it goes on: {}); `bundler release` writes every setting per phone",
                missed.len(),
                shorten(&missed),
                prov.evidence_for(AfterCommon::Stops),
                prov.evidence_for(AfterCommon::Continues),
            );
            let stops = prov.after_common == AfterCommon::Stops;
            out.push(if stops { Diagnostic::error(*rel, msg) } else { Diagnostic::warning(*rel, msg) });
        }
    }
    Ok(out)
}

/// The first few names of a long list, and how many more.
fn shorten(names: &[&str]) -> String {
    match names.len() {
        0..=8 => names.join(", "),
        n => format!("{}, … {} more", names[..8].join(", "), n - 8),
    }
}

/// Whether a config name holds a 12-hex-digit MAC (`cfg001fc110d3a9.xml`, `001fc110d3a9.cfg`).
fn is_phone_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).as_bytes();
    name.windows(12).any(|w| w.iter().all(u8::is_ascii_hexdigit) && w.iter().any(u8::is_ascii_digit))
}

/// The config files under `config/`, each with its settings where they can be read.
fn read_configs(
    vendor: &Vendor,
    root: &TreeRoot,
    entries: &BTreeMap<&str, &Entry>,
    key: Option<&AesKey>,
    ctx: &Context,
    found: &mut Vec<Diagnostic>,
) -> Result<Vec<Config>> {
    // A vendor without a config format has no configs to read.
    let Ok(config) = choose::for_vendor(vendor) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for (rel, entry) in entries.iter().filter(|(r, _)| r.starts_with(CONFIG_DIR)) {
        let Ok(bytes) = root.read_entry(entry, fvfile::MAX_FILE_BYTES) else { continue };
        let settings = match config.tree_file(rel, bytes, key, &ctx.layouts, found) {
            TreeFile::Settings(settings) => settings,
            TreeFile::Includes(includes) => {
                found.extend(missing_includes(rel, &includes, entries));
                continue;
            }
            TreeFile::Other => continue,
        };
        out.push(Config { rel: rel.to_string(), settings });
    }
    Ok(out)
}

/// Includes of a boot file (target, line, column) that name no file beside it in the tree
/// (relative includes only: an absolute URL may point anywhere).
fn missing_includes(
    rel: &str,
    includes: &[(String, usize, usize)],
    entries: &BTreeMap<&str, &Entry>,
) -> Vec<Diagnostic> {
    let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = Vec::new();
    for (target, line, column) in includes {
        if target.contains("://") {
            continue;
        }
        let path = if dir.is_empty() { target.clone() } else { format!("{dir}/{target}") };
        if !entries.contains_key(path.as_str()) {
            out.push(
                Diagnostic::error(rel, format!("includes {target}, which the tree does not have")).at(*line, *column),
            );
        }
    }
    out
}
