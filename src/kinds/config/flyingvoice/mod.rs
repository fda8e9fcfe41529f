//! Flyingvoice boot and cfg files (`<mac>.boot` including `<mac>.cfg`, the common
//! `y000000000000.*`): the [`VendorConfig`] implementation and the code behind it.
//!
//! `generate.rs` writes them (`bundler config flyingvoice`), `fvfile.rs` reads one file,
//! `includes.rs` follows `include:config` lines from any source, `folder.rs` is a provisioning
//! folder as that walk reads it, `resolve.rs` walks it as one phone does. The vocabulary is
//! `layouts/flyingvoice-config.toml`.

pub mod folder;
pub mod fvfile;
pub mod generate;
pub mod includes;
mod resolve;

use super::aes::AesKey;
use super::format::{Ask, FirmwareSettings, PhoneWalk, Resolution, TreeFile, VendorConfig};
use super::{Sink, TreeConfigs};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::{FetchKind, Layouts, Model, Vendor};
use crate::Context;
use anyhow::Result;
use fvfile::Kind;

/// The Flyingvoice boot/cfg format.
pub struct FlyingvoiceCfg;

impl VendorConfig for FlyingvoiceCfg {
    fn label(&self) -> &'static str {
        "Flyingvoice"
    }

    fn looks_for(&self) -> &'static str {
        "Flyingvoice .boot files"
    }

    fn names_file(&self, name: &str) -> bool {
        Kind::of(name) == Some(Kind::Boot)
    }

    fn render(&self, configs: &TreeConfigs, sink: &Sink, ctx: &Context) -> Result<serde_json::Value> {
        let request = generate::Request { sources: configs.sources(), phonebook: configs.spec.phonebook.clone() };
        let g = generate::generate(&request, sink, ctx)?;
        // The common cfg, which every phone loads, carries the settings all models share.
        let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
        Ok(
            serde_json::json!({ "phones": g.count, "models": configs.tree.keys().collect::<Vec<_>>(), "warnings": warnings }),
        )
    }

    fn shows_warnings(&self) -> bool {
        false
    }

    fn resolve(&self, ask: &Ask, model: Option<&Model>, ctx: &Context) -> Result<Resolution> {
        resolve::resolve(ask, model, ctx)
    }

    fn phone_walk(&self) -> PhoneWalk {
        PhoneWalk::Includes
    }

    fn user_agent(&self, name: &str, model: &str, firmware: Option<&str>, colons: &str) -> String {
        format!("{name} {model} V{} {}", firmware.unwrap_or("0.0.0"), colons.to_uppercase())
    }

    fn may_stop_after_common(&self) -> bool {
        false
    }

    fn common_file(&self, layouts: &Layouts, _model: &Model) -> Option<String> {
        Some(layouts.flyingvoice.files.common_cfg.clone())
    }

    /// One line per laid-out file: the vendor's firmware URL setting (`[[fetch]]` of kind firmware)
    /// pointing at it; nothing when the layout names no such setting.
    fn firmware_settings(&self, vendor: &Vendor, _layouts: &Layouts, firmware: &FirmwareSettings) -> String {
        let Some(fetch) = vendor.fetch(FetchKind::Firmware) else { return String::new() };
        let url = firmware.url;
        let lines = firmware
            .files
            .iter()
            .map(|(name, models)| format!("{} = {url}/{name}   # {}\n", fetch.setting, models.join(", ")));
        lines.collect()
    }

    fn release_options(&self, _layouts: &Layouts) -> String {
        "# phonebook = \"contacts.csv\"\n".to_string()
    }

    fn common_example(&self, _model: &str, column: &str, value: &str) -> String {
        format!("# Settings for every phone, as key = value (nested tables become dotted names).\n# \"{column}\" = \"{value}\"\n")
    }

    fn manifest_keys(&self) -> &'static [&'static str] {
        &["phonebook"]
    }

    fn holds_settings(&self, rel: &str) -> bool {
        Kind::of(rel) == Some(Kind::Cfg)
    }

    fn tree_file(
        &self,
        rel: &str,
        bytes: Vec<u8>,
        _key: Option<&AesKey>,
        layouts: &Layouts,
        _found: &mut Vec<Diagnostic>,
    ) -> TreeFile {
        let Some(kind) = Kind::of(rel) else { return TreeFile::Other };
        let parsed = fvfile::parse(rel, &bytes, kind, &layouts.flyingvoice.syntax);
        match kind {
            Kind::Boot => TreeFile::Includes(
                parsed
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        fvfile::Item::Include { target, line, column } => Some((target.clone(), *line, *column)),
                        _ => None,
                    })
                    .collect(),
            ),
            Kind::Cfg => {
                TreeFile::Settings(Some(parsed.settings().map(|(k, v, _)| (k.to_string(), v.to_string())).collect()))
            }
        }
    }
}
