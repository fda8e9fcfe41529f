//! The release plan: every artifact of the server tree, its inputs and its output path, computed
//! before anything is built (so `--dry-run` and manifest checks need no work).
//!
//! Tree shape (`BASE` = the manifest's base_url):
//! - `ring/ring5.bin`            shared by all models; phones fetch it by name from P20174 = BASE/ring
//! - `Language.tar`              shared; P20175
//! - `exp_pres.tar`              shared; P20177
//! - `MODEL/hlpres.tar`          per model; P20176
//! - `MODEL/wallpaper.jpg`, `MODEL/screensaver.jpg`   per model direct downloads; P20052, P20051
//! - `firmware/…`                prefixed/postfixed firmware; P192 = BASE/firmware
//!
//! When the firmware target is legacy (1.0.3.58–1.0.3.72), phones fetch ring files and tars from
//! the firmware path with the same prefix/postfix as the firmware, so each model gets
//! `firmware/MODEL/` holding its boot/img files, ring files and tars, all renamed.

use super::manifest::{Branding, ConfigSpec, FirmwareSpec, Languages, Manifest, RingSpec};
use crate::layout::{AssetKind, Layouts, Model};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;

/// The tree folder provisioning configs go to; its files are known only once built.
pub const CONFIG_DIR: &str = "config/";

/// The most bytes read from one input of each kind whose reader has no cap of its own, so an input
/// that never ends is refused instead of read forever. Audio: an hour of 48 kHz stereo 16-bit WAV
/// is 0.7 GB; firmware zips of all models are tens of MB; phone CSVs as `bundler config` reads.
const RING_INPUT_MAX: u64 = 1 << 30;
const FIRMWARE_INPUT_MAX: u64 = 1 << 30;
const LANGUAGE_INPUT_MAX: u64 = 64 * 1024 * 1024;
const CONFIG_INPUT_MAX: u64 = 1 << 30;

/// What one plan item makes.
#[derive(Debug, Clone)]
pub enum Work {
    Ring(RingSpec),
    /// The firmware section's files. The spec is only read through `Debug`, by the reuse key.
    Firmware(#[allow(dead_code)] FirmwareSpec),
    ExpPres(PathBuf),
    /// One model's `hlpres.tar` from the branding section.
    Hlpres(Branding),
    /// `Language.tar` from the languages section (checked first; any error stops the build).
    Language(Languages),
    /// Provisioning configs for every phone of a CSV (never reused: the AES key is not in the key).
    Config {
        spec: ConfigSpec,
        vendor: String,
        resources_url: Option<String>,
    },
    /// A direct-download screen asset (`wallpaper`, `screensaver`) for one model.
    Direct {
        kind: AssetKind,
        file: PathBuf,
        look: crate::hlpres::Look,
    },
}

/// One artifact (or, for firmware, one group of files) of the tree.
#[derive(Debug, Clone)]
pub struct Item {
    /// Short description (`ring tone slot 5`).
    pub label: String,
    pub work: Work,
    /// The model whose rules apply (the first of `models` for shared items).
    pub rule_model: String,
    pub models: Vec<String>,
    /// Output paths relative to the tree, in the order `Work` produces them.
    pub outputs: Vec<String>,
    /// Input files (hashed for reuse decisions).
    pub inputs: Vec<PathBuf>,
    /// The most bytes read from any one input file of this kind (hashing included).
    pub input_max: u64,
    /// The rule the output meets, for the manifest and report.
    pub rule: String,
    /// The byte cap each output meets.
    pub cap: Option<u64>,
    /// The setting that points phones at it (`P20174`) and its value.
    pub setting: Option<Setting>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Setting {
    pub code: String,
    pub value: String,
}

/// The plan for a whole manifest.
pub struct Plan {
    pub items: Vec<Item>,
    /// The firmware found (names known, data not read), when the manifest has firmware.
    pub firmware: Option<crate::firmware::Located>,
}

/// Computes every item of the tree. Reads zip directories (to name firmware) but no file data.
pub fn plan(manifest: &Manifest, layouts: &Layouts) -> Result<Plan> {
    let models: Vec<&Model> = manifest.models.iter().map(|m| layouts.model(m)).collect::<Result<_>>()?;
    let url = |path: &str| format!("{}/{path}", manifest.base_url.as_deref().unwrap_or("http://SERVER"));
    let names: Vec<String> = models.iter().map(|m| m.name.clone()).collect();
    let first = models[0];
    let mut items = Vec::new();

    let firmware = match &manifest.firmware {
        Some(f) => {
            let req = crate::firmware::Request {
                inputs: &f.files,
                models: &manifest.models,
                version: f.version.clone(),
                from_version: f.from_version.clone(),
                prefix: &f.prefix,
                postfix: &f.postfix,
            };
            Some(crate::firmware::locate(layouts, &req)?)
        }
        None => None,
    };
    let legacy = firmware.as_ref().is_some_and(|f| f.laid.legacy);
    let (prefix, postfix) = match &manifest.firmware {
        Some(f) if legacy => (f.prefix.clone(), f.postfix.clone()),
        _ => (String::new(), String::new()),
    };
    // Where per-model and shared resources go, and the name a resource gets there.
    let shared_dir =
        |model: &Model, dir: &str| if legacy { format!("firmware/{}/", model.name) } else { dir.to_string() };
    let named = |name: &str| format!("{prefix}{name}{postfix}");

    for ring in &manifest.ringtones {
        let file = first.ringtone.file_for_slot(ring.slot, &first.name)?;
        let outputs: Vec<String> = if legacy {
            models.iter().map(|m| format!("{}{}", shared_dir(m, ""), named(&file))).collect()
        } else {
            vec![format!("ring/{file}")]
        };
        items.push(Item {
            label: format!("ring tone slot {}", ring.slot),
            work: Work::Ring(ring.clone()),
            rule_model: first.name.clone(),
            models: names.clone(),
            outputs,
            inputs: vec![ring.file.clone()],
            input_max: RING_INPUT_MAX,
            rule: format!(
                "{} {} {} Hz mono, ≤ {} s, ≤ {} bytes",
                first.ringtone.container,
                first.ringtone.codec,
                first.ringtone.sample_rate,
                first.ringtone.max_seconds,
                first.ringtone.max_bytes
            ),
            cap: Some(first.ringtone.max_bytes),
            setting: (!legacy).then(|| Setting { code: "P20174".into(), value: url("ring") }),
        });
    }
    if let Some(branding) = &manifest.branding {
        for model in &models {
            if let Some(item) =
                hlpres_item(model, branding, &shared_dir(model, &format!("{}/", model.name)), &named, &url)?
            {
                items.push(item);
            }
            for (kind, file, code) in [
                (AssetKind::Wallpaper, &branding.direct_wallpaper, "P20052"),
                (AssetKind::Screensaver, &branding.direct_screensaver, "P20051"),
            ] {
                let Some(file) = file else { continue };
                let Some(rule) = model.asset(kind) else { continue };
                let format = rule.formats.first().cloned().unwrap_or_else(|| "jpg".into());
                let path = format!("{}/{kind}.{format}", model.name);
                items.push(Item {
                    label: format!("direct-download {kind}"),
                    work: Work::Direct { kind, file: file.clone(), look: branding.look },
                    rule_model: model.name.clone(),
                    models: vec![model.name.clone()],
                    inputs: vec![file.clone()],
                    input_max: crate::hlpres::asset::MAX_INPUT_BYTES,
                    rule: format!("{}×{} {format}, ≤ {} bytes", rule.width, rule.height, rule.max_bytes),
                    cap: Some(rule.max_bytes),
                    setting: Some(Setting { code: code.into(), value: url(&path) }),
                    outputs: vec![path],
                });
            }
        }
    }
    if let (Some(languages), Some(rule)) = (&manifest.languages, &first.language) {
        let outputs: Vec<String> = if legacy {
            models.iter().map(|m| format!("{}{}", shared_dir(m, ""), named(&rule.file))).collect()
        } else {
            vec![rule.file.clone()]
        };
        let inputs = [Some(languages.dir.clone()), languages.lcd_template.clone(), languages.web_template.clone()];
        items.push(Item {
            label: "language pack".into(),
            work: Work::Language(languages.clone()),
            rule_model: first.name.clone(),
            models: names.clone(),
            inputs: inputs.into_iter().flatten().collect(),
            input_max: LANGUAGE_INPUT_MAX,
            rule: format!(
                "UTF-8, well-formed, complete against the English templates{}, ≤ {} bytes",
                if languages.strict { " (strict)" } else { "" },
                rule.max_bytes
            ),
            cap: Some(rule.max_bytes),
            setting: (!legacy).then(|| Setting { code: "P20175".into(), value: url(&rule.file) }),
            outputs,
        });
    }
    if let Some(path) = manifest.branding.as_ref().and_then(|b| b.exp_pres.clone()) {
        if let Some(rule) = &first.exp_pres {
            items.push(Item {
                label: "expansion-module resources".into(),
                work: Work::ExpPres(path.clone()),
                rule_model: first.name.clone(),
                models: names.clone(),
                outputs: vec![rule.file.clone()],
                inputs: vec![path],
                input_max: rule.max_bytes,
                rule: format!("passed through, ≤ {} bytes", rule.max_bytes),
                cap: Some(rule.max_bytes),
                setting: Some(Setting { code: "P20177".into(), value: url(&rule.file) }),
            });
        }
    }
    if let Some(fw) = &firmware {
        let f = manifest.firmware.as_ref().expect("firmware section");
        let outputs: Vec<String> = fw
            .laid
            .files
            .iter()
            .flat_map(|file| {
                if legacy {
                    file.models.iter().map(|m| format!("firmware/{m}/{}", file.name)).collect::<Vec<_>>()
                } else {
                    vec![format!("firmware/{}", file.name)]
                }
            })
            .collect();
        items.push(Item {
            label: format!("firmware {}", fw.laid.version.as_deref().unwrap_or("")),
            work: Work::Firmware(f.clone()),
            rule_model: first.name.clone(),
            models: names.clone(),
            outputs,
            inputs: f.files.clone(),
            input_max: FIRMWARE_INPUT_MAX,
            rule: format!("vendor names with prefix '{}' and postfix '{}'", f.prefix, f.postfix),
            cap: Some(first.firmware_max_bytes),
            setting: (!legacy).then(|| Setting { code: "P192".into(), value: url("firmware") }),
        });
    }
    if let Some(spec) = &manifest.config {
        let (code, value) = match manifest.vendor.as_str() {
            "htek" => ("P237", url("config")),
            _ => ("static.auto_provision.server.url", url("config")),
        };
        let inputs = [Some(spec.phones.clone()), spec.common.clone(), spec.phonebook.clone()];
        items.push(Item {
            label: "provisioning configs".into(),
            work: Work::Config {
                spec: spec.clone(),
                vendor: manifest.vendor.clone(),
                resources_url: manifest.base_url.clone(),
            },
            rule_model: first.name.clone(),
            models: names.clone(),
            inputs: inputs.into_iter().flatten().collect(),
            input_max: CONFIG_INPUT_MAX,
            rule: "one file per phone of the CSV plus the common files, MACs lower-case".into(),
            cap: None,
            setting: Some(Setting { code: code.into(), value }),
            outputs: vec![CONFIG_DIR.to_string()],
        });
    }
    Ok(Plan { items, firmware })
}

/// The `hlpres.tar` item of one model: the branding's sources that the model has slots for (a
/// mono-screen model takes no wallpaper), or nothing when none apply.
fn hlpres_item(
    model: &Model,
    branding: &Branding,
    dir: &str,
    named: &dyn Fn(&str) -> String,
    url: &dyn Fn(&str) -> String,
) -> Result<Option<Item>> {
    let Some(rule) = &model.hlpres else { return Ok(None) };
    let mut own = branding.clone();
    own.base = branding.bases.get(&model.name).cloned();
    own.bases.clear();
    if model.asset(AssetKind::Wallpaper).is_none() {
        own.wallpapers.clear();
    }
    if model.asset(AssetKind::Screensaver).is_none() {
        own.screensavers.clear();
    }
    if model.asset(AssetKind::Lcdlogo).is_none() {
        own.lcdlogo = None;
    }
    if model.asset(AssetKind::Weblogo).is_none() {
        own.weblogo = None;
    }
    let inputs: Vec<PathBuf> = own
        .wallpapers
        .iter()
        .chain(&own.screensavers)
        .chain(own.weblogo.iter())
        .chain(own.lcdlogo.iter())
        .chain(own.icons.iter().map(|(_, p)| p))
        .chain(own.base.iter())
        .cloned()
        .collect();
    if inputs.iter().all(|p| Some(p) == own.base.as_ref()) {
        return Ok(None);
    }
    let path = format!("{dir}{}", named(&rule.file));
    Ok(Some(Item {
        label: "branding".into(),
        work: Work::Hlpres(own),
        rule_model: model.name.clone(),
        models: vec![model.name.clone()],
        inputs,
        input_max: crate::hlpres::asset::MAX_INPUT_BYTES,
        rule: format!("every asset at the model's size and cap, tar ≤ {} bytes", rule.max_bytes),
        cap: Some(rule.max_bytes),
        setting: Some(Setting { code: "P20176".into(), value: url(&path) }),
        outputs: vec![path],
    }))
}
