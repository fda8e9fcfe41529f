//! The Flyingvoice config vocabulary from `layouts/flyingvoice-config.toml`, read once when the
//! layouts load: file names, the line syntax of boot and cfg files, the phonebook rules. Reading and
//! writing those files is `crate::kinds::config`'s.

use super::DataFile;
use anyhow::{anyhow, Result};
use serde::Deserialize;

/// The layout data file this module reads.
pub const DATA_FILE: &str = "flyingvoice-config.toml";

/// Everything `flyingvoice-config.toml` says.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FvData {
    /// The vendor files' `config_format` this vocabulary serves (`format`).
    pub format: super::ConfigFormat,
    /// The `bundler config` subcommand that writes these files (`command`).
    pub command: String,
    pub files: Files,
    pub syntax: Syntax,
    pub phonebook: PhonebookRules,
}

/// File names; `{mac}` is the lowercase MAC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    pub common_boot: String,
    pub common_cfg: String,
    pub phone_boot: String,
    pub phone_cfg: String,
}

/// Line-level conventions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Syntax {
    pub version_line: String,
    /// The include directive of a boot file, before the file name (`include:config`).
    pub include: String,
}

impl Syntax {
    /// A boot file's line that includes `file`.
    pub fn include_line(&self, file: &str) -> String {
        format!("{} \"{file}\"", self.include)
    }
}

/// The phonebook resource `--phonebook` writes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhonebookRules {
    pub file: String,
    pub title: String,
    pub url_key: String,
    pub name_key: String,
    pub default_group: String,
    pub max_numbers: usize,
    pub max_contacts: usize,
    #[serde(default)]
    pub source: String,
}

impl FvData {
    /// Reads the vocabulary from its layout data file (built in, with any override applied); done
    /// once, when the layouts load.
    pub fn read(data: &DataFile) -> Result<FvData> {
        toml::Value::Table(data.table().clone())
            .try_into()
            .map_err(|e: toml::de::Error| anyhow!("{}: {}", data.shown, e.message().trim()))
    }
}
