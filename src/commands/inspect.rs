//! `bundler inspect`: its arguments, the printing and the exit status; what each file is and holds
//! is `bundler::ops::inspect`'s.

use anyhow::{bail, Result};
use bundler::mechanisms::report::print_json;
use bundler::ops::inspect::{inspect_file, FileReport, Options, Templates};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

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

/// Inspects every file, prints the reports, and exits 1 when any file breaks a rule.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    if args.wav.is_some() && args.files.len() != 1 {
        bail!("--wav takes exactly one input file");
    }
    let model = args.model.as_deref().map(|m| ctx.layouts.model(m)).transpose()?;
    let opts = Options { model, wav: args.wav.as_deref(), templates: args.templates.templates() };
    let reports = args.files.iter().map(|path| inspect_file(path, &opts, ctx)).collect::<Result<Vec<_>>>()?;
    if args.json {
        print_json(&reports)?;
    } else {
        let mut limiter = bundler::mechanisms::report::Limiter::default();
        for r in &reports {
            r.print(0, &mut limiter);
        }
        if let Some(s) = limiter.summary() {
            println!("{s}");
        }
    }
    Ok(if reports.iter().any(FileReport::has_errors) { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
