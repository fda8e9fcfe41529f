//! Htek XML configs (`cfg<code>.xml`, `cfg<mac>.xml`, optionally AES-encrypted): the
//! [`VendorConfig`] implementation and the code behind it.
//!
//! `generate.rs` writes them (`bundler config htek`), `xml.rs` reads and writes the XML, `aes.rs`
//! encrypts, `pcodes.rs` checks values against the P-code dictionary, `names.rs` reads file names,
//! `resolve.rs` walks a folder as one phone does. The vocabulary is `layouts/htek-config.toml`.

pub mod generate;
pub mod names;
pub mod pcodes;
mod resolve;
pub mod xml;

use super::aes::{self, AesKey};
use super::format::{Ask, FirmwareSettings, PhoneWalk, Resolution, TreeFile, VendorConfig};
use super::{Sink, TreeConfigs};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::{AfterCommon, FetchKind, HtekData, Layouts, Model, Vendor};
use crate::Context;
use anyhow::Result;
use std::collections::BTreeMap;

/// The Htek XML format.
pub struct HtekXml;

impl VendorConfig for HtekXml {
    fn label(&self) -> &'static str {
        "Htek"
    }

    fn looks_for(&self) -> &'static str {
        "Htek cfg….xml"
    }

    fn names_file(&self, name: &str) -> bool {
        names::htek_name(name).is_some()
    }

    fn render(&self, configs: &TreeConfigs, sink: &Sink, ctx: &Context) -> Result<serde_json::Value> {
        let spec = &configs.spec;
        // Phones that may stop after cfg<code>.xml get everything in their own file, unless the
        // manifest keeps the common files (then warned about, naming what they would miss).
        let continues = ctx.layouts.vendor(&configs.vendor)?.provisioning.after_common == AfterCommon::Continues;
        let merge_common = spec.merge_common.unwrap_or(!continues);
        let request = generate::Request {
            sources: configs.sources(),
            aes_key: spec.aes_key()?,
            prefix: spec.prefix.clone(),
            postfix: spec.postfix.clone(),
            merge_common,
            warn_shadowed: !merge_common && !continues,
            ..Default::default()
        };
        let g = generate::generate(&request, sink, ctx)?;
        let warnings: Vec<String> = g.warnings.iter().map(|w| w.to_string()).collect();
        let models: Vec<&String> = g.present.iter().filter(|(_, n)| **n > 0).map(|(m, _)| m).collect();
        Ok(
            serde_json::json!({ "phones": g.count, "models": models, "encrypted": spec.aes_key_env.is_some(), "common_files": !merge_common, "warnings": warnings }),
        )
    }

    fn shows_warnings(&self) -> bool {
        true
    }

    fn resolve(&self, ask: &Ask, model: Option<&Model>, ctx: &Context) -> Result<Resolution> {
        resolve::resolve(ask, model, ctx)
    }

    fn phone_walk(&self) -> PhoneWalk {
        PhoneWalk::Requests
    }

    fn user_agent(&self, name: &str, model: &str, firmware: Option<&str>, colons: &str) -> String {
        format!("{name} {model} {} {colons}", firmware.unwrap_or("0.0.0.0"))
    }

    fn may_stop_after_common(&self) -> bool {
        true
    }

    fn common_file(&self, layouts: &Layouts, model: &Model) -> Option<String> {
        model.device_code.as_deref().map(|c| layouts.htek.files.common_name(c))
    }

    /// The firmware folder (`[[fetch]]` of kind firmware), the name prefix and postfix, and "ask
    /// only when they changed" (`[provisioning]`), each a P-code line; a setting the vendor's layout
    /// does not name is left out.
    fn firmware_settings(&self, vendor: &Vendor, layouts: &Layouts, firmware: &FirmwareSettings) -> String {
        let data = &layouts.htek;
        let prov = &vendor.provisioning;
        let renamed = !(firmware.prefix.is_empty() && firmware.postfix.is_empty());
        let lines = [
            (vendor.fetch(FetchKind::Firmware).map(|f| f.setting.as_str()), firmware.url),
            (prov.firmware_prefix.as_deref(), firmware.prefix),
            (prov.firmware_postfix.as_deref(), firmware.postfix),
            (prov.firmware_only_on_change.as_deref(), if renamed { "1" } else { "0" }),
        ];
        let mut out = String::new();
        for (setting, value) in lines {
            if let Some(code) = setting.and_then(|s| data.code_for(s).ok()) {
                out.push_str(&xml::setting_line(data, code, value));
            }
        }
        out
    }

    fn release_options(&self, layouts: &Layouts) -> String {
        format!(
            "# aes_key_env = \"{}\"   # encrypt per-phone files with the key in this variable\n# prefix = \"\"\n# postfix = \"\"\n# merge_common = false\n",
            layouts.htek.release.aes_key_env
        )
    }

    fn common_example(&self, model: &str, column: &str, value: &str) -> String {
        format!(
            "# Settings for every phone ([all]) or one model ([models.NAME]), by P-code or alias\n\
             # (`bundler config pcodes` lists them).\n[all]\n# {column} = \"{value}\"\n\n[models.{model}]\n"
        )
    }

    fn manifest_keys(&self) -> &'static [&'static str] {
        &["aes_key_env"]
    }

    fn holds_settings(&self, rel: &str) -> bool {
        rel.ends_with(".xml")
    }

    fn tree_file(
        &self,
        rel: &str,
        bytes: Vec<u8>,
        key: Option<&AesKey>,
        layouts: &Layouts,
        found: &mut Vec<Diagnostic>,
    ) -> TreeFile {
        if !self.holds_settings(rel) {
            return TreeFile::Other;
        }
        TreeFile::Settings(tree_settings(rel, bytes, key, &layouts.htek, found))
    }
}

/// The settings of a config in a release tree (decrypted with `key` when encrypted), by P-code name.
fn tree_settings(
    rel: &str,
    bytes: Vec<u8>,
    key: Option<&AesKey>,
    data: &HtekData,
    found: &mut Vec<Diagnostic>,
) -> Option<BTreeMap<String, String>> {
    let plain = match (aes::looks_encrypted(&bytes), key) {
        (false, _) => bytes,
        (true, Some(key)) => match key.decrypt(&bytes) {
            Ok(plain) => plain,
            Err(e) => {
                found.push(Diagnostic::error(rel, format!("cannot decrypt with the given AES key: {e}")));
                return None;
            }
        },
        (true, None) => {
            found.push(Diagnostic::note(
                rel,
                "encrypted: the settings it points phones with were not checked (give --aes-key or BUNDLER_AES_KEY)",
            ));
            return None;
        }
    };
    let read = xml::read_bytes(rel, &plain, data);
    Some(read.settings.iter().filter(|s| s.code.is_some()).map(|s| (s.key(), s.value.clone())).collect())
}
