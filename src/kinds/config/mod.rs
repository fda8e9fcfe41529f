//! Provisioning configs for Htek (XML, optionally AES-encrypted) and Flyingvoice (boot and cfg
//! files), and what checks (`lint`), explains (`resolve`) and reads (`decrypt_config`) what is on a
//! provisioning server. The command line of `bundler config` is the binary's `commands/config/`.
//!
//! Formats: FORMATS.md §1 "Configuration files", "P-codes", "AES encryption" and §2. The vendor
//! vocabulary (file names, P-code dictionary, phonebook keys) is data in `layouts/htek-config.toml`
//! and `layouts/flyingvoice-config.toml`.

pub mod aes;
pub mod choose;
pub(crate) mod csv_input;
pub mod flyingvoice;
pub mod format;
pub mod htek;
pub mod lint;
pub mod mac;
mod phonebook;
mod phones;
pub mod resolve;
mod spec;

pub use format::VendorConfig;
pub use lint::ConfigInspector;
pub use phonebook::PhonebookInspector;
pub use phones::Refused;
pub use spec::{ConfigSpec, TreeConfigs};

/// Model name → the (setting, value) pairs the configs of that model must carry (a release tree's
/// own settings, in plan order).
pub type TreeSettings = std::collections::BTreeMap<String, Vec<(String, String)>>;

/// What both vendors' config generators take: the phones, the common settings, and where the
/// phones find their resources.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The phones CSV (one config per row).
    pub phones: PathBuf,
    /// Settings every phone gets (`common.toml` for Htek, a cfg file for Flyingvoice).
    pub common: Option<PathBuf>,
    /// Where the resources are served (`--resources-url`), when not given by `tree`.
    pub resources_url: Option<String>,
    /// Set by `release`: per model, the settings its tree needs (instead of `resources_url`). A
    /// common or CSV value for one of them wins, with a warning when it differs.
    pub tree: Option<TreeSettings>,
}

impl Sources {
    /// What a `config htek|flyingvoice` command's flags name (no tree: that is `release`'s).
    pub fn from_flags(phones: &Path, common: Option<&Path>, resources_url: Option<&str>) -> Sources {
        Sources {
            phones: phones.to_path_buf(),
            common: common.map(Path::to_path_buf),
            resources_url: resources_url.map(str::to_string),
            tree: None,
        }
    }
}

/// Where a config generator writes its files: a folder that exists (the command's staging folder,
/// or `config/` of a release's staging tree), remembering each file's size and digest so the
/// caller need not read them back.
pub struct Sink {
    dir: PathBuf,
    written: std::sync::Mutex<Vec<Written>>,
}

/// One file a [`Sink`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    pub name: String,
    pub bytes: usize,
    pub sha256: String,
}

impl Sink {
    pub fn new(dir: &Path) -> Sink {
        Sink { dir: dir.to_path_buf(), written: Default::default() }
    }

    /// Writes `name` (a plain file name) into the folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| anyhow!("{}: cannot write: {e}", path.display()))?;
        let record = Written {
            name: name.to_string(),
            bytes: bytes.len(),
            sha256: crate::mechanisms::checksums::sha256_hex(bytes),
        };
        self.written.lock().expect("sink list").push(record);
        Ok(())
    }

    /// Every file written, sorted by name.
    pub fn into_written(self) -> Vec<Written> {
        let mut list = self.written.into_inner().expect("sink list");
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }
}

use crate::rules::layout::{ConfigFormat, Layouts, Model};
use anyhow::{anyhow, bail, Result};
use std::path::{Path, PathBuf};

/// `common.toml` files larger than this are refused.
const MAX_TOML_BYTES: u64 = 4 * 1024 * 1024;

/// Decrypts an Htek config and checks the result is XML text, so a wrong key that happens to give
/// valid padding is still caught.
pub fn decrypt_config(key: &aes::AesKey, bytes: &[u8]) -> Result<String> {
    let plain = key.decrypt(bytes)?;
    match String::from_utf8(plain) {
        Ok(text) if text.trim_start_matches('\u{FEFF}').trim_start().starts_with('<') => Ok(text),
        _ => bail!("the decrypted bytes are not XML text: wrong key?"),
    }
}

/// Whether a phones.csv column is a note for people (`#location`), ignored by the generators.
fn is_note_column(name: &str) -> bool {
    name.starts_with('#')
}

/// Checks a base URL (`http://…` or `https://…`, no spaces) and drops a trailing slash.
fn check_base_url(url: &str) -> Result<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() <= "https://".len() {
        bail!("--resources-url '{url}' must be an http:// or https:// URL (phones fetch resources over HTTP(S), Htek guide §5)");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("--resources-url '{url}' contains a space or control character");
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Why `model` cannot take `format`'s configs, if it cannot: the command its vendor's format takes,
/// or that its vendor has no configs.
pub fn wrong_format(model: &Model, format: ConfigFormat, layouts: &Layouts) -> Option<String> {
    match model.config_format {
        Some(f) if f == format => None,
        Some(f) => Some(format!(
            "model {} is a {} phone; use `bundler config {}`",
            model.name,
            model.vendor,
            layouts.config_command(f)
        )),
        None => Some(format!("model {}: configs are not supported for vendor {}", model.name, model.vendor)),
    }
}

/// Reads a small TOML file; a syntax error names the file, line and column.
fn read_toml(path: &Path) -> Result<(String, toml::Table)> {
    let (shown, text) = crate::mechanisms::tomlfile::read_text(path, MAX_TOML_BYTES)?;
    let table = crate::rules::toml::parse(&shown, &text)?;
    Ok((shown, table))
}

/// Flattens TOML tables into `dotted.name = value` pairs (so `account.1.user_name = "x"` reads as
/// the parameter `account.1.user_name`). Values must be strings or integers.
fn flatten(shown: &str, section: &str, table: toml::Table) -> Result<Vec<(String, String)>> {
    fn walk(
        shown: &str,
        section: &str,
        prefix: &str,
        table: toml::Table,
        out: &mut Vec<(String, String)>,
    ) -> Result<()> {
        for (key, value) in table {
            let name = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
            let text = match value {
                toml::Value::Table(t) => {
                    walk(shown, section, &name, t, out)?;
                    continue;
                }
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => {
                    bail!("{shown}: {section}{name} = {b}: write 1 or 0 (phones take numbers), or quote it")
                }
                other => bail!("{shown}: {section}{name}: a {} value; write it as a quoted string", other.type_str()),
            };
            out.push((name, text));
        }
        Ok(())
    }
    let mut out = Vec::new();
    let section = if section.is_empty() { String::new() } else { format!("{section} ") };
    walk(shown, &section, "", table, &mut out)?;
    Ok(out)
}
