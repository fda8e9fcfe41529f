//! Which input goes into which slot: `--wallpaper` given n times fills the model's first n
//! wallpaper names, `--assets DIR` maps files by name (`weblogo.png` → `weblogo.jpg`), `--icon
//! NAME=FILE` names an icon. Everything a model does not have is an error naming the model.

use crate::rules::layout::{AssetKind, AssetRule, Model};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Most files read from an `--assets` folder.
const MAX_ASSET_FILES: usize = 1000;

/// The images a user hands in, before they are assigned to slots.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AssetSources {
    pub wallpapers: Vec<PathBuf>,
    pub screensavers: Vec<PathBuf>,
    pub weblogo: Option<PathBuf>,
    pub lcdlogo: Option<PathBuf>,
    /// `(entry name, file)`: `MenuIcon.png=./my-menu.png`.
    pub icons: Vec<(String, PathBuf)>,
    /// A folder whose files are named after the targets (any input format).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets_dir: Option<PathBuf>,
}

/// One slot to fill: the entry name, its rule, and the input file.
#[derive(Debug, Clone)]
pub struct Slot {
    pub name: String,
    pub rule: AssetRule,
    pub source: PathBuf,
}

/// Assigns every input to a slot of `model`. `base_names` lists the entry names (without folder)
/// of the vendor's base tar, when there is one: icons must then be among them.
/// What it skipped in an `--assets` folder is added to `warnings`.
pub fn plan_slots(
    model: &Model,
    sources: &AssetSources,
    base_names: Option<&[String]>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Slot>> {
    let mut slots: BTreeMap<String, Slot> = BTreeMap::new();
    let mut add = |slot: Slot| -> Result<()> {
        let key = slot.name.to_ascii_lowercase();
        if let Some(prev) = slots.get(&key) {
            bail!("{} is given twice ({} and {})", slot.name, prev.source.display(), slot.source.display());
        }
        slots.insert(key, slot);
        Ok(())
    };
    for (kind, files) in [(AssetKind::Wallpaper, &sources.wallpapers), (AssetKind::Screensaver, &sources.screensavers)]
    {
        if files.is_empty() {
            continue;
        }
        let rule = rule_for(model, kind)?;
        if files.len() > rule.names.len() {
            bail!(
                "{} has {} {kind} slots ({}) but {} --{kind} files were given",
                model.name,
                rule.names.len(),
                rule.names.join(", "),
                files.len()
            );
        }
        for (name, file) in rule.names.iter().zip(files.iter()) {
            add(Slot { name: name.clone(), rule: rule.clone(), source: file.clone() })?;
        }
    }
    for (kind, file) in [(AssetKind::Weblogo, &sources.weblogo), (AssetKind::Lcdlogo, &sources.lcdlogo)] {
        if let Some(file) = file {
            let rule = rule_for(model, kind)?;
            let name = rule.names.first().with_context(|| format!("{}: the {kind} rule names no file", model.name))?;
            add(Slot { name: name.clone(), rule: rule.clone(), source: file.clone() })?;
        }
    }
    for (name, file) in &sources.icons {
        add(icon_slot(model, name, file, base_names)?)?;
    }
    if let Some(dir) = &sources.assets_dir {
        for file in asset_files(dir, warnings)? {
            add(slot_for_file(model, &file, base_names)?)?;
        }
    }
    if slots.is_empty() {
        bail!("nothing to build: give --wallpaper, --screensaver, --weblogo, --lcdlogo, --icon or --assets DIR");
    }
    Ok(slots.into_values().collect())
}

/// The model's rule for a kind, or an error naming the model and what it has.
pub fn rule_for(model: &Model, kind: AssetKind) -> Result<&AssetRule> {
    model.asset(kind).with_context(|| {
        let has: Vec<&str> = model.asset_rules.iter().map(|r| r.kind.name()).collect();
        let has = if has.is_empty() { "no screen assets".to_string() } else { format!("only {}", has.join(", ")) };
        format!("{} has no {kind} (its screen is {}; it takes {has})", model.name, model.screen)
    })
}

fn icon_slot(model: &Model, name: &str, file: &Path, base_names: Option<&[String]>) -> Result<Slot> {
    let rule = rule_for(model, AssetKind::Icon)?;
    if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
        bail!("icon name '{name}' must be a plain file name such as MenuIcon.png");
    }
    let name = if name.contains('.') { name.to_string() } else { format!("{name}.png") };
    if !rule.matches(&name) || model.asset_for_name(&name).is_some_and(|r| r.kind != AssetKind::Icon) {
        bail!(
            "'{name}' is not an icon name for {} (icons are {})",
            model.name,
            rule.any_name.as_deref().unwrap_or("named")
        );
    }
    let name = match base_names {
        Some(names) => match names.iter().find(|n| n.eq_ignore_ascii_case(&name)) {
            Some(n) => n.clone(),
            None => bail!("the base tar has no icon named {name}, so the phone would never show it"),
        },
        None => name,
    };
    Ok(Slot { name, rule: rule.clone(), source: file.to_path_buf() })
}

/// The slot an `--assets` file fills, by its name without extension.
fn slot_for_file(model: &Model, file: &Path, base_names: Option<&[String]>) -> Result<Slot> {
    let file_name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    for rule in &model.asset_rules {
        if let Some(name) =
            rule.names.iter().find(|n| n.rsplit_once('.').map_or(n.as_str(), |(s, _)| s).eq_ignore_ascii_case(stem))
        {
            return Ok(Slot { name: name.clone(), rule: rule.clone(), source: file.to_path_buf() });
        }
    }
    let lower = stem.to_ascii_lowercase();
    let fixed_kind = AssetKind::FIXED.iter().find(|k| lower.starts_with(k.name()));
    let is_png = file_name.to_ascii_lowercase().ends_with(".png");
    if fixed_kind.is_none() && is_png && model.asset(AssetKind::Icon).is_some() {
        return icon_slot(model, file_name, file, base_names);
    }
    let names: Vec<String> = model.asset_rules.iter().flat_map(|r| r.names.iter().cloned()).collect();
    let icons = if model.asset(AssetKind::Icon).is_some() { ", or *.png icons" } else { "" };
    bail!("{}: unknown asset name '{stem}' for {} (it takes {}{icons})", file.display(), model.name, names.join(", "))
}

/// The files of an `--assets` folder, sorted. Hidden files are skipped; folders, symbolic links
/// (never followed) and FIFOs or devices are skipped with a warning naming them.
fn asset_files(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<PathBuf>> {
    use crate::mechanisms::walk::Kind;
    let entries = crate::mechanisms::walk::list(dir, MAX_ASSET_FILES)
        .with_context(|| format!("{}: cannot read assets folder", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        if entry.rel.starts_with('.') {
            continue;
        }
        let shown = entry.path.display();
        match &entry.kind {
            Kind::File => files.push(entry.path.clone()),
            Kind::Dir => warnings.push(format!("{shown}: a folder; sub-folders of --assets are not read")),
            Kind::Symlink(l) => warnings.push(format!(
                "{shown}: a symbolic link (to {}); links are not followed, so it is not used",
                l.target.display()
            )),
            Kind::Special(what) => warnings.push(format!("{shown}: a {what}, not a regular file; not used")),
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::layout::Layouts;

    fn model(name: &str) -> Model {
        Layouts::builtin().unwrap().model(name).unwrap().clone()
    }

    #[test]
    fn wallpapers_fill_slots_in_order_and_too_many_is_an_error() {
        let m = model("UC924");
        let s = AssetSources { wallpapers: vec!["a.jpg".into(), "b.jpg".into()], ..Default::default() };
        let slots = plan_slots(&m, &s, None, &mut Vec::new()).unwrap();
        let names: Vec<_> = slots.iter().map(|s| (s.name.as_str(), s.source.to_str().unwrap())).collect();
        assert_eq!(names, [("wallpaper4.jpg", "a.jpg"), ("wallpaper5.jpg", "b.jpg")]);
        let s = AssetSources { wallpapers: vec!["a.jpg".into(); 4], ..Default::default() };
        let e = plan_slots(&m, &s, None, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("3 wallpaper slots") && e.contains("4"), "{e}");
    }

    #[test]
    fn mono_model_has_no_wallpaper() {
        let s = AssetSources { wallpapers: vec!["a.jpg".into()], ..Default::default() };
        let e = plan_slots(&model("UC903"), &s, None, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("UC903 has no wallpaper") && e.contains("mono"), "{e}");
    }

    #[test]
    fn icons_must_exist_in_the_base() {
        let m = model("UC924");
        let s = AssetSources { icons: vec![("Menu".into(), "m.png".into())], ..Default::default() };
        assert_eq!(plan_slots(&m, &s, None, &mut Vec::new()).unwrap()[0].name, "Menu.png");
        let base = vec!["menu.png".to_string()];
        assert_eq!(plan_slots(&m, &s, Some(&base), &mut Vec::new()).unwrap()[0].name, "menu.png");
        let e = plan_slots(&m, &s, Some(&["other.png".to_string()]), &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("no icon named Menu.png"), "{e}");
    }
}
