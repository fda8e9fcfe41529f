//! One phone model's rules as typed data: screen, assets, ring tones, archives, firmware names.

use super::config_format::ConfigFormat;
use super::htek_config::Dialect;
use crate::rules::names::named_values;
use anyhow::{bail, Result};
use ringtool::{Codec, Container};
use serde::{Deserialize, Serialize};

/// What a model's screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Screen {
    Color,
    Mono,
    None,
}

impl std::fmt::Display for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Screen::Color => "color",
            Screen::Mono => "mono",
            Screen::None => "none",
        })
    }
}

/// The kinds of screen asset (`kind` of an asset profile, `bundler image --as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    Wallpaper,
    Screensaver,
    Weblogo,
    Lcdlogo,
    Icon,
}

named_values!(AssetKind {
    Wallpaper = "wallpaper": "",
    Screensaver = "screensaver": "",
    Weblogo = "weblogo": "",
    Lcdlogo = "lcdlogo": "",
    Icon = "icon": "",
});

impl AssetKind {
    /// The kinds with fixed entry names (every kind but icons).
    pub const FIXED: [AssetKind; 4] =
        [AssetKind::Wallpaper, AssetKind::Screensaver, AssetKind::Weblogo, AssetKind::Lcdlogo];
}

/// Ring-tone types (ringtool's) read from and written as their text names (`gsrt`, `ulaw`).
pub(super) mod via_str {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T: FromStr, D: Deserializer<'de>>(d: D) -> Result<T, D::Error>
    where
        T::Err: Display,
    {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }

    pub fn optional<'de, T: FromStr, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error>
    where
        T::Err: Display,
    {
        deserialize(d).map(Some)
    }
}

/// All the rules for one phone model, with the vendor defaults already applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub vendor: String,
    /// The vendor's config format (copied from the vendor file).
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub config_format: Option<ConfigFormat>,
    /// Other names that mean this model (`UC912G` → `UC912`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Htek device code: the common config is `cfg<code>.xml`. `None` when unknown (never guessed).
    #[serde(default)]
    pub device_code: Option<String>,
    #[serde(default)]
    pub device_code_source: Option<String>,
    /// Current firmware file name (`fw924.rom`), if known.
    #[serde(default)]
    pub firmware: Option<String>,
    /// Firmware file name pattern (`{model}-FVUI_V*.bin`), for vendors whose names carry a version.
    #[serde(default)]
    pub firmware_pattern: Option<String>,
    /// Legacy firmware files (`boot_924.bin`, `img_924.bin`).
    #[serde(default)]
    pub legacy_firmware: Vec<String>,
    /// First and last version that uses the legacy file set.
    #[serde(default)]
    pub legacy_firmware_versions: Vec<String>,
    /// First version that uses the single current firmware file.
    #[serde(default)]
    pub current_firmware_from: Option<String>,
    /// Phones at or below this version need the legacy image as well to reach the current firmware.
    #[serde(default)]
    pub two_step_upgrade_below: Option<String>,
    /// Which legacy file the two-step upgrade needs beside the current firmware (`img_`).
    #[serde(default)]
    pub two_step_file_prefix: Option<String>,
    /// Largest firmware file accepted, in bytes.
    #[serde(default = "default_firmware_max_bytes")]
    pub firmware_max_bytes: u64,
    #[serde(default = "default_screen")]
    pub screen: Screen,
    /// Names of asset profiles, resolved into `asset_rules` when loading.
    #[serde(default, skip_serializing)]
    pub assets: Vec<String>,
    /// The screen assets this model takes (wallpapers, screensavers, logos, icons).
    #[serde(default, skip_deserializing)]
    pub asset_rules: Vec<AssetRule>,
    pub ringtone: RingRules,
    #[serde(default)]
    pub hlpres: Option<ArchiveRule>,
    #[serde(default)]
    pub language: Option<ArchiveRule>,
    /// What goes into `Language.tar` besides the archive rule: template names, how items are found.
    #[serde(default)]
    pub language_files: Option<LanguageFiles>,
    /// Expansion-module resources, passed through (inner format unpublished).
    #[serde(default)]
    pub exp_pres: Option<ArchiveRule>,
    /// Which Htek config XML dialect `config htek` writes for the model by default: `pcode`
    /// (`<P47 para=…>`) or `named` (`<Profile1_Sipserver>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dialect: Option<Dialect>,
}

fn default_firmware_max_bytes() -> u64 {
    256 * 1024 * 1024
}

fn default_screen() -> Screen {
    Screen::Color
}

/// How ring tones for a model are made and named.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RingRules {
    /// Slot numbers the phone fetches (Htek: 4–8).
    pub slots: Vec<u8>,
    /// File name with `{slot}` (`ring{slot}.bin`).
    pub file: String,
    /// `gsrt`, `g711-wav` or `pcm-wav`.
    #[serde(with = "via_str")]
    pub container: Container,
    /// `ulaw` or `alaw`.
    #[serde(with = "via_str")]
    pub codec: Codec,
    pub sample_rate: u32,
    /// Default length cap in seconds.
    pub max_seconds: f64,
    /// Largest file the phone takes, in bytes.
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

impl RingRules {
    /// The file name the phone fetches for `slot`, or an error naming the slots that exist.
    pub fn file_for_slot(&self, slot: u8, model: &str) -> Result<String> {
        if !self.slots.contains(&slot) {
            let slots: Vec<String> = self.slots.iter().map(|s| s.to_string()).collect();
            bail!("slot {slot} does not exist on {model}: its ring-tone slots are {}", slots.join(", "));
        }
        Ok(self.file.replace("{slot}", &slot.to_string()))
    }
}

/// A tar the phone fetches (`hlpres.tar`, `Language.tar`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRule {
    pub file: String,
    /// The folder every entry lives under (`hlpres`, `Language`).
    pub folder: String,
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

/// The files of a language pack (guide §4.2, §4.3, §20) and how items are found in the templates,
/// whose inner format is not published.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageFiles {
    /// The English LCD template the vendor ships (`LCD_English_Template.xml`).
    pub lcd_template: String,
    /// The English web template the vendor ships (`Web_English_Template.js`).
    pub web_template: String,
    /// XML attributes that name an item rather than hold its text (`id`, `name`, `key`, …).
    pub id_attributes: Vec<String>,
    /// XML attributes that are neither names nor text (`type`, `version`, …): never items.
    #[serde(default)]
    pub ignored_attributes: Vec<String>,
    #[serde(default)]
    pub source: String,
}

/// One kind of screen asset of a model: its names, size, formats and byte cap.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRule {
    /// Profile name in the layout file (`wallpaper_480x320`).
    #[serde(default)]
    pub profile: String,
    pub kind: AssetKind,
    /// Entry names under the archive folder, in slot order.
    #[serde(default)]
    pub names: Vec<String>,
    /// A glob (`*.png`) for kinds whose names are not fixed (icons).
    #[serde(default)]
    pub any_name: Option<String>,
    pub width: u32,
    pub height: u32,
    /// Accepted formats; the first is what bundler writes.
    pub formats: Vec<String>,
    #[serde(default)]
    pub monochrome: bool,
    pub max_bytes: u64,
    #[serde(default)]
    pub source: String,
}

impl AssetRule {
    /// Whether `name` (an entry name without folder) is one of this rule's names.
    pub fn matches(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
            || self.any_name.as_deref().is_some_and(|glob| crate::rules::glob::matches(glob, name))
    }
}

impl Model {
    /// The rule for an asset kind (`wallpaper`), if the model has it.
    pub fn asset(&self, kind: AssetKind) -> Option<&AssetRule> {
        self.asset_rules.iter().find(|r| r.kind == kind)
    }

    /// The rule an archive entry name (without folder) falls under, if any.
    pub fn asset_for_name(&self, name: &str) -> Option<&AssetRule> {
        // Fixed names first, so `weblogo.jpg` never falls under a glob.
        self.asset_rules
            .iter()
            .find(|r| r.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .or_else(|| self.asset_rules.iter().find(|r| r.matches(name)))
    }

    /// Whether `name` is this model's name or one of its aliases (case-insensitive).
    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}
