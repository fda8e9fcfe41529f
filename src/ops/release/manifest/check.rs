//! Checking a manifest: the [`Checker`] with what every section's check shares (errors at a line
//! and column, input paths that must exist and be files or folders, the models, versions), and the
//! whole manifest's check; each section's own check is in [`super::sections`].

use super::schema::RawManifest;
use super::Manifest;
use crate::rules::layout::{Layouts, Model};
use anyhow::Result;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Checks one manifest (`shown` is its path as errors name it, `text` its TOML) against the
/// layouts, with paths relative to `base`.
pub(super) struct Checker<'a> {
    pub(super) shown: &'a str,
    pub(super) text: &'a str,
    pub(super) base: &'a Path,
    pub(super) layouts: &'a Layouts,
    /// Every named file that does not exist yet, with its line and column and as "path (key, line
    /// N)": reported together, so a
    /// fresh `bundler init` project lists all it still needs at once.
    pub(super) missing: std::cell::RefCell<Vec<(usize, usize, String)>>,
}

impl Checker<'_> {
    /// An error at a span of the manifest.
    pub(super) fn at<T>(&self, span: std::ops::Range<usize>, message: String) -> Result<T> {
        Err(crate::rules::toml::at(self.shown, self.text, span, message))
    }

    /// A manifest path (at `key`) made absolute, which must be an existing file or folder: a device,
    /// FIFO or socket would be read forever or block.
    pub(super) fn file(&self, key: &str, s: &Spanned<String>) -> Result<PathBuf> {
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

    pub(super) fn opt_file(&self, key: &str, s: &Option<Spanned<String>>) -> Result<Option<PathBuf>> {
        s.as_ref().map(|s| self.file(key, s)).transpose()
    }

    pub(super) fn check(&self, raw: RawManifest, path: &Path) -> Result<Manifest> {
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
    pub(super) fn models(&self, raw: &Spanned<Vec<Spanned<String>>>, vendor: &str) -> Result<Vec<&Model>> {
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

    pub(super) fn version(&self, v: &Option<Spanned<String>>) -> Result<Option<crate::kinds::firmware::Version>> {
        match v {
            None => Ok(None),
            Some(s) => match s.get_ref().parse() {
                Ok(v) => Ok(Some(v)),
                Err(e) => self.at(s.span(), format!("{e}")),
            },
        }
    }
}
