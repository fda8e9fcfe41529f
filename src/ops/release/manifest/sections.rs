//! Each section's check: `[ringtones]`, `[branding]`, `[languages]`, `[firmware]` and `[config]`
//! turned from the schema into the kinds' specs, every mistake at its line and column.

use super::check::Checker;
use super::schema::{RawBase, RawBranding, RawConfig, RawFirmware, RawLanguages, RawRing, RawRingFull};
use crate::kinds::config::{choose, ConfigSpec};
use crate::kinds::firmware::FirmwareSpec;
use crate::kinds::hlpres::Branding;
use crate::kinds::language::Languages;
use crate::kinds::ringtone::RingSpec;
use crate::rules::layout::Model;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;
use toml::Spanned;

impl Checker<'_> {
    pub(super) fn languages(&self, l: RawLanguages) -> Result<Languages> {
        Ok(Languages {
            dir: self.file("languages.dir", &l.dir)?,
            lcd_template: self.opt_file("languages.lcd_template", &l.lcd_template)?,
            web_template: self.opt_file("languages.web_template", &l.web_template)?,
            strict: l.strict,
        })
    }

    pub(super) fn firmware(&self, f: RawFirmware) -> Result<FirmwareSpec> {
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

    pub(super) fn config(&self, c: RawConfig, vendor: &str) -> Result<ConfigSpec> {
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

    pub(super) fn ring(&self, slot: &Spanned<String>, spec: Spanned<RawRing>, models: &[&Model]) -> Result<RingSpec> {
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
    pub(super) fn choice<T: crate::rules::names::Named + Default>(
        &self,
        s: &Option<Spanned<String>>,
        key: &str,
    ) -> Result<T> {
        let Some(s) = s else { return Ok(T::default()) };
        match T::from_name(s.get_ref()) {
            Ok(v) => Ok(v),
            Err(e) => self.at(s.span(), format!("{key} '{}' is not one of {}", s.get_ref(), e.choices.join(", "))),
        }
    }

    /// `base`: one hlpres.tar per model (a plain path only for a one-model release).
    pub(super) fn bases(&self, raw: &Option<Spanned<RawBase>>, models: &[&Model]) -> Result<BTreeMap<String, PathBuf>> {
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

    pub(super) fn branding(&self, b: RawBranding, models: &[&Model]) -> Result<Branding> {
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
