//! After the configs: every file the effective settings point the phone at (the layouts' `[[fetch]]`
//! table says which setting names which file and how the phone turns it into requests), and the
//! firmware under its prefix/postfix compared with the version the phone runs. Each fetched file is
//! checked with the rules `verify` applies to the same file in a tree.

use super::fetch::{scheme, CONFIG_MAX};
use super::{Phone, Settings};
use crate::kinds::firmware::version::Version;
use crate::kinds::firmware::{wanted_files, Wanted};
use crate::mechanisms::findings::Templates;
use crate::mechanisms::report::Diagnostic;
use crate::ops::verify::fetched::Fetched;
use crate::rules::layout::{Fetch, FetchKind, Model, Request};
use anyhow::Result;

pub fn fetch_all(p: &mut Phone, s: &Settings) -> Result<()> {
    let fetched = Fetched::from_layouts(p.ctx)?;
    let entries: Vec<Fetch> = p.vendor.fetch.iter().filter(|f| f.applies_to(p.model)).cloned().collect();
    for entry in &entries {
        let Some(value) = s.value(&entry.setting) else {
            if entry.kind == FetchKind::Firmware {
                p.findings.push(Diagnostic::note(
                    &p.model.name,
                    format!(
                        "{} (firmware server) is not set: the phone does not look for firmware here",
                        entry.setting
                    ),
                ));
            }
            continue;
        };
        if let Some(why) = crate::rules::layout::url_without_host(value) {
            p.findings.push(Diagnostic::error(&p.model.name, format!("{}: {why}", entry.setting)));
            continue;
        }
        let value = absolute(value);
        match entry.kind {
            // The config server path is where the phone's next check goes, not a file.
            FetchKind::Config => {}
            FetchKind::Firmware => firmware(p, entry, &value, s, &fetched),
            FetchKind::Ring if entry.request == Request::Folder => {
                let files: Vec<String> = p
                    .model
                    .ringtone
                    .slots
                    .iter()
                    .filter_map(|n| p.model.ringtone.file_for_slot(*n, &p.model.name).ok())
                    .collect();
                for url in entry.requests(&value, &files) {
                    let why = format!("{} names this ring folder; the phone asks for every slot and keeps its own tone where the server has none", entry.setting);
                    get_and_check(p, &url, &fetched, Some(why), cap(entry.kind, p.model));
                }
            }
            kind => {
                get_and_check(p, &value, &fetched, None, cap(kind, p.model));
            }
        }
    }
    Ok(())
}

/// A setting value the phone reads as a URL: the scheme may be left out (Htek guide §6.2), then HTTP.
fn absolute(value: &str) -> String {
    if scheme(value).is_some() || value.starts_with('/') {
        value.to_string()
    } else {
        format!("http://{value}")
    }
}

/// Most bytes a resource of `kind` may have for `model`: its layout's cap (a ring tone, a tar, an
/// image, firmware), a config's for a phonebook, and for what the layout gives no cap, 64 MiB.
fn cap(kind: FetchKind, model: &Model) -> u64 {
    const UNCAPPED: u64 = 64 * 1024 * 1024;
    let archive = |rule: &Option<crate::rules::layout::ArchiveRule>| rule.as_ref().map_or(UNCAPPED, |r| r.max_bytes);
    match kind {
        FetchKind::Ring => model.ringtone.max_bytes,
        FetchKind::Hlpres => archive(&model.hlpres),
        FetchKind::Language => archive(&model.language),
        FetchKind::ExpPres => archive(&model.exp_pres),
        FetchKind::Wallpaper | FetchKind::Screensaver => {
            model.asset_rules.iter().map(|r| r.max_bytes).max().unwrap_or(UNCAPPED)
        }
        FetchKind::Firmware => model.firmware_max_bytes,
        FetchKind::Phonebook | FetchKind::Config => CONFIG_MAX,
    }
}

/// Fetches one file (at most `max` bytes) and checks it; a missing file is an error unless
/// `missing_note` says otherwise.
fn get_and_check(
    p: &mut Phone,
    url: &str,
    fetched: &Fetched,
    missing_note: Option<String>,
    max: u64,
) -> Option<Vec<u8>> {
    match p.client.get(url, max) {
        Ok(bytes) => {
            check(p, url, &bytes, fetched);
            Some(bytes)
        }
        Err(e) if e.not_found() => {
            p.findings.push(match missing_note {
                Some(why) => Diagnostic::note(url, format!("not on the server ({why})")),
                None => Diagnostic::error(url, "not on the server, but the settings point the phone at it"),
            });
            None
        }
        Err(why) => {
            p.findings.push(Diagnostic::error(url, why.to_string()));
            None
        }
    }
}

/// The rules `verify` applies to a file of this name, for this model.
fn check(p: &mut Phone, url: &str, bytes: &[u8], fetched: &Fetched) {
    let mut found = Vec::new();
    let base = crate::mechanisms::findings::Options { model: None, wav: None, templates: Templates::default() };
    crate::ops::verify::check_file(url, bytes, &[p.model], fetched, base, p.ctx, &mut found);
    p.findings.extend(found);
}

/// Htek: the firmware folder plus prefix + name + postfix (guide §10), the names the version needs
/// (the two-step rule: phones at ≤ 1.0.3.71 take img_9xx.bin first). Flyingvoice: the file URL.
fn firmware(p: &mut Phone, entry: &Fetch, value: &str, s: &Settings, fetched: &Fetched) {
    let prov = &p.vendor.provisioning;
    let part = |k: &Option<String>| k.as_deref().and_then(|k| s.value(k)).unwrap_or("").to_string();
    let (prefix, postfix) = (part(&prov.firmware_prefix), part(&prov.firmware_postfix));
    let urls: Vec<(String, String)> = match entry.request {
        Request::File => vec![(value.to_string(), value.rsplit('/').next().unwrap_or(value).to_string())],
        Request::Folder => {
            let served = Version::find_in(&postfix).or_else(|| Version::find_in(&prefix));
            let names = match wanted_files(p.model, served.as_ref(), p.current.as_ref()) {
                Ok((wanted, _)) => wanted
                    .into_iter()
                    .filter_map(|w| match w {
                        Wanted::Name(n) => Some(n),
                        Wanted::Pattern(_) => None,
                    })
                    .collect(),
                Err(_) => p.model.firmware.iter().cloned().collect::<Vec<_>>(),
            };
            let names: Vec<String> = names.iter().map(|n| format!("{prefix}{n}{postfix}")).collect();
            entry.requests(value, &names).into_iter().zip(names).collect()
        }
    };
    for (url, name) in urls {
        if let Some(pattern) = &p.model.firmware_pattern {
            let pattern = pattern.replace("{model}", &p.model.name);
            if !crate::rules::glob::matches(&pattern, &name) {
                p.findings.push(Diagnostic::error(
                    &url,
                    format!(
                        "{} names '{name}', which is not a {} firmware name ({pattern})",
                        entry.setting, p.model.name
                    ),
                ));
            }
        }
        compare_version(p, &url, &name);
        get_and_check(p, &url, fetched, None, p.model.firmware_max_bytes);
    }
}

/// A note saying whether the served firmware is an upgrade for the phone.
fn compare_version(p: &mut Phone, url: &str, name: &str) {
    let (Some(current), Some(served)) = (&p.current, Version::find_in(name)) else { return };
    let what = if served > *current {
        format!("firmware {served}: the phone at {current} upgrades to it")
    } else {
        format!("firmware {served}: the phone already runs {current}, no upgrade")
    };
    p.findings.push(Diagnostic::note(url, what));
}
