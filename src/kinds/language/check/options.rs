//! What a language check follows: the layout's rules for the pack, the options (templates,
//! strictness, conversion) and where the files come from.

use crate::rules::layout::{ArchiveRule, LanguageFiles, Layouts, Model};
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::PathBuf;

/// The layout rules a language pack follows: the archive (`Language.tar`, its folder and size cap)
/// and the file names and item rules.
#[derive(Debug, Clone, Serialize)]
pub struct LanguageRules {
    /// The model the rules were taken from.
    pub model: String,
    pub archive: ArchiveRule,
    pub files: LanguageFiles,
}

impl LanguageRules {
    /// The rules of `model`; without a model, those of the model with the smallest language-pack
    /// cap (all Htek models share one rule in the built-in layouts).
    pub fn from_layouts(layouts: &Layouts, model: Option<&str>) -> Result<LanguageRules> {
        match model {
            Some(name) => {
                let m = layouts.model(name)?;
                LanguageRules::of(m)
                    .with_context(|| format!("{} takes no language pack (its layout has no [language])", m.name))
            }
            None => layouts
                .models()
                .filter_map(LanguageRules::of)
                .min_by_key(|r| r.archive.max_bytes)
                .context("no model in the layouts takes a language pack"),
        }
    }

    /// The rules of a model, if it takes a language pack.
    pub fn of(model: &Model) -> Option<LanguageRules> {
        Some(LanguageRules {
            model: model.name.clone(),
            archive: model.language.clone()?,
            files: model.language_files.clone()?,
        })
    }
}

/// What to check against and how strictly.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub rules: LanguageRules,
    /// The English LCD template; without one, the folder's own copy is used if it has one.
    pub lcd_template: Option<PathBuf>,
    /// The English web template; without one, the folder's own copy is used if it has one.
    pub web_template: Option<PathBuf>,
    /// Values identical to English, placeholder differences and duplicate keys become errors.
    pub strict: bool,
    /// Transcode files that are not UTF-8 from this encoding into the packed copy.
    pub convert_from: Option<&'static encoding_rs::Encoding>,
    /// Keep every file's bytes in the report for [`super::pack`] (a check alone needs none).
    pub keep_bytes: bool,
}

impl CheckOptions {
    /// Default options for `rules`: no template paths, not strict, no conversion.
    pub fn new(rules: LanguageRules) -> CheckOptions {
        CheckOptions {
            rules,
            lcd_template: None,
            web_template: None,
            strict: false,
            convert_from: None,
            keep_bytes: true,
        }
    }
}

/// Where the sources come from: a user's folder (leftovers are skipped) or a built archive
/// (a leftover in it is already the mistake the guide warns about).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Folder,
    Archive,
}
