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

//!
//! Files: `schema.rs` (the TOML's shape), `check.rs` (the checker and the whole manifest's check),
//! `sections.rs` (each section's check).

mod check;
mod schema;
mod sections;

use crate::kinds::config::ConfigSpec;
use crate::kinds::firmware::FirmwareSpec;
use crate::kinds::hlpres::Branding;
use crate::kinds::language::Languages;
use crate::kinds::ringtone::RingSpec;
use crate::rules::layout::Layouts;
use anyhow::{bail, Result};
use check::Checker;
use schema::RawManifest;
use std::path::{Path, PathBuf};

/// Manifests larger than this are refused.
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

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
