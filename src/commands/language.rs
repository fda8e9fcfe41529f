//! `bundler language check|pack`: the arguments, the printing (compiler-style lines grouped by
//! file) and the exit status; the checks and the archive are `bundler::kinds::language`'s.

use anyhow::{bail, Result};
use bundler::kinds::language::{
    check_dir, check_paths, encoding_for_label, pack, CheckOptions, LanguageReport, LanguageRules,
};
use bundler::mechanisms::report::print_json;
use bundler::Context;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Check translation files: names, UTF-8, well-formedness, every template item translated.
    #[command(
        after_help = "Examples:\n  bundler language check Language/\n  bundler language check 10_ChineseSimplified.js --web-template Web_English_Template.js --strict\n  bundler language check Language/ --json\n\nWithout templates (given, or found in the folder under the vendor's names) the completeness\ncheck is skipped with a note. Exit status 1 when any error is found.\n\nAssumed, as nothing is published: the templates' inner format (items are derived from the\ntemplate itself: XML elements and attributes holding text, keyed by path and id attributes;\nevery string a script sets) and the Language.tar size cap (layouts/htek.toml)."
    )]
    Check(CheckArgs),
    /// Check a folder, then write Language.tar (nothing is written if any error remains).
    #[command(
        after_help = "Examples:\n  bundler language pack Language/ -o Language.tar\n  bundler language pack Language/ --convert-from GBK --lcd-template LCD_English_Template.xml\n\nEntries carry SOURCE_DATE_EPOCH (else 1970-01-01) as their time, so the same folder gives the same bytes."
    )]
    Pack(PackArgs),
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Language folders and/or single files.
    #[arg(required = true, value_name = "DIR|FILE")]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
struct PackArgs {
    /// The folder holding the language files (the vendor's `Language` folder).
    dir: PathBuf,
    /// Where to write the archive [default: the layout's name, Language.tar].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
struct Common {
    /// The English LCD template [default: LCD_English_Template.xml in the folder, if there].
    #[arg(long, value_name = "FILE")]
    lcd_template: Option<PathBuf>,
    /// The English web template [default: Web_English_Template.js in the folder, if there].
    #[arg(long, value_name = "FILE")]
    web_template: Option<PathBuf>,
    /// Make values identical to English, placeholder differences and duplicate keys errors.
    #[arg(long)]
    strict: bool,
    /// Transcode files that are not UTF-8 from this encoding (GBK, Big5, windows-1251, UTF-16LE, …)
    /// into the packed copy; your files are never rewritten.
    #[arg(long, value_name = "ENC")]
    convert_from: Option<String>,
    /// Take the archive rules (name, folder, size cap, template names) from this model
    /// [default: the strictest model that takes a language pack].
    #[arg(long)]
    model: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl Common {
    fn options(&self, ctx: &Context) -> Result<CheckOptions> {
        let rules = LanguageRules::from_layouts(&ctx.layouts, self.model.as_deref())?;
        let convert_from = self.convert_from.as_deref().map(encoding_for_label).transpose()?;
        Ok(CheckOptions {
            rules,
            lcd_template: self.lcd_template.clone(),
            web_template: self.web_template.clone(),
            strict: self.strict,
            convert_from,
            keep_bytes: true,
        })
    }
}

/// Runs `language check` or `language pack`.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    match &args.command {
        Command::Check(a) => run_check(a, ctx),
        Command::Pack(a) => run_pack(a, ctx),
    }
}

/// The report as JSON or text.
fn show(report: &LanguageReport, json: bool) -> Result<()> {
    if json {
        print_json(report)
    } else {
        print_report(report)
    }
}

fn run_check(a: &CheckArgs, ctx: &Context) -> Result<ExitCode> {
    let opts = CheckOptions { keep_bytes: false, ..a.common.options(ctx)? };
    let report = check_paths(&a.inputs, &opts)?;
    show(&report, a.common.json)?;
    if report.has_errors() {
        // A check that found errors in what it was given: exit 1, not "could not work" (2).
        eprintln!("error: {}", totals(&report));
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_pack(a: &PackArgs, ctx: &Context) -> Result<ExitCode> {
    let report = check_dir(&a.dir, &a.common.options(ctx)?)?;
    let output = a.output.clone().unwrap_or_else(|| PathBuf::from(&report.rules.archive.file));
    let built = if report.has_errors() { None } else { Some(pack(&report, bundler::mechanisms::epoch::build_time()?)) };
    let bytes = match built {
        Some(Ok(bytes)) => bytes,
        failed => {
            show(&report, a.common.json)?;
            match failed {
                Some(Err(e)) => return Err(e.context(format!("{}: nothing written", output.display()))),
                _ => bail!("{}: nothing written: {}", output.display(), totals(&report)),
            }
        }
    };
    bundler::mechanisms::output::write_atomic(&output, &bytes)?;
    print_packed(&report, &output, bytes.len(), a.common.json)?;
    Ok(ExitCode::SUCCESS)
}

/// What `language pack` wrote: the report, and the archive written (JSON, or a line unless `-q`).
fn print_packed(report: &LanguageReport, output: &std::path::Path, bytes: usize, json: bool) -> Result<()> {
    let entries = report.files.iter().filter(|f| f.packed).count();
    if json {
        #[derive(Serialize)]
        struct Packed<'a> {
            output: String,
            bytes: usize,
            files: usize,
            report: &'a LanguageReport,
        }
        return print_json(&Packed { output: output.display().to_string(), bytes, files: entries, report });
    }
    print_report(report)?;
    if !bundler::quiet() {
        let folder = &report.rules.archive.folder;
        println!("wrote {}: {bytes} bytes, folder {folder}/ and {entries} files", output.display());
    }
    Ok(())
}

/// `3 errors in 2 files, 1 warning` (or `no errors`).
fn totals(report: &LanguageReport) -> String {
    let files = match report.files_with_errors() {
        0 => String::new(),
        1 => " in 1 file".to_string(),
        n => format!(" in {n} files"),
    };
    format!(
        "{} error{}{files}, {} warning{}",
        report.errors,
        if report.errors == 1 { "" } else { "s" },
        report.warnings,
        if report.warnings == 1 { "" } else { "s" }
    )
}

/// Compiler-style lines grouped by file, each group ending with the file's summary.
fn print_report(report: &LanguageReport) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // With -q only the findings are printed.
    let quiet = bundler::quiet();
    for t in [&report.lcd_template, &report.web_template].into_iter().flatten().filter(|_| !quiet) {
        writeln!(out, "template {}: {} items", t.file, t.items)?;
    }
    let mut limiter = bundler::mechanisms::report::Limiter::default();
    let mut printer = bundler::mechanisms::report::snippet::Printer::stdout();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| limiter.admit(d)) {
            writeln!(out, "{}", printer.show(d))?;
        }
        if !quiet {
            writeln!(out, "{}", f.summary())?;
        }
    }
    if let Some(s) = limiter.summary() {
        writeln!(out, "{s}")?;
    }
    for n in &report.notes {
        writeln!(out, "{}: {}", n.severity, n.message)?;
    }
    if quiet {
        out.flush()?;
        return Ok(());
    }
    let verdict = if report.errors > 0 {
        totals(report)
    } else {
        format!("no errors, {} warning{}", report.warnings, if report.warnings == 1 { "" } else { "s" })
    };
    writeln!(out, "{} file{} checked: {verdict}", report.files.len(), if report.files.len() == 1 { "" } else { "s" })?;
    out.flush()?;
    Ok(())
}
