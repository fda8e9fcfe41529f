//! `bundler inspect`: recognise each file (ring tone, WAV, tar, …), print what it holds, and check
//! it against a model's rules when `--model` is given.
//!
//! Each kind of file has an [`Inspector`]; a new kind is one more entry in [`inspectors`].

pub use crate::mechanisms::findings::{FileReport, Inspector, Options, Templates};
use crate::mechanisms::report::print_json;
use crate::Context;
use anyhow::{bail, Result};
use std::path::PathBuf;
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

/// Every inspector, most specific first: configs (recognised by name or XML text) before the audio
/// sniffers look at the bytes; the tars last, those of a known folder (screen assets, a language
/// pack) before the plain tar listing, which each of them extends.
fn inspectors() -> Vec<Box<dyn Inspector>> {
    vec![
        Box::new(crate::kinds::config::PhonebookInspector),
        Box::new(crate::kinds::config::ConfigInspector),
        Box::new(crate::kinds::ringtone::RingInspector),
        Box::new(crate::kinds::hlpres::image_inspectors::ImageInspector),
        Box::new(crate::kinds::hlpres::image_inspectors::HlpresInspector),
        Box::new(crate::kinds::language::LanguagePackInspector),
        Box::new(crate::mechanisms::archive::TarInspector),
    ]
}

/// Finds the inspector for a file's bytes and runs it.
pub fn inspect_bytes(shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport> {
    for inspector in inspectors() {
        if inspector.recognises(shown, bytes, opts, ctx) {
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
        let bytes = crate::mechanisms::input::read_limited(path, MAX_INSPECT_BYTES)?;
        reports.push(inspect_bytes(&path.display().to_string(), &bytes, &opts, ctx)?);
    }
    if args.json {
        print_json(&reports)?;
    } else {
        let mut limiter = crate::mechanisms::report::Limiter::default();
        for r in &reports {
            r.print(0, &mut limiter);
        }
        if let Some(s) = limiter.summary() {
            println!("{s}");
        }
    }
    Ok(if reports.iter().any(FileReport::has_errors) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
