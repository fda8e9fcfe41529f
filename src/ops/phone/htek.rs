//! The Htek walk: `cfg<code>.xml` → `cfg<mac>` → `cfg<mac>.xml` with the phone's config prefix and
//! postfix (guide §2.1, §10), AES-encrypted files decrypted with `--aes-key` (or the common key P8631
//! an earlier file set, guide §3.1), and both readings of the guide on what follows the first file.

use super::fetch::{in_folder, CONFIG_MAX};
use super::{Phone, Settings, Walk};
use crate::kinds::config::aes::{looks_encrypted, AesKey};
use crate::kinds::config::htek::xml as htek_xml;
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::AfterCommon;
use crate::rules::layout::HtekData;
use anyhow::{anyhow, Result};

/// One config file the phone got: its URL and, when it could read it, its settings.
struct Got {
    url: String,
    settings: Option<Settings>,
}

/// Requests the config files and returns the settings the phone ends up with.
pub fn provision(p: &mut Phone, base: &str, args: &Walk) -> Result<Settings> {
    let data = p.ctx.layouts.htek.clone();
    let given = args
        .aes_key
        .as_deref()
        .map(|k| AesKey::parse(k, &data))
        .transpose()
        .map_err(|e| anyhow!("--aes-key: {e:#}"))?;
    let named = |n: String| format!("{}{n}{}", args.config_prefix, args.config_postfix);
    let mut names = Vec::new();
    match &p.model.device_code {
        Some(code) => names.push((named(data.files.common_name(code)), false)),
        None => p.findings.push(Diagnostic::warning(
            &p.model.name,
            "no known device code, so the phone's common file is unknown (add one with --layouts DIR)",
        )),
    }
    names.push((named(data.files.binary_name(p.mac.as_str())), true));
    names.push((named(data.files.phone_name(p.mac.as_str())), false));
    let mut got: Vec<Got> = Vec::new();
    let mut failed = false;
    for (name, binary) in &names {
        let url = in_folder(base, name);
        match p.client.get(&url, CONFIG_MAX) {
            Err(e) if e.not_found() => {}
            Err(why) => {
                failed = true;
                p.findings.push(Diagnostic::error(&url, why.to_string()));
            }
            Ok(_) if *binary => {
                p.findings
                    .push(Diagnostic::note(&url, "proprietary backup format (guide §2.1): bundler cannot read it"));
                got.push(Got { url, settings: None });
            }
            Ok(bytes) => {
                let key = given.clone().or_else(|| earlier_key(&got, &data));
                let settings = read(p, &url, &bytes, key.as_ref(), &data);
                got.push(Got { url, settings });
            }
        }
    }
    if got.is_empty() && failed {
        return Ok(Settings::default());
    }
    if got.is_empty() {
        let asked: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
        let hint = p.configs_one_level_down(base, &names[names.len() - 1].0).unwrap_or_default();
        p.findings.push(Diagnostic::error(
            in_folder(base, &names[names.len() - 1].0),
            format!("none of the files the phone asks for is there ({}): it gets no settings{hint}", asked.join(", ")),
        ));
        return Ok(Settings::default());
    }
    Ok(combine(p, &got, &data, args))
}

/// The common AES key (P8631) a file read earlier set.
fn earlier_key(got: &[Got], data: &HtekData) -> Option<AesKey> {
    let code = &data.settings.aes_key;
    got.iter().rev().filter_map(|g| g.settings.as_ref()?.value(code)).find_map(|k| AesKey::parse(k, data).ok())
}

/// Decrypts (when encrypted) and reads one config file; `None` when the phone could not read it.
fn read(p: &mut Phone, url: &str, bytes: &[u8], key: Option<&AesKey>, data: &HtekData) -> Option<Settings> {
    let text = if looks_encrypted(bytes) {
        let Some(key) = key else {
            let code = &data.settings.aes_key;
            let why = format!("is AES-encrypted and no key was given (--aes-key, or {code} in an earlier file): its settings are lost");
            p.findings.push(Diagnostic::error(url, why));
            return None;
        };
        match crate::kinds::config::decrypt_config(key, bytes) {
            Ok(t) => t,
            Err(e) => {
                p.findings.push(Diagnostic::error(url, format!("does not decrypt with the key: {e:#}")));
                return None;
            }
        }
    } else {
        return settings_of(p, url, htek_xml::read_bytes(url, bytes, data));
    };
    settings_of(p, url, htek_xml::read(url, &text, data))
}

/// The settings a read file gives; its findings go to the phone's.
fn settings_of(p: &mut Phone, url: &str, found: htek_xml::ReadXml) -> Option<Settings> {
    p.findings.extend(found.diagnostics);
    let mut settings = Settings::default();
    for s in &found.settings {
        settings.set(s.key(), s.value.clone(), url);
    }
    Some(settings)
}

/// The settings under the layouts' fact about what follows the first file; while that fact is not
/// "continues", every setting a phone that stops would miss is an error.
fn combine(p: &mut Phone, got: &[Got], data: &HtekData, args: &Walk) -> Settings {
    let mut all = Settings::default();
    for s in got.iter().filter_map(|g| g.settings.as_ref()) {
        for one in &s.0 {
            all.set(one.key.clone(), one.value.clone(), &one.file);
        }
    }
    let first = got[0].settings.clone().unwrap_or_default();
    let after = p.vendor.provisioning.after_common;
    if after != AfterCommon::Continues && got.len() > 1 {
        let lost: Vec<&str> = all
            .0
            .iter()
            .filter(|s| first.get(&s.key).is_none_or(|f| f.value != s.value))
            .map(|s| s.key.as_str())
            .collect();
        if !lost.is_empty() {
            let later: Vec<String> = got[1..].iter().map(|g| g.url.clone()).collect();
            let prov = &p.vendor.provisioning;
            let (stops, goes_on) = (prov.evidence_for(AfterCommon::Stops), prov.evidence_for(AfterCommon::Continues));
            let msg = format!(
                "shadows {}: a phone that stops at the first file it gets misses {} setting(s): {} (says it stops: {stops}; says it goes on: {goes_on})",
                later.join(", "),
                lost.len(),
                lost.join(", ")
            );
            if after == AfterCommon::Stops {
                p.findings.push(Diagnostic::error(&got[0].url, msg));
            } else {
                // Unknown: both verdicts are given; the walk takes the files as the guide's §9.1 does.
                p.findings.push(Diagnostic::warning(&got[0].url, msg));
                p.stop_rule = Some(super::StopRule {
                    first: got[0].url.clone(),
                    later,
                    missed: lost.iter().map(|s| s.to_string()).collect(),
                    says_continues: goes_on,
                    says_stops: stops,
                });
            }
        }
    }
    let effective = if after == AfterCommon::Stops { first } else { all };
    renamed_configs(p, &effective, data, args);
    effective
}

/// A note when the settings change the config prefix/postfix: the next check asks for other names.
fn renamed_configs(p: &mut Phone, s: &Settings, data: &HtekData, args: &Walk) {
    let prov = &p.vendor.provisioning;
    let set = |key: &Option<String>| key.as_deref().and_then(|k| s.get(k)).map(|v| v.value.clone());
    let prefix = set(&prov.config_prefix).unwrap_or_else(|| args.config_prefix.clone());
    let postfix = set(&prov.config_postfix).unwrap_or_else(|| args.config_postfix.clone());
    if prefix != args.config_prefix || postfix != args.config_postfix {
        let next = format!("{prefix}{}{postfix}", data.files.phone_name(p.mac.as_str()));
        p.findings.push(Diagnostic::warning(
            &p.model.name,
            format!(
                "the settings set config prefix '{prefix}' and postfix '{postfix}': from its next check the phone asks for {next} (check with --config-prefix/--config-postfix)"
            ),
        ));
    }
}
