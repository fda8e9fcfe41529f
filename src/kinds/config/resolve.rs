//! `bundler config resolve`: what one phone ends up with, read from a provisioning folder.
//!
//! Htek: the files the phone requests in order (`cfg<code>.xml` → `cfg<mac>` → `cfg<mac>.xml`,
//! guide §2.1), which are there, which it takes under each reading of the guide, and the effective
//! settings. Flyingvoice: `<mac>.boot` (else `y000000000000.boot`) followed through its includes,
//! later values overriding earlier ones, every effective `key = value` with the file and line it
//! came from.

use super::aes::{looks_encrypted, AesKey};
use super::fvfile::{self, Kind};
use super::htek_xml;
use super::lint::htek_name;
use super::mac::Mac;
use crate::kinds::config::includes::{self, Fetched, Listed, Located, Step};
use crate::mechanisms::report::{has_errors, print_json, Diagnostic};
use crate::mechanisms::tree_file::{Refused, TreeRoot};
use crate::rules::layout::ConfigFormat;
use crate::rules::layout::FvData;
use crate::rules::layout::HtekData;
use crate::Context;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  bundler config resolve tftp/ --mac 00:1F:C1:10:D3:A9 --model UC924 --aes-key 001FC1BC
  bundler config resolve fv/ --mac 001fc110d3a9 --json")]
pub struct Args {
    /// The provisioning folder, as the phone's server hands it out.
    pub dir: PathBuf,
    /// The phone's MAC address (any usual spelling).
    #[arg(long)]
    pub mac: String,
    /// The phone's model (needed for Htek: it names the common file; sets the vendor).
    #[arg(long)]
    pub model: Option<String>,
    /// Decrypt AES-encrypted Htek files with this key.
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// Htek config file name prefix the phone uses (P234).
    #[arg(long, value_name = "P", default_value = "")]
    pub prefix: String,
    /// Htek config file name postfix the phone uses (P235).
    #[arg(long, value_name = "S", default_value = "")]
    pub postfix: String,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
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

/// What one phone ends up with.
#[derive(Debug, Serialize)]
pub struct Resolution {
    pub vendor: String,
    #[serde(skip)]
    pub format: ConfigFormat,
    pub mac: String,
    pub files: Vec<Fetch>,
    /// For Htek: which files the phone takes under each reading of the guide.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<String>,
    pub settings: Vec<Effective>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Resolution {
    fn set(
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

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let mac = Mac::parse(&args.mac).map_err(|e| anyhow::anyhow!("--mac: {e}"))?;
    if !args.dir.is_dir() {
        bail!("{}: not a folder", args.dir.display());
    }
    let model = args.model.as_deref().map(|m| ctx.layouts.model(m)).transpose()?;
    let format = match model {
        Some(m) => ctx.layouts.vendor_of(m).config_format()?,
        None => detect_format(&args.dir)?,
    };
    let r = match format {
        ConfigFormat::HtekXml => {
            let model = match model {
                Some(m) => m,
                None => model_of_folder(&args.dir, ctx)?,
            };
            let key = args.aes_key.as_deref().map(AesKey::parse).transpose()?;
            resolve_htek(args, ctx, mac, model, key.as_ref())?
        }
        ConfigFormat::FlyingvoiceCfg => {
            let vendor = match model {
                Some(m) => ctx.layouts.vendor_of(m),
                None => ctx.layouts.config_vendor(ConfigFormat::FlyingvoiceCfg, None, "give --model")?,
            };
            let mut r = resolve_flyingvoice(&args.dir, mac, &ctx.layouts.flyingvoice, &vendor.vendor)?;
            r.diagnostics.extend(fallback_note(&args.dir, mac, ctx, &vendor.vendor));
            r
        }
    };
    if args.json {
        print_json(&r)?;
    } else {
        print_text(&r);
    }
    Ok(if has_errors(&r.diagnostics) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The model whose common file the folder holds, without `--model`: the one common file's device
/// code, or (no common file at all) the first Htek XML model, whose common file is then missing
/// like any other's. Common files of several device codes need `--model`.
fn model_of_folder<'a>(dir: &Path, ctx: &'a Context) -> Result<&'a crate::rules::layout::Model> {
    let names: Vec<String> = crate::mechanisms::walk::list(dir, MAX_LISTED)?.into_iter().map(|e| e.rel).collect();
    let mut codes: Vec<String> = names
        .iter()
        .filter_map(|n| match htek_name(n) {
            Some(super::lint::HtekName::Common(code)) => Some(code),
            _ => None,
        })
        .collect();
    codes.sort();
    codes.dedup();
    let htek = |m: &&crate::rules::layout::Model| m.config_format == Some(ConfigFormat::HtekXml);
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

fn detect_format(dir: &Path) -> Result<ConfigFormat> {
    let names: Vec<String> = crate::mechanisms::walk::list(dir, MAX_LISTED)?.into_iter().map(|e| e.rel).collect();
    let fv = names.iter().any(|n| Kind::of(n) == Some(Kind::Boot));
    let htek = names.iter().any(|n| htek_name(n).is_some());
    match (htek, fv) {
        (true, false) => Ok(ConfigFormat::HtekXml),
        (false, true) => Ok(ConfigFormat::FlyingvoiceCfg),
        (true, true) => bail!("{}: holds both Htek and Flyingvoice files; give --model", dir.display()),
        (false, false) => bail!("{}: no Htek cfg….xml and no Flyingvoice .boot files here", dir.display()),
    }
}

fn resolve_htek(
    args: &Args,
    ctx: &Context,
    mac: Mac,
    model: &crate::rules::layout::Model,
    key: Option<&AesKey>,
) -> Result<Resolution> {
    let data = ctx.layouts.htek.clone();
    let named = |n: String| format!("{}{n}{}", args.prefix, args.postfix);
    let mut r = Resolution {
        vendor: model.vendor.clone(),
        format: ConfigFormat::HtekXml,
        mac: mac.to_string(),
        files: Vec::new(),
        takes: Vec::new(),
        settings: Vec::new(),
        diagnostics: Vec::new(),
    };
    let files = TreeRoot::open(&args.dir)?;
    let mut common = model.device_code.as_deref().map(|c| named(data.files.common_name(c)));
    // Without --model and without a common file in the folder, the model (and so the common
    // file's name) is not known: only the per-phone files are resolved.
    if args.model.is_none() && common.as_ref().is_none_or(|c| files.open_file(Path::new(c)).is_err()) {
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
        Err(e) => anyhow::bail!("{}: {e}", path.display()),
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
    match key.map(|k| super::decrypt_config(k, &bytes)) {
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

/// A warning when the folder has no file for the MAC, so the phone falls back to the common boot
/// file: which file is missing, which is used, and whose MAC prefix it is when another vendor's.
fn fallback_note(dir: &Path, mac: Mac, ctx: &Context, vendor: &str) -> Option<Diagnostic> {
    let data = &ctx.layouts.flyingvoice;
    let own = data.files.phone_boot.replace("{mac}", mac.as_str());
    if dir.join(&own).is_file() {
        return None;
    }
    let owner = ctx.layouts.vendors.iter().find(|v| v.ouis.iter().any(|o| mac.as_str().starts_with(o.as_str())));
    let whose = match owner {
        Some(v) if v.vendor != vendor => format!(" ({} is a {} MAC prefix)", &mac.as_str()[..6], v.family),
        _ => String::new(),
    };
    Some(Diagnostic::warning(
        dir.join(&own).display().to_string(),
        format!("no file for MAC {mac} here{whose}: the phone falls back to {}, read instead", data.files.common_boot),
    ))
}

fn resolve_flyingvoice(dir: &Path, mac: Mac, data: &FvData, vendor: &str) -> Result<Resolution> {
    let own = data.files.phone_boot.replace("{mac}", mac.as_str());
    let start = if dir.join(&own).is_file() { own } else { data.files.common_boot.clone() };
    if !dir.join(&start).is_file() {
        bail!(
            "{}: neither {} nor {} is here",
            dir.display(),
            data.files.phone_boot.replace("{mac}", mac.as_str()),
            data.files.common_boot
        );
    }
    if !within(dir, &dir.join(&start)) {
        bail!("{}: {start} is a symlink to outside the folder; not read", dir.display());
    }
    let mut r = Resolution {
        vendor: vendor.to_string(),
        format: ConfigFormat::FlyingvoiceCfg,
        mac: mac.to_string(),
        files: Vec::new(),
        takes: Vec::new(),
        settings: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut graph = Vec::new();
    walk_includes(dir, Path::new(&start), data, &mut |step| match step {
        Step::File { name, status, depth, note } => {
            r.files.push(Fetch { file: name.to_string(), status: status.to_string(), depth, note })
        }
        Step::Parsed(diagnostics) => r.diagnostics.extend_from_slice(diagnostics),
        Step::Setting { file, key, value, line } => r.set(key, value, file, (line, None), None),
        Step::Problem(d) => graph.push(d),
    })?;
    r.diagnostics.extend(graph);
    Ok(r)
}

/// The include walk over a provisioning folder (`config resolve` and `config lint`): reads `start`
/// (relative to `root`) and follows its includes. Problems of the graph itself (an include that is
/// missing, leaves the folder, also through a symlink, or closes a cycle; nesting too deep) are
/// [`Step::Problem`]s at the include line that causes them, with the file shown relative to `root`.
pub(super) fn walk_includes(
    root: &Path,
    start: &Path,
    data: &FvData,
    on: &mut dyn for<'s> FnMut(Step<'s>),
) -> Result<()> {
    let real_root = root.canonicalize().map_err(|e| anyhow::anyhow!("{}: {e}", root.display()))?;
    let files = TreeRoot::open(root)?;
    let bytes = read_in(&files, &root.join(start), start, fvfile::MAX_FILE_BYTES)?;
    let mut folder = Folder { root, real_root, files };
    includes::walk(&mut folder, data, &start.display().to_string(), &bytes, on)
}

/// A provisioning folder as the include walk reads it: only what is inside it.
struct Folder<'a> {
    root: &'a Path,
    real_root: PathBuf,
    /// What is read: the checks in `locate` only choose the messages.
    files: TreeRoot,
}

impl includes::Source for Folder<'_> {
    fn locate(&mut self, from: &str, target: &str) -> Located {
        let not_followed = |listed, problem: Option<String>| Located::NotFollowed { listed, problem };
        if target.contains("://") || target.starts_with('/') {
            let note = Some("absolute URL: bundler reads only the folder".into());
            return not_followed(Some(Listed { name: target.to_string(), status: "skipped", note }), None);
        }
        let base = Path::new(from).parent().unwrap_or(Path::new(""));
        let Some(next) = inside(&base.join(target)) else {
            return not_followed(None, Some(format!("includes '{target}', which leaves the provisioning folder")));
        };
        let (path, name) = (self.root.join(&next), next.display().to_string());
        if !path.is_file() {
            let problem = format!("includes '{target}', which is not there: the phone gets nothing from it");
            return not_followed(Some(Listed { name, status: "missing", note: None }), Some(problem));
        }
        if !path.canonicalize().is_ok_and(|p| p.starts_with(&self.real_root)) {
            return not_followed(None, Some(format!(
                "includes '{target}', which is a symlink to outside the provisioning folder: the server would not hand it out"
            )));
        }
        Located::At(name)
    }

    fn fetch(&mut self, name: &str, _target: &str) -> Result<Fetched> {
        read_in(&self.files, &self.root.join(name), Path::new(name), fvfile::MAX_FILE_BYTES).map(Fetched::Got)
    }
}

/// The file `rel` of the provisioning folder `root`, read through it (never a link out of it, never a
/// FIFO), refusing more than `max` bytes; errors name `shown`.
fn read_in(root: &TreeRoot, shown: &Path, rel: &Path, max: u64) -> Result<Vec<u8>> {
    let (file, _) = root.open_file(rel).map_err(|r| anyhow::anyhow!("{}: {r}", shown.display()))?;
    crate::mechanisms::input::read_from(file, max).map_err(|why| anyhow::anyhow!("{}: {why}", shown.display()))
}

/// Whether `path`, symlinks followed, is inside the folder `root`.
fn within(root: &Path, path: &Path) -> bool {
    match (root.canonicalize(), path.canonicalize()) {
        (Ok(root), Ok(path)) => path.starts_with(root),
        _ => false,
    }
}

/// `path` with `.` and `..` resolved, or `None` when it climbs out of the folder.
fn inside(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn print_text(r: &Resolution) {
    println!("{} phone {}", r.vendor, r.mac);
    if r.format == ConfigFormat::HtekXml {
        println!("requests, in order:");
        for f in &r.files {
            let note = f.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            println!("  {}. {:<28} {}{note}", f.depth, f.file, f.status);
        }
        println!("takes:");
        for t in &r.takes {
            println!("  {t}");
        }
    } else {
        println!("reads, in order:");
        for f in &r.files {
            let note = f.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
            let status = if f.status == "present" { String::new() } else { format!(" {}", f.status) };
            println!("  {}{}{status}{note}", "  ".repeat(f.depth), f.file);
        }
    }
    let mut printer = crate::mechanisms::report::snippet::Printer::stdout();
    for d in &r.diagnostics {
        println!("{}", printer.show(d));
    }
    println!("effective settings ({}):", r.settings.len());
    let width = r.settings.iter().map(|s| s.key.len() + s.value.chars().count() + 3).max().unwrap_or(0).min(60);
    for s in &r.settings {
        let pair = format!("{} = {}", s.key, s.value.replace('\n', "\\n"));
        let para = s.para.as_deref().map(|p| format!("{p}, ")).unwrap_or_default();
        println!("{pair:<width$}  # {para}{}:{}", s.file, s.line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use includes::Source;

    /// An include `locate` found inside the folder, swapped before it is read (the race): a link out
    /// or a FIFO is refused by the read itself, quickly.
    #[test]
    fn an_include_swapped_after_it_was_located_is_not_read() {
        let base = tempfile::tempdir().unwrap();
        let root = base.path().join("fv");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(base.path().join("secret.cfg"), "SECRET = 1\n").unwrap();
        std::os::unix::fs::symlink("../secret.cfg", root.join("link.cfg")).unwrap();
        assert!(std::process::Command::new("mkfifo").arg(root.join("pipe.cfg")).status().unwrap().success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let real_root = root.canonicalize().unwrap();
            let mut folder = Folder { root: &root, real_root, files: TreeRoot::open(&root).unwrap() };
            let got = ["link.cfg", "pipe.cfg"].map(|n| folder.fetch(n, n).err().map(|e| e.to_string()));
            let _ = tx.send(got);
        });
        let [link, pipe] = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("reading a FIFO blocked");
        assert!(link.as_deref().is_some_and(|e| e.contains("link.cfg") && e.contains("outside the tree")), "{link:?}");
        assert!(pipe.as_deref().is_some_and(|e| e.contains("pipe.cfg") && e.contains("a FIFO")), "{pipe:?}");
    }
}
