//! Model layouts: the vendor rules (device codes, firmware names, screen assets, byte caps, ring-tone
//! format) read from the TOML files in `layouts/`.
//!
//! The files in the repository's `layouts/` folder are compiled into the binary. A folder given with
//! `--layouts DIR` (or `BUNDLER_LAYOUTS`) extends and overrides them: a file named like a built-in one
//! is laid over it key by key, any other `*.toml` adds a vendor.
//!
//! Besides the vendor layouts there are data files of other shapes (the Htek P-code dictionary): they
//! are compiled in and overridden the same way, and handed out as merged TOML tables by
//! [`Layouts::data`] for the module that owns their shape to read.

use crate::config::htek_xml::Dialect;
use anyhow::{bail, Context, Result};
use ringtool::{Codec, Container};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Which provisioning-config code a vendor's phones take (`config_format` in a vendor file). A
/// vendor file without one has no configs: asking for one is a "not supported" error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFormat {
    /// Htek XML (`cfg<code>.xml`, `cfg<mac>.xml`, AES), written by `bundler config htek`.
    HtekXml,
    /// Flyingvoice boot/cfg text files, written by `bundler config flyingvoice`.
    FlyingvoiceCfg,
}

impl ConfigFormat {
    /// The `bundler config` subcommand that writes this format.
    pub fn command(self) -> &'static str {
        match self {
            ConfigFormat::HtekXml => "htek",
            ConfigFormat::FlyingvoiceCfg => "flyingvoice",
        }
    }
}

/// What a model's screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Screen {
    Color,
    Mono,
    None,
}

impl std::fmt::Display for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Screen::Color => "color",
            Screen::Mono => "mono",
            Screen::None => "none",
        })
    }
}

/// The kinds of screen asset (`kind` of an asset profile, `bundler image --as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    Wallpaper,
    Screensaver,
    Weblogo,
    Lcdlogo,
    Icon,
}

impl AssetKind {
    /// The kinds with fixed entry names (every kind but icons).
    pub const FIXED: [AssetKind; 4] =
        [AssetKind::Wallpaper, AssetKind::Screensaver, AssetKind::Weblogo, AssetKind::Lcdlogo];

    pub fn name(self) -> &'static str {
        match self {
            AssetKind::Wallpaper => "wallpaper",
            AssetKind::Screensaver => "screensaver",
            AssetKind::Weblogo => "weblogo",
            AssetKind::Lcdlogo => "lcdlogo",
            AssetKind::Icon => "icon",
        }
    }
}

impl std::fmt::Display for AssetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A file name that must never be served (`[[forbidden]]` in a vendor file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forbidden {
    /// A glob (`factory*.bin`).
    pub name: String,
    /// Why, as `verify` reports it.
    pub reason: String,
    #[serde(default)]
    pub source: String,
}

/// Ring-tone types (ringtool's) read from and written as their text names (`gsrt`, `ulaw`).
mod via_str {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T: FromStr, D: Deserializer<'de>>(d: D) -> Result<T, D::Error>
    where
        T::Err: Display,
    {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }

    pub fn optional<'de, T: FromStr, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error>
    where
        T::Err: Display,
    {
        deserialize(d).map(Some)
    }
}

/// The layout files shipped inside the binary, as (file name, contents).
const BUILTIN: &[(&str, &str)] = &[
    ("htek.toml", include_str!("../layouts/htek.toml")),
    ("flyingvoice.toml", include_str!("../layouts/flyingvoice.toml")),
];

/// Layout data files that are not vendor layouts, as (file name, contents). Each is read by the
/// module named in its header comment.
const BUILTIN_DATA: &[(&str, &str)] = &[
    ("htek-config.toml", include_str!("../layouts/htek-config.toml")),
    ("flyingvoice-config.toml", include_str!("../layouts/flyingvoice-config.toml")),
];

/// Layout files larger than this are refused (they are hand-written data, not bulk input).
const MAX_LAYOUT_BYTES: u64 = 4 * 1024 * 1024;

/// An override folder holding more entries than this is refused (a mistaken `--layouts /`).
const MAX_LAYOUT_FILES: usize = 1000;

/// Every known model of every vendor.
#[derive(Debug, Clone, Serialize)]
pub struct Layouts {
    pub vendors: Vec<Vendor>,
    /// The data files of [`BUILTIN_DATA`], each with its overrides laid over it.
    #[serde(skip)]
    pub data: Vec<DataFile>,
    /// `htek-config.toml`, read once when the layouts load.
    #[serde(skip)]
    pub htek: Arc<crate::config::pcodes::HtekData>,
    /// `flyingvoice-config.toml`, read once when the layouts load.
    #[serde(skip)]
    pub flyingvoice: Arc<crate::config::fvfile::FvData>,
}

/// A layout data file that is not a vendor layout (e.g. `htek-config.toml`), overrides applied.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// The built-in file name (`htek-config.toml`).
    pub name: String,
    /// How errors name it: `layouts/htek-config.toml`, with the override files when there are any.
    pub shown: String,
    pub table: toml::Table,
}

/// One vendor file: its family name and models.
#[derive(Debug, Clone, Serialize)]
pub struct Vendor {
    pub vendor: String,
    pub family: String,
    /// Where the data came from: "built-in" or the override file(s).
    pub origin: Vec<String>,
    /// The vendor's MAC prefixes (OUIs) as 6 lowercase hex digits; a phone MAC outside them is
    /// warned about, not refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ouis: Vec<String>,
    /// DHCP options the phones take the provisioning URL from (`dhcp_options`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dhcp_options: Vec<u8>,
    /// Which config code the vendor's phones take; `None`: configs are not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_format: Option<ConfigFormat>,
    /// The model whose rules apply when a command is given none (ring tones; at most one vendor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_model: Option<String>,
    /// Names that must never be served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<Forbidden>,
    /// Globs of names that look like this vendor's firmware (`*.rom*`): such a file that no model
    /// fetches is reported by `verify`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub firmware_like: Vec<String>,
    pub models: Vec<Model>,
    /// What the phones fetch besides their config files: setting, value, tree path (`[[fetch]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetch: Vec<Fetch>,
    /// File-name settings and what a phone does after its common config (`[provisioning]`).
    pub provisioning: Provisioning,
}

/// What a [`Fetch`] entry points the phone at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchKind {
    Ring,
    Language,
    Hlpres,
    ExpPres,
    Wallpaper,
    Screensaver,
    Firmware,
    Phonebook,
    Config,
}

/// How a phone turns a setting's value into requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// The value is a folder URL; the phone appends file names to it (ring slot files; firmware and
    /// config names with their prefix and postfix).
    Folder,
    /// The value is the whole file URL.
    File,
}

/// One setting that points a phone at a file of the tree (`[[fetch]]` in a vendor layout).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    pub kind: FetchKind,
    /// The setting (Htek P-code `P20174`, Flyingvoice key `ringtone.url`).
    pub setting: String,
    /// What the setting holds: `{url}` base URL, `{model}` model name, `{file}` a file name.
    pub value: String,
    /// Where a bundler tree keeps it, relative to the tree (`{model}`, `{file}`).
    pub path: String,
    pub request: Request,
    /// Only for models that have a screen asset of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_asset: Option<AssetKind>,
    #[serde(default)]
    pub source: String,
}

impl Fetch {
    /// The setting's value for a tree served at `url` (no trailing slash), for `model`, naming `file`
    /// where the value holds a file name.
    pub fn value_for(&self, url: &str, model: &str, file: &str) -> String {
        fill(&self.value, url, model, file)
    }

    /// The tree paths of `files` for `model` (one path when `path` names no `{file}`).
    pub fn tree_paths(&self, model: &str, files: &[String]) -> Vec<String> {
        if !self.path.contains("{file}") {
            return vec![fill(&self.path, "", model, "")];
        }
        files.iter().map(|f| fill(&self.path, "", model, f)).collect()
    }

    /// The URLs a phone requests given the setting's `value`: the value itself for a whole-file
    /// setting, else the value with each of `files` appended (with a `/` between).
    pub fn requests(&self, value: &str, files: &[String]) -> Vec<String> {
        match self.request {
            Request::File => vec![value.to_string()],
            Request::Folder => {
                let folder = value.trim_end_matches('/');
                files.iter().map(|f| format!("{folder}/{f}")).collect()
            }
        }
    }

    /// Whether `model` takes this file at all (`requires_asset`).
    pub fn applies_to(&self, model: &Model) -> bool {
        self.requires_asset.is_none_or(|kind| model.asset(kind).is_some())
    }
}

fn fill(template: &str, url: &str, model: &str, file: &str) -> String {
    template.replace("{url}", url).replace("{model}", model).replace("{file}", file)
}

/// Whether a phone that got its common config file goes on to its own (`cfg<mac>.xml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterCommon {
    Stops,
    Continues,
    #[default]
    Unknown,
}

/// The settings that shape fetched file names, and the fact about the common file (`[provisioning]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provisioning {
    /// Firmware file name prefix / postfix settings (Htek P232 / P233).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_postfix: Option<String>,
    /// "Ask for firmware only when the prefix/postfix changed" (Htek P238), set where the manifest asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_only_on_change: Option<String>,
    /// Config file name prefix / postfix settings (Htek P234 / P235).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_postfix: Option<String>,
    #[serde(default)]
    pub after_common: AfterCommon,
    #[serde(default)]
    pub source: String,
}

impl Vendor {
    /// The fetch entry of a kind, if the vendor's phones fetch it.
    pub fn fetch(&self, kind: FetchKind) -> Option<&Fetch> {
        self.fetch.iter().find(|f| f.kind == kind)
    }

    /// The fetch entry whose setting is `setting` (`P20176`), if any.
    pub fn fetch_by_setting(&self, setting: &str) -> Option<&Fetch> {
        self.fetch.iter().find(|f| f.setting.eq_ignore_ascii_case(setting))
    }
}

impl Vendor {
    /// The vendor's config format, or the "not supported" error naming the vendor.
    pub fn config_format(&self) -> Result<ConfigFormat> {
        self.config_format.with_context(|| {
            format!("configs are not supported for vendor {} (its layout file sets no config_format)", self.vendor)
        })
    }
}

/// All the rules for one phone model, with the vendor defaults already applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub vendor: String,
    /// The vendor's config format (copied from the vendor file).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub config_format: Option<ConfigFormat>,
    /// Other names that mean this model (`UC912G` → `UC912`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Htek device code: the common config is `cfg<code>.xml`. `None` when unknown (never guessed).
    #[serde(default)]
    pub device_code: Option<String>,
    #[serde(default)]
    pub device_code_source: Option<String>,
    /// Current firmware file name (`fw924.rom`), if known.
    #[serde(default)]
    pub firmware: Option<String>,
    /// Firmware file name pattern (`{model}-FVUI_V*.bin`), for vendors whose names carry a version.
    #[serde(default)]
    pub firmware_pattern: Option<String>,
    /// Legacy firmware files (`boot_924.bin`, `img_924.bin`).
    #[serde(default)]
    pub legacy_firmware: Vec<String>,
    /// First and last version that uses the legacy file set.
    #[serde(default)]
    pub legacy_firmware_versions: Vec<String>,
    /// First version that uses the single current firmware file.
    #[serde(default)]
    pub current_firmware_from: Option<String>,
    /// Phones at or below this version need the legacy image as well to reach the current firmware.
    #[serde(default)]
    pub two_step_upgrade_below: Option<String>,
    /// Which legacy file the two-step upgrade needs beside the current firmware (`img_`).
    #[serde(default)]
    pub two_step_file_prefix: Option<String>,
    /// Largest firmware file accepted, in bytes.
    #[serde(default = "default_firmware_max_bytes")]
    pub firmware_max_bytes: u64,
    #[serde(default = "default_screen")]
    pub screen: Screen,
    /// Names of asset profiles, resolved into `asset_rules` when loading.
    #[serde(default, skip_serializing)]
    pub assets: Vec<String>,
    /// The screen assets this model takes (wallpapers, screensavers, logos, icons).
    #[serde(default, skip_deserializing)]
    pub asset_rules: Vec<AssetRule>,
    pub ringtone: RingRules,
    #[serde(default)]
    pub hlpres: Option<ArchiveRule>,
    #[serde(default)]
    pub language: Option<ArchiveRule>,
    /// What goes into `Language.tar` besides the archive rule: template names, how items are found.
    #[serde(default)]
    pub language_files: Option<LanguageFiles>,
    /// Expansion-module resources, passed through (inner format unpublished).
    #[serde(default)]
    pub exp_pres: Option<ArchiveRule>,
    /// Which Htek config XML dialect `config htek` writes for the model by default: `pcode`
    /// (`<P47 para=…>`) or `named` (`<Profile1_Sipserver>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dialect: Option<Dialect>,
}

fn default_firmware_max_bytes() -> u64 {
    256 * 1024 * 1024
}

fn default_screen() -> Screen {
    Screen::Color
}

/// How ring tones for a model are made and named.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RingRules {
    /// Slot numbers the phone fetches (Htek: 4–8).
    pub slots: Vec<u8>,
    /// File name with `{slot}` (`ring{slot}.bin`).
    pub file: String,
    /// `gsrt`, `g711-wav` or `pcm-wav`.
    #[serde(with = "via_str")]
    pub container: Container,
    /// `ulaw` or `alaw`.
    #[serde(with = "via_str")]
    pub codec: Codec,
    pub sample_rate: u32,
    /// Default length cap in seconds.
    pub max_seconds: f64,
    /// Largest file the phone takes, in bytes.
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

impl RingRules {
    /// The file name the phone fetches for `slot`, or an error naming the slots that exist.
    pub fn file_for_slot(&self, slot: u8, model: &str) -> Result<String> {
        if !self.slots.contains(&slot) {
            let slots: Vec<String> = self.slots.iter().map(|s| s.to_string()).collect();
            bail!("slot {slot} does not exist on {model}: its ring-tone slots are {}", slots.join(", "));
        }
        Ok(self.file.replace("{slot}", &slot.to_string()))
    }
}

/// A tar the phone fetches (`hlpres.tar`, `Language.tar`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRule {
    pub file: String,
    /// The folder every entry lives under (`hlpres`, `Language`).
    pub folder: String,
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

/// The files of a language pack (guide §4.2, §4.3, §20) and how items are found in the templates,
/// whose inner format is not published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageFiles {
    /// The English LCD template the vendor ships (`LCD_English_Template.xml`).
    pub lcd_template: String,
    /// The English web template the vendor ships (`Web_English_Template.js`).
    pub web_template: String,
    /// XML attributes that name an item rather than hold its text (`id`, `name`, `key`, …).
    pub id_attributes: Vec<String>,
    /// XML attributes that are neither names nor text (`type`, `version`, …): never items.
    #[serde(default)]
    pub ignored_attributes: Vec<String>,
    #[serde(default)]
    pub source: String,
}

/// One kind of screen asset of a model: its names, size, formats and byte cap.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRule {
    /// Profile name in the layout file (`wallpaper_480x320`).
    #[serde(default)]
    pub profile: String,
    pub kind: AssetKind,
    /// Entry names under the archive folder, in slot order.
    #[serde(default)]
    pub names: Vec<String>,
    /// A glob (`*.png`) for kinds whose names are not fixed (icons).
    #[serde(default)]
    pub any_name: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Accepted formats; the first is what bundler writes.
    pub formats: Vec<String>,
    #[serde(default)]
    pub monochrome: bool,
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

impl AssetRule {
    /// Whether `name` (an entry name without folder) is one of this rule's names.
    pub fn matches(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
            || self.any_name.as_deref().is_some_and(|glob| crate::glob::matches(glob, name))
    }
}

impl Model {
    /// The rule for an asset kind (`wallpaper`), if the model has it.
    pub fn asset(&self, kind: AssetKind) -> Option<&AssetRule> {
        self.asset_rules.iter().find(|r| r.kind == kind)
    }

    /// The rule an archive entry name (without folder) falls under, if any.
    pub fn asset_for_name(&self, name: &str) -> Option<&AssetRule> {
        // Fixed names first, so `weblogo.jpg` never falls under a glob.
        self.asset_rules
            .iter()
            .find(|r| r.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .or_else(|| self.asset_rules.iter().find(|r| r.matches(name)))
    }

    /// Whether `name` is this model's name or one of its aliases (case-insensitive).
    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

impl Layouts {
    /// The built-in layouts, extended by `dir` when given. Every typed value is checked here, with
    /// the file, line and column of a wrong one.
    pub fn load(dir: Option<&Path>) -> Result<Layouts> {
        let builtin = |list: &[(&str, &str)], vendor: bool| -> Result<Vec<LayoutFile>> {
            list.iter().map(|(name, text)| LayoutFile::parse(&format!("layouts/{name}"), name, text, vendor)).collect()
        };
        let mut files = builtin(BUILTIN, true)?;
        let mut data = builtin(BUILTIN_DATA, false)?;
        for path in dir.map(override_files).transpose()?.unwrap_or_default() {
            let (shown, text) = crate::tomlfile::read_text(&path, MAX_LAYOUT_BYTES)?;
            let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let is_data = data.iter().any(|f| f.stem == stem);
            let mut over = LayoutFile::parse(&shown, &stem, &text, !is_data)?;
            over.origin = vec![shown];
            match data.iter_mut().chain(files.iter_mut()).find(|f| f.stem == over.stem) {
                Some(base) => base.overlay(over),
                None => files.push(over),
            }
        }
        let vendors = files.into_iter().map(LayoutFile::resolve).collect::<Result<Vec<_>>>()?;
        let data: Vec<DataFile> =
            data.into_iter().map(|f| DataFile { name: f.stem, shown: f.shown, table: f.table }).collect();
        let find = |name: &str| data.iter().find(|d| d.name == name).context("a built-in data file is missing");
        let htek = Arc::new(crate::config::pcodes::HtekData::read(find(crate::config::pcodes::DATA_FILE)?, &vendors)?);
        let flyingvoice = Arc::new(crate::config::fvfile::FvData::read(find(crate::config::fvfile::DATA_FILE)?)?);
        let layouts = Layouts { vendors, data, htek, flyingvoice };
        layouts.check_unique_names()?;
        layouts.check_default_model()?;
        Ok(layouts)
    }

    /// The model whose rules apply when a command is given none: the one a vendor file names as
    /// `default_model`.
    pub fn default_model(&self) -> Result<&Model> {
        match self.vendors.iter().find_map(|v| v.default_model.as_deref()) {
            Some(name) => self.model(name),
            None => bail!("no layout file names a default_model: give --model"),
        }
    }

    /// The vendor a model belongs to.
    pub fn vendor_of(&self, model: &Model) -> &Vendor {
        self.vendors.iter().find(|v| v.vendor == model.vendor).expect("every model comes from a vendor file")
    }

    fn check_default_model(&self) -> Result<()> {
        let named: Vec<&Vendor> = self.vendors.iter().filter(|v| v.default_model.is_some()).collect();
        if let [a, b, ..] = named.as_slice() {
            bail!("layouts: default_model is set by both {} and {}; only one vendor may set it", a.vendor, b.vendor);
        }
        for v in named {
            let name = v.default_model.as_deref().unwrap_or_default();
            if !v.models.iter().any(|m| m.answers_to(name)) {
                bail!("layouts: {}: default_model '{name}' is not one of its models", v.vendor);
            }
        }
        Ok(())
    }

    /// Every model of every vendor, in file order.
    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.vendors.iter().flat_map(|v| v.models.iter())
    }

    /// Looks a model up by name or alias, case-insensitively. An unknown name is an error that
    /// suggests the nearest known names.
    pub fn model(&self, name: &str) -> Result<&Model> {
        if let Some(m) = self.models().find(|m| m.answers_to(name)) {
            return Ok(m);
        }
        let wanted = name.to_ascii_uppercase();
        let mut scored: Vec<(usize, &str)> = self
            .models()
            .flat_map(|m| std::iter::once(&m.name).chain(m.aliases.iter()))
            .map(|n| (strsim::osa_distance(&wanted, &n.to_ascii_uppercase()), n.as_str()))
            .collect();
        scored.sort();
        let near: Vec<&str> = scored.iter().filter(|(d, _)| *d <= 2).take(4).map(|(_, n)| *n).collect();
        if near.is_empty() {
            bail!("unknown model '{name}' (see `bundler models` for the list)");
        }
        bail!("unknown model '{name}'; did you mean {}?", near.join(", "))
    }

    /// The vendor entry for a vendor name, or an error listing the known vendors.
    pub fn vendor(&self, name: &str) -> Result<&Vendor> {
        self.vendors.iter().find(|v| v.vendor.eq_ignore_ascii_case(name)).with_context(|| {
            let known: Vec<&str> = self.vendors.iter().map(|v| v.vendor.as_str()).collect();
            format!("unknown vendor '{name}': known vendors are {}", known.join(", "))
        })
    }

    /// The data file built in as `name` (`htek-config.toml`), with overrides applied.
    pub fn data(&self, name: &str) -> Result<&DataFile> {
        self.data.iter().find(|d| d.name == name).with_context(|| format!("no layout data file named {name}"))
    }

    fn check_unique_names(&self) -> Result<()> {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for m in self.models() {
            for n in std::iter::once(&m.name).chain(m.aliases.iter()) {
                if let Some(other) = seen.insert(n.to_ascii_uppercase(), &m.name) {
                    bail!("layouts: the name '{n}' is used by both {other} and {}", m.name);
                }
            }
        }
        Ok(())
    }
}

/// The `*.toml` files of an override folder, sorted by name.
fn override_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = crate::walk::list(dir, MAX_LAYOUT_FILES)
        .with_context(|| format!("{}: cannot read layouts folder", dir.display()))?;
    Ok(entries.into_iter().map(|e| e.path).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect())
}

/// One parsed layout file, before defaults and profiles are applied.
struct LayoutFile {
    shown: String,
    stem: String,
    origin: Vec<String>,
    table: toml::Table,
}

impl LayoutFile {
    /// Parses one file; a vendor file's typed values are checked now, while positions are known.
    fn parse(shown: &str, stem: &str, text: &str, vendor: bool) -> Result<LayoutFile> {
        let table: toml::Table = crate::tomlfile::parse(shown, text)?;
        if vendor {
            crate::tomlfile::parse::<Checked>(shown, text)?;
        }
        let origin = vec!["built-in".to_string()];
        Ok(LayoutFile { shown: shown.to_string(), stem: stem.to_string(), origin, table })
    }

    fn overlay(&mut self, other: LayoutFile) {
        merge(&mut self.table, other.table);
        self.origin.extend(other.origin);
        self.shown = format!("{} (with {})", self.shown, other.shown);
    }

    fn resolve(self) -> Result<Vendor> {
        let shown = &self.shown;
        let head: Head = toml::Value::Table(self.table)
            .try_into()
            .map_err(|e: toml::de::Error| anyhow::anyhow!("{shown}: {}", e.message().trim()))?;
        let mut models = Vec::new();
        for (name, own) in head.models {
            let mut merged = head.defaults.clone();
            merge(&mut merged, own);
            let mut model: Model = toml::Value::Table(merged)
                .try_into()
                .map_err(|e: toml::de::Error| anyhow::anyhow!("{shown}: model {name}: {}", e.message().trim()))?;
            model.name = name;
            model.vendor = head.vendor.clone();
            model.config_format = head.config_format;
            model.asset_rules = asset_rules(&model, &head.assets, shown)?;
            models.push(model);
        }
        Ok(Vendor {
            vendor: head.vendor,
            family: head.family,
            origin: self.origin,
            ouis: ouis_of(head.ouis, shown)?,
            dhcp_options: head.dhcp_options,
            config_format: head.config_format,
            default_model: head.default_model,
            forbidden: head.forbidden,
            firmware_like: head.firmware_like,
            models,
            fetch: check_fetch(head.fetch, shown)?,
            provisioning: head.provisioning,
        })
    }
}

/// A vendor file after overrides are merged: its own keys typed, model tables still to be laid
/// over `defaults`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    vendor: String,
    family: String,
    #[serde(default)]
    ouis: Vec<String>,
    #[serde(default)]
    dhcp_options: Vec<u8>,
    config_format: Option<ConfigFormat>,
    default_model: Option<String>,
    #[serde(default)]
    forbidden: Vec<Forbidden>,
    #[serde(default)]
    firmware_like: Vec<String>,
    #[serde(default)]
    defaults: toml::Table,
    #[serde(default)]
    assets: BTreeMap<String, AssetRule>,
    #[serde(default)]
    models: BTreeMap<String, toml::Table>,
    #[serde(default)]
    fetch: Vec<Fetch>,
    #[serde(default)]
    provisioning: Provisioning,
}

/// The typed values of one vendor file, checked with their positions before the files are merged
/// (afterwards a value's file and line are lost). Keys it does not name are checked after merging.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read only for the errors it gives
struct Checked {
    vendor: Option<String>,
    family: Option<String>,
    ouis: Option<Vec<String>>,
    dhcp_options: Option<Vec<u8>>,
    config_format: Option<ConfigFormat>,
    default_model: Option<String>,
    forbidden: Option<Vec<Forbidden>>,
    firmware_like: Option<Vec<String>>,
    fetch: Option<Vec<Fetch>>,
    provisioning: Option<Provisioning>,
    defaults: Option<CheckedModel>,
    #[serde(default)]
    models: BTreeMap<String, CheckedModel>,
    #[serde(default)]
    assets: BTreeMap<String, CheckedAsset>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CheckedModel {
    screen: Option<Screen>,
    config_dialect: Option<Dialect>,
    ringtone: Option<CheckedRing>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CheckedRing {
    #[serde(default, deserialize_with = "via_str::optional")]
    container: Option<Container>,
    #[serde(default, deserialize_with = "via_str::optional")]
    codec: Option<Codec>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct CheckedAsset {
    kind: Option<AssetKind>,
}

/// The asset rules of the profiles a model names.
fn asset_rules(model: &Model, profiles: &BTreeMap<String, AssetRule>, shown: &str) -> Result<Vec<AssetRule>> {
    let mut rules = Vec::new();
    for profile in &model.assets {
        let Some(rule) = profiles.get(profile) else {
            bail!("{shown}: model {} names asset profile '{profile}', which [assets] does not define", model.name);
        };
        rules.push(AssetRule { profile: profile.clone(), ..rule.clone() });
    }
    Ok(rules)
}

/// The optional `ouis = ["001fc1"]` list of a vendor file, checked to be 6 hex digits each.
fn ouis_of(list: Vec<String>, shown: &str) -> Result<Vec<String>> {
    list.into_iter()
        .map(|o| {
            let digits: String = o.chars().filter(|c| !matches!(c, ':' | '-')).collect();
            if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                bail!("{shown}: ouis: '{o}' is not an OUI (6 hex digits, e.g. \"001fc1\")");
            }
            Ok(digits.to_ascii_lowercase())
        })
        .collect()
}

/// The `[[fetch]]` list of a vendor file; a kind or setting listed twice is an error naming the file.
fn check_fetch(fetch: Vec<Fetch>, shown: &str) -> Result<Vec<Fetch>> {
    for (i, f) in fetch.iter().enumerate() {
        if fetch[..i].iter().any(|o| o.kind == f.kind || o.setting == f.setting) {
            bail!("{shown}: [[fetch]]: {:?} / {} is listed twice", f.kind, f.setting);
        }
    }
    Ok(fetch)
}

/// Lays `over` onto `base`: tables merge key by key, any other value replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layouts_load_and_resolve_aliases() {
        let l = Layouts::load(None).unwrap();
        let m = l.model("uc912g").unwrap();
        assert_eq!(m.name, "UC912");
        assert_eq!(m.device_code.as_deref(), Some("0019"));
        let uc924 = l.model("UC924").unwrap();
        let wp = uc924.asset(AssetKind::Wallpaper).unwrap();
        assert_eq!((wp.width, wp.height, wp.max_bytes), (480, 320, 100_000));
        assert_eq!(wp.names, ["wallpaper4.jpg", "wallpaper5.jpg", "wallpaper6.jpg"]);
        assert_eq!(uc924.ringtone.slots, [4, 5, 6, 7, 8]);
        assert_eq!(uc924.hlpres.as_ref().unwrap().max_bytes, 2_000_000);
        assert!(l.model("UC901").unwrap().device_code.is_none());
        let htek = l.vendor("htek").unwrap();
        assert_eq!(
            (htek.ouis.as_slice(), htek.dhcp_options.as_slice()),
            (&["001fc1".to_string()][..], &[66, 128, 150][..])
        );
    }

    #[test]
    fn unknown_model_suggests_nearest() {
        let l = Layouts::load(None).unwrap();
        let e = l.model("UC942").unwrap_err().to_string();
        assert!(e.contains("did you mean") && e.contains("UC924"), "{e}");
    }

    #[test]
    fn override_sets_a_device_code_and_broken_file_has_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = \"0099\"\n").unwrap();
        let l = Layouts::load(Some(dir.path())).unwrap();
        assert_eq!(l.model("UC901").unwrap().device_code.as_deref(), Some("0099"));
        assert_eq!(l.model("UC924").unwrap().device_code.as_deref(), Some("0012"));

        std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = \n").unwrap();
        let e = Layouts::load(Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:"), "{e}");
    }

    #[test]
    fn data_files_are_built_in_and_overridable() {
        let l = Layouts::load(None).unwrap();
        let d = l.data("htek-config.toml").unwrap();
        assert_eq!(d.table["pcodes"]["P47"]["alias"].as_str(), Some("account1.sip_server"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("htek-config.toml"), "[pcodes.P48]\npara = \"Account1_Proxy\"\n").unwrap();
        let l = Layouts::load(Some(dir.path())).unwrap();
        let d = l.data("htek-config.toml").unwrap();
        assert_eq!(d.table["pcodes"]["P48"]["para"].as_str(), Some("Account1_Proxy"));
        assert!(l.htek.code_for("account1.outbound_proxy").is_ok(), "the typed data is read once at load");
        assert_eq!(d.table["pcodes"]["P47"]["para"].as_str(), Some("Account1_Sipserver"));
        assert!(d.shown.contains("with") && d.shown.contains("htek-config.toml"), "{}", d.shown);
        assert_eq!(l.vendors.len(), 2, "a data override must not become a vendor");
    }

    #[test]
    fn fetch_table_gives_values_paths_and_requests() {
        let l = Layouts::load(None).unwrap();
        let htek = l.vendor("htek").unwrap();
        let hlpres = htek.fetch(FetchKind::Hlpres).unwrap();
        assert_eq!(hlpres.value_for("http://h/t", "UC924", ""), "http://h/t/UC924/hlpres.tar");
        assert_eq!(hlpres.tree_paths("UC924", &[]), ["UC924/hlpres.tar"]);
        let ring = htek.fetch_by_setting("p20174").unwrap();
        assert_eq!(ring.kind, FetchKind::Ring);
        let files = vec!["ring5.bin".to_string(), "ring6.bin".to_string()];
        assert_eq!(ring.tree_paths("UC924", &files), ["ring/ring5.bin", "ring/ring6.bin"]);
        assert_eq!(
            ring.requests("http://h/t/ring/", &files),
            ["http://h/t/ring/ring5.bin", "http://h/t/ring/ring6.bin"]
        );
        assert_eq!(hlpres.requests("http://x/a.tar", &files), ["http://x/a.tar"]);
        let shot = htek.fetch(FetchKind::Screensaver).unwrap();
        assert!(shot.applies_to(l.model("UC924").unwrap()) && !shot.applies_to(l.model("UC903").unwrap()));
        assert_eq!(htek.provisioning.firmware_postfix.as_deref().map(|s| s.len()), Some(4));
        assert_eq!(htek.provisioning.after_common, AfterCommon::Unknown);
        let fv = l.vendor("flyingvoice").unwrap();
        let fw = fv.fetch(FetchKind::Firmware).unwrap();
        assert_eq!(fw.value_for("http://f", "FIP13G", "a.bin"), "http://f/firmware/a.bin");
        assert_eq!(fv.provisioning.after_common, AfterCommon::Continues);
    }

    #[test]
    fn unknown_fetch_kind_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad =
            "[[fetch]]\nkind = \"ringz\"\nsetting = \"P1\"\nvalue = \"{url}\"\npath = \"x\"\nrequest = \"file\"\n";
        std::fs::write(dir.path().join("htek.toml"), bad).unwrap();
        let e = Layouts::load(Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:8:") && e.contains("ringz") && e.contains("`ring`"), "{e}");
        std::fs::write(dir.path().join("htek.toml"), "[provisioning]\nafter_common = \"maybe\"\n").unwrap();
        let e = Layouts::load(Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:16:") && e.contains("maybe"), "{e}");
    }

    #[test]
    fn wrong_slot_names_the_slots() {
        let l = Layouts::load(None).unwrap();
        let m = l.model("UC924").unwrap();
        assert_eq!(m.ringtone.file_for_slot(5, &m.name).unwrap(), "ring5.bin");
        let e = m.ringtone.file_for_slot(3, &m.name).unwrap_err().to_string();
        assert!(e.contains("4, 5, 6, 7, 8"), "{e}");
    }

    #[test]
    fn typed_values_are_checked_at_load_with_positions() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("[models.UC901.ringtone]\ncontainer = \"gsm\"\n", "htek.toml:2:13:", "gsrt, g711-wav or pcm-wav"),
            ("vendor = \"htek\"\nconfig_format = \"yealink\"\n", "htek.toml:2:17:", "`htek-xml` or `flyingvoice-cfg`"),
            ("[assets.weblogo]\nkind = \"banner\"\n", "htek.toml:2:8:", "`wallpaper`"),
            ("[models.UC901]\nscreen = \"colour\"\n", "htek.toml:2:10:", "`color`, `mono`"),
            ("[models.UC901]\nconfig_dialect = \"xml\"\n", "htek.toml:2:18:", "`pcode` or `named`"),
            ("\nfirmware_likes = []\n", "htek.toml:2:1:", "unknown field"),
        ];
        for (text, at, listed) in cases {
            std::fs::write(dir.path().join("htek.toml"), text).unwrap();
            let e = Layouts::load(Some(dir.path())).unwrap_err().to_string();
            assert!(e.contains(at) && e.contains(listed), "{text:?}: {e}");
        }
    }

    #[test]
    fn vendor_rules_are_typed_data() {
        let l = Layouts::load(None).unwrap();
        assert_eq!(l.default_model().unwrap().name, "UC924");
        let htek = l.vendor("htek").unwrap();
        assert_eq!(htek.config_format, Some(ConfigFormat::HtekXml));
        assert!(htek.forbidden.iter().any(|f| f.name == "factory*.bin" && f.source == "guide §2.1"));
        let uc924 = l.model("UC924").unwrap();
        assert_eq!((uc924.ringtone.container, uc924.ringtone.codec), (Container::Gsrt, Codec::Ulaw));
        assert_eq!(uc924.config_dialect, Some(Dialect::Pcode));
        assert_eq!(l.model("FIP13G").unwrap().config_format, Some(ConfigFormat::FlyingvoiceCfg));

        let dir = tempfile::tempdir().unwrap();
        let acme = "vendor = \"acme\"\nfamily = \"Acme\"\ndefault_model = \"A1\"\n[defaults.ringtone]\nslots = [1]\nfile = \"r{slot}.bin\"\ncontainer = \"gsrt\"\ncodec = \"alaw\"\nsample_rate = 8000\nmax_seconds = 5.0\nmax_bytes = 50000\n[models.A1]\n";
        std::fs::write(dir.path().join("acme.toml"), acme).unwrap();
        let e = Layouts::load(Some(dir.path())).unwrap_err().to_string();
        assert!(e.contains("default_model is set by both htek and acme"), "{e}");
        std::fs::write(dir.path().join("acme.toml"), acme.replace("default_model = \"A1\"\n", "")).unwrap();
        let l = Layouts::load(Some(dir.path())).unwrap();
        let e = l.vendor("acme").unwrap().config_format().unwrap_err().to_string();
        assert!(e.contains("configs are not supported for vendor acme"), "{e}");
    }
}
