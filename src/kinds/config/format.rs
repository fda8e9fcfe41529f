//! The one interface of a vendor config format ([`VendorConfig`]) and the values its callers and
//! implementations share: what `config resolve` finds ([`Resolution`]), how a phone walks its
//! files ([`PhoneWalk`]), what a release tree's config file holds ([`TreeFile`]).
//!
//! Each format implements the trait beside its own code (`htek/`, `flyingvoice/`); `choose.rs` is
//! the one place that picks the implementation for a vendor's `config_format`.

use super::aes::AesKey;
use super::mac::Mac;
use super::{Sink, TreeConfigs};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::{Layouts, Model, Vendor};
use crate::Context;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What the code of one vendor config format does for the commands that need it.
pub trait VendorConfig: Sync {
    /// The family name messages use for the format's files (`Htek`).
    fn label(&self) -> &'static str;
    /// What a provisioning folder of this format shows, for the error when a folder shows no
    /// format's files (`Htek cfg….xml`).
    fn looks_for(&self) -> &'static str;
    /// Whether `name` in a provisioning folder is one of this format's files.
    fn names_file(&self, name: &str) -> bool;

    /// Writes a release tree's configs into `sink`; returns the item's details (its warnings among them).
    fn render(&self, configs: &TreeConfigs, sink: &Sink, ctx: &Context) -> Result<serde_json::Value>;
    /// Whether `release` shows the warnings of [`VendorConfig::render`] on standard error (else
    /// they go into the manifest only).
    fn shows_warnings(&self) -> bool;
    /// `config resolve`: what one phone ends up with from a provisioning folder. `model` is the
    /// `--model` given, if any.
    fn resolve(&self, ask: &Ask, model: Option<&Model>, ctx: &Context) -> Result<Resolution>;

    /// How the format's phones request their config files.
    fn phone_walk(&self) -> PhoneWalk;
    /// The User-Agent the phones send: `name` is the vendor's name capitalised, `colons` the MAC
    /// as `00:1f:c1:…` (FORMATS.md §3 "How phones identify themselves").
    fn user_agent(&self, name: &str, model: &str, firmware: Option<&str>, colons: &str) -> String;
    /// Whether a phone may stop after its common file, so settings only in its own file can be
    /// lost (then the vendor layout's `after_common` fact decides).
    fn may_stop_after_common(&self) -> bool;
    /// The common config file the phones of `model` fetch first, if the format has one per model.
    fn common_file(&self, layouts: &Layouts, model: &Model) -> Option<String>;

    /// The paste-ready lines that point the phones of `vendor` at firmware served at `url`.
    fn firmware_settings(&self, vendor: &Vendor, layouts: &Layouts, firmware: &FirmwareSettings) -> String;
    /// `bundler init`: the commented option lines of a new release.toml's `[config]` section.
    fn release_options(&self, layouts: &Layouts) -> String;
    /// `bundler init`: a new `common.toml` showing `column = value` for `model`.
    fn common_example(&self, model: &str, column: &str, value: &str) -> String;
    /// The optional `[config]` keys of a release manifest that only this format takes.
    fn manifest_keys(&self) -> &'static [&'static str];

    /// Whether a release tree's config file `rel` holds settings this format reads.
    fn holds_settings(&self, rel: &str) -> bool;
    /// `verify`: what one config file of a release tree holds (decrypted with `key` where the
    /// format encrypts); problems reading it go to `found`.
    fn tree_file(
        &self,
        rel: &str,
        bytes: Vec<u8>,
        key: Option<&AesKey>,
        layouts: &Layouts,
        found: &mut Vec<Diagnostic>,
    ) -> TreeFile;
}

/// What `config resolve` was asked, apart from the model.
pub struct Ask<'a> {
    /// The provisioning folder.
    pub dir: &'a Path,
    pub mac: Mac,
    /// Whether `--model` was given.
    pub model_given: bool,
    /// The key for encrypted files (`--aes-key`), as given.
    pub aes_key: Option<&'a str>,
    /// The config file name prefix and postfix the phone uses.
    pub prefix: &'a str,
    pub postfix: &'a str,
}

/// How a phone walks its config files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneWalk {
    /// A fixed list of files, each requested (Htek: common, binary, own), combined under the
    /// vendor's `after_common` fact.
    Requests,
    /// The first boot file found (its own, else the common one), then its includes in order.
    Includes,
}

/// What the firmware lines name: the server URL, the name prefix and postfix, and each laid-out
/// file with the models that take it.
pub struct FirmwareSettings<'a> {
    pub url: &'a str,
    pub prefix: &'a str,
    pub postfix: &'a str,
    pub files: Vec<(&'a str, &'a [String])>,
}

/// One config file of a release tree as `verify` reads it.
pub enum TreeFile {
    /// A settings file: its settings by name, `None` when it could not be read.
    Settings(Option<BTreeMap<String, String>>),
    /// A file that includes others: each include's target, line and column.
    Includes(Vec<(String, usize, usize)>),
    /// Not one of the format's files.
    Other,
}

/// One file the phone reads or requests.
#[derive(Debug, Serialize)]
pub struct Fetch {
    pub file: String,
    /// `present`, `missing`, `encrypted`, `binary`, …
    pub status: String,
    /// Include depth (Flyingvoice) or request order (Htek, from 1).
    pub depth: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One effective setting and where its value came from.
#[derive(Debug, Serialize)]
pub struct Effective {
    pub key: String,
    pub value: String,
    pub file: String,
    pub line: usize,
    /// Column of the element (Htek XML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub para: Option<String>,
}

/// How [`Resolution::files`] are listed: numbered requests, or reads nested by include depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Requests,
    Includes,
}

/// What one phone ends up with.
#[derive(Debug, Serialize)]
pub struct Resolution {
    pub vendor: String,
    #[serde(skip)]
    pub listing: Listing,
    pub mac: String,
    pub files: Vec<Fetch>,
    /// For Htek: which files the phone takes under each reading of the guide.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<String>,
    pub settings: Vec<Effective>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Resolution {
    /// An empty resolution for the phone `mac` of `vendor`.
    pub fn new(vendor: &str, listing: Listing, mac: Mac) -> Resolution {
        Resolution {
            vendor: vendor.to_string(),
            listing,
            mac: mac.to_string(),
            files: Vec::new(),
            takes: Vec::new(),
            settings: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Sets `key` (a later value replaces an earlier one, keeping its place).
    pub fn set(
        &mut self,
        key: &str,
        value: &str,
        file: &str,
        (line, column): (usize, Option<usize>),
        para: Option<String>,
    ) {
        let (key, value, file) = (key.to_string(), value.to_string(), file.to_string());
        let e = Effective { key, value, file, line, column, para };
        match self.settings.iter_mut().find(|s| s.key == e.key) {
            Some(slot) => *slot = e,
            None => self.settings.push(e),
        }
    }
}
