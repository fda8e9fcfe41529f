//! A new release project to fill in (`bundler init DIR --vendor V --model M…`). Every number in the
//! template (slots, file names, sizes, caps) is read from the models' layouts; the project appears
//! as a whole or not at all, and an existing project is never touched.

use crate::kinds::config::{choose, VendorConfig};
use crate::rules::layout::{AssetKind, AssetRule, Layouts, Model, Vendor};
use crate::Context;
use anyhow::{bail, Context as _, Result};
use std::fmt::Write as _;
use std::path::Path;

/// The folders a project keeps its sources in.
const FOLDERS: [&str; 4] = ["audio", "img", "lang", "vendor"];

/// Creates the project folder `dir` for `vendor`'s phones of `models` (names as the user gave
/// them): `release.toml`, and `phones.csv` and `common.toml` when the vendor takes configs, and the
/// source folders; all or nothing, and never over an existing project. Returns what was created
/// (`release.toml`, …, `audio/`).
pub fn create(dir: &Path, vendor: &str, models: &[String], ctx: &Context) -> Result<Vec<String>> {
    let vendor = ctx.layouts.vendor(vendor).with_context(|| "--vendor".to_string())?;
    let models = resolve_models(models, vendor, ctx)?;
    check_new(dir)?;
    let mut files = vec![("release.toml", release_toml(vendor, &models, &ctx.layouts))];
    if let Ok(config) = choose::for_vendor(vendor) {
        files.push(("phones.csv", phones_csv(vendor, &models)));
        files.push(("common.toml", common_toml(config, vendor, &models)));
    }
    let staging = crate::mechanisms::output::StagedDir::new(dir)?;
    for (name, text) in &files {
        staging.write(name, text.as_bytes())?;
    }
    for folder in FOLDERS {
        let path = staging.path().join(folder);
        std::fs::create_dir(&path).with_context(|| format!("{}: cannot create", path.display()))?;
    }
    staging.commit()?;
    let mut created: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
    created.extend(FOLDERS.iter().map(|f| format!("{f}/")));
    Ok(created)
}

fn resolve_models<'a>(names: &[String], vendor: &Vendor, ctx: &'a Context) -> Result<Vec<&'a Model>> {
    let mut models: Vec<&Model> = Vec::new();
    for name in names {
        let model = ctx.layouts.model(name).with_context(|| format!("--model {name}"))?;
        if model.vendor != vendor.vendor {
            bail!("--model {name}: {} is a {} model, not {}", model.name, model.vendor, vendor.vendor);
        }
        if models.iter().any(|m| m.name == model.name) {
            bail!("--model {name}: {} is given twice", model.name);
        }
        models.push(model);
    }
    Ok(models)
}

/// Refuses a folder that exists and holds anything: init never overwrites a project.
fn check_new(dir: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(dir) else { return Ok(()) };
    if !meta.is_dir() {
        bail!("{}: exists and is not a folder; give a new folder for the project", dir.display());
    }
    let mut entries = std::fs::read_dir(dir).with_context(|| format!("{}: cannot read", dir.display()))?;
    if entries.next().is_some() {
        bail!("{}: is not empty; bundler init never overwrites a project, give a new folder", dir.display());
    }
    Ok(())
}

/// The next step, as the hint after `init` and the head of `release.toml` both give it (run in the
/// folder `init` made).
pub const NEXT: &str = "bundler release release.toml --out build";

/// `release.toml`: every section the models take, each commented with the models' rules.
fn release_toml(vendor: &Vendor, models: &[&Model], layouts: &Layouts) -> String {
    let names: Vec<String> = models.iter().map(|m| format!("\"{}\"", m.name)).collect();
    let mut t = format!(
        "# Release manifest for {family} phones {list}, made by `bundler init`.\n\
         # Put your files where the paths below say (or change the paths), then run\n\
         #   {NEXT}\n\
         # It names every file still missing. Delete a section you do not need; docs/release.md\n\
         # \"The manifest\" documents every key. Paths are relative to this file.\n\
         vendor = \"{vendor}\"\nmodels = [{names}]\n\
         # Where the tree will be served from: fills the URLs and settings in the configs.\n\
         base_url = \"http://prov.example.com/{vendor}\"\n",
        family = vendor.family,
        list = models.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "),
        vendor = vendor.vendor,
        names = names.join(", "),
    );
    ringtones(&mut t, models);
    branding(&mut t, models);
    languages(&mut t, models);
    firmware(&mut t, models);
    config(&mut t, vendor, layouts);
    t
}

fn ringtones(t: &mut String, models: &[&Model]) {
    let slots: Vec<u8> = models[0]
        .ringtone
        .slots
        .iter()
        .copied()
        .filter(|s| models.iter().all(|m| m.ringtone.slots.contains(s)))
        .collect();
    t.push_str("\n[ringtones]\n# Any WAV, raw PCM, MP3, FLAC or Ogg file; bundler converts, trims and checks it.\n");
    let mut lines: Vec<(Vec<&str>, String)> = Vec::new();
    for m in models {
        let r = &m.ringtone;
        let text = format!(
            "slots {} fetched as {}, {} {} Hz, at most {} s and {} bytes ({})",
            r.slots.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
            r.file,
            r.codec,
            r.sample_rate,
            r.max_seconds,
            r.max_bytes,
            r.source
        );
        match lines.iter_mut().find(|(_, t)| *t == text) {
            Some((names, _)) => names.push(&m.name),
            None => lines.push((vec![&m.name], text)),
        }
    }
    for (names, text) in lines {
        let _ = writeln!(t, "# {}: {text}", names.join(", "));
    }
    t.push_str("# Options: 5 = { file = \"audio/ring5.wav\", max_seconds = 10, start = 0, codec = \"alaw\", normalize = -1.0, fade_ms = 50 }\n");
    for (i, slot) in slots.iter().enumerate() {
        let hash = if i == 0 { "" } else { "# " };
        let _ = writeln!(t, "{hash}{slot} = \"audio/ring{slot}.wav\"");
    }
}

/// The branding kinds with the manifest key, the file written in `img/`, and whether it is a list.
const BRANDING: [(AssetKind, &str, &str, bool); 4] = [
    (AssetKind::Wallpaper, "wallpapers", "wallpaper.jpg", true),
    (AssetKind::Screensaver, "screensavers", "screensaver.jpg", true),
    (AssetKind::Weblogo, "weblogo", "weblogo.png", false),
    (AssetKind::Lcdlogo, "lcdlogo", "lcdlogo.png", false),
];

fn branding(t: &mut String, models: &[&Model]) {
    if models.iter().all(|m| m.hlpres.is_none() || m.asset_rules.is_empty()) {
        return;
    }
    t.push_str(
        "\n[branding]\n# Images of any size and format are fitted to each model's screen (one hlpres.tar per model).\n",
    );
    for (kind, key, file, list) in BRANDING {
        let rules: Vec<(&str, &AssetRule)> =
            models.iter().filter_map(|m| Some((m.name.as_str(), m.asset(kind)?))).collect();
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(t, "# {key}:{}", rules.iter().map(|(m, r)| rule_text(m, r)).collect::<String>());
        let hash = if rules.len() == models.len() { "" } else { "# " };
        let value = if list { format!("[\"img/{file}\"]") } else { format!("\"img/{file}\"") };
        let _ = writeln!(t, "{hash}{key} = {value}");
    }
    if let Some((m, r)) = models.iter().find_map(|m| Some((m.name.as_str(), m.asset(AssetKind::Icon)?))) {
        let _ = writeln!(t, "# icons:{}\n# icons = {{ \"MenuIcon.png\" = \"img/icon.png\" }}", rule_text(m, r));
    }
    t.push_str("fit = \"cover\"                # cover | contain | stretch\n# base = { MODEL = \"vendor/hlpres-MODEL.tar\" }   # the vendor's hlpres.tar to lay your images over\n");
}

fn rule_text(model: &str, r: &AssetRule) -> String {
    let names = if r.names.is_empty() { r.any_name.clone().unwrap_or_default() } else { r.names.join(", ") };
    format!(
        "\n#   {model}: {}x{} {}, at most {} bytes, as {names} ({})",
        r.width,
        r.height,
        r.formats.join("/"),
        r.max_bytes,
        r.source
    )
}

fn languages(t: &mut String, models: &[&Model]) {
    let Some((m, files)) = models.iter().find_map(|m| Some((m, m.language_files.as_ref()?))) else { return };
    let cap = m.language.as_ref().map_or(String::new(), |l| format!(", {} at most {} bytes", l.file, l.max_bytes));
    let _ = write!(
        t,
        "\n[languages]\n# Translations named N_Native(English).xml / N_English.js beside the vendor's English templates{cap} ({}).\n\
         dir = \"lang\"\nlcd_template = \"lang/{}\"\nweb_template = \"lang/{}\"\n",
        files.source, files.lcd_template, files.web_template
    );
}

fn firmware(t: &mut String, models: &[&Model]) {
    t.push_str("\n# [firmware]\n# The vendor's firmware zip or files (uncomment the section with their names); the version is\n# read from the vendor's file names.\n");
    for m in models {
        let name = m.firmware.as_deref().or(m.firmware_pattern.as_deref()).unwrap_or("(not published)");
        let _ = writeln!(t, "# {}: fetches {name}, at most {} bytes", m.name, m.firmware_max_bytes);
    }
    t.push_str("# files = [\"vendor/FIRMWARE.zip\"]\n# prefix = \"\"\n# postfix = \"\"\n# version = \"\"            # when the file names do not carry it\n# from_version = \"\"       # the version the phones run now\n");
}

fn config(t: &mut String, vendor: &Vendor, layouts: &Layouts) {
    let Ok(config) = choose::for_vendor(vendor) else {
        let _ = writeln!(
            t,
            "\n# [config]: configs are not supported for vendor {} (its layout file sets no config_format).",
            vendor.vendor
        );
        return;
    };
    t.push_str("\n[config]\n# One row per phone in phones.csv; settings for all phones in common.toml.\nphones = \"phones.csv\"\ncommon = \"common.toml\"\n");
    t.push_str(&config.release_options(layouts));
}

/// The vendor's example setting (`[config_example]` in its layout file): a column `config` accepts,
/// and a value for it; `None` when the layout gives none.
fn example_setting(vendor: &Vendor) -> Option<(&str, &str)> {
    vendor.config_example.as_ref().map(|e| (e.setting.as_str(), e.value.as_str()))
}

/// `phones.csv`: the header and one example row (a MAC of the vendor's prefix).
fn phones_csv(vendor: &Vendor, models: &[&Model]) -> String {
    let oui = vendor.ouis.first().map_or("000000", String::as_str);
    match example_setting(vendor) {
        Some((column, value)) => format!("mac,model,{column}\n{oui}000001,{},{value}\n", models[0].name),
        None => format!("mac,model\n{oui}000001,{}\n", models[0].name),
    }
}

/// `common.toml`: the settings every phone gets.
fn common_toml(config: &dyn VendorConfig, vendor: &Vendor, models: &[&Model]) -> String {
    let (column, value) = example_setting(vendor).unwrap_or(("SETTING", "VALUE"));
    config.common_example(&models[0].name, column, value)
}
