//! The release plan: every artifact of the server tree, its inputs and its output path, computed
//! before anything is built (so `--dry-run` and manifest checks need no work). Planning opens no
//! input: it records what each item will read (its input paths; for firmware, the vendor names
//! or name pattern it looks for), and the build opens them. Firmware names come from the layout
//! and the inputs' file names; a name pattern that only a zip's directory resolves stays a
//! pattern until the build has located the files and planned again ([`located`]).
//!
//! Where each file goes and which setting points phones at it come from the vendor layout's
//! `[[fetch]]` table (`layouts/htek.toml`: ring files in `ring/`, `Language.tar`, `exp_pres.tar`,
//! `MODEL/hlpres.tar`, `MODEL/wallpaper.jpg`, `MODEL/screensaver.jpg`, `firmware/…`, `config/…`),
//! and the firmware name settings from its `[provisioning]` table. Each item carries the settings
//! that point at it; [`Plan::tree_settings`] gathers them per model for the config generator.
//!
//! When the firmware target is legacy (1.0.3.58–1.0.3.72), phones fetch ring files and tars from
//! the firmware path with the same prefix/postfix as the firmware, so each model gets
//! `firmware/MODEL/` holding its boot/img files, ring files and tars, all renamed.

use super::manifest::Manifest;
pub use crate::kinds::config::TreeSettings;
use crate::kinds::config::{ConfigSpec, TreeConfigs};
use crate::kinds::firmware::{self, FirmwareSpec, Laid, Located};
use crate::kinds::hlpres::{Branding, DirectImage, ExpPres};
use crate::kinds::language::Languages;
use crate::kinds::ringtone::RingSpec;
use crate::mechanisms::artifact::ArtifactSpec;
use crate::rules::layout::{AssetKind, FetchKind, Layouts, Model, Vendor};
use anyhow::{Context as _, Result};
use serde::Serialize;
use std::path::PathBuf;

pub use crate::mechanisms::tree_manifest::CONFIG_DIR;

/// The most bytes read from one input of each kind whose reader has no cap of its own, so an input
/// that never ends is refused instead of read forever. Audio: an hour of 48 kHz stereo 16-bit WAV
/// is 0.7 GB; firmware zips of all models are tens of MB; phone CSVs as `bundler config` reads.
const RING_INPUT_MAX: u64 = 1 << 30;
const FIRMWARE_INPUT_MAX: u64 = 1 << 30;
const LANGUAGE_INPUT_MAX: u64 = 64 * 1024 * 1024;
const CONFIG_INPUT_MAX: u64 = 1 << 30;

/// What one plan item makes: each kind's spec, serialised for the reuse key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    Ring(RingSpec),
    /// The firmware section's files, laid out from what the plan located.
    Firmware(FirmwareSpec),
    ExpPres(ExpPres),
    /// One model's `hlpres.tar` from the branding section.
    Hlpres(Branding),
    /// `Language.tar` from the languages section (checked first; any error stops the build).
    Language(Languages),
    /// Provisioning configs for every phone of a CSV (never reused: the AES key is not in the key).
    Config(TreeConfigs),
    /// A direct-download screen asset (`wallpaper`, `screensaver`) for one model.
    Direct(DirectImage),
}

impl Work {
    /// The kind that builds this item.
    pub fn artifact(&self) -> &dyn ArtifactSpec {
        match self {
            Work::Ring(spec) => spec,
            Work::Firmware(spec) => spec,
            Work::ExpPres(spec) => spec,
            Work::Hlpres(spec) => spec,
            Work::Language(spec) => spec,
            Work::Config(spec) => spec,
            Work::Direct(spec) => spec,
        }
    }
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
    /// The settings that point phones at it (`P20174` = BASE/ring), from the layout's fetch table.
    pub settings: Vec<Setting>,
}

/// A setting the tree needs, and for which model (`None`: every model of the item).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Setting {
    pub code: String,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Setting {
    fn all(code: &str, value: String) -> Setting {
        Setting { code: code.to_string(), value, model: None }
    }

    fn of(model: &str, code: &str, value: String) -> Setting {
        Setting { code: code.to_string(), value, model: Some(model.to_string()) }
    }
}

/// The plan for a whole manifest.
pub struct Plan {
    pub items: Vec<Item>,
}

impl Plan {
    /// Per model, every setting the items point phones with.
    pub fn tree_settings(&self, models: &[String]) -> TreeSettings {
        let mut out = TreeSettings::new();
        for model in models {
            let list = out.entry(model.clone()).or_default();
            for item in self.items.iter().filter(|i| i.models.contains(model)) {
                for s in item.settings.iter().filter(|s| s.model.as_ref().is_none_or(|m| m == model)) {
                    if !list.iter().any(|(c, _)| *c == s.code) {
                        list.push((s.code.clone(), s.value.clone()));
                    }
                }
            }
        }
        out
    }
}

/// What every item of one plan shares: the models, the vendor's fetch table, the base URL and the
/// legacy firmware naming.
struct Ctx<'a> {
    models: Vec<&'a Model>,
    names: Vec<String>,
    vendor: &'a Vendor,
    url: String,
    legacy: bool,
    prefix: String,
    postfix: String,
}

impl Ctx<'_> {
    fn first(&self) -> &Model {
        self.models[0]
    }

    /// The tree folder per-model and shared resources go to (legacy firmware: `firmware/MODEL/`).
    fn dir(&self, model: &Model, dir: &str) -> String {
        if self.legacy {
            format!("firmware/{}/", model.name)
        } else {
            dir.to_string()
        }
    }

    /// A resource's name in the tree (legacy firmware: with the firmware prefix and postfix).
    fn named(&self, name: &str) -> String {
        format!("{}{name}{}", self.prefix, self.postfix)
    }

    /// The setting of a fetch kind for every model, with the value the table gives.
    fn shared_setting(&self, kind: FetchKind, file: &str) -> Vec<Setting> {
        match self.vendor.fetch(kind) {
            Some(f) if !self.legacy => vec![Setting::all(&f.setting, f.value_for(&self.url, &self.first().name, file))],
            _ => Vec::new(),
        }
    }

    /// The setting of a per-model fetch kind pointing at `path` in the tree.
    fn model_setting(&self, kind: FetchKind, model: &Model, path: &str) -> Vec<Setting> {
        match self.vendor.fetch(kind) {
            Some(f) if f.applies_to(model) => {
                let value =
                    if self.legacy { format!("{}/{path}", self.url) } else { f.value_for(&self.url, &model.name, "") };
                vec![Setting::of(&model.name, &f.setting, value)]
            }
            _ => Vec::new(),
        }
    }
}

/// Computes every item of the tree from the manifest and the layouts alone: no input is opened.
/// The firmware files are named from the layout and the inputs' file names ([`firmware::expect`]);
/// the build finds them in the inputs and plans again with what it found ([`located`]).
pub fn plan(manifest: &Manifest, layouts: &Layouts) -> Result<Plan> {
    let laid = match &manifest.firmware {
        Some(f) => Some(firmware::expect(layouts, &f.request(&manifest.models))?),
        None => None,
    };
    plan_with(manifest, layouts, laid, None)
}

/// The plan with the firmware `located` in its inputs (a name pattern resolved from a zip's
/// directory), which the firmware item then reads when it is built.
pub fn located(manifest: &Manifest, layouts: &Layouts, located: Located) -> Result<Plan> {
    plan_with(manifest, layouts, Some(located.laid.clone()), Some(located))
}

/// Every item, the firmware named as `laid` says (and read from `located` when given).
fn plan_with(manifest: &Manifest, layouts: &Layouts, laid: Option<Laid>, located: Option<Located>) -> Result<Plan> {
    let models: Vec<&Model> = manifest.models.iter().map(|m| layouts.model(m)).collect::<Result<_>>()?;
    let vendor = layouts.vendor(&manifest.vendor)?;
    let legacy = laid.as_ref().is_some_and(|f| f.legacy);
    let (prefix, postfix) = match &manifest.firmware {
        Some(f) if legacy => (f.prefix.clone(), f.postfix.clone()),
        _ => (String::new(), String::new()),
    };
    let url = manifest.base_url.clone().unwrap_or_else(|| crate::rules::SERVER_PLACEHOLDER.to_string());
    let names = models.iter().map(|m| m.name.clone()).collect();
    let cx = Ctx { models, names, vendor, url, legacy, prefix, postfix };
    let mut items = ring_items(manifest, &cx)?;
    if let Some(branding) = &manifest.branding {
        for model in &cx.models {
            items.extend(hlpres_item(model, branding, &cx)?);
            items.extend(direct_items(model, branding, &cx));
        }
    }
    items.extend(language_item(manifest, &cx));
    items.extend(exp_pres_item(manifest, &cx));
    if let (Some(laid), Some(f)) = (laid, &manifest.firmware) {
        items.push(firmware_item(&laid, FirmwareSpec { located, ..f.clone() }, &cx));
    }
    let mut plan = Plan { items };
    if let Some(spec) = &manifest.config {
        let item = config_item(spec, manifest, &cx, &plan)?;
        plan.items.push(item);
    }
    Ok(plan)
}

fn ring_items(manifest: &Manifest, cx: &Ctx) -> Result<Vec<Item>> {
    let first = cx.first();
    let mut items = Vec::new();
    for ring in &manifest.ringtones {
        let file = first.ringtone.file_for_slot(ring.slot, &first.name)?;
        let outputs: Vec<String> = if cx.legacy {
            cx.models.iter().map(|m| format!("{}{}", cx.dir(m, ""), cx.named(&file))).collect()
        } else {
            let entry = cx.vendor.fetch(FetchKind::Ring).with_context(|| {
                format!("layouts: {} phones fetch no ring tones ([[fetch]] has no kind = \"ring\")", cx.vendor.vendor)
            })?;
            entry.tree_paths(&first.name, std::slice::from_ref(&file))
        };
        // A whole-file ring setting (Flyingvoice ringtone.url) names one file: the first slot's.
        let whole_file =
            cx.vendor.fetch(FetchKind::Ring).is_some_and(|f| f.request == crate::rules::layout::Request::File);
        let settings =
            if whole_file && !items.is_empty() { Vec::new() } else { cx.shared_setting(FetchKind::Ring, &file) };
        let r = &first.ringtone;
        items.push(Item {
            label: format!("ring tone slot {}", ring.slot),
            work: Work::Ring(ring.clone()),
            rule_model: first.name.clone(),
            models: cx.names.clone(),
            outputs,
            inputs: vec![ring.file.clone()],
            input_max: RING_INPUT_MAX,
            rule: format!(
                "{} {} {} Hz mono, ≤ {} s, ≤ {} bytes",
                r.container, r.codec, r.sample_rate, r.max_seconds, r.max_bytes
            ),
            cap: Some(r.max_bytes),
            settings,
        });
    }
    Ok(items)
}

/// The direct-download wallpaper and screensaver of one model, where the branding names them and
/// the model has that kind of screen.
fn direct_items(model: &Model, branding: &Branding, cx: &Ctx) -> Vec<Item> {
    let mut items = Vec::new();
    for (kind, fetch_kind, file) in [
        (AssetKind::Wallpaper, FetchKind::Wallpaper, &branding.direct_wallpaper),
        (AssetKind::Screensaver, FetchKind::Screensaver, &branding.direct_screensaver),
    ] {
        let (Some(file), Some(rule), Some(entry)) = (file, model.asset(kind), cx.vendor.fetch(fetch_kind)) else {
            continue;
        };
        let format = rule.formats.first().cloned().unwrap_or_else(|| "jpg".into());
        let Some(path) = entry.tree_paths(&model.name, &[]).pop() else { continue };
        items.push(Item {
            label: format!("direct-download {kind}"),
            work: Work::Direct(DirectImage { kind, file: file.clone(), look: branding.look }),
            rule_model: model.name.clone(),
            models: vec![model.name.clone()],
            inputs: vec![file.clone()],
            input_max: crate::kinds::hlpres::asset::MAX_INPUT_BYTES,
            rule: format!("{}×{} {format}, ≤ {} bytes", rule.width, rule.height, rule.max_bytes),
            cap: Some(rule.max_bytes),
            settings: cx.model_setting(fetch_kind, model, &path),
            outputs: vec![path],
        });
    }
    items
}

fn language_item(manifest: &Manifest, cx: &Ctx) -> Option<Item> {
    let (languages, rule) = (manifest.languages.as_ref()?, cx.first().language.as_ref()?);
    let outputs: Vec<String> = if cx.legacy {
        cx.models.iter().map(|m| format!("{}{}", cx.dir(m, ""), cx.named(&rule.file))).collect()
    } else {
        cx.vendor.fetch(FetchKind::Language).map_or_else(|| vec![rule.file.clone()], |f| f.tree_paths("", &[]))
    };
    let inputs = [Some(languages.dir.clone()), languages.lcd_template.clone(), languages.web_template.clone()];
    Some(Item {
        label: "language pack".into(),
        work: Work::Language(languages.clone()),
        rule_model: cx.first().name.clone(),
        models: cx.names.clone(),
        inputs: inputs.into_iter().flatten().collect(),
        input_max: LANGUAGE_INPUT_MAX,
        rule: format!(
            "UTF-8, well-formed, complete against the English templates{}, ≤ {} bytes",
            if languages.strict { " (strict)" } else { "" },
            rule.max_bytes
        ),
        cap: Some(rule.max_bytes),
        settings: cx.shared_setting(FetchKind::Language, &rule.file),
        outputs,
    })
}

fn exp_pres_item(manifest: &Manifest, cx: &Ctx) -> Option<Item> {
    let path = manifest.branding.as_ref().and_then(|b| b.exp_pres.clone())?;
    let rule = cx.first().exp_pres.as_ref()?;
    let outputs =
        cx.vendor.fetch(FetchKind::ExpPres).map_or_else(|| vec![rule.file.clone()], |f| f.tree_paths("", &[]));
    Some(Item {
        label: "expansion-module resources".into(),
        work: Work::ExpPres(ExpPres(path.clone())),
        rule_model: cx.first().name.clone(),
        models: cx.names.clone(),
        outputs,
        inputs: vec![path],
        input_max: rule.max_bytes,
        rule: format!("passed through, ≤ {} bytes", rule.max_bytes),
        cap: Some(rule.max_bytes),
        settings: cx
            .vendor
            .fetch(FetchKind::ExpPres)
            .map(|f| Setting::all(&f.setting, f.value_for(&cx.url, "", &rule.file)))
            .into_iter()
            .collect(),
    })
}

/// The firmware item: the files `laid` names, built from `f` (which says where they are, when
/// the build located them).
fn firmware_item(laid: &Laid, f: FirmwareSpec, cx: &Ctx) -> Item {
    let outputs: Vec<String> = laid
        .files
        .iter()
        .flat_map(|file| {
            if cx.legacy {
                file.models.iter().map(|m| format!("firmware/{m}/{}", file.name)).collect::<Vec<_>>()
            } else {
                vec![format!("firmware/{}", file.name)]
            }
        })
        .collect();
    let settings = firmware_settings(laid, &f, cx);
    Item {
        label: format!("firmware {}", laid.version.as_deref().unwrap_or("")),
        rule_model: cx.first().name.clone(),
        models: cx.names.clone(),
        outputs,
        inputs: f.files.clone(),
        input_max: FIRMWARE_INPUT_MAX,
        rule: format!("vendor names with prefix '{}' and postfix '{}'", f.prefix, f.postfix),
        cap: Some(cx.first().firmware_max_bytes),
        settings,
        work: Work::Firmware(f),
    }
}

/// The firmware server setting of each model (a folder, or the model's file for a whole-file
/// setting), then the firmware prefix/postfix settings and, where asked, "only when they change".
fn firmware_settings(laid: &Laid, f: &FirmwareSpec, cx: &Ctx) -> Vec<Setting> {
    let Some(entry) = cx.vendor.fetch(FetchKind::Firmware) else { return Vec::new() };
    let mut out = Vec::new();
    for model in &cx.models {
        let Some(file) = laid.files.iter().find(|file| file.models.contains(&model.name)) else { continue };
        let value = match (cx.legacy, entry.request) {
            (true, _) => format!("{}/firmware/{}", cx.url, model.name),
            (false, crate::rules::layout::Request::Folder) => entry.value_for(&cx.url, &model.name, ""),
            (false, crate::rules::layout::Request::File) => entry.value_for(&cx.url, &model.name, &file.name),
        };
        out.push(Setting::of(&model.name, &entry.setting, value));
    }
    let p = &cx.vendor.provisioning;
    let names = [(&p.firmware_prefix, f.prefix.clone()), (&p.firmware_postfix, f.postfix.clone())];
    let change = (&p.firmware_only_on_change, "1".to_string());
    for (code, value) in names.into_iter().chain(f.only_when_name_changes.then_some(change)) {
        if let Some(code) = code {
            out.push(Setting::all(code, value));
        }
    }
    out
}

fn config_item(spec: &ConfigSpec, manifest: &Manifest, cx: &Ctx, plan: &Plan) -> Result<Item> {
    let mut tree = plan.tree_settings(&cx.names);
    let own: Vec<Setting> = cx
        .vendor
        .fetch(FetchKind::Config)
        .map(|f| Setting::all(&f.setting, f.value_for(&cx.url, "", "")))
        .into_iter()
        .collect();
    let book = cx.vendor.fetch(FetchKind::Phonebook).filter(|_| spec.phonebook.is_some());
    let book: Vec<Setting> = book.map(|f| Setting::all(&f.setting, f.value_for(&cx.url, "", ""))).into_iter().collect();
    for list in tree.values_mut() {
        list.extend(own.iter().chain(&book).map(|s| (s.code.clone(), s.value.clone())));
    }
    let inputs = [Some(spec.phones.clone()), spec.common.clone(), spec.phonebook.clone()];
    Ok(Item {
        label: "provisioning configs".into(),
        work: Work::Config(TreeConfigs { spec: spec.clone(), vendor: manifest.vendor.clone(), tree }),
        rule_model: cx.first().name.clone(),
        models: cx.names.clone(),
        inputs: inputs.into_iter().flatten().collect(),
        input_max: CONFIG_INPUT_MAX,
        rule: "one file per phone of the CSV plus the common files, MACs lower-case".into(),
        cap: None,
        settings: own.into_iter().chain(book).collect(),
        outputs: vec![CONFIG_DIR.to_string()],
    })
}

/// The `hlpres.tar` item of one model: the branding's sources that the model has slots for (a
/// mono-screen model takes no wallpaper), or nothing when none apply.
fn hlpres_item(model: &Model, branding: &Branding, cx: &Ctx) -> Result<Option<Item>> {
    let Some(rule) = &model.hlpres else { return Ok(None) };
    let mut own = branding.clone();
    own.base = branding.bases.get(&model.name).cloned();
    own.bases.clear();
    if model.asset(AssetKind::Wallpaper).is_none() {
        own.sources.wallpapers.clear();
    }
    if model.asset(AssetKind::Screensaver).is_none() {
        own.sources.screensavers.clear();
    }
    if model.asset(AssetKind::Lcdlogo).is_none() {
        own.sources.lcdlogo = None;
    }
    if model.asset(AssetKind::Weblogo).is_none() {
        own.sources.weblogo = None;
    }
    let images = &own.sources;
    let inputs: Vec<PathBuf> = images
        .wallpapers
        .iter()
        .chain(&images.screensavers)
        .chain(images.weblogo.iter())
        .chain(images.lcdlogo.iter())
        .chain(images.icons.iter().map(|(_, p)| p))
        .chain(own.base.iter())
        .cloned()
        .collect();
    if inputs.iter().all(|p| Some(p) == own.base.as_ref()) {
        return Ok(None);
    }
    let path = match cx.vendor.fetch(FetchKind::Hlpres) {
        Some(f) if !cx.legacy => f.tree_paths(&model.name, &[]).pop().unwrap_or_default(),
        _ => format!("{}{}", cx.dir(model, &format!("{}/", model.name)), cx.named(&rule.file)),
    };
    Ok(Some(Item {
        label: "branding".into(),
        work: Work::Hlpres(own),
        rule_model: model.name.clone(),
        models: vec![model.name.clone()],
        inputs,
        input_max: crate::kinds::hlpres::asset::MAX_INPUT_BYTES,
        rule: format!("every asset at the model's size and cap, tar ≤ {} bytes", rule.max_bytes),
        cap: Some(rule.max_bytes),
        settings: cx.model_setting(FetchKind::Hlpres, model, &path),
        outputs: vec![path],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::ringtone::RingSpec;
    use std::path::Path;

    /// A FIFO at `path`: opening it to read blocks until a writer comes, so a planner that opened
    /// it would never return.
    fn fifo(path: &Path) {
        assert!(
            std::process::Command::new("mkfifo").arg(path).status().unwrap().success(),
            "mkfifo {}",
            path.display()
        );
    }

    /// An Htek UC924 release of one ring tone and one firmware zip, both FIFOs.
    fn manifest(dir: &Path) -> Manifest {
        let (zip, ring) = (dir.join("Firmware_Htek_2.0.4.6.41_20191104.zip"), dir.join("jingle.wav"));
        fifo(&zip);
        fifo(&ring);
        let firmware = FirmwareSpec {
            files: vec![zip],
            prefix: "hl_".into(),
            postfix: "_2.0.4.6.41".into(),
            version: None,
            from_version: None,
            only_when_name_changes: false,
            located: None,
        };
        let ring = RingSpec {
            slot: 5,
            file: ring,
            max_seconds: None,
            start: 0.0,
            codec: None,
            normalize: None,
            fade_ms: 0,
            fade_in_ms: 0,
        };
        Manifest {
            path: dir.join("release.toml"),
            vendor: "htek".into(),
            models: vec!["UC924".into()],
            base_url: None,
            ringtones: vec![ring],
            branding: None,
            languages: None,
            firmware: Some(firmware),
            config: None,
        }
    }

    #[test]
    fn a_plan_is_made_without_opening_its_inputs_and_the_build_reports_them() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = manifest(dir.path());
        let (tx, rx) = std::sync::mpsc::channel();
        let planning = manifest.clone();
        // In a thread of its own: a planner that opened a FIFO would block there, not here.
        std::thread::spawn(move || tx.send(plan(&planning, &Layouts::builtin().unwrap())));
        let planned = rx.recv_timeout(std::time::Duration::from_secs(30)).expect("planning opened an input").unwrap();
        let outputs: Vec<&str> = planned.items.iter().flat_map(|i| &i.outputs).map(String::as_str).collect();
        assert_eq!(outputs, ["ring/ring5.bin", "firmware/hl_fw924.rom_2.0.4.6.41"]);
        let settings = &planned.items[1].settings;
        assert_eq!(settings[0].value, "http://SERVER/firmware", "no base_url: the placeholder server");

        // The build opens the firmware input, and refuses the FIFO instead of waiting on it.
        let layouts = Layouts::builtin().unwrap();
        let err = crate::ops::release::build::build_item(&planned.items[1], &layouts, dir.path()).unwrap_err();
        assert!(
            format!("{err:#}").ends_with("Firmware_Htek_2.0.4.6.41_20191104.zip: not a regular file; not read"),
            "{err:#}"
        );
        let Err(err) = crate::ops::release::build::locate(planned, &manifest, &layouts) else {
            panic!("the build located a firmware in a FIFO")
        };
        assert!(format!("{err:#}").contains("not a regular file"), "{err:#}");
    }
}
