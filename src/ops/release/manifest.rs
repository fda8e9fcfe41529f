//! The release manifest (`release.toml`): one file that names every input of a provisioning tree.
//! Paths are relative to the manifest. Every mistake is reported with the manifest's line and
//! column before any work starts.
//!
//! ```toml
//! vendor = "htek"
//! models = ["UC923", "UC924", "UC926"]
//! base_url = "http://prov.example.com/htek"   # where the tree is served; fills URLs and settings
//! [ringtones]                                 # slot = file, or a table with options
//! 5 = "src/jingle.wav"
//! 6 = { file = "src/bell.flac", max_seconds = 10, start = 2.5, codec = "alaw", normalize = -1.0, fade_ms = 80, fade_in_ms = 5 }
//! [branding]                                  # as `bundler hlpres`; one hlpres.tar per model
//! wallpapers = ["img/a.jpg"]
//! screensavers = ["img/d.png"]
//! weblogo = "img/logo.png"
//! lcdlogo = "img/logo.png"
//! icons = { "MenuIcon.png" = "img/icon.png" }
//! base = { UC924 = "vendor/hlpres-924.tar" } # optional, per model (a plain path for one model)
//! fit = "auto"                                # auto (default) | cover | contain | stretch
//! direct_wallpaper = "img/x.jpg"              # P20052 download, per model
//! direct_screensaver = "img/y.jpg"            # P20051 download, per model
//! exp_pres = "vendor/exp_pres.tar"            # P20177, passed through with its size checked
//! [languages]
//! dir = "lang"
//! lcd_template = "lang/LCD_English_Template.xml"
//! web_template = "lang/Web_English_Template.js"
//! [firmware]
//! files = ["vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"]
//! prefix = "hl_"
//! postfix = "_2.0.4.6.41"
//! version = "2.0.4.6.41"                      # optional: else read from the file names
//! from_version = "1.0.3.70"                   # optional: phones at ≤ 1.0.3.71 need img_9xx.bin too
//! only_when_name_changes = false              # Htek: P238 = 1, phones ask for firmware only when P232/P233 change
//! [config]                                    # as `bundler config htek|flyingvoice`, resources from base_url
//! phones = "phones.csv"
//! common = "common.toml"
//! aes_key_env = "HTEK_AES_KEY"                # Htek: encrypt per-phone files with the key in this variable
//! prefix = ""                                 # Htek: P234/P235 config file prefix/postfix
//! postfix = ""
//! merge_common = true                         # Htek: every setting in the per-phone files, no cfg<code>.xml
//!                                             # (default: true while the layout's after_common is not "continues")
//! phonebook = "contacts.csv"                  # Flyingvoice: local phonebook
//! ```

use crate::kinds::config::{choose, ConfigSpec};
use crate::kinds::firmware::FirmwareSpec;
use crate::kinds::hlpres::Branding;
use crate::kinds::language::Languages;
use crate::kinds::ringtone::RingSpec;
use crate::rules::layout::{Layouts, Model};
use anyhow::{bail, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Manifests larger than this are refused.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    vendor: Spanned<String>,
    models: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    base_url: Option<Spanned<String>>,
    #[serde(default)]
    ringtones: BTreeMap<Spanned<String>, Spanned<RawRing>>,
    #[serde(default)]
    branding: Option<RawBranding>,
    #[serde(default)]
    languages: Option<RawLanguages>,
    #[serde(default)]
    firmware: Option<RawFirmware>,
    #[serde(default)]
    config: Option<RawConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    phones: Spanned<String>,
    common: Option<Spanned<String>>,
    aes_key_env: Option<Spanned<String>>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    postfix: String,
    merge_common: Option<bool>,
    phonebook: Option<Spanned<String>>,
}

/// A ring-tone slot: a file path, or a table with options.
#[derive(Debug)]
enum RawRing {
    File(String),
    Full(RawRingFull),
}

impl<'de> Deserialize<'de> for RawRing {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Slot;
        impl<'de> serde::de::Visitor<'de> for Slot {
            type Value = RawRing;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a ring-tone slot: a file path (5 = \"src/jingle.wav\") or a table (5 = { file = \"src/bell.flac\", max_seconds = 10, start = 2.5, codec = \"alaw\", normalize = -1.0, fade_ms = 80 })",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawRing, E> {
                Ok(RawRing::File(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawRing, A::Error> {
                RawRingFull::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(RawRing::Full)
            }
        }
        d.deserialize_any(Slot)
    }
}

/// `[branding] base`: one path (a one-model release) or a table of model = path.
#[derive(Debug)]
enum RawBase {
    One(String),
    PerModel(BTreeMap<Spanned<String>, Spanned<String>>),
}

impl<'de> Deserialize<'de> for RawBase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Base;
        impl<'de> serde::de::Visitor<'de> for Base {
            type Value = RawBase;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a base hlpres.tar per model: base = { UC924 = \"vendor/hlpres-924.tar\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawBase, E> {
                Ok(RawBase::One(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawBase, A::Error> {
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(RawBase::PerModel)
            }
        }
        d.deserialize_any(Base)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRingFull {
    file: String,
    max_seconds: Option<f64>,
    start: Option<f64>,
    codec: Option<String>,
    normalize: Option<f64>,
    fade_ms: Option<u32>,
    fade_in_ms: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranding {
    #[serde(default)]
    wallpapers: Vec<Spanned<String>>,
    #[serde(default)]
    screensavers: Vec<Spanned<String>>,
    weblogo: Option<Spanned<String>>,
    lcdlogo: Option<Spanned<String>>,
    #[serde(default)]
    icons: BTreeMap<String, Spanned<String>>,
    base: Option<Spanned<RawBase>>,
    fit: Option<Spanned<String>>,
    gravity: Option<Spanned<String>>,
    background: Option<Spanned<String>>,
    #[serde(default)]
    dither: bool,
    direct_wallpaper: Option<Spanned<String>>,
    direct_screensaver: Option<Spanned<String>>,
    exp_pres: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLanguages {
    dir: Spanned<String>,
    lcd_template: Option<Spanned<String>>,
    web_template: Option<Spanned<String>>,
    #[serde(default)]
    strict: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFirmware {
    files: Vec<Spanned<String>>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    postfix: String,
    version: Option<Spanned<String>>,
    from_version: Option<Spanned<String>>,
    #[serde(default)]
    only_when_name_changes: bool,
}

/// A checked manifest: models resolved, paths made absolute and known to exist.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub path: PathBuf,
    pub vendor: String,
    /// Canonical model names, in manifest order.
    pub models: Vec<String>,
    pub base_url: Option<String>,
    pub ringtones: Vec<RingSpec>,
    pub branding: Option<Branding>,
    pub languages: Option<Languages>,
    pub firmware: Option<FirmwareSpec>,
    pub config: Option<ConfigSpec>,
}

/// Reads and checks a manifest against the layouts.
pub fn load(path: &Path, layouts: &Layouts) -> Result<Manifest> {
    let (shown, text) = crate::mechanisms::tomlfile::read_text(path, MAX_MANIFEST_BYTES)?;
    let raw: RawManifest = crate::rules::toml::parse(&shown, &text)?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let checker = Checker { shown: &shown, text: &text, base: &base, layouts, missing: Default::default() };
    let manifest = checker.check(raw, path)?;
    let missing = checker.missing.into_inner();
    if let Some((line, col, _)) = missing.first() {
        let list: Vec<&str> = missing.iter().map(|(_, _, what)| what.as_str()).collect();
        bail!(
            "{shown}:{line}:{col}: still missing: {}; put the files there (or remove their lines) and run again",
            list.join(", ")
        );
    }
    Ok(manifest)
}

struct Checker<'a> {
    shown: &'a str,
    text: &'a str,
    base: &'a Path,
    layouts: &'a Layouts,
    /// Every named file that does not exist yet, with its line and column and as "path (key, line
    /// N)": reported together, so a
    /// fresh `bundler init` project lists all it still needs at once.
    missing: std::cell::RefCell<Vec<(usize, usize, String)>>,
}

impl Checker<'_> {
    /// An error at a span of the manifest.
    fn at<T>(&self, span: std::ops::Range<usize>, message: String) -> Result<T> {
        Err(crate::rules::toml::at(self.shown, self.text, span, message))
    }

    /// A manifest path (at `key`) made absolute, which must be an existing file or folder: a device,
    /// FIFO or socket would be read forever or block.
    fn file(&self, key: &str, s: &Spanned<String>) -> Result<PathBuf> {
        let p = self.base.join(s.get_ref());
        match std::fs::metadata(&p) {
            Err(_) => {
                let (line, col) = crate::mechanisms::report::line_col(self.text, s.span().start);
                self.missing.borrow_mut().push((line, col, format!("{} ({key}, line {line})", s.get_ref())));
                Ok(p)
            }
            Ok(m) if !m.is_file() && !m.is_dir() => self.at(
                s.span(),
                format!("{key}: '{}' is not a regular file (a device, FIFO or socket); give a file", s.get_ref()),
            ),
            Ok(_) => Ok(p),
        }
    }

    fn opt_file(&self, key: &str, s: &Option<Spanned<String>>) -> Result<Option<PathBuf>> {
        s.as_ref().map(|s| self.file(key, s)).transpose()
    }

    fn check(&self, raw: RawManifest, path: &Path) -> Result<Manifest> {
        let vendor = match self.layouts.vendor(raw.vendor.get_ref()) {
            Ok(v) => v.vendor.clone(),
            Err(e) => return self.at(raw.vendor.span(), format!("{e}")),
        };
        let models = self.models(&raw.models, &vendor)?;
        let mut ringtones = Vec::new();
        for (slot, spec) in raw.ringtones {
            ringtones.push(self.ring(&slot, spec, &models)?);
        }
        let branding = raw.branding.map(|b| self.branding(b, &models)).transpose()?;
        let languages = raw.languages.map(|l| self.languages(l)).transpose()?;
        let firmware = raw.firmware.map(|f| self.firmware(f)).transpose()?;
        let config = raw.config.map(|c| self.config(c, &vendor)).transpose()?;
        Ok(Manifest {
            config,
            path: path.to_path_buf(),
            vendor,
            models: models.iter().map(|m| m.name.clone()).collect(),
            base_url: raw.base_url.map(|u| u.into_inner().trim_end_matches('/').to_string()),
            ringtones,
            branding,
            languages,
            firmware,
        })
    }

    /// `models`: at least one, each a model of `vendor`, none twice.
    fn models(&self, raw: &Spanned<Vec<Spanned<String>>>, vendor: &str) -> Result<Vec<&Model>> {
        if raw.get_ref().is_empty() {
            return self.at(raw.span(), "models must name at least one model".into());
        }
        let mut models: Vec<&Model> = Vec::new();
        for m in raw.get_ref() {
            let model = match self.layouts.model(m.get_ref()) {
                Ok(model) => model,
                Err(e) => return self.at(m.span(), format!("{e}")),
            };
            if model.vendor != vendor {
                return self.at(m.span(), format!("{} is a {} model, not {vendor}", model.name, model.vendor));
            }
            if models.iter().any(|x| x.name == model.name) {
                return self.at(m.span(), format!("{} is listed twice", model.name));
            }
            models.push(model);
        }
        Ok(models)
    }

    fn languages(&self, l: RawLanguages) -> Result<Languages> {
        Ok(Languages {
            dir: self.file("languages.dir", &l.dir)?,
            lcd_template: self.opt_file("languages.lcd_template", &l.lcd_template)?,
            web_template: self.opt_file("languages.web_template", &l.web_template)?,
            strict: l.strict,
        })
    }

    fn firmware(&self, f: RawFirmware) -> Result<FirmwareSpec> {
        Ok(FirmwareSpec {
            files: f.files.iter().map(|s| self.file("firmware.files", s)).collect::<Result<_>>()?,
            prefix: f.prefix,
            postfix: f.postfix,
            version: self.version(&f.version)?,
            from_version: self.version(&f.from_version)?,
            only_when_name_changes: f.only_when_name_changes,
            located: Default::default(),
        })
    }

    fn config(&self, c: RawConfig, vendor: &str) -> Result<ConfigSpec> {
        let config = match self.layouts.vendor(vendor).and_then(choose::for_vendor) {
            Ok(config) => config,
            Err(e) => return self.at(c.phones.span(), format!("[config]: {e}")),
        };
        // Keys only some formats take: each is refused for the others, naming the format it is for.
        let only = [
            ("aes_key_env", c.aes_key_env.as_ref().map(Spanned::span)),
            ("phonebook", c.phonebook.as_ref().map(Spanned::span)),
        ];
        for (key, span) in only {
            let Some(span) = span.filter(|_| !config.manifest_keys().contains(&key)) else { continue };
            let owner = choose::all().into_iter().find(|c| c.manifest_keys().contains(&key));
            return self.at(span, format!("{key} applies to {} configs only", owner.map_or("other", |c| c.label())));
        }
        Ok(ConfigSpec {
            phones: self.file("config.phones", &c.phones)?,
            common: self.opt_file("config.common", &c.common)?,
            aes_key_env: c.aes_key_env.map(Spanned::into_inner),
            prefix: c.prefix,
            postfix: c.postfix,
            merge_common: c.merge_common,
            phonebook: self.opt_file("config.phonebook", &c.phonebook)?,
        })
    }

    fn version(&self, v: &Option<Spanned<String>>) -> Result<Option<crate::kinds::firmware::Version>> {
        match v {
            None => Ok(None),
            Some(s) => match s.get_ref().parse() {
                Ok(v) => Ok(Some(v)),
                Err(e) => self.at(s.span(), format!("{e}")),
            },
        }
    }

    fn ring(&self, slot: &Spanned<String>, spec: Spanned<RawRing>, models: &[&Model]) -> Result<RingSpec> {
        let Ok(n) = slot.get_ref().parse::<u8>() else {
            return self.at(slot.span(), format!("ring-tone slot '{}' is not a number", slot.get_ref()));
        };
        for m in models {
            if let Err(e) = m.ringtone.file_for_slot(n, &m.name) {
                return self.at(slot.span(), format!("{e}"));
            }
        }
        let span = spec.span();
        let full = match spec.into_inner() {
            RawRing::File(file) => RawRingFull { file, ..RawRingFull::default() },
            RawRing::Full(f) => f,
        };
        let file = self.file(&format!("ringtones.{n}"), &Spanned::new(span.clone(), full.file))?;
        let codec = match full.codec.as_deref().map(str::parse::<ringtool::Codec>) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => return self.at(span, format!("codec: {e}")),
        };
        if full.max_seconds.is_some_and(|s| !(s.is_finite() && s > 0.0)) {
            return self.at(span, "max_seconds must be greater than 0".into());
        }
        Ok(RingSpec {
            slot: n,
            file,
            max_seconds: full.max_seconds,
            start: full.start.unwrap_or(0.0),
            codec,
            normalize: full.normalize,
            fade_ms: full.fade_ms.unwrap_or(50),
            fade_in_ms: full.fade_in_ms.unwrap_or(ringtool::render::DEFAULT_FADE_IN_MS),
        })
    }

    /// A `fit`/`gravity` value, parsed as the command line would.
    fn choice<T: clap::ValueEnum + Default>(&self, s: &Option<Spanned<String>>, key: &str) -> Result<T> {
        let Some(s) = s else { return Ok(T::default()) };
        match T::from_str(s.get_ref(), true) {
            Ok(v) => Ok(v),
            Err(_) => {
                let names: Vec<String> = T::value_variants()
                    .iter()
                    .filter_map(|v| v.to_possible_value())
                    .map(|p| p.get_name().to_string())
                    .collect();
                self.at(s.span(), format!("{key} '{}' is not one of {}", s.get_ref(), names.join(", ")))
            }
        }
    }

    /// `base`: one hlpres.tar per model (a plain path only for a one-model release).
    fn bases(&self, raw: &Option<Spanned<RawBase>>, models: &[&Model]) -> Result<BTreeMap<String, PathBuf>> {
        let Some(raw) = raw else { return Ok(BTreeMap::new()) };
        let entries = match raw.get_ref() {
            RawBase::One(path) if models.len() == 1 => {
                vec![(Spanned::new(raw.span(), models[0].name.clone()), Spanned::new(raw.span(), path.clone()))]
            }
            RawBase::One(_) => {
                let example: Vec<String> =
                    models.iter().map(|m| format!("{0} = \"vendor/hlpres-{0}.tar\"", m.name)).collect();
                return self.at(
                    raw.span(),
                    format!(
                        "base: a base hlpres.tar belongs to one model (screens differ); this release has {} models, so write base = {{ {} }} (models without one get no base)",
                        models.len(),
                        example.join(", ")
                    ),
                );
            }
            RawBase::PerModel(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let mut bases = BTreeMap::new();
        for (model, path) in entries {
            let name = match self.layouts.model(model.get_ref()) {
                Ok(m) if models.iter().any(|x| x.name == m.name) => m.name.clone(),
                Ok(m) => return self.at(model.span(), format!("base: {} is not one of this release's models", m.name)),
                Err(e) => return self.at(model.span(), format!("base: {e}")),
            };
            bases.insert(name.clone(), self.file(&format!("branding.base.{name}"), &path)?);
        }
        Ok(bases)
    }

    fn branding(&self, b: RawBranding, models: &[&Model]) -> Result<Branding> {
        let files = |key: &str, list: &[Spanned<String>]| {
            list.iter().map(|s| self.file(&format!("branding.{key}"), s)).collect::<Result<Vec<_>>>()
        };
        let background = match &b.background {
            None => crate::mechanisms::image::FitStyle::default().background,
            Some(s) => match s.get_ref().parse() {
                Ok(c) => c,
                Err(e) => return self.at(s.span(), format!("background: {e:#}")),
            },
        };
        let style = crate::mechanisms::image::FitStyle {
            fit: self.choice(&b.fit, "fit")?,
            gravity: self.choice(&b.gravity, "gravity")?,
            background,
        };
        let sources = crate::kinds::hlpres::AssetSources {
            wallpapers: files("wallpapers", &b.wallpapers)?,
            screensavers: files("screensavers", &b.screensavers)?,
            weblogo: self.opt_file("branding.weblogo", &b.weblogo)?,
            lcdlogo: self.opt_file("branding.lcdlogo", &b.lcdlogo)?,
            icons: b
                .icons
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.file(&format!("branding.icons.\"{k}\""), v)?)))
                .collect::<Result<_>>()?,
            assets_dir: None,
        };
        Ok(Branding {
            sources,
            base: None,
            bases: self.bases(&b.base, models)?,
            direct_wallpaper: self.opt_file("branding.direct_wallpaper", &b.direct_wallpaper)?,
            direct_screensaver: self.opt_file("branding.direct_screensaver", &b.direct_screensaver)?,
            exp_pres: self.opt_file("branding.exp_pres", &b.exp_pres)?,
            look: crate::kinds::hlpres::Look { style, dither: b.dither },
        })
    }
}
