//! One vendor's rules as typed data: MAC prefixes, DHCP options, config format, forbidden names,
//! what the phones fetch (`[[fetch]]`) and the provisioning settings (`[provisioning]`).

use super::model::{AssetKind, Model};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Which provisioning-config code a vendor's phones take (`config_format` in a vendor file). A
/// vendor file without one has no configs: asking for one is a "not supported" error. The code for
/// each is one implementation of `kinds::config::VendorConfig`, chosen in `kinds::config::choose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFormat {
    /// Htek XML (`cfg<code>.xml`, `cfg<mac>.xml`, AES), written by `bundler config htek`.
    HtekXml,
    /// Flyingvoice boot/cfg text files, written by `bundler config flyingvoice`.
    FlyingvoiceCfg,
}

impl ConfigFormat {
    /// How layout files spell it (`config_format = "htek-xml"`): its serde name, so the spelling
    /// lives in one place, the enum's definition.
    pub fn name(self) -> String {
        toml::Value::try_from(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}

/// A setting to show in a new project's `phones.csv` and `common.toml` (`[config_example]` in a
/// vendor file): a column `bundler config` accepts for the vendor's phones, and a value.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigExample {
    pub setting: String,
    pub value: String,
    #[serde(default)]
    pub source: String,
}

/// A file name that must never be served (`[[forbidden]]` in a vendor file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Forbidden {
    /// A glob (`factory*.bin`).
    pub name: String,
    /// Why, as `verify` reports it.
    pub reason: String,
    #[serde(default)]
    pub source: String,
}

/// One vendor file: its family name and models.
#[derive(Debug, Clone, Serialize)]
pub struct Vendor {
    pub vendor: String,
    pub family: String,
    /// Where the data came from: "built-in" or the override file(s).
    pub origin: Vec<String>,
    /// The vendor's MAC prefixes (OUIs) as 6 lowercase hex digits; a phone MAC outside them is
    /// warned about, not refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ouis: Vec<String>,
    /// DHCP options the phones take the provisioning URL from (`dhcp_options`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dhcp_options: Vec<u8>,
    /// Which config code the vendor's phones take; `None`: configs are not supported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_format: Option<ConfigFormat>,
    /// The example setting `bundler init` writes, if the vendor file gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_example: Option<ConfigExample>,
    /// The model whose rules apply when a command is given none (ring tones; at most one vendor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_model: Option<String>,
    /// Names that must never be served.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<Forbidden>,
    /// Globs of names that look like this vendor's firmware (`*.rom*`): such a file that no model
    /// fetches is reported by `verify`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub firmware_like: Vec<String>,
    pub models: Vec<Model>,
    /// What the phones fetch besides their config files: setting, value, tree path (`[[fetch]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetch: Vec<Fetch>,
    /// File-name settings and what a phone does after its common config (`[provisioning]`).
    pub provisioning: Provisioning,
    /// How the phones ask a PnP server for their provisioning URL (`[pnp]`); `None`: no PnP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnp: Option<Pnp>,
}

/// The ua-profile SUBSCRIBE a vendor's phones multicast at start-up (RFC 6080; `[pnp]` in a vendor
/// layout): what `phone --pnp` sends and what `serve --pnp` recognises the vendor by.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pnp {
    /// The Event header's `vendor="…"` parameter (`Htek`).
    pub vendor: String,
    /// The Event header's `profile-type` parameter (`device`).
    pub profile_type: String,
    /// The user part of the Request-URI, From and To: `{mac}` 12 lowercase hex digits, `{MAC}`
    /// uppercase.
    pub user: String,
    #[serde(default)]
    pub source: String,
}

impl Pnp {
    /// The user part for a phone's MAC (12 lowercase hex digits).
    pub fn user_for(&self, mac: &str) -> String {
        self.user.replace("{mac}", mac).replace("{MAC}", &mac.to_ascii_uppercase())
    }
}

/// What a [`Fetch`] entry points the phone at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchKind {
    Ring,
    Language,
    Hlpres,
    ExpPres,
    Wallpaper,
    Screensaver,
    Firmware,
    Phonebook,
    Config,
}

/// How a phone turns a setting's value into requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// The value is a folder URL; the phone appends file names to it (ring slot files; firmware and
    /// config names with their prefix and postfix).
    Folder,
    /// The value is the whole file URL.
    File,
}

/// Why a URL setting's value cannot work because it names no server, if so: `phonebook.xml` (a
/// file name), `/` or `/fw/x.rom` (a path), `http:///x`. A value without a scheme is taken as
/// host first (guide §6.2: `firmware.mycompany.com:5688/Htek`); a first part that ends in a file
/// extension is a file name, not a host. Empty values are "not set", not this.
pub fn url_without_host(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let rest = match value.find("://") {
        Some(i) => &value[i + 3..],
        None => value,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(host);
    let name = host.split(':').next().unwrap_or(host);
    const FILE_ENDINGS: &[&str] =
        &["xml", "cfg", "boot", "bin", "rom", "tar", "wav", "png", "jpg", "bmp", "txt", "csv", "zip", "gz", "js"];
    let why = if name.is_empty() {
        "names no server (no host)"
    } else if !value.contains("://")
        && name.rsplit_once('.').is_some_and(|(_, ext)| FILE_ENDINGS.contains(&ext.to_ascii_lowercase().as_str()))
    {
        "is a file name, not a URL: it names no server (no host)"
    } else {
        return None;
    };
    Some(format!(
        "'{value}' {why}; the phone cannot fetch it (write the full URL, e.g. http://SERVER/{})",
        rest.trim_start_matches('/')
    ))
}

/// One setting that points a phone at a file of the tree (`[[fetch]]` in a vendor layout).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fetch {
    pub kind: FetchKind,
    /// The setting (Htek P-code `P20174`, Flyingvoice key `ringtone.url`).
    pub setting: String,
    /// What the setting holds: `{url}` base URL, `{model}` model name, `{file}` a file name.
    pub value: String,
    /// Where a bundler tree keeps it, relative to the tree (`{model}`, `{file}`).
    pub path: String,
    pub request: Request,
    /// Only for models that have a screen asset of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_asset: Option<AssetKind>,
    #[serde(default)]
    pub source: String,
}

impl Fetch {
    /// The setting's value for a tree served at `url` (no trailing slash), for `model`, naming `file`
    /// where the value holds a file name.
    pub fn value_for(&self, url: &str, model: &str, file: &str) -> String {
        fill(&self.value, url, model, file)
    }

    /// The tree paths of `files` for `model` (one path when `path` names no `{file}`).
    pub fn tree_paths(&self, model: &str, files: &[String]) -> Vec<String> {
        if !self.path.contains("{file}") {
            return vec![fill(&self.path, "", model, "")];
        }
        files.iter().map(|f| fill(&self.path, "", model, f)).collect()
    }

    /// The URLs a phone requests given the setting's `value`: the value itself for a whole-file
    /// setting, else the value with each of `files` appended (with a `/` between).
    pub fn requests(&self, value: &str, files: &[String]) -> Vec<String> {
        match self.request {
            Request::File => vec![value.to_string()],
            Request::Folder => {
                let folder = value.trim_end_matches('/');
                files.iter().map(|f| format!("{folder}/{f}")).collect()
            }
        }
    }

    /// Whether `model` takes this file at all (`requires_asset`).
    pub fn applies_to(&self, model: &Model) -> bool {
        self.requires_asset.is_none_or(|kind| model.asset(kind).is_some())
    }
}

fn fill(template: &str, url: &str, model: &str, file: &str) -> String {
    template.replace("{url}", url).replace("{model}", model).replace("{file}", file)
}

/// Whether a phone that got its common config file goes on to its own (`cfg<mac>.xml`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterCommon {
    Stops,
    Continues,
    #[default]
    Unknown,
}

/// The settings that shape fetched file names, and the fact about the common file (`[provisioning]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provisioning {
    /// Firmware file name prefix / postfix settings (Htek P232 / P233).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_postfix: Option<String>,
    /// "Ask for firmware only when the prefix/postfix changed" (Htek P238), set where the manifest asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware_only_on_change: Option<String>,
    /// Config file name prefix / postfix settings (Htek P234 / P235).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_postfix: Option<String>,
    #[serde(default)]
    pub after_common: AfterCommon,
    #[serde(default)]
    pub source: String,
    /// What each source says about `after_common`, named when a tree bundler did not write relies on it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// One source's word on whether the phone goes on after its common file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub says: AfterCommon,
    pub source: String,
    pub what: String,
}

impl Provisioning {
    /// The sources that say `says`, joined for a message ("guide §9.1; Wazo's Htek plugin (…)").
    pub fn evidence_for(&self, says: AfterCommon) -> String {
        let list: Vec<&str> = self.evidence.iter().filter(|e| e.says == says).map(|e| e.source.as_str()).collect();
        if list.is_empty() {
            "no source in the layouts".to_string()
        } else {
            list.join("; ")
        }
    }
}

impl Vendor {
    /// The fetch entry of a kind, if the vendor's phones fetch it.
    pub fn fetch(&self, kind: FetchKind) -> Option<&Fetch> {
        self.fetch.iter().find(|f| f.kind == kind)
    }

    /// The fetch entry whose setting is `setting` (`P20176`), if any.
    pub fn fetch_by_setting(&self, setting: &str) -> Option<&Fetch> {
        self.fetch.iter().find(|f| f.setting.eq_ignore_ascii_case(setting))
    }
}

impl Vendor {
    /// The vendor's config format, or the "not supported" error naming the vendor.
    pub fn config_format(&self) -> Result<ConfigFormat> {
        self.config_format.with_context(|| {
            format!("configs are not supported for vendor {} (its layout file sets no config_format)", self.vendor)
        })
    }
}

#[cfg(test)]
mod url_tests {
    use super::url_without_host as no_host;

    #[test]
    fn urls_that_name_no_server() {
        assert!(no_host("phonebook.xml").unwrap().contains("file name"));
        assert!(no_host("/").unwrap().contains("no host"));
        assert!(no_host("/firmware/fw924.rom").is_some());
        assert!(no_host("http:///x.xml").is_some());
        assert!(no_host("").is_none());
        assert!(no_host("firmware.mycompany.com:5688/Htek").is_none());
        assert!(no_host("192.168.0.254/cfg").is_none());
        assert!(no_host("https://user:pw@pbx.example.com/app/provision/?file=phonebook.xml&contacts=users").is_none());
        assert!(no_host("tftp://10.0.0.1").is_none());
    }
}
