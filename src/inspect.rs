//! `bundler inspect`: recognise each file (ring tone, WAV, tar, …), print what it holds, and check
//! it against a model's rules when `--model` is given.
//!
//! Each kind of file has an [`Inspector`]; a new kind is one more entry in [`inspectors`].

use crate::report::{has_errors, print_json, Diagnostic};
use crate::Context;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Files larger than this are not read for inspection.
const MAX_INSPECT_BYTES: u64 = 512 * 1024 * 1024;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler inspect ring5.bin\n  bundler inspect ring5.bin --wav ring5.wav\n  bundler inspect hlpres.tar --model UC924 --json\n\nExit status 1 when any file breaks a rule."
)]
pub struct Args {
    /// Files to inspect.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check against this model's rules.
    #[arg(long)]
    pub model: Option<String>,
    /// Decode a ring tone to this 16-bit PCM WAV file for listening (one input file only).
    #[arg(long, value_name = "OUT")]
    pub wav: Option<PathBuf>,
    #[command(flatten)]
    pub templates: TemplateArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What inspection found in one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    /// What the file is (`ring tone (gsrt)`, `tar`, …).
    pub kind: String,
    /// Facts read from the file, in display order.
    pub fields: Vec<(String, serde_json::Value)>,
    /// Entries of a container file (tar members), each a report of its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<FileReport>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    pub fn new(file: &str, kind: impl Into<String>) -> FileReport {
        FileReport {
            file: file.to_string(),
            kind: kind.into(),
            fields: Vec::new(),
            entries: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Adds a fact.
    pub fn field(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.fields.push((name.to_string(), value.into()));
    }

    fn has_errors(&self) -> bool {
        has_errors(&self.diagnostics) || self.entries.iter().any(FileReport::has_errors)
    }

    fn print(&self, indent: usize, limiter: &mut crate::report::Limiter) {
        let pad = " ".repeat(indent);
        println!("{pad}{}: {}", self.file, self.kind);
        for (k, v) in &self.fields {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("{pad}  {k:<16}{shown}");
        }
        for d in self.diagnostics.iter().filter(|d| limiter.admit(d)) {
            println!("{pad}  {d}");
        }
        for e in &self.entries {
            e.print(indent + 2, limiter);
        }
    }
}

/// The options every inspector sees.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    pub model: Option<&'a crate::layout::Model>,
    pub wav: Option<&'a Path>,
    /// English templates to check language files inside a `Language.tar` against.
    pub templates: Templates<'a>,
}

/// The English language templates given on the command line, if any.
#[derive(Clone, Copy, Default)]
pub struct Templates<'a> {
    pub lcd: Option<&'a Path>,
    pub web: Option<&'a Path>,
}

/// `--lcd-template` and `--web-template`, shared by `inspect` and `verify`.
#[derive(clap::Args, Clone, Default)]
pub struct TemplateArgs {
    /// English LCD template (LCD_English_Template.xml) to check language packs against.
    #[arg(long, value_name = "F")]
    pub lcd_template: Option<PathBuf>,
    /// English web template (Web_English_Template.js) to check language packs against.
    #[arg(long, value_name = "F")]
    pub web_template: Option<PathBuf>,
}

impl TemplateArgs {
    pub fn templates(&self) -> Templates<'_> {
        Templates { lcd: self.lcd_template.as_deref(), web: self.web_template.as_deref() }
    }
}

/// One kind of file `inspect` understands.
pub trait Inspector {
    /// Whether `bytes` (the whole file) is this kind of file.
    fn recognises(&self, name: &str, bytes: &[u8]) -> bool;
    /// Reads the file and reports on it. An `Err` means the file could not be read at all.
    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport>;
}

/// Every inspector, most specific first. Tar goes first: its header checksum recognises it exactly
/// (language packs are tars too: the tar inspector hands them to `language::annotate_archive`).
fn inspectors() -> Vec<Box<dyn Inspector>> {
    // Configs first: recognised by name or XML text, before the audio sniffers look at the bytes.
    vec![
        Box::new(crate::config::ConfigInspector),
        Box::new(crate::ringtone::RingInspector),
        Box::new(crate::hlpres::inspect::ImageInspector),
        Box::new(crate::hlpres::inspect::HlpresInspector),
        Box::new(crate::archive::TarInspector),
    ]
}

/// Finds the inspector for a file's bytes and runs it.
pub fn inspect_bytes(shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport> {
    for inspector in inspectors() {
        if inspector.recognises(shown, bytes) {
            return inspector.inspect(shown, bytes, opts, ctx);
        }
    }
    bail!("{shown}: not a file bundler knows (ring tone, WAV, image, tar or config)")
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    if args.wav.is_some() && args.files.len() != 1 {
        bail!("--wav takes exactly one input file");
    }
    let model = args.model.as_deref().map(|m| ctx.layouts.model(m)).transpose()?;
    let opts = Options { model, wav: args.wav.as_deref(), templates: args.templates.templates() };
    let mut reports = Vec::new();
    for path in &args.files {
        let bytes = crate::input::read_limited(path, MAX_INSPECT_BYTES)?;
        reports.push(inspect_bytes(&path.display().to_string(), &bytes, &opts, ctx)?);
    }
    if args.json {
        print_json(&reports)?;
    } else {
        let mut limiter = crate::report::Limiter::default();
        for r in &reports {
            r.print(0, &mut limiter);
        }
        if let Some(s) = limiter.summary() {
            println!("{s}");
        }
    }
    Ok(if reports.iter().any(FileReport::has_errors) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
