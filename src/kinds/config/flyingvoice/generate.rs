//! What `bundler config flyingvoice` and `release` write: Flyingvoice boot and cfg files — the common `y000000000000.boot` /
//! `y000000000000.cfg`, and per phone `<mac>.boot` (including the common cfg, then the phone's) and
//! `<mac>.cfg` — from a phones CSV, a common settings file and optionally a phonebook.

use super::fvfile::{self, Kind};
use crate::kinds::config::csv_input::CsvFile;
use crate::kinds::config::phones::{self, PhoneRow};
use crate::mechanisms::report::{Diagnostic, Severity};
use crate::rules::layout::FvData;
use crate::Context;
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};

/// What `generate` makes, from `config flyingvoice`'s flags or from a release's `[config]` section.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The phones, common settings and resources (shared with Htek). Tree settings equal for every
    /// model go into the common cfg, the others into the cfg of each phone whose `model` cell names
    /// the model.
    pub sources: crate::kinds::config::Sources,
    pub phonebook: Option<PathBuf>,
}

/// One phone's parameters: the tree's model-specific ones, then its columns.
struct Phone {
    mac: String,
    settings: Vec<(String, String)>,
}

/// The tree settings every model shares, and per model the rest.
type Split = (Vec<(String, String)>, std::collections::BTreeMap<String, Vec<(String, String)>>);

fn split_tree(tree: Option<&crate::kinds::config::TreeSettings>) -> Split {
    let Some(tree) = tree else { return Default::default() };
    let mut lists = tree.values();
    let first = lists.next().cloned().unwrap_or_default();
    let shared: Vec<(String, String)> = first.into_iter().filter(|s| tree.values().all(|l| l.contains(s))).collect();
    let own =
        tree.iter().map(|(m, l)| (m.clone(), l.iter().filter(|s| !shared.contains(s)).cloned().collect())).collect();
    (shared, own)
}

/// `base` with `over` laid on it.
fn lay_over(base: &mut Vec<(String, String)>, over: Vec<(String, String)>) {
    for (k, v) in over {
        match base.iter_mut().find(|(o, _)| *o == k) {
            Some(slot) => slot.1 = v,
            None => base.push((k, v)),
        }
    }
}

/// Warns, at `at`, about each value of `over` that differs from the tree's value of that setting.
fn warn_tree_overrides(
    over: &[(String, String)],
    tree: &[&[(String, String)]],
    at: &Diagnostic,
    warnings: &mut Vec<Diagnostic>,
) {
    for (k, v) in over {
        let Some((_, t)) = tree.iter().flat_map(|l| l.iter()).find(|(o, t)| o == k && t != v) else { continue };
        let message = format!("{k} = '{v}' is kept, but the tree built by this release has it at '{t}' (phones may fetch a file the tree does not have)");
        warnings.push(Diagnostic { message, ..at.clone() });
    }
}

/// What `generate` wrote.
pub struct Generated {
    /// Phones written.
    pub count: usize,
    /// The shared files written besides (common boot and cfg, phonebook).
    pub extra: Vec<String>,
    /// The vocabulary the files were written with.
    pub data: std::sync::Arc<FvData>,
    /// Findings that did not stop the build: the common cfg's warnings, the first MACs outside the
    /// vendor's prefixes.
    pub warnings: Vec<Diagnostic>,
    /// MACs outside the vendor's prefixes past the first [`MAX_OUI_WARNINGS`], only counted.
    pub more_oui_warnings: usize,
}

/// Writes every boot and cfg file into `sink` (an empty folder the caller commits or drops, so all
/// or nothing); prints nothing.
pub fn generate(args: &Request, sink: &crate::kinds::config::Sink, ctx: &Context) -> Result<Generated> {
    let data = ctx.layouts.flyingvoice.clone();
    let url = args.sources.resources_url.as_deref().map(crate::kinds::config::check_base_url).transpose()?;
    let mut warnings: Vec<Diagnostic> = Vec::new();
    // The phones first: inputs are opened in the order the command line names them.
    let mut csv = CsvFile::open(&args.sources.phones)?;
    let mut common = match &args.sources.common {
        Some(path) => load_common(path, &data, &mut warnings)?,
        None => Vec::new(),
    };
    let phonebook = args.phonebook.as_deref().map(|p| add_phonebook(p, args, &data, url.as_deref(), &mut common));
    let phonebook = phonebook.transpose()?;

    let (mut shared, per_model) = split_tree(args.sources.tree.as_ref());
    let common_shown = args.sources.common.as_deref().map_or("common settings".into(), |p| p.display().to_string());
    let tree_shared = shared.clone();
    warn_tree_overrides(&common, &[&tree_shared], &Diagnostic::warning(common_shown, ""), &mut warnings);
    lay_over(&mut shared, common);
    let common = shared;

    let mac_col = csv.require_column("mac")?;
    let model_col = csv.column("model");
    let columns = setting_columns(&csv, mac_col, model_col)?;
    let names = csv.columns.clone();

    let shown = csv.shown.clone();
    let mut oui_warnings = 0usize;
    let check = |row: &PhoneRow| -> Result<Phone, String> {
        let model = model_col.map(|c| row.fields.get(c).unwrap_or_default().trim()).filter(|m| !m.is_empty());
        let mut settings = model_settings(model, args, ctx, &per_model)?;
        if let Some(msg) = crate::kinds::config::mac::oui_warning(&row.mac, row_vendor(model, ctx)?) {
            oui_warnings += 1;
            if oui_warnings <= MAX_OUI_WARNINGS {
                warnings.push(Diagnostic::warning(shown.clone(), msg).at(row.line as usize, 1));
            }
        }
        let own = own_settings(row, &columns, &names)?;
        let at = Diagnostic::warning(shown.clone(), "").at(row.line as usize, 1);
        warn_tree_overrides(&own, &[&tree_shared, &settings], &at, &mut warnings);
        lay_over(&mut settings, own);
        Ok(Phone { mac: row.mac.to_string(), settings })
    };
    let render = |p: &Phone| Ok(render_phone(p, &data));
    let count = phones::generate(&mut csv, mac_col, sink, check, render)?;
    if count == 0 {
        bail!("{}: no phones (only a header row)", csv.shown);
    }
    let extra = write_shared_files(sink, &data, &common, phonebook)?;
    let more_oui_warnings = oui_warnings.saturating_sub(MAX_OUI_WARNINGS);
    Ok(Generated { count, extra, data, warnings, more_oui_warnings })
}

/// The vendor whose MAC prefixes a row is checked against: its model's (checked by
/// [`model_settings`] first), else the one vendor with Flyingvoice configs.
fn row_vendor<'a>(model: Option<&str>, ctx: &'a Context) -> Result<&'a crate::rules::layout::Vendor, String> {
    match model {
        Some(name) => ctx.layouts.model(name).map(|m| ctx.layouts.vendor_of(m)).map_err(|e| e.to_string()),
        None => ctx
            .layouts
            .config_vendor(ctx.layouts.flyingvoice.format, None, "fill in its model column")
            .map_err(|e| format!("{e:#}")),
    }
}

/// Builds `--phonebook`'s XML and adds the settings that point the phones at it to `common`.
fn add_phonebook(
    path: &Path,
    args: &Request,
    data: &FvData,
    url: Option<&str>,
    common: &mut Vec<(String, String)>,
) -> Result<String> {
    let rules = &data.phonebook;
    let xml = crate::kinds::config::phonebook::build(path, rules)?;
    for key in [&rules.url_key, &rules.name_key] {
        if common.iter().any(|(k, _)| k == key) {
            bail!("the common settings set {key}, which --phonebook sets; remove one");
        }
    }
    if args.sources.tree.is_none() {
        // The phones fetch the phonebook by URL: a bare file name names no server.
        let Some(u) = url else {
            bail!(
                "--phonebook needs --resources-url: {} must be a full URL (the bare '{}' names no server, so the phones could not fetch it)",
                rules.url_key,
                rules.file
            );
        };
        common.push((rules.url_key.clone(), format!("{u}/{}", rules.file)));
    }
    common.push((rules.name_key.clone(), rules.title.clone()));
    Ok(xml)
}

/// The phones.csv columns that are settings (not the MAC, the model or a note), each a valid key.
fn setting_columns(csv: &CsvFile, mac_col: usize, model_col: Option<usize>) -> Result<Vec<usize>> {
    let mut columns: Vec<usize> = Vec::new();
    for (i, name) in csv.columns.iter().enumerate() {
        if i == mac_col || Some(i) == model_col || crate::kinds::config::is_note_column(name) {
            continue;
        }
        if let Some(why) = fvfile::bad_key(name) {
            bail!("{}:1: column {}: {why}", csv.shown, i + 1);
        }
        columns.push(i);
    }
    Ok(columns)
}

/// The tree's settings for a phone's model (`None`: the model cell is empty).
fn model_settings(
    model: Option<&str>,
    args: &Request,
    ctx: &Context,
    per_model: &std::collections::BTreeMap<String, Vec<(String, String)>>,
) -> Result<Vec<(String, String)>, String> {
    if let Some(name) = model {
        let model = ctx.layouts.model(name).map_err(|e| e.to_string())?;
        if let Some(why) = crate::kinds::config::wrong_format(model, ctx.layouts.flyingvoice.format, &ctx.layouts) {
            return Err(why);
        }
        if args.sources.tree.is_some() && !per_model.contains_key(&model.name) {
            return Err(format!("model {} is not one of the release's models", model.name));
        }
        return Ok(per_model.get(&model.name).cloned().unwrap_or_default());
    }
    if let Some((model, list)) = per_model.iter().find(|(_, l)| !l.is_empty()) {
        let keys: Vec<&str> = list.iter().map(|(k, _)| k.as_str()).collect();
        return Err(format!(
            "the model cell is empty, but the tree's {} differ by model ({model} …): name the model",
            keys.join(", ")
        ));
    }
    Ok(Vec::new())
}

/// The settings a phones.csv row gives itself (its non-empty setting cells).
fn own_settings(row: &PhoneRow, columns: &[usize], names: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut own = Vec::new();
    for &col in columns {
        let value = row.fields.get(col).unwrap_or_default();
        if value.is_empty() {
            continue;
        }
        if let Some(why) = fvfile::bad_value(value) {
            return Err(format!("column '{}': {why}", names[col]));
        }
        own.push((names[col].clone(), value.to_string()));
    }
    Ok(own)
}

/// One phone's files: its `.boot` (including the common and its own cfg) and its cfg.
fn render_phone(p: &Phone, data: &FvData) -> phones::Files {
    let v = &data.syntax.version_line;
    let cfg_name = data.files.phone_cfg.replace("{mac}", &p.mac);
    let cfg = fvfile::render(v, p.settings.iter().map(|(key, value)| format!("{key} = {value}")));
    let boot =
        fvfile::render(v, [data.syntax.include_line(&data.files.common_cfg), data.syntax.include_line(&cfg_name)]);
    vec![(data.files.phone_boot.replace("{mac}", &p.mac), boot.into_bytes()), (cfg_name, cfg.into_bytes())]
}

/// Writes the common cfg and boot files (and the phonebook) into `sink`; returns their names.
fn write_shared_files(
    sink: &crate::kinds::config::Sink,
    data: &FvData,
    common: &[(String, String)],
    phonebook: Option<String>,
) -> Result<Vec<String>> {
    let v = &data.syntax.version_line;
    let mut extra: Vec<(String, String)> = vec![
        (data.files.common_cfg.clone(), fvfile::render(v, common.iter().map(|(k, val)| format!("{k} = {val}")))),
        (data.files.common_boot.clone(), fvfile::render(v, [data.syntax.include_line(&data.files.common_cfg)])),
    ];
    if let Some(xml) = phonebook {
        extra.push((data.phonebook.file.clone(), xml));
    }
    for (name, text) in &extra {
        sink.write(name, text.as_bytes())?;
    }
    Ok(extra.into_iter().map(|(name, _)| name).collect())
}

/// MAC-prefix warnings printed before the rest are only counted.
const MAX_OUI_WARNINGS: usize = 20;

/// Reads the common settings: a `.cfg` file (checked like `config lint` does; errors refuse it) or a
/// `.toml` file (nested tables become dotted names). Later values of a key replace earlier ones.
fn load_common(path: &Path, data: &FvData, warnings: &mut Vec<Diagnostic>) -> Result<Vec<(String, String)>> {
    let shown = path.display().to_string();
    let pairs: Vec<(String, String)> = match Kind::of(&shown) {
        Some(Kind::Cfg) => {
            let bytes = crate::mechanisms::input::read_limited(path, fvfile::MAX_FILE_BYTES)?;
            let parsed = fvfile::parse(&shown, &bytes, Kind::Cfg, &data.syntax);
            warnings.extend(parsed.diagnostics.iter().filter(|d| d.severity != Severity::Error).cloned());
            let errors: Vec<Diagnostic> =
                parsed.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned().collect();
            if !errors.is_empty() {
                return Err(phones::refuse(&errors));
            }
            if let Some(fvfile::Item::Include { line, .. }) =
                parsed.items.iter().find(|i| matches!(i, fvfile::Item::Include { .. }))
            {
                bail!("{shown}:{line}: includes belong in boot files; the common cfg is included by them");
            }
            parsed.settings().map(|(k, v, _)| (k.to_string(), v.to_string())).collect()
        }
        _ if shown.to_ascii_lowercase().ends_with(".toml") => {
            let (shown, table) = crate::kinds::config::read_toml(path)?;
            let pairs = crate::kinds::config::flatten(&shown, "", table)?;
            for (key, value) in &pairs {
                if let Some(why) = fvfile::bad_key(key).or_else(|| fvfile::bad_value(value)) {
                    bail!("{shown}: {key}: {why}");
                }
            }
            pairs
        }
        _ => bail!("{shown}: the common settings must be a .cfg or a .toml file"),
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        match out.iter_mut().find(|(o, _)| *o == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    Ok(out)
}
