//! Which provisioning-config format a vendor's phones (and so each of its models) take: the one
//! type that a model and a vendor both name, kept apart so `vendor.rs` imports `model.rs` one way.

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
