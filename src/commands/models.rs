//! `bundler models`: the model table, or one model's full rules, from the layouts.

use anyhow::Result;
use bundler::mechanisms::report::print_json;
use bundler::rules::layout::{AssetKind, AssetRule, Model, RingRules};
use bundler::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler models\n  bundler models --vendor flyingvoice --json\n  bundler models UC924"
)]
pub struct Args {
    /// Show every rule of this model (name or alias, any case).
    pub model: Option<String>,
    /// Only models of this vendor (htek, flyingvoice).
    #[arg(long)]
    pub vendor: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Prints one model's rules, or the table of models (JSON with `--json`).
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    if let Some(name) = &args.model {
        let model = ctx.layouts.model(name)?;
        if args.json {
            print_json(model)?;
        } else {
            print!("{}", describe(model));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let vendor = args.vendor.as_deref().map(|v| ctx.layouts.vendor(v)).transpose()?;
    let models: Vec<&Model> = ctx.layouts.models().filter(|m| vendor.is_none_or(|v| v.vendor == m.vendor)).collect();
    if args.json {
        print_json(&models)?;
        return Ok(ExitCode::SUCCESS);
    }
    let header = ["MODEL", "VENDOR", "ALIASES", "CODE", "FIRMWARE", "SCREEN", "WALLPAPER", "RING SLOTS"];
    let rows: Vec<[String; 8]> = models.iter().map(|m| table_row(m)).collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[&str]| {
        let parts: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", parts.join("  ").trim_end());
    };
    line(&header);
    for r in &rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    Ok(ExitCode::SUCCESS)
}

fn table_row(m: &Model) -> [String; 8] {
    let dash = || "-".to_string();
    [
        m.name.clone(),
        m.vendor.clone(),
        if m.aliases.is_empty() { dash() } else { m.aliases.join(",") },
        m.device_code.clone().unwrap_or_else(|| "unknown".into()),
        m.firmware.clone().or_else(|| m.firmware_pattern.clone()).unwrap_or_else(|| "unknown".into()),
        m.screen.to_string(),
        m.asset(AssetKind::Wallpaper).map_or_else(dash, |w| format!("{}x{}", w.width, w.height)),
        slot_list(&m.ringtone.slots),
    ]
}

fn slot_list(slots: &[u8]) -> String {
    slots.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",")
}

/// Every rule of one model, as readable text.
fn describe(m: &Model) -> String {
    let mut s = String::new();
    let mut add = |k: &str, v: String| s.push_str(&format!("{k:<22}{v}\n"));
    add("model", format!("{} ({})", m.name, m.vendor));
    if !m.aliases.is_empty() {
        add("aliases", m.aliases.join(", "));
    }
    add("device code", device_code(m));
    add("firmware", m.firmware.clone().or_else(|| m.firmware_pattern.clone()).unwrap_or_else(|| "unknown".into()));
    if !m.legacy_firmware.is_empty() {
        add("legacy firmware", format!("{} ({})", m.legacy_firmware.join(", "), m.legacy_firmware_versions.join("–")));
    }
    add("screen", m.screen.to_string());
    add("ring tones", ring_rules(&m.ringtone));
    for a in &m.asset_rules {
        add(a.kind.name(), asset_rule(a));
    }
    for (label, rule) in [("resources tar", &m.hlpres), ("language tar", &m.language)] {
        if let Some(t) = rule {
            add(label, format!("{} (folder {}/), ≤ {} bytes [{}]", t.file, t.folder, t.max_bytes, t.source));
        }
    }
    if let Some(l) = &m.language_files {
        add("language files", format!("templates {}, {} [{}]", l.lcd_template, l.web_template, l.source));
    }
    s
}

fn device_code(m: &Model) -> String {
    match &m.device_code {
        Some(c) => format!("{c} → cfg{c}.xml [{}]", m.device_code_source.as_deref().unwrap_or("layout")),
        None => "unknown (add one with --layouts DIR)".into(),
    }
}

fn ring_rules(r: &RingRules) -> String {
    format!(
        "{} for slots {}: {} {} {} Hz, ≤ {} s, ≤ {} bytes [{}]",
        r.file,
        slot_list(&r.slots),
        r.container,
        r.codec,
        r.sample_rate,
        r.max_seconds,
        r.max_bytes,
        r.source
    )
}

fn asset_rule(a: &AssetRule) -> String {
    let names = if a.names.is_empty() { a.any_name.clone().unwrap_or_default() } else { a.names.join(", ") };
    let depth = if a.monochrome { " 1-bit" } else { "" };
    let formats = a.formats.join("/");
    format!("{names}: {}x{}{depth} {formats}, ≤ {} bytes [{}]", a.width, a.height, a.max_bytes, a.source)
}
