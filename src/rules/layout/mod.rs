//! Model layouts: the vendor rules (device codes, firmware names, screen assets, byte caps, ring-tone
//! format) read from the TOML files in `layouts/`.
//!
//! The files in the repository's `layouts/` folder are compiled into the binary. A folder given with
//! `--layouts DIR` (or `BUNDLER_LAYOUTS`) extends and overrides them: a file named like a built-in one
//! is laid over it key by key, any other `*.toml` adds a vendor.
//!
//! Besides the vendor layouts there are data files of other shapes, compiled in and overridden the
//! same way, and read into typed data once at load: `htek-config.toml` ([`htek_config`]) and
//! `flyingvoice-config.toml` ([`fv_config`]). The merged tables stay available through
//! [`Layouts::data`].
//!
//! Folders: `model.rs` (one model's rules), `vendor.rs` (one vendor's rules, importing the model's),
//! `config_format.rs` (the config format both name), `htek_config.rs` and
//! `fv_config.rs` (the config vocabularies); this file loads, overlays and checks them. The modules
//! that use the data (`config`, `release`, `verify`, …) import this one, never the reverse.

mod config_format;
pub mod fv_config;
pub mod htek_config;
mod model;
mod vendor;

pub use config_format::ConfigFormat;
pub use fv_config::FvData;
pub use htek_config::{Dialect, HtekData};
pub use model::*;
pub use vendor::*;

use anyhow::{bail, Context, Result};
use model::via_str;
use ringtool::{Codec, Container};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use std::sync::{Arc, OnceLock};

/// The vendor layout files shipped inside the binary, as (file name, their table as JSON): build.rs
/// parses the TOML once, so a start reads JSON (a fifth of the instructions of a TOML parse).
const BUILTIN: &[(&str, &str)] = &[
    ("htek.toml", include_str!(concat!(env!("OUT_DIR"), "/htek.toml.json"))),
    ("flyingvoice.toml", include_str!(concat!(env!("OUT_DIR"), "/flyingvoice.toml.json"))),
];

/// The same files as written, for the test that checks them with positions.
#[cfg(test)]
const BUILTIN_TOML: &[(&str, &str)] = &[
    ("htek.toml", include_str!("../../../layouts/htek.toml")),
    ("flyingvoice.toml", include_str!("../../../layouts/flyingvoice.toml")),
];

/// Layout data files that are not vendor layouts, as (file name, contents). Each is read by the
/// module named in its header comment.
const BUILTIN_DATA: &[(&str, &str)] = &[
    ("htek-config.toml", include_str!("../../../layouts/htek-config.toml")),
    ("flyingvoice-config.toml", include_str!("../../../layouts/flyingvoice-config.toml")),
];

/// Layout files larger than this are refused (they are hand-written data, not bulk input).
pub const MAX_LAYOUT_BYTES: u64 = 4 * 1024 * 1024;

/// An override folder holding more entries than this is refused (a mistaken `--layouts /`).
pub const MAX_LAYOUT_FILES: usize = 1000;

/// Every known model of every vendor.
#[derive(Debug, Clone, Serialize)]
pub struct Layouts {
    pub vendors: Vec<Vendor>,
    /// The data files of [`BUILTIN_DATA`], each with its overrides laid over it.
    #[serde(skip)]
    pub data: Vec<Arc<DataFile>>,
    /// `htek-config.toml`, read once when the layouts load.
    #[serde(skip)]
    pub htek: Arc<HtekData>,
    /// `flyingvoice-config.toml`, read once when the layouts load.
    #[serde(skip)]
    pub flyingvoice: Arc<FvData>,
}

/// A layout data file that is not a vendor layout (e.g. `htek-config.toml`), overrides applied.
/// The built-in text is parsed on first use: `htek-config.toml` is 600 KB of dictionary that
/// most commands never look at.
#[derive(Debug)]
pub struct DataFile {
    /// The built-in file name (`htek-config.toml`).
    pub name: String,
    /// How errors name it: `layouts/htek-config.toml`, with the override files when there are any.
    pub shown: String,
    /// Whether an override file was laid over the built-in one (then it was parsed at load).
    pub overridden: bool,
    text: &'static str,
    table: OnceLock<toml::Table>,
}

impl DataFile {
    fn builtin(name: &str, text: &'static str) -> DataFile {
        let shown = format!("layouts/{name}");
        DataFile { name: name.to_string(), shown, overridden: false, text, table: OnceLock::new() }
    }

    /// The merged table. The built-in text parses (the tests load it), so parsing it this late
    /// cannot fail.
    pub fn table(&self) -> &toml::Table {
        self.table
            .get_or_init(|| crate::rules::toml::parse(&self.shown, self.text).expect("built-in layout data parses"))
    }

    /// The built-in text, when no override changed the file: a typed reader parses it straight
    /// into its types, without the table in between.
    pub fn builtin_text(&self) -> Option<&'static str> {
        (!self.overridden).then_some(self.text)
    }

    /// The built-in text up to the first line that starts one of `tables` (`[pcodes.`), when no
    /// override changed the file: what a reader that needs only the head parses.
    pub fn builtin_head(&self, tables: &[&str]) -> Option<&'static str> {
        let text = self.builtin_text()?;
        let end = text
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .find(|&i| tables.iter().any(|t| text[i..].starts_with(t)))
            .unwrap_or(text.len());
        Some(&text[..end])
    }

    /// Lays an override file's table over this one, key by key.
    fn overlay(&mut self, shown: &str, over: toml::Table) {
        let mut table = self.table().clone();
        merge(&mut table, over);
        self.table = OnceLock::from(table);
        self.shown = format!("{} (with {shown})", self.shown);
        self.overridden = true;
    }
}

impl Layouts {
    /// The built-in layouts alone.
    pub fn builtin() -> Result<Layouts> {
        Layouts::load(&[])
    }

    /// The built-in layouts, extended by override files given as (how errors name it, file name,
    /// text), read by `crate::mechanisms::tomlfile::read_folder`. Every typed value is checked
    /// here, with the file, line and column of a wrong one.
    pub fn load(overrides: &[(String, String, String)]) -> Result<Layouts> {
        let mut files =
            BUILTIN.iter().map(|(name, json)| LayoutFile::builtin(name, json)).collect::<Result<Vec<_>>>()?;
        let mut data: Vec<DataFile> = BUILTIN_DATA.iter().map(|(name, text)| DataFile::builtin(name, text)).collect();
        for (shown, stem, text) in overrides {
            if let Some(base) = data.iter_mut().find(|d| d.name == *stem) {
                base.overlay(shown, crate::rules::toml::parse(shown, text)?);
                continue;
            }
            let mut over = LayoutFile::parse(shown, stem, text)?;
            over.origin = vec![shown.clone()];
            match files.iter_mut().find(|f| f.stem == over.stem) {
                Some(base) => base.overlay(over),
                None => files.push(over),
            }
        }
        let data: Vec<Arc<DataFile>> = data.into_iter().map(Arc::new).collect();
        let find = |name: &str| data.iter().find(|d| d.name == name).context("a built-in data file is missing");
        let htek = Arc::new(HtekData::read(find(htek_config::DATA_FILE)?.clone())?);
        let flyingvoice = Arc::new(FvData::read(find(fv_config::DATA_FILE)?)?);
        if htek.format == flyingvoice.format {
            bail!(
                "layouts/{} and layouts/{} both say format = \"{}\": each serves its own config format",
                htek_config::DATA_FILE,
                fv_config::DATA_FILE,
                htek.format.name()
            );
        }
        let vendors = files.into_iter().map(|f| f.resolve(&htek)).collect::<Result<Vec<_>>>()?;
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

    /// The `bundler config` subcommand that writes `format`'s files, as its vocabulary file names it.
    pub fn config_command(&self, format: ConfigFormat) -> &str {
        if self.htek.format == format {
            &self.htek.command
        } else if self.flyingvoice.format == format {
            &self.flyingvoice.command
        } else {
            ""
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

    /// The vendors whose phones take `format`'s configs, in file order.
    pub fn vendors_with(&self, format: ConfigFormat) -> impl Iterator<Item = &Vendor> {
        self.vendors.iter().filter(move |v| v.config_format == Some(format))
    }

    /// The vendor whose `format` configs a command handles: the one named (`--vendor`), which must
    /// take that format, else the only vendor that does. None, or several without a name, is an
    /// error naming them and saying how to choose (`choose`: "give --vendor").
    pub fn config_vendor(&self, format: ConfigFormat, named: Option<&str>, choose: &str) -> Result<&Vendor> {
        if let Some(name) = named {
            let vendor = self.vendor(name)?;
            if vendor.config_format()? != format {
                bail!("vendor {} does not take {} configs", vendor.vendor, format.name());
            }
            return Ok(vendor);
        }
        let found: Vec<&str> = self.vendors_with(format).map(|v| v.vendor.as_str()).collect();
        match found.as_slice() {
            [_] => self.vendor(found[0]),
            [] => bail!(
                "no vendor in the layouts takes {} configs (config_format = \"{}\")",
                format.name(),
                format.name()
            ),
            many => bail!("vendors {} all take {} configs: {choose}", many.join(", "), format.name()),
        }
    }

    /// The data file built in as `name` (`htek-config.toml`), with overrides applied.
    pub fn data(&self, name: &str) -> Result<&DataFile> {
        self.data
            .iter()
            .map(|d| &**d)
            .find(|d| d.name == name)
            .with_context(|| format!("no layout data file named {name}"))
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

/// One parsed layout file, before defaults and profiles are applied.
struct LayoutFile {
    shown: String,
    stem: String,
    origin: Vec<String>,
    table: toml::Table,
    /// `[provisioning] config_prefix / config_postfix` as written, with where: for an Htek-XML
    /// vendor they are derived from `htek-config.toml [settings]` and may only repeat it.
    config_names: Vec<ConfigName>,
}

/// A config name setting as written: key, value, `file:line:col`.
type ConfigName = (&'static str, String, String);

impl LayoutFile {
    /// Parses an override file; its typed values are checked now, while positions are known.
    fn parse(shown: &str, stem: &str, text: &str) -> Result<LayoutFile> {
        let table: toml::Table = crate::rules::toml::parse(shown, text)?;
        let config_names = LayoutFile::checked_config_names(shown, text)?;
        let origin = vec!["built-in".to_string()];
        Ok(LayoutFile { shown: shown.to_string(), stem: stem.to_string(), origin, table, config_names })
    }

    /// A built-in file from its prepared table ([`BUILTIN`]). Its typed values are checked with
    /// positions by a test, not on every start (docs/benchmarks.md).
    fn builtin(name: &str, json: &str) -> Result<LayoutFile> {
        let shown = format!("layouts/{name}");
        let table: toml::Table = serde_json::from_str(json).with_context(|| format!("{shown}: prepared table"))?;
        let config_names = config_names_of(&table, &shown);
        let origin = vec!["built-in".to_string()];
        Ok(LayoutFile { shown, stem: name.to_string(), origin, table, config_names })
    }

    /// Checks a file's typed values with their positions; gives its config name settings with where.
    fn checked_config_names(shown: &str, text: &str) -> Result<Vec<ConfigName>> {
        let checked = crate::rules::toml::parse::<Checked>(shown, text)?;
        let p = checked.provisioning.unwrap_or_default();
        let mut names = Vec::new();
        for (key, value) in [("config_prefix", p.config_prefix), ("config_postfix", p.config_postfix)] {
            if let Some(v) = value {
                let (line, col) = crate::rules::toml::line_col(text, v.span().start);
                names.push((key, v.into_inner(), format!("{shown}:{line}:{col}")));
            }
        }
        Ok(names)
    }

    /// For an Htek-XML vendor, the config file name settings of `[provisioning]`, taken from
    /// `htek-config.toml [settings]` (their one source); a different value written here is an error
    /// at its position.
    fn derive_config_names(written: &[ConfigName], provisioning: &mut Provisioning, htek: &HtekData) -> Result<()> {
        let own = &htek.settings;
        for (key, value, at) in written {
            let source = if *key == "config_prefix" { &own.config_prefix } else { &own.config_postfix };
            if value != source {
                bail!(
                    "{at}: [provisioning] {key} = \"{value}\", but Htek XML configs take it from \
                     layouts/{} [settings] {key} = \"{source}\"; remove it here",
                    htek_config::DATA_FILE
                );
            }
        }
        provisioning.config_prefix = Some(own.config_prefix.clone());
        provisioning.config_postfix = Some(own.config_postfix.clone());
        Ok(())
    }

    fn overlay(&mut self, other: LayoutFile) {
        merge(&mut self.table, other.table);
        self.origin.extend(other.origin);
        self.config_names.extend(other.config_names);
        self.shown = format!("{} (with {})", self.shown, other.shown);
    }

    fn resolve(self, htek: &HtekData) -> Result<Vendor> {
        let shown = &self.shown;
        let mut head: Head = toml::Value::Table(self.table)
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
        // A vendor whose format is the one htek-config.toml serves takes its config names from there.
        if head.config_format == Some(htek.format) {
            LayoutFile::derive_config_names(&self.config_names, &mut head.provisioning, htek)?;
        }
        Ok(Vendor {
            vendor: head.vendor,
            family: head.family,
            origin: self.origin,
            ouis: ouis_of(head.ouis, shown)?,
            dhcp_options: head.dhcp_options,
            config_format: head.config_format,
            config_example: head.config_example,
            default_model: head.default_model,
            forbidden: head.forbidden,
            firmware_like: head.firmware_like,
            models,
            fetch: check_fetch(head.fetch, shown)?,
            provisioning: head.provisioning,
            pnp: head.pnp,
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
    config_example: Option<ConfigExample>,
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
    pnp: Option<Pnp>,
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
    config_example: Option<ConfigExample>,
    default_model: Option<String>,
    forbidden: Option<Vec<Forbidden>>,
    firmware_like: Option<Vec<String>>,
    fetch: Option<Vec<Fetch>>,
    provisioning: Option<CheckedProvisioning>,
    pnp: Option<Pnp>,
    defaults: Option<CheckedModel>,
    #[serde(default)]
    models: BTreeMap<String, CheckedModel>,
    #[serde(default)]
    assets: BTreeMap<String, CheckedAsset>,
}

/// `[provisioning]` typed, with the positions of the config name settings kept.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct CheckedProvisioning {
    firmware_prefix: Option<String>,
    firmware_postfix: Option<String>,
    firmware_only_on_change: Option<String>,
    config_prefix: Option<toml::Spanned<String>>,
    config_postfix: Option<toml::Spanned<String>>,
    after_common: Option<AfterCommon>,
    source: Option<String>,
    evidence: Option<Vec<crate::rules::layout::vendor::Evidence>>,
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

/// The config name settings of an unchecked (built-in) file, as written, named by the file alone.
fn config_names_of(table: &toml::Table, shown: &str) -> Vec<ConfigName> {
    let provisioning = table.get("provisioning").and_then(toml::Value::as_table);
    ["config_prefix", "config_postfix"]
        .into_iter()
        .filter_map(|key| {
            let value = provisioning?.get(key)?.as_str()?;
            Some((key, value.to_string(), shown.to_string()))
        })
        .collect()
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

    use std::path::Path;

    fn load_dir(dir: &Path) -> Result<Layouts> {
        Layouts::load(&crate::mechanisms::tomlfile::read_folder(dir, MAX_LAYOUT_FILES, MAX_LAYOUT_BYTES)?)
    }

    #[test]
    fn builtin_layouts_load_and_resolve_aliases() {
        let l = Layouts::builtin().unwrap();
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
        let l = Layouts::builtin().unwrap();
        let e = l.model("UC942").unwrap_err().to_string();
        assert!(e.contains("did you mean") && e.contains("UC924"), "{e}");
    }

    #[test]
    fn override_sets_a_device_code_and_broken_file_has_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = \"0099\"\n").unwrap();
        let l = load_dir(dir.path()).unwrap();
        assert_eq!(l.model("UC901").unwrap().device_code.as_deref(), Some("0099"));
        assert_eq!(l.model("UC924").unwrap().device_code.as_deref(), Some("0012"));

        std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = \n").unwrap();
        let e = load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:"), "{e}");
    }

    #[test]
    fn data_files_are_built_in_and_overridable() {
        let l = Layouts::builtin().unwrap();
        let d = l.data("htek-config.toml").unwrap();
        assert_eq!(d.table()["pcodes"]["P47"]["alias"].as_str(), Some("account1.sip_server"));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("htek-config.toml"), "[pcodes.P48]\npara = \"Account1_Proxy\"\n").unwrap();
        let l = load_dir(dir.path()).unwrap();
        let d = l.data("htek-config.toml").unwrap();
        assert_eq!(d.table()["pcodes"]["P48"]["para"].as_str(), Some("Account1_Proxy"));
        assert!(l.htek.code_for("account1.outbound_proxy").is_ok(), "the typed data is read once at load");
        assert_eq!(d.table()["pcodes"]["P47"]["para"].as_str(), Some("Account1_Sipserver"));
        assert!(d.shown.contains("with") && d.shown.contains("htek-config.toml"), "{}", d.shown);
        assert_eq!(l.vendors.len(), 2, "a data override must not become a vendor");
    }

    #[test]
    fn fetch_table_gives_values_paths_and_requests() {
        let l = Layouts::builtin().unwrap();
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
    fn config_name_settings_are_derived_from_htek_config_for_htek_xml_vendors() {
        let l = Layouts::builtin().unwrap();
        let p = &l.vendor("htek").unwrap().provisioning;
        assert_eq!((p.config_prefix.as_deref(), p.config_postfix.as_deref()), (Some("P234"), Some("P235")));
        assert_eq!(l.vendor("flyingvoice").unwrap().provisioning.config_prefix, None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("htek-config.toml"), "[settings]\nconfig_prefix = \"P9234\"\n").unwrap();
        let l = load_dir(dir.path()).unwrap();
        assert_eq!(l.vendor("htek").unwrap().provisioning.config_prefix.as_deref(), Some("P9234"));
        std::fs::write(dir.path().join("htek.toml"), "[provisioning]\nconfig_postfix = \"P1\"\n").unwrap();
        let e = load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:18:") && e.contains("config_postfix = \"P235\""), "{e}");
    }

    #[test]
    fn unknown_fetch_kind_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad =
            "[[fetch]]\nkind = \"ringz\"\nsetting = \"P1\"\nvalue = \"{url}\"\npath = \"x\"\nrequest = \"file\"\n";
        std::fs::write(dir.path().join("htek.toml"), bad).unwrap();
        let e = load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:8:") && e.contains("ringz") && e.contains("`ring`"), "{e}");
        std::fs::write(dir.path().join("htek.toml"), "[provisioning]\nafter_common = \"maybe\"\n").unwrap();
        let e = load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("htek.toml:2:16:") && e.contains("maybe"), "{e}");
    }

    #[test]
    fn wrong_slot_names_the_slots() {
        let l = Layouts::builtin().unwrap();
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
            let e = load_dir(dir.path()).unwrap_err().to_string();
            assert!(e.contains(at) && e.contains(listed), "{text:?}: {e}");
        }
    }

    #[test]
    fn builtin_files_pass_the_check_with_positions_that_start_up_skips() {
        for ((name, text), (_, json)) in BUILTIN_TOML.iter().zip(BUILTIN) {
            let checked = LayoutFile::parse(&format!("layouts/{name}"), name, text).unwrap();
            let prepared = LayoutFile::builtin(name, json).unwrap();
            assert_eq!(checked.table, prepared.table, "{name}: the prepared table is the file's");
            let values = |f: &LayoutFile| f.config_names.iter().map(|(k, v, _)| (*k, v.clone())).collect::<Vec<_>>();
            assert_eq!(values(&checked), values(&prepared), "{name}");
        }
    }

    #[test]
    fn vendor_rules_are_typed_data() {
        let l = Layouts::builtin().unwrap();
        assert_eq!(l.default_model().unwrap().name, "UC924");
        let htek = l.vendor("htek").unwrap();
        assert_eq!(htek.config_format.map(|f| f.name()).as_deref(), Some("htek-xml"));
        assert!(htek.forbidden.iter().any(|f| f.name == "factory*.bin" && f.source == "guide §2.1"));
        let uc924 = l.model("UC924").unwrap();
        assert_eq!((uc924.ringtone.container, uc924.ringtone.codec), (Container::Gsrt, Codec::Ulaw));
        assert_eq!(uc924.config_dialect, Some(Dialect::Pcode));
        assert_eq!(l.model("FIP13G").unwrap().config_format.map(|f| f.name()).as_deref(), Some("flyingvoice-cfg"));

        let dir = tempfile::tempdir().unwrap();
        let acme = "vendor = \"acme\"\nfamily = \"Acme\"\ndefault_model = \"A1\"\n[defaults.ringtone]\nslots = [1]\nfile = \"r{slot}.bin\"\ncontainer = \"gsrt\"\ncodec = \"alaw\"\nsample_rate = 8000\nmax_seconds = 5.0\nmax_bytes = 50000\n[models.A1]\n";
        std::fs::write(dir.path().join("acme.toml"), acme).unwrap();
        let e = load_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("default_model is set by both htek and acme"), "{e}");
        std::fs::write(dir.path().join("acme.toml"), acme.replace("default_model = \"A1\"\n", "")).unwrap();
        let l = load_dir(dir.path()).unwrap();
        let e = l.vendor("acme").unwrap().config_format().unwrap_err().to_string();
        assert!(e.contains("configs are not supported for vendor acme"), "{e}");
    }
}
