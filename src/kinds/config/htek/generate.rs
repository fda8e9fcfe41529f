//! What `bundler config htek` and `release` write: Htek per-phone `cfg<mac>.xml` files (optionally AES-encrypted) and the
//! per-model common `cfg<DEVICECODE>.xml` files from a phones CSV and a common settings TOML.

use super::pcodes::CheckValue;
use super::xml as htek_xml;
use crate::kinds::config::aes::AesKey;
use crate::kinds::config::csv_input::CsvFile;
use crate::kinds::config::phones::{self, PhoneRow};
use crate::mechanisms::report::{Diagnostic, Severity};
use crate::mechanisms::xml::write as xml_text;
use crate::rules::layout::htek_config::{parse_pcode, Dialect, HtekData};
use crate::rules::layout::{FetchKind, Model};
use crate::Context;
use anyhow::{bail, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// What `generate` makes, from `config htek`'s flags or from a release's `[config]` section.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The phones, common settings and resources (shared with Flyingvoice).
    pub sources: crate::kinds::config::Sources,
    pub aes_key: Option<String>,
    pub write_key_to_common: bool,
    pub prefix: String,
    pub postfix: String,
    pub merge_common: bool,
    pub dialect: Option<Dialect>,
    /// Set by `release` when common files are kept although phones may stop after them: warn with
    /// the per-phone settings such a phone would miss.
    pub warn_shadowed: bool,
}

/// The fetch kinds `--resources-url` fills (the others need to know what a tree holds).
pub const RESOURCE_KINDS: &[FetchKind] =
    &[FetchKind::Ring, FetchKind::Language, FetchKind::Hlpres, FetchKind::Screensaver, FetchKind::Wallpaper];

/// The fetch entries `config htek --resources-url` fills for the vendor's phones (its layout's
/// `[[fetch]]`): the `--vendor` given, else the one vendor with Htek XML configs.
pub fn htek_resources<'a>(vendor: Option<&str>, ctx: &'a Context) -> Result<Vec<&'a crate::rules::layout::Fetch>> {
    let vendor = ctx.layouts.config_vendor(ctx.layouts.htek.format, vendor, "give --vendor")?;
    Ok(vendor.fetch.iter().filter(|f| RESOURCE_KINDS.contains(&f.kind)).collect())
}

/// A setting list: (P-code, value), sorted by code.
pub type Settings = Vec<(u32, String)>;

/// Settings from `common.toml`, keyed by canonical model name.
#[derive(Default)]
struct Common {
    all: Settings,
    models: BTreeMap<String, Settings>,
}

/// What one phone's file is made from.
struct Phone {
    mac: String,
    dialect: Dialect,
    settings: Settings,
}

/// The dialect to write for a model: `--dialect`, else the model's layout value.
fn dialect_for(args: &Request, model: &Model) -> Result<Dialect, String> {
    Ok(args.dialect.or(model.config_dialect).unwrap_or(Dialect::Pcode))
}

/// Renders in `dialect`, or says which setting the named dialect has no element for.
fn render_file(dialect: Dialect, settings: &Settings, data: &HtekData, file: &str) -> Result<String> {
    htek_xml::render_in(dialect, settings.iter().map(|(c, v)| (*c, v.as_str())), data).map_err(|code| {
        anyhow::anyhow!(
            "{file}: P{code} ({}) has no element name for --dialect named (layouts/htek-config.toml [names]); write it with --dialect pcode",
            data.para(code)
        )
    })
}

/// What `generate` wrote into the output folder.
pub struct Generated {
    /// The vocabulary the files were written with.
    pub data: std::sync::Arc<HtekData>,
    /// The key the per-phone files are encrypted with.
    pub key: Option<AesKey>,
    /// Per-phone files written.
    pub count: usize,
    /// The common files written.
    pub commons: Vec<CommonFile>,
    /// Phones per model (a model named only in common.toml counts 0).
    pub present: BTreeMap<String, usize>,
    /// Findings that did not stop the build (values out of a known range, …).
    pub warnings: Vec<Diagnostic>,
}

/// Writes every per-phone and common file into `sink` (an empty folder the caller commits or drops,
/// so all or nothing); prints nothing.
pub fn generate(args: &Request, sink: &crate::kinds::config::Sink, ctx: &Context) -> Result<Generated> {
    // The phones first: inputs are opened in the order the command line names them.
    let mut csv = CsvFile::open(&args.sources.phones)?;
    let Inputs { data, key, resources_url, common, mut warnings } = inputs(args, ctx)?;
    // Each model's own vendor's fetch table: a vendor added with --layouts brings its own.
    let resources = |model: &Model| {
        let fetch = &ctx.layouts.vendor_of(model).fetch;
        resource_layer(model, &data, args, resources_url.as_deref(), fetch)
    };
    warnings.extend(tree_conflicts(&common, &data, args, ctx)?);

    let mac_col = csv.require_column("mac")?;
    let model_col = csv.require_column("model")?;
    let columns = setting_columns(&csv, &data, &[mac_col, model_col])?;
    let mut rows = Rows {
        args,
        ctx,
        data: &data,
        common: &common,
        resources: &resources,
        columns: &columns,
        names: csv.columns.clone(),
        shown: csv.shown.clone(),
        model_col,
        present: BTreeMap::new(),
        merged: HashMap::new(),
        warnings,
    };
    let render = |p: &Phone| render_phone(p, args, &data, key.as_ref());
    let count = phones::generate(&mut csv, mac_col, sink, |row| rows.phone(row), render)?;
    if count == 0 {
        bail!("{}: no phones (only a header row)", csv.shown);
    }
    let Rows { mut present, mut warnings, .. } = rows;
    let commons = if args.merge_common {
        Vec::new()
    } else {
        for name in common.models.keys() {
            present.entry(name.clone()).or_insert(0);
        }
        plan_common_files(&present, &common, &data, args, ctx, &resources)?
    };
    if args.warn_shadowed && !args.merge_common {
        warnings.extend(shadow_warning(&csv.shown, &columns, &commons));
    }
    write_commons(sink, &commons, &data)?;
    Ok(Generated { data, key, count, commons, present, warnings })
}

/// Turns the CSV's rows into phones, counting phones per model and collecting warnings.
struct Rows<'a> {
    args: &'a Request,
    ctx: &'a Context,
    data: &'a HtekData,
    common: &'a Common,
    /// A model's resource settings (the first layer of its common settings).
    resources: &'a dyn Fn(&Model) -> Settings,
    /// The setting columns: (column index, P-code).
    columns: &'a [(usize, u32)],
    names: Vec<String>,
    shown: String,
    model_col: usize,
    present: BTreeMap<String, usize>,
    /// With --merge-common, each model's common settings, made once.
    merged: HashMap<String, Arc<Settings>>,
    warnings: Vec<Diagnostic>,
}

impl Rows<'_> {
    /// One row's phone: its model, its cells as settings (odd values warned about), laid over the
    /// model's common settings with --merge-common.
    fn phone(&mut self, row: &PhoneRow) -> Result<Phone, String> {
        let (args, data) = (self.args, self.data);
        let model = phone_model(self.ctx, row.fields.get(self.model_col).unwrap_or_default(), args.merge_common)?;
        let (shown, warnings) = (&self.shown, &mut self.warnings);
        let mut warn = |msg: String| warnings.push(Diagnostic::warning(shown.clone(), msg).at(row.line as usize, 1));
        let vendor = self.ctx.layouts.vendor(&model.vendor).ok();
        if let Some(msg) = vendor.and_then(|v| crate::kinds::config::mac::oui_warning(&row.mac, v)) {
            warn(msg);
        }
        let mut settings: Settings = Vec::new();
        for (col, code) in self.columns {
            let value = row.fields.get(*col).unwrap_or_default();
            if value.is_empty() {
                continue;
            }
            cell_warnings(&self.names[*col], *code, value, data, args, &model.name)?.into_iter().for_each(&mut warn);
            settings.push((*code, value.to_string()));
        }
        *self.present.entry(model.name.clone()).or_default() += 1;
        if args.merge_common {
            let (common, resources) = (self.common, self.resources);
            let base = self
                .merged
                .entry(model.name.clone())
                .or_insert_with(|| Arc::new(common_settings(model, common, data, args, resources(model))));
            settings = overlay(base, settings);
        }
        settings.sort_by_key(|(code, _)| *code);
        Ok(Phone { mac: row.mac.to_string(), dialect: dialect_for(args, model)?, settings })
    }
}

/// What `generate` reads and checks before the phones: the vocabulary, the AES key, the resource
/// base URL and common.toml.
struct Inputs {
    data: Arc<HtekData>,
    key: Option<AesKey>,
    resources_url: Option<String>,
    common: Common,
    /// common.toml's values out of a known range, …
    warnings: Vec<Diagnostic>,
}

fn inputs(args: &Request, ctx: &Context) -> Result<Inputs> {
    let data = ctx.layouts.htek.clone();
    let key = args.aes_key.as_deref().map(|k| AesKey::parse(k, &data)).transpose()?;
    for (flag, value) in [("--prefix", &args.prefix), ("--postfix", &args.postfix)] {
        crate::mechanisms::output::check_name_part(flag, value)?;
    }
    let resources_url = args.sources.resources_url.as_deref().map(crate::kinds::config::check_base_url).transpose()?;
    let mut warnings: Vec<Diagnostic> = Vec::new();
    let common = match &args.sources.common {
        Some(path) => load_common(path, &data, ctx, &mut warnings)?,
        None => Common::default(),
    };
    check_own_settings(&common, &data, args)?;
    Ok(Inputs { data, key, resources_url, common, warnings })
}

/// Checks one phones.csv cell for P-code `code`: an `Err` stops the build, the warnings do not.
fn cell_warnings(
    column: &str,
    code: u32,
    value: &str,
    data: &HtekData,
    args: &Request,
    model: &str,
) -> Result<Vec<String>, String> {
    if value.contains(['\n', '\r']) {
        return Err(format!(
            "column '{column}': the value has a line break (quoted in the CSV); P-values from phones.csv must stay on one line"
        ));
    }
    if let Some(why) = xml_text::unrepresentable(value) {
        return Err(format!("column '{column}': the value {why}"));
    }
    let mut warnings = Vec::new();
    match data.check_value(code, value) {
        Some((Severity::Error, msg)) => return Err(format!("column '{column}': {msg}")),
        Some((_, msg)) => warnings.push(msg),
        None => {}
    }
    if let Some(msg) = tree_conflict(args, model, code, value) {
        warnings.push(format!("column '{column}': {msg}"));
    }
    Ok(warnings)
}

/// One phone's file: its name (with prefix/postfix) and XML, encrypted when a key is given.
fn render_phone(p: &Phone, args: &Request, data: &HtekData, key: Option<&AesKey>) -> Result<phones::Files> {
    let name = format!("{}{}{}", args.prefix, data.files.phone_name(&p.mac), args.postfix);
    let xml = render_file(p.dialect, &p.settings, data, &name)?;
    let bytes = match key {
        Some(k) => k.encrypt(xml.as_bytes()),
        None => xml.into_bytes(),
    };
    Ok(vec![(name, bytes)])
}

/// Writes the common files into the staging folder.
fn write_commons(sink: &crate::kinds::config::Sink, commons: &[CommonFile], data: &HtekData) -> Result<()> {
    for c in commons {
        let xml = render_file(c.dialect, &c.settings, data, &c.name)?;
        sink.write(&c.name, xml.as_bytes())?;
    }
    Ok(())
}

/// A common `cfg<code>.xml` file: its name (with prefix/postfix), the models that fetch it, and its
/// settings.
pub struct CommonFile {
    pub name: String,
    pub models: Vec<String>,
    dialect: Dialect,
    pub settings: Settings,
}

/// The common file of every model present, one per device code. Models that share a code must
/// share their settings too.
fn plan_common_files(
    present: &BTreeMap<String, usize>,
    common: &Common,
    data: &HtekData,
    args: &Request,
    ctx: &Context,
    resources: &dyn Fn(&Model) -> Settings,
) -> Result<Vec<CommonFile>> {
    let mut by_code: BTreeMap<String, CommonFile> = BTreeMap::new();
    for model_name in present.keys() {
        let model = ctx.layouts.model(model_name)?;
        let Some(code) = &model.device_code else {
            let shown = args.sources.common.as_deref().map_or("common.toml".into(), |p| p.display().to_string());
            bail!("{shown}: model {} has no known device code{ADD_CODE}", model.name);
        };
        let settings = common_settings(model, common, data, args, resources(model));
        let dialect = dialect_for(args, model).map_err(|e| anyhow::anyhow!(e))?;
        match by_code.get_mut(code) {
            Some(file) if file.dialect != dialect => bail!(
                "models {} and {} share device code {code} (one file cfg{code}.xml) but their config_dialect differs",
                file.models.join(", "),
                model.name
            ),
            Some(file) if file.settings != settings => bail!(
                "models {} and {} share device code {code} (one file cfg{code}.xml) but their common settings differ",
                file.models.join(", "),
                model.name
            ),
            Some(file) => file.models.push(model.name.clone()),
            None => {
                let name = format!("{}{}{}", args.prefix, data.files.common_name(code), args.postfix);
                by_code.insert(code.clone(), CommonFile { name, models: vec![model.name.clone()], dialect, settings });
            }
        }
    }
    Ok(by_code.into_values().collect())
}

const ADD_CODE: &str = ", so bundler cannot name its common file cfg<code>.xml: add one with --layouts DIR (an htek.toml with [models.NAME] device_code = \"…\"), or use --merge-common";

/// The layout model of a row's `model` cell, refusing unknown models, other vendors' models, and
/// (unless merging) models without a device code.
fn phone_model<'a>(ctx: &'a Context, name: &str, merge: bool) -> Result<&'a Model, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the model is empty".to_string());
    }
    let model = ctx.layouts.model(name).map_err(|e| e.to_string())?;
    if let Some(why) = crate::kinds::config::wrong_format(model, ctx.layouts.htek.format, &ctx.layouts) {
        return Err(why);
    }
    if model.device_code.is_none() && !merge {
        return Err(format!("model {} has no known device code{ADD_CODE}", model.name));
    }
    Ok(model)
}

/// The setting columns: (column index, P-code). Unknown names and two columns for one code are
/// refused, naming line 1.
fn setting_columns(csv: &CsvFile, data: &HtekData, skip: &[usize]) -> Result<Vec<(usize, u32)>> {
    let mut columns: Vec<(usize, u32)> = Vec::new();
    for (i, name) in
        csv.columns.iter().enumerate().filter(|(i, n)| !skip.contains(i) && !crate::kinds::config::is_note_column(n))
    {
        let code = data.code_for(name).map_err(|e| anyhow::anyhow!("{}:1: column {}: {e}", csv.shown, i + 1))?;
        if let Some((j, _)) = columns.iter().find(|(_, c)| *c == code) {
            bail!("{}:1: columns '{}' and '{name}' both set P{code}", csv.shown, csv.columns[*j]);
        }
        columns.push((i, code));
    }
    Ok(columns)
}

/// Reads `common.toml`: `[all]` and `[models.NAME]` tables of P-code/alias = value.
fn load_common(path: &Path, data: &HtekData, ctx: &Context, warnings: &mut Vec<Diagnostic>) -> Result<Common> {
    let (shown, table) = crate::kinds::config::read_toml(path)?;
    let mut common = Common::default();
    for (key, value) in table {
        match (key.as_str(), value) {
            ("all", toml::Value::Table(t)) => common.all = settings_from(&shown, "[all]", t, data, warnings)?,
            ("models", toml::Value::Table(models)) => {
                for (name, value) in models {
                    let toml::Value::Table(t) = value else {
                        bail!("{shown}: [models.{name}] must be a table of settings");
                    };
                    let model =
                        ctx.layouts.model(&name).map_err(|e| anyhow::anyhow!("{shown}: [models.{name}]: {e}"))?;
                    if let Some(why) = crate::kinds::config::wrong_format(model, ctx.layouts.htek.format, &ctx.layouts)
                    {
                        bail!("{shown}: [models.{name}]: {why}");
                    }
                    let settings = settings_from(&shown, &format!("[models.{name}]"), t, data, warnings)?;
                    if common.models.insert(model.name.clone(), settings).is_some() {
                        bail!("{shown}: model {} has two tables (an alias and its name?)", model.name);
                    }
                }
            }
            (other, _) => {
                bail!("{shown}: unexpected '{other}': common.toml holds an [all] table and [models.NAME] tables")
            }
        }
    }
    Ok(common)
}

fn settings_from(
    shown: &str,
    section: &str,
    table: toml::Table,
    data: &HtekData,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Settings> {
    let mut settings: Settings = Vec::new();
    for (name, value) in crate::kinds::config::flatten(shown, section, table)? {
        let code = data.code_for(&name).map_err(|e| anyhow::anyhow!("{shown}: {section}: {e}"))?;
        if settings.iter().any(|(c, _)| *c == code) {
            bail!("{shown}: {section}: P{code} is set twice (by its code and its alias?)");
        }
        if let Some(why) = xml_text::unrepresentable(&value) {
            bail!("{shown}: {section}: {name}: the value {why}");
        }
        match data.check_value(code, &value) {
            Some((Severity::Error, msg)) => bail!("{shown}: {section}: {msg}"),
            Some((_, msg)) => warnings.push(Diagnostic::warning(shown, format!("{section}: {msg}"))),
            None => {}
        }
        settings.push((code, value));
    }
    Ok(settings)
}

/// Refuses common settings that fight bundler's own: a P234/P235 that differs from --prefix/--postfix
/// (the files would not be named as the phones then ask), and the AES key outside
/// --write-key-to-common.
fn check_own_settings(common: &Common, data: &HtekData, args: &Request) -> Result<()> {
    let shown = args.sources.common.as_deref().map_or(String::new(), |p| p.display().to_string());
    let tables = std::iter::once(("[all]".to_string(), &common.all))
        .chain(common.models.iter().map(|(m, s)| (format!("[models.{m}]"), s)));
    for (section, settings) in tables {
        for (code, value) in settings {
            for (own, flag, given) in [
                (&data.settings.config_prefix, "--prefix", &args.prefix),
                (&data.settings.config_postfix, "--postfix", &args.postfix),
            ] {
                if *code == data.own(own) && value != given {
                    bail!("{shown}: {section} sets {own} to '{value}' but {flag} is '{given}': pass {flag} '{value}' so the files are named as the phones will ask for them");
                }
            }
            if *code == data.own(&data.settings.aes_key) {
                bail!("{shown}: {section} sets the AES key {own}: give it with --aes-key (and --write-key-to-common if it must be in the common file)", own = data.settings.aes_key);
            }
        }
    }
    Ok(())
}

/// The settings that point a model's phones at the tree: what `release` says its tree needs, else
/// the `--resources-url` kinds of the fetch table.
fn resource_layer(
    model: &Model,
    data: &HtekData,
    args: &Request,
    url: Option<&str>,
    fetch: &[crate::rules::layout::Fetch],
) -> Settings {
    if let Some(tree) = &args.sources.tree {
        let list = tree.get(&model.name).map(Vec::as_slice).unwrap_or_default();
        return list.iter().filter_map(|(code, value)| Some((data.code_for(code).ok()?, value.clone()))).collect();
    }
    let Some(url) = url else { return Vec::new() };
    fetch
        .iter()
        .filter(|f| RESOURCE_KINDS.contains(&f.kind) && f.applies_to(model))
        .filter_map(|f| Some((data.code_for(&f.setting).ok()?, f.value_for(url, &model.name, ""))))
        .collect()
}

/// The warning for a user value of a setting the tree sets otherwise (`release` only).
fn tree_conflict(args: &Request, model: &str, code: u32, value: &str) -> Option<String> {
    let list = args.sources.tree.as_ref()?.get(model)?;
    let (_, tree) = list.iter().find(|(c, _)| parse_pcode(c) == Some(code))?;
    (tree != value).then(|| {
        format!("P{code} = '{value}' is kept for {model}, but the tree built by this release has it at '{tree}' (phones may fetch a file the tree does not have)")
    })
}

/// Warnings for common.toml values that differ from what the tree needs.
fn tree_conflicts(common: &Common, data: &HtekData, args: &Request, ctx: &Context) -> Result<Vec<Diagnostic>> {
    let _ = data;
    let Some(tree) = &args.sources.tree else { return Ok(Vec::new()) };
    let shown = args.sources.common.as_deref().map_or(String::new(), |p| p.display().to_string());
    let mut out = Vec::new();
    for model in tree.keys() {
        let name = ctx.layouts.model(model)?.name.clone();
        let own = common.models.get(&name).into_iter().flatten().map(|s| (format!("[models.{name}]"), s));
        for (section, (code, value)) in common.all.iter().map(|s| ("[all]".to_string(), s)).chain(own) {
            if let Some(msg) = tree_conflict(args, &name, *code, value) {
                out.push(Diagnostic::warning(shown.clone(), format!("{section}: {msg}")));
            }
        }
    }
    Ok(out)
}

/// The warning that a phone stopping after its common file misses the per-phone columns.
fn shadow_warning(csv: &str, columns: &[(usize, u32)], commons: &[CommonFile]) -> Option<Diagnostic> {
    let first = commons.first()?;
    let codes: Vec<String> = columns.iter().map(|(_, c)| format!("P{c}")).collect();
    if codes.is_empty() {
        return None;
    }
    Some(Diagnostic::warning(
        csv.to_string(),
        format!(
            "common files kept (merge_common = false): a phone that stops after its common file ({} …) never gets {} from its cfg<mac>.xml (layouts: after_common is not \"continues\")",
            first.name,
            codes.join(", ")
        ),
    ))
}

/// A model's common settings: the resource layer, then [all], then [models.NAME], then bundler's own.
fn common_settings(model: &Model, common: &Common, data: &HtekData, args: &Request, resources: Settings) -> Settings {
    let mut layers: Vec<Settings> = vec![resources];
    layers.push(common.all.clone());
    layers.push(common.models.get(&model.name).cloned().unwrap_or_default());
    let mut own: Settings = Vec::new();
    if !args.prefix.is_empty() {
        own.push((data.own(&data.settings.config_prefix), args.prefix.clone()));
    }
    if !args.postfix.is_empty() {
        own.push((data.own(&data.settings.config_postfix), args.postfix.clone()));
    }
    if args.write_key_to_common {
        if let Some(key) = args.aes_key.as_deref().and_then(|k| AesKey::parse(k, data).ok()) {
            own.push((data.own(&data.settings.aes_key), key.as_setting().to_string()));
            own.push((data.own(&data.settings.authenticate), "1".to_string()));
        }
    }
    layers.push(own);
    let mut merged: Settings = Vec::new();
    for layer in layers {
        merged = overlay(&merged, layer);
    }
    merged.sort_by_key(|(code, _)| *code);
    merged
}

/// `base` with `over`'s values replacing or adding to it.
fn overlay(base: &Settings, over: Settings) -> Settings {
    let mut out: Settings = base.iter().filter(|(c, _)| !over.iter().any(|(o, _)| o == c)).cloned().collect();
    out.extend(over);
    out
}
