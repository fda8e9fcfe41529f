//! The manifest's schema: the shape of `release.toml` as TOML gives it (`Spanned` values, so a
//! check can point at the line and column), before any check. [`super::check`] turns it into the
//! kinds' specs.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    pub(super) vendor: Spanned<String>,
    pub(super) models: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    pub(super) base_url: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) ringtones: BTreeMap<Spanned<String>, Spanned<RawRing>>,
    #[serde(default)]
    pub(super) branding: Option<RawBranding>,
    #[serde(default)]
    pub(super) languages: Option<RawLanguages>,
    #[serde(default)]
    pub(super) firmware: Option<RawFirmware>,
    #[serde(default)]
    pub(super) config: Option<RawConfig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) phones: Spanned<String>,
    pub(super) common: Option<Spanned<String>>,
    pub(super) aes_key_env: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) prefix: String,
    #[serde(default)]
    pub(super) postfix: String,
    pub(super) merge_common: Option<bool>,
    pub(super) phonebook: Option<Spanned<String>>,
}

/// A ring-tone slot: a file path, or a table with options.
#[derive(Debug)]
pub(super) enum RawRing {
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
pub(super) enum RawBase {
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
pub(super) struct RawRingFull {
    pub(super) file: String,
    pub(super) max_seconds: Option<f64>,
    pub(super) start: Option<f64>,
    pub(super) codec: Option<String>,
    pub(super) normalize: Option<f64>,
    pub(super) fade_ms: Option<u32>,
    pub(super) fade_in_ms: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBranding {
    #[serde(default)]
    pub(super) wallpapers: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) screensavers: Vec<Spanned<String>>,
    pub(super) weblogo: Option<Spanned<String>>,
    pub(super) lcdlogo: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) icons: BTreeMap<String, Spanned<String>>,
    pub(super) base: Option<Spanned<RawBase>>,
    pub(super) fit: Option<Spanned<String>>,
    pub(super) gravity: Option<Spanned<String>>,
    pub(super) background: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) dither: bool,
    pub(super) direct_wallpaper: Option<Spanned<String>>,
    pub(super) direct_screensaver: Option<Spanned<String>>,
    pub(super) exp_pres: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLanguages {
    pub(super) dir: Spanned<String>,
    pub(super) lcd_template: Option<Spanned<String>>,
    pub(super) web_template: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) strict: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFirmware {
    pub(super) files: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) prefix: String,
    #[serde(default)]
    pub(super) postfix: String,
    pub(super) version: Option<Spanned<String>>,
    pub(super) from_version: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) only_when_name_changes: bool,
}
