//! Firmware: finds each model's firmware in vendor zips or plain files, names it with the
//! provisioning prefix/postfix, writes it with `SHA256SUMS`, and gives the settings that point
//! phones at it (for `bundler firmware`, whose command line is `src/commands/firmware.rs`). The
//! reusable parts: `expect` names the files from the layout and the input names without opening
//! anything (a release plans with it), `locate` finds them in the inputs, and `Located::read` reads
//! them (a release's build does both; `lay_out` is the two together).

mod expect;
mod spec;
pub(crate) mod vendor_zip;
pub mod version;

use crate::kinds::config::format::FirmwareSettings;
use crate::mechanisms::checksums::{sha256_hex, Sums, SUMS_FILE};
use crate::mechanisms::output::write_atomic;
use crate::rules::layout::{Layouts, Model};
use crate::Context;
use anyhow::{bail, Context as _, Result};
pub use expect::expect;
use serde::Serialize;
pub use spec::FirmwareSpec;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use vendor_zip::{is_zip, Member, VendorZip};
pub use version::Version;

/// Where the laid-out files are served, for the settings that point phones at them.
pub struct Serving {
    /// The URL of the folder as phones see it.
    pub server_url: String,
    pub prefix: String,
    pub postfix: String,
}

/// What to lay out: inputs, models and naming.
pub struct Request<'a> {
    pub inputs: &'a [PathBuf],
    /// Model names; empty means every model found among the inputs.
    pub models: &'a [String],
    pub version: Option<Version>,
    pub from_version: Option<Version>,
    pub prefix: &'a str,
    pub postfix: &'a str,
}

/// One firmware file ready to serve.
#[derive(Debug, Clone, Serialize)]
pub struct LaidFile {
    /// The name phones fetch: prefix + basic name + postfix.
    pub name: String,
    /// The vendor's name for the file (`fw924.rom`).
    pub basic_name: String,
    pub models: Vec<String>,
    /// Where it came from (`vendor.zip:Firmware/fw924.rom` or a file path).
    pub source: String,
    pub bytes: usize,
    pub sha256: String,
    #[serde(skip)]
    pub data: Vec<u8>,
    /// Which input and which member of it (entry name or path) the bytes come from.
    #[serde(skip)]
    origin: (usize, String),
    /// The largest size accepted: the smallest firmware cap of the models that use it.
    #[serde(skip)]
    cap: u64,
}

/// The firmware files for a set of models.
#[derive(Debug, Clone, Serialize)]
pub struct Laid {
    pub version: Option<String>,
    /// True when the target is a legacy (boot_/img_) firmware.
    pub legacy: bool,
    pub files: Vec<LaidFile>,
    pub notes: Vec<String>,
}

/// A firmware input: a vendor zip (its file members as its directory lists them) or one plain
/// file. Only names: the input is opened again when its data is read.
#[derive(Debug, Clone)]
enum Input {
    Zip { path: PathBuf, shown: String, members: Vec<Member> },
    File { path: PathBuf, base: String },
}

impl Input {
    /// Tells a zip from a plain file by its first bytes, and lists a zip's members. A FIFO or
    /// device is refused, not waited on.
    fn open(path: &Path) -> Result<Input> {
        let mut head = [0u8; 4];
        let (mut f, _) = crate::mechanisms::input::open_regular(path)?;
        let n = std::io::Read::read(&mut f, &mut head).with_context(|| format!("{}: cannot read", path.display()))?;
        if is_zip(&head[..n]) {
            let VendorZip { shown, members, .. } = VendorZip::open(path)?;
            return Ok(Input::Zip { path: path.to_path_buf(), shown, members });
        }
        let base = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        Ok(Input::File { path: path.to_path_buf(), base })
    }
}

/// What a model needs from the inputs: exact vendor names, or a pattern for versioned names.
pub(crate) enum Wanted {
    Name(String),
    Pattern(String),
}

/// The files `model` needs for `version`, and whether they are legacy files.
pub(crate) fn wanted_files(
    model: &Model,
    version: Option<&Version>,
    from: Option<&Version>,
) -> Result<(Vec<Wanted>, bool)> {
    if let Some(pattern) = &model.firmware_pattern {
        return Ok((vec![Wanted::Pattern(pattern.replace("{model}", &model.name))], false));
    }
    let Some(version) = version else {
        bail!("cannot tell the firmware version from the input names: give --version");
    };
    let parse = |v: &Option<String>, key: &str| -> Result<Option<Version>> {
        v.as_deref().map(|s| s.parse().with_context(|| format!("layout of {}: {key}", model.name))).transpose()
    };
    let current_from = parse(&model.current_firmware_from, "current_firmware_from")?;
    let legacy_range: Vec<Version> = model
        .legacy_firmware_versions
        .iter()
        .map(|s| s.parse().with_context(|| format!("layout of {}: legacy_firmware_versions", model.name)))
        .collect::<Result<_>>()?;
    let two_step_below = parse(&model.two_step_upgrade_below, "two_step_upgrade_below")?;
    if current_from.as_ref().is_none_or(|c| version >= c) {
        let Some(rom) = &model.firmware else {
            bail!(
                "the firmware file name of {} is unknown: add `firmware = \"…\"` for it with --layouts DIR",
                model.name
            );
        };
        let mut wanted = vec![Wanted::Name(rom.clone())];
        if let (Some(from), Some(below)) = (from, &two_step_below) {
            if from <= below {
                let prefix = model.two_step_file_prefix.as_deref().unwrap_or("img_");
                let Some(img) = model.legacy_firmware.iter().find(|f| f.starts_with(prefix)) else {
                    bail!(
                        "phones at {from} need a two-step upgrade to {version} ({prefix}… first, then {rom}), \
                         but the legacy image name of {} is unknown: add legacy_firmware with --layouts DIR",
                        model.name
                    );
                };
                wanted.push(Wanted::Name(img.clone()));
            }
        }
        return Ok((wanted, false));
    }
    match legacy_range.as_slice() {
        [first, last] if version >= first && version <= last => {
            if model.legacy_firmware.is_empty() {
                bail!(
                    "the legacy firmware file names of {} are unknown: add legacy_firmware with --layouts DIR",
                    model.name
                );
            }
            Ok((model.legacy_firmware.iter().cloned().map(Wanted::Name).collect(), true))
        }
        _ => bail!("firmware {version} is older than any version bundler knows how to lay out for {}", model.name),
    }
}

/// Finds, reads and names the firmware files for the requested models.
pub fn lay_out(layouts: &Layouts, req: &Request) -> Result<Laid> {
    locate(layouts, req)?.read()
}

/// Firmware found and named but not read yet: which member of which input each file comes from
/// (zips have only had their directories read, and nothing is held open).
#[derive(Debug, Clone)]
pub struct Located {
    pub laid: Laid,
    inputs: Vec<Input>,
    used: BTreeSet<(usize, String)>,
}

impl Located {
    /// Opens the inputs again and reads the files (size caps and CRCs checked), filling in sizes
    /// and digests.
    pub fn read(mut self) -> Result<Laid> {
        for (index, input) in self.inputs.iter().enumerate() {
            read_used(index, input, &mut self.laid.files, &self.used, &mut self.laid.notes)?;
        }
        for f in &mut self.laid.files {
            f.bytes = f.data.len();
            f.sha256 = sha256_hex(&f.data);
        }
        Ok(self.laid)
    }
}

/// Finds and names the firmware files for the requested models without reading them.
pub fn locate(layouts: &Layouts, req: &Request) -> Result<Located> {
    crate::mechanisms::output::check_name_part("--prefix", req.prefix)?;
    crate::mechanisms::output::check_name_part("--postfix", req.postfix)?;
    let inputs: Vec<Input> = req.inputs.iter().map(|p| Input::open(p)).collect::<Result<_>>()?;
    let version = match &req.version {
        Some(v) => Some(v.clone()),
        None => version_from_names(req.inputs)?,
    };
    let all = req.models.is_empty();
    let mut found = Found { inputs: &inputs, req, files: Vec::new(), used: BTreeSet::new() };
    let mut legacy = false;
    for model in requested_models(layouts, req)? {
        let (wanted, is_legacy) = match wanted_files(model, version.as_ref(), req.from_version.as_ref()) {
            Ok(w) => w,
            Err(_) if all => continue,
            Err(e) => return Err(e),
        };
        let found_any = found.model(model, &wanted, all, version.as_ref())?;
        legacy |= is_legacy && found_any;
    }
    let Found { mut files, used, .. } = found;
    if files.is_empty() {
        bail!("no firmware for {} among the inputs", if all { "any known model" } else { "the requested models" });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let laid = Laid { version: version.map(|v| v.to_string()), legacy, files, notes: Vec::new() };
    Ok(Located { laid, inputs, used })
}

/// The requested models, each once in request order; none requested: every model of the layouts.
fn requested_models<'a>(layouts: &'a Layouts, req: &Request) -> Result<Vec<&'a Model>> {
    if req.models.is_empty() {
        return Ok(layouts.models().collect());
    }
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    for name in req.models {
        let m = layouts.model(name)?;
        if seen.insert(m.name.clone()) {
            list.push(m);
        }
    }
    Ok(list)
}

/// The files found so far among the inputs, and which members of them they use.
struct Found<'a> {
    inputs: &'a [Input],
    req: &'a Request<'a>,
    files: Vec<LaidFile>,
    used: BTreeSet<(usize, String)>,
}

impl Found<'_> {
    /// Finds what `model` wants; returns whether anything was found. With `all`, a model whose
    /// first file is missing is skipped; otherwise a missing file is an error.
    fn model(&mut self, model: &Model, wanted: &[Wanted], all: bool, version: Option<&Version>) -> Result<bool> {
        let mut found_any = false;
        for (i, w) in wanted.iter().enumerate() {
            match find(self.inputs, w)? {
                Some((input, basic, member)) => {
                    found_any = true;
                    self.add(model, input, basic, member)?;
                }
                None if all && i == 0 => break,
                None => bail!("{}", missing_message(model, w, i, self.req, version)),
            }
        }
        Ok(found_any)
    }

    /// Records `member` of input `input` (vendor name `basic`) as a file of `model`.
    fn add(&mut self, model: &Model, input: usize, basic: String, member: String) -> Result<()> {
        let req = self.req;
        self.used.insert((input, member.clone()));
        let name = format!("{}{basic}{}", req.prefix, req.postfix);
        match self.files.iter_mut().find(|f| f.name == name) {
            Some(f) if f.origin != (input, member.clone()) => {
                bail!("two inputs hold {basic}: {} and {}", f.source, source_name(req.inputs, input, &member))
            }
            Some(f) => {
                f.models.push(model.name.clone());
                f.cap = f.cap.min(model.firmware_max_bytes);
            }
            None => self.files.push(LaidFile {
                name,
                basic_name: basic,
                models: vec![model.name.clone()],
                source: source_name(req.inputs, input, &member),
                bytes: 0,
                sha256: String::new(),
                data: Vec::new(),
                origin: (input, member),
                cap: model.firmware_max_bytes,
            }),
        }
        Ok(())
    }
}

fn missing_message(model: &Model, w: &Wanted, index: usize, req: &Request, version: Option<&Version>) -> String {
    let wanted = match w {
        Wanted::Name(n) => n.clone(),
        Wanted::Pattern(p) => p.clone(),
    };
    if index > 0 {
        let from = req.from_version.as_ref().map(Version::to_string).unwrap_or_default();
        let to = version.map(Version::to_string).unwrap_or_default();
        return format!(
            "phones at {from} cannot go straight to {to}: they take {wanted} first, then the rom (two-step upgrade, \
             guide §6); add {wanted} for {} to the inputs",
            model.name
        );
    }
    let inputs: Vec<String> = req.inputs.iter().map(|p| p.display().to_string()).collect();
    format!("no {wanted} for {} among the inputs ({})", model.name, inputs.join(", "))
}

/// The input and vendor name matching what a model wants; a zip holding it twice (in two folders)
/// is an error naming both entries, as nothing tells which one the vendor meant.
fn find(inputs: &[Input], wanted: &Wanted) -> Result<Option<(usize, String, String)>> {
    let hit = |base: &str| match wanted {
        Wanted::Name(n) => n.eq_ignore_ascii_case(base).then(|| n.clone()),
        Wanted::Pattern(p) => crate::rules::glob::matches(p, base).then(|| base.to_string()),
    };
    for (i, input) in inputs.iter().enumerate() {
        match input {
            Input::Zip { shown, members, .. } => {
                let hits: Vec<(&Member, String)> =
                    members.iter().filter_map(|m| hit(&m.base).map(|b| (m, b))).collect();
                match hits.as_slice() {
                    [] => {}
                    [(m, basic)] => return Ok(Some((i, basic.clone(), m.name.clone()))),
                    [(a, basic), (b, _), ..] => bail!(
                        "{}: holds {basic} twice, as '{}' and '{}'; keep one so it is clear which the phones get",
                        shown,
                        a.name,
                        b.name
                    ),
                }
            }
            Input::File { path, base } => {
                if let Some(basic) = hit(base) {
                    return Ok(Some((i, basic, path.display().to_string())));
                }
            }
        }
    }
    Ok(None)
}

/// Reads the used members of one input into `files`; notes what a zip held besides.
fn read_used(
    index: usize,
    input: &Input,
    files: &mut [LaidFile],
    used: &BTreeSet<(usize, String)>,
    notes: &mut Vec<String>,
) -> Result<()> {
    match input {
        Input::Zip { path, .. } => read_zip(index, path, files, used, notes),
        Input::File { path, base } => {
            let shown = path.display().to_string();
            if !used.contains(&(index, shown.clone())) {
                bail!("{shown}: '{base}' is not the firmware of any requested model at this version");
            }
            let origin = (index, shown);
            let data = crate::mechanisms::input::read_regular(path, cap_of(files, &origin))?;
            for f in files.iter_mut().filter(|f| f.origin == origin) {
                f.data = data.clone();
            }
            Ok(())
        }
    }
}

/// Opens the zip at `path` (input `index`) again and reads its used members into `files`; a used
/// member it no longer lists is an error.
fn read_zip(
    index: usize,
    path: &Path,
    files: &mut [LaidFile],
    used: &BTreeSet<(usize, String)>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let mut zip = VendorZip::open(path)?;
    let mut wanted = used.iter().filter(|(i, _)| *i == index);
    if let Some((_, name)) = wanted.find(|(_, name)| !zip.members.iter().any(|m| m.name == *name)) {
        bail!("{}: entry '{name}' is gone (the zip changed since it was listed)", zip.shown);
    }
    let members: Vec<Member> = zip.members.clone();
    let mut ignored = Vec::new();
    let bar = crate::mechanisms::progress::bar(members.len() as u64, "firmware zip");
    for m in &members {
        bar.inc(1);
        let origin = (index, m.name.clone());
        if !used.contains(&origin) {
            ignored.push(m.name.clone());
            continue;
        }
        let data = zip.read(m, cap_of(files, &origin))?;
        for f in files.iter_mut().filter(|f| f.origin == origin) {
            f.data = data.clone();
        }
    }
    bar.finish_and_clear();
    if !ignored.is_empty() {
        notes.push(format!("ignored {} other zip entries: {}", ignored.len(), ignored.join(", ")));
    }
    Ok(())
}

/// The largest size accepted for the member `origin`: the smallest cap of the files it becomes.
fn cap_of(files: &[LaidFile], origin: &(usize, String)) -> u64 {
    files.iter().filter(|f| f.origin == *origin).map(|f| f.cap).min().unwrap_or(0)
}

/// How a source is shown: the zip's path and the entry, or the file's path.
fn source_name(inputs: &[PathBuf], input: usize, member: &str) -> String {
    let path = inputs[input].display().to_string();
    if path == member {
        path
    } else {
        format!("{path}:{member}")
    }
}

/// The version named by the inputs' file names, if they name one; inputs that disagree are an error.
fn version_from_names(inputs: &[PathBuf]) -> Result<Option<Version>> {
    let mut found: Option<(Version, String)> = None;
    for p in inputs {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some(v) = Version::find_in(name) {
            match &found {
                Some((other, other_name)) if *other != v => {
                    bail!("inputs name different versions: {other_name} says {other}, {name} says {v}; give --version")
                }
                _ => found = Some((v, name.to_string())),
            }
        }
    }
    Ok(found.map(|(v, _)| v))
}

/// Writes the laid-out files into `dir` (atomically) and adds them to its `SHA256SUMS`.
pub fn write_files(dir: &Path, laid: &Laid) -> Result<()> {
    let mut sums = Sums::read_in(dir)?;
    for f in &laid.files {
        write_atomic(&dir.join(&f.name), &f.data)?;
        sums.insert(&f.name, &f.data);
    }
    write_atomic(&dir.join(SUMS_FILE), sums.render().as_bytes())
}

/// The paste-ready settings that point phones at the laid-out files: per vendor of the laid-out
/// models (in layout order), its config format's lines; a vendor without one gets none.
pub fn settings(ctx: &Context, laid: &Laid, args: &Serving) -> Result<String> {
    let vendor_of = |name: &str| ctx.layouts.model(name).ok().map(|m| m.vendor.clone());
    let mut out = String::new();
    for vendor in &ctx.layouts.vendors {
        let Ok(config) = crate::kinds::config::choose::for_vendor(vendor) else { continue };
        let files: Vec<(&str, &[String])> = laid
            .files
            .iter()
            .filter(|f| f.models.iter().any(|m| vendor_of(m).as_deref() == Some(vendor.vendor.as_str())))
            .map(|f| (f.name.as_str(), f.models.as_slice()))
            .collect();
        if files.is_empty() {
            continue;
        }
        let url = args.server_url.trim_end_matches('/');
        let firmware = FirmwareSettings { url, prefix: &args.prefix, postfix: &args.postfix, files };
        out.push_str(&config.firmware_settings(vendor, &ctx.layouts, &firmware));
    }
    Ok(out)
}
