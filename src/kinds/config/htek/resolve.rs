//! `config resolve` for Htek: the files the phone requests in order (`cfg<code>.xml` → `cfg<mac>`
//! → `cfg<mac>.xml`, guide §2.1), which are there, which it takes under each reading of the guide,
//! and the effective settings.

use super::names::{htek_name, HtekName};
use super::xml as htek_xml;
use crate::kinds::config::aes::{looks_encrypted, AesKey};
use crate::kinds::config::format::{Ask, Fetch, Listing, Resolution};
use crate::kinds::config::mac::Mac;
use crate::mechanisms::report::Diagnostic;
use crate::mechanisms::tree_file::{Refused, TreeRoot};
use crate::rules::layout::{HtekData, Model};
use crate::Context;
use anyhow::{bail, Result};
use std::path::Path;

/// What one phone ends up with; without `--model`, the model is the folder's (see [`model_of_folder`]).
pub fn resolve(ask: &Ask, model: Option<&Model>, ctx: &Context) -> Result<Resolution> {
    let model = match model {
        Some(m) => m,
        None => model_of_folder(ask.dir, ctx)?,
    };
    let key = ask.aes_key.map(|k| AesKey::parse(k, &ctx.layouts.htek)).transpose()?;
    resolve_htek(ask, ctx, ask.mac, model, key.as_ref())
}

/// The model whose common file the folder holds, without `--model`: the one common file's device
/// code, or (no common file at all) the first Htek XML model, whose common file is then missing
/// like any other's. Common files of several device codes need `--model`.
fn model_of_folder<'a>(dir: &Path, ctx: &'a Context) -> Result<&'a Model> {
    let names: Vec<String> = crate::mechanisms::walk::list(dir, MAX_LISTED)?.into_iter().map(|e| e.rel).collect();
    let mut codes: Vec<String> = names
        .iter()
        .filter_map(|n| match htek_name(n) {
            Some(HtekName::Common(code)) => Some(code),
            _ => None,
        })
        .collect();
    codes.sort();
    codes.dedup();
    let format = ctx.layouts.htek.format;
    let htek = |m: &&Model| m.config_format == Some(format);
    match codes.as_slice() {
        [] => ctx
            .layouts
            .models()
            .find(htek)
            .ok_or_else(|| anyhow::anyhow!("no model with Htek XML configs in the layouts")),
        [code] => {
            ctx.layouts.models().filter(htek).find(|m| m.device_code.as_deref() == Some(code.as_str())).ok_or_else(
                || {
                    anyhow::anyhow!(
                        "{}: cfg{code}.xml is the common file of no model in the layouts; give --model",
                        dir.display()
                    )
                },
            )
        }
        many => bail!(
            "{}: holds common files of several models ({}); give --model",
            dir.display(),
            many.iter().map(|c| format!("cfg{c}.xml")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Most entries of the folder read to tell the vendor's files apart.
const MAX_LISTED: usize = 100_000;

fn resolve_htek(args: &Ask, ctx: &Context, mac: Mac, model: &Model, key: Option<&AesKey>) -> Result<Resolution> {
    let data = ctx.layouts.htek.clone();
    let named = |n: String| format!("{}{n}{}", args.prefix, args.postfix);
    let mut r = Resolution::new(&model.vendor, Listing::Requests, mac);
    let files = TreeRoot::open(args.dir)?;
    let mut common = model.device_code.as_deref().map(|c| named(data.files.common_name(c)));
    // Without --model and without a common file in the folder, the model (and so the common
    // file's name) is not known: only the per-phone files are resolved.
    if !args.model_given && common.as_ref().is_none_or(|c| files.open_file(Path::new(c)).is_err()) {
        common = None;
        r.diagnostics.push(Diagnostic::note(
            args.dir.display().to_string(),
            "no common file (cfg<code>.xml) here and no --model: only the per-phone files are resolved",
        ));
    } else if common.is_none() {
        r.diagnostics.push(Diagnostic::warning(
            args.dir.display().to_string(),
            format!(
                "model {} has no known device code, so its common file is unknown (add one with --layouts DIR)",
                model.name
            ),
        ));
    }
    let requests = [
        (common.clone(), false),
        (Some(named(data.files.binary_name(mac.as_str()))), true),
        (Some(named(data.files.phone_name(mac.as_str()))), false),
    ];
    let mut got: Vec<String> = Vec::new();
    for (order, (name, binary)) in requests.into_iter().enumerate() {
        let Some(name) = name else { continue };
        let fetch = fetch_htek(&mut r, &files, &name, order + 1, binary, key, &data)?;
        if fetch.status != "missing" && fetch.status != "outside" {
            got.push(name);
        }
        r.files.push(fetch);
    }
    r.takes = htek_takes(&got);
    Ok(r)
}

/// What the phone gets when it requests `name` (request number `depth`), with its settings added
/// to `r` when the file is readable XML.
fn fetch_htek(
    r: &mut Resolution,
    files: &TreeRoot,
    name: &str,
    depth: usize,
    binary: bool,
    key: Option<&AesKey>,
    data: &HtekData,
) -> Result<Fetch> {
    let path = files.path(Path::new(name));
    let mut fetch = Fetch { file: name.to_string(), status: "missing".into(), depth, note: None };
    // The open beneath the folder decides: a link out is reported, never read.
    let file = match files.open_file(Path::new(name)) {
        Ok((file, _)) => Some(file),
        Err(Refused::Outside) => {
            fetch.status = "outside".into();
            r.diagnostics.push(Diagnostic::error(
                name,
                "a symlink to outside the provisioning folder: the server would not hand it out; not read",
            ));
            None
        }
        Err(Refused::Missing | Refused::NotRegular(_)) => None,
        Err(e) => bail!("{}: {e}", path.display()),
    };
    if let Some(file) = file {
        let bytes = crate::mechanisms::input::read_from(file, 64 * 1024 * 1024)
            .map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))?;
        if binary {
            fetch.status = "binary".into();
            fetch.note = Some("proprietary backup format (guide §2.1); bundler cannot read it".into());
        } else if let Some(text) = htek_text(&mut fetch, bytes, key) {
            let read = htek_xml::read_bytes(name, &text, data);
            r.diagnostics.extend(read.diagnostics);
            for s in read.settings {
                let para = s.name.clone().or_else(|| s.code.map(|c| data.para(c).to_string()));
                r.set(&s.key(), &s.value, name, (s.line, Some(s.column)), para.filter(|p| !p.is_empty()));
            }
        }
    }
    Ok(fetch)
}

/// The text of a present Htek XML file, decrypted with `key` when it is encrypted; sets the fetch's
/// status and note.
fn htek_text(fetch: &mut Fetch, bytes: Vec<u8>, key: Option<&AesKey>) -> Option<Vec<u8>> {
    if !looks_encrypted(&bytes) {
        fetch.status = "present".into();
        return Some(bytes);
    }
    fetch.status = "encrypted".into();
    match key.map(|k| crate::kinds::config::decrypt_config(k, &bytes)) {
        None => {
            fetch.note = Some("give --aes-key to see its settings".into());
            None
        }
        Some(Err(e)) => {
            fetch.note = Some(format!("does not decrypt with the given key: {e}"));
            None
        }
        Some(Ok(t)) => {
            fetch.note = Some("decrypted with the given key".into());
            Some(t.into_bytes())
        }
    }
}

/// Which of the files the phone takes, by each reading of the guide.
fn htek_takes(got: &[String]) -> Vec<String> {
    match got {
        [] => vec!["nothing: none of the files it requests is there".into()],
        [only] => vec![format!("{only} (the only file there)")],
        [first, ..] => vec![
            format!(
                "guide §9.1 (common file, then the MAC file): {}; later files override earlier ones",
                got.join(", then ")
            ),
            format!("guide §2.1 note 2 (stops at the first file it gets): {first} only"),
        ],
    }
}
