//! `report.html`: the self-contained page (no network) a provider sends a customer for sign-off.
//! At the top, one block per model: what to set on the phone (or that the configs carry it) and a
//! green or red summary; then what changed since the previous tree; then, per model, every file:
//! ring tones playable (the decoded tone embedded as WAV, with its waveform), images at their real
//! pixel size beside a frame of the model's screen, sizes against caps and the rule checked.

use super::{Artifact, SettingRecord, SettingScope, TreeManifest};
use crate::mechanisms::tree_compare::{self, Kind, Previous};
use crate::mechanisms::tree_manifest::CONFIG_DIR;
use crate::rules::layout::{AssetKind, Layouts, Model};
use base64::Engine;
use std::fmt::Write;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;width:100%;margin-bottom:2em;table-layout:fixed}\
th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}th{background:#eee}\
.models{display:flex;flex-wrap:wrap;gap:1em;margin-bottom:2em}\
.model{border:2px solid;border-radius:8px;padding:.8em 1em;min-width:22em}\
.green{border-color:#2a2;background:#efe}.red{border-color:#c22;background:#fee}\
.verdict{font-weight:bold;font-size:1.1em}.green .verdict{color:#070}.red .verdict{color:#a00}\
.screen{display:inline-block;position:relative;border:12px solid #333;border-radius:6px;background:#555;\
box-sizing:content-box;overflow:hidden;margin:.3em;vertical-align:top}\
.screen img{position:absolute;left:0;top:0;image-rendering:pixelated}\
figure{display:inline-block;margin:.3em;vertical-align:top}figcaption{font-size:.8em}\
.added{color:#070}.removed{color:#a00}.changed{color:#a60}\
code{font-size:.9em;word-break:break-all}.wave{display:block;background:#f4f4f4;border:1px solid #ccc}";

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Renders the report. `previous` is what the tree being replaced held.
pub fn render(
    tree: &TreeManifest,
    artifacts: &[(Artifact, Vec<u8>)],
    previous: &Previous,
    layouts: &Layouts,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bundler release report</title>\n\
         <style>{STYLE}</style></head><body>\n<h1>Provisioning tree</h1>\n\
         <p>Vendor <b>{}</b>, models {}, served from <code>{}</code>; built by bundler {}.</p>\n<div class=\"models\">\n",
        esc(&tree.vendor),
        esc(&tree.models.join(", ")),
        esc(tree.base_url.as_deref().unwrap_or("(no base_url)")),
        esc(&tree.bundler)
    );
    for model in &tree.models {
        h.push_str(&model_block(model, artifacts));
    }
    h.push_str("</div>\n");
    h.push_str(&changes_section(tree, previous));
    let first_screen = tree.models.iter().find_map(|m| layouts.model(m).ok().and_then(screen_size));
    let shared: Vec<&(Artifact, Vec<u8>)> = artifacts.iter().filter(|(a, _)| is_shared(a)).collect();
    if !shared.is_empty() {
        h.push_str(&files_table("Files every model fetches", &shared, None, first_screen));
    }
    for model in &tree.models {
        let screen = layouts.model(model).ok().and_then(screen_size);
        let own: Vec<&(Artifact, Vec<u8>)> =
            of_model(model, artifacts).filter(|(a, _)| !is_shared(a) && !is_config(a)).collect();
        h.push_str(&files_table(&format!("{model} files"), &own, Some(model), screen));
    }
    h.push_str(&configs_table(artifacts));
    h.push_str("</body></html>\n");
    h
}

/// A provisioning config (listed in the configs table, not in the models' tables).
fn is_config(a: &Artifact) -> bool {
    a.path.starts_with(CONFIG_DIR)
}

/// A file more than one model fetches (listed once, not in each model's table).
fn is_shared(a: &Artifact) -> bool {
    a.models.len() > 1 && !is_config(a)
}

/// `12,345` as the command line prints sizes.
fn bytes(n: u64) -> String {
    crate::kinds::hlpres::group(n)
}

/// Text with every number of five or more digits grouped (`≤ 20,000,000 bytes`), as sizes are
/// printed elsewhere.
fn group_numbers(text: &str) -> String {
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        match digits.parse::<u64>() {
            Ok(n) if digits.len() >= 5 => out.push_str(&bytes(n)),
            _ => out.push_str(digits),
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

/// The artifacts a model fetches.
fn of_model<'a>(model: &'a str, artifacts: &'a [(Artifact, Vec<u8>)]) -> impl Iterator<Item = &'a (Artifact, Vec<u8>)> {
    artifacts.iter().filter(move |(a, _)| a.models.iter().any(|m| m == model))
}

/// The settings recorded for `model` (those of every model, and those of this model only).
fn settings_of<'a>(a: &'a Artifact, model: &'a str) -> impl Iterator<Item = &'a SettingRecord> + 'a {
    a.settings.iter().filter(move |s| s.model.as_deref().is_none_or(|m| m == model))
}

fn setting_item(s: &SettingRecord) -> String {
    format!("<li><code>{}</code> = <code>{}</code></li>", esc(&s.code), esc(&s.value))
}

/// What is wrong with an artifact for sign-off: over its cap, or built with warnings.
/// The configs' warnings are shared by every config file: the ones naming `model` are given in
/// full (a phone whose own row overrides a setting the tree needs: the per-phone difference).
fn problems(a: &Artifact, model: &str) -> Vec<String> {
    let mut list = Vec::new();
    if let Some(cap) = a.cap.filter(|&c| a.bytes as u64 > c) {
        list.push(format!("{}: {} bytes, over the {}-byte cap", a.path, bytes(a.bytes as u64), bytes(cap)));
    }
    let warnings: Vec<&str> =
        a.details.get("warnings").and_then(|w| w.as_array()).into_iter().flatten().filter_map(|w| w.as_str()).collect();
    if is_config(a) {
        // A warning naming one of the models is that model's; one naming none is every model's.
        let names = |w: &str, m: &str| w.contains(&format!(" {m}"));
        let mine = |w: &&&str| names(w, model) || !a.models.iter().any(|m| names(w, m));
        list.extend(warnings.iter().filter(mine).map(|w| w.to_string()));
    } else if !warnings.is_empty() {
        list.push(format!("{}: {} warning(s) when built", a.path, warnings.len()));
    }
    list
}

/// The block at the top: settings to make on the phone, and the verdict. The settings' scope is the
/// model's own (a model without phones in the tree's configs has everything to set by hand).
fn model_block(model: &str, artifacts: &[(Artifact, Vec<u8>)]) -> String {
    let mine: Vec<&Artifact> = of_model(model, artifacts).map(|(a, _)| a).collect();
    let mut problems: Vec<String> = mine.iter().flat_map(|a| problems(a, model)).collect();
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    let configs = mine.iter().filter(|a| is_config(a)).count();
    let listed = |scope: SettingScope| -> Vec<String> {
        let mut items: Vec<String> =
            mine.iter().flat_map(|a| settings_of(a, model)).filter(|s| s.scope == scope).map(setting_item).collect();
        items.sort();
        items.dedup();
        items
    };
    let (by_hand, carried) = (listed(SettingScope::SetOnPhone), listed(SettingScope::Config));
    let mut settings_html = String::new();
    if !by_hand.is_empty() {
        let why = if carried.is_empty() {
            "no config in this tree is for a phone of this model"
        } else {
            "the configs do not carry these"
        };
        let _ =
            write!(settings_html, "<p>Set on the phone (web UI or config; {why}):</p><ul>{}</ul>", by_hand.concat());
    }
    if !carried.is_empty() {
        let _ = write!(
            settings_html,
            "<p>Settings carried by this model's configs in <code>{CONFIG_DIR}</code>{}.</p><details><summary>{} settings</summary><ul>{}</ul></details>",
            if by_hand.is_empty() { ": nothing to set by hand" } else { "" },
            carried.len(),
            carried.concat()
        );
    }
    if settings_html.is_empty() {
        settings_html.push_str("<p>Nothing to set on the phone.</p>");
    }
    let files = mine.len() - configs;
    let (class, verdict) = if problems.is_empty() {
        ("green", format!("✔ {files} files ready, all within their caps and checked"))
    } else {
        ("red", format!("✘ {} problem(s) to look at", problems.len()))
    };
    let list: String = problems.iter().map(|p| format!("<li>{}</li>", esc(p))).collect();
    format!(
        "<div class=\"model {class}\" id=\"summary-{m}\"><h2>{m}</h2><p class=\"verdict\">{verdict}</p><ul>{list}</ul>{settings_html}</div>\n",
        m = esc(model)
    )
}

/// "Changes since the previous tree", from the previous `manifest.json`.
fn changes_section(tree: &TreeManifest, previous: &Previous) -> String {
    let new: Vec<tree_compare::Entry> = tree.artifacts.iter().map(tree_compare::Entry::of).collect();
    let old = match previous {
        Previous::None => return "<h2>Changes</h2>\n<p>First build of this tree: every file is new.</p>\n".into(),
        Previous::Unreadable(why) => {
            return format!("<h2>Changes</h2>\n<p>The previous tree's manifest.json could not be read ({}): changes are not known.</p>\n", esc(why))
        }
        Previous::Entries(old) => old,
    };
    let list = tree_compare::changes(old, &new);
    let mut h =
        format!("<h2>Changes since the previous tree</h2>\n<p id=\"changes\">{}</p>\n", tree_compare::summary(&list));
    if list.is_empty() {
        return h;
    }
    h.push_str("<table><tr><th>change</th><th>file</th><th>old size</th><th>new size</th></tr>\n");
    for c in &list {
        let kind = match c.kind {
            Kind::Added => "added",
            Kind::Changed => "changed",
            Kind::Removed => "removed",
        };
        let size = |b: Option<u64>| b.map_or(String::new(), |b| format!("{} bytes", bytes(b)));
        let _ = writeln!(
            h,
            "<tr class=\"{kind}\"><td>{kind}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&c.path),
            size(c.old_bytes),
            size(c.new_bytes)
        );
    }
    h.push_str("</table>\n");
    h
}

/// The model's screen in pixels: its wallpaper (else screensaver, else LCD logo) size.
fn screen_size(model: &Model) -> Option<(u32, u32)> {
    [AssetKind::Wallpaper, AssetKind::Screensaver, AssetKind::Lcdlogo]
        .into_iter()
        .find_map(|k| model.asset(k))
        .map(|r| (r.width, r.height))
}

/// A table of files: the shared ones (`model` None: each file's setting for every model) or one
/// model's own.
fn files_table(title: &str, files: &[&(Artifact, Vec<u8>)], model: Option<&str>, screen: Option<(u32, u32)>) -> String {
    let mut h = format!(
        "<h2>{}</h2>\n<table><tr><th style=\"width:20%\">file</th><th style=\"width:40%\">preview</th><th style=\"width:10%\">bytes / cap</th><th>setting / URL</th><th>checks passed</th></tr>\n",
        esc(title)
    );
    if files.is_empty() {
        h.push_str("<tr><td colspan=\"5\">none: this model fetches only the shared files and its config</td></tr>\n");
    }
    for (a, data) in files {
        let mut cell: Vec<String> = a
            .settings
            .iter()
            .filter(|s| model.is_none() || s.model.as_deref().is_none_or(|m| Some(m) == model))
            .map(|s| {
                let how = if s.scope == SettingScope::SetOnPhone { " (set on the phone)" } else { "" };
                let whose =
                    s.model.as_deref().filter(|_| model.is_none()).map_or(String::new(), |m| format!("{}: ", esc(m)));
                format!("{whose}<code>{}</code> = <code>{}</code>{how}", esc(&s.code), esc(&s.value))
            })
            .collect();
        cell.extend(a.url.iter().map(|u| format!("<code>{}</code>", esc(u))));
        let setting = cell.join("<br>");
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code><br>{}{}</td><td>{}</td><td>{}</td><td>{setting}</td><td>✔ {}<br>✔ sha256 <code title=\"{sha}\">{}</code></td></tr>",
            esc(&a.path),
            esc(&a.label),
            if model.is_none() { format!("<br>for {}", esc(&a.models.join(", "))) } else { String::new() },
            preview(a, data, screen),
            match a.cap {
                Some(cap) => format!("{} / {}", bytes(a.bytes as u64), bytes(cap)),
                None => bytes(a.bytes as u64),
            },
            esc(&group_numbers(&a.rule)),
            &a.sha256[..16.min(a.sha256.len())],
            sha = esc(&a.sha256)
        );
    }
    h.push_str("</table>\n");
    h
}

/// The configs shown in the report; the rest are counted (manifest.json lists them all).
const MAX_CONFIG_ROWS: usize = 200;

/// The tree's configs, once: file, size and digest.
fn configs_table(artifacts: &[(Artifact, Vec<u8>)]) -> String {
    let configs: Vec<&Artifact> = artifacts.iter().map(|(a, _)| a).filter(|a| is_config(a)).collect();
    if configs.is_empty() {
        return String::new();
    }
    let mut h = format!(
        "<h2>Configs</h2>\n<p>{} files in <code>{CONFIG_DIR}</code>, for the phones of the release's phones list.</p>\n\
         <table><tr><th>file</th><th style=\"width:15%\">bytes</th><th>sha256</th></tr>\n",
        configs.len()
    );
    for a in configs.iter().take(MAX_CONFIG_ROWS) {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&a.path),
            bytes(a.bytes as u64),
            esc(&a.sha256)
        );
    }
    if configs.len() > MAX_CONFIG_ROWS {
        let _ = writeln!(
            h,
            "<tr><td colspan=\"3\">… and {} more (manifest.json lists every file)</td></tr>",
            configs.len() - MAX_CONFIG_ROWS
        );
    }
    h.push_str("</table>\n");
    h
}

/// What to show in the preview column.
fn preview(a: &Artifact, bytes: &[u8], screen: Option<(u32, u32)>) -> String {
    let name = a.path.rsplit('/').next().unwrap_or(&a.path);
    if let Some(img) = framed_image(name, bytes, screen) {
        return img;
    }
    if let Some(player) = audio(name, bytes) {
        return player;
    }
    if crate::mechanisms::archive::looks_like_tar(bytes) {
        let entries = crate::mechanisms::archive::read_tar(bytes, crate::mechanisms::archive::TarLimits::default())
            .unwrap_or_default();
        return entries
            .iter()
            .filter_map(|e| framed_image(e.name.rsplit('/').next().unwrap_or(&e.name), &e.data, screen))
            .collect();
    }
    String::new()
}

/// An image at its real pixel size inside a frame of the phone's screen (when it fits one), with
/// its name and size.
fn framed_image(name: &str, bytes: &[u8], screen: Option<(u32, u32)>) -> Option<String> {
    let mime = match name.rsplit('.').next()?.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        _ => return None,
    };
    let info = crate::mechanisms::image::probe::probe(bytes).ok()?;
    let (w, h) = (info.width, info.height);
    let img = format!(
        "<img alt=\"{n}\" width=\"{w}\" height=\"{h}\" style=\"width:{w}px;height:{h}px\" src=\"data:{mime};base64,{}\">",
        b64(bytes),
        n = esc(name)
    );
    let caption = format!("{} — {w}×{h} px, {} bytes", esc(name), crate::kinds::hlpres::group(bytes.len() as u64));
    let Some((sw, sh)) = screen.filter(|&(sw, sh)| w <= sw && h <= sh) else {
        return Some(format!("<figure>{img}<figcaption>{caption}</figcaption></figure>"));
    };
    Some(format!(
        "<figure><div class=\"screen\" style=\"width:{sw}px;height:{sh}px\" title=\"{sw}×{sh} screen\">{img}</div>\
         <figcaption>{caption}, on the {sw}×{sh} screen</figcaption></figure>"
    ))
}

/// A playable ring tone: the file decoded and embedded as 16-bit WAV, and its waveform.
fn audio(name: &str, bytes: &[u8]) -> Option<String> {
    let decoded = ringtool::decode(bytes).ok()?;
    if decoded.samples.is_empty() || decoded.channels != 1 {
        return None;
    }
    let wav = ringtool::encode(
        &decoded.samples,
        ringtool::Codec::Ulaw,
        ringtool::Container::PcmWav,
        ringtool::Timestamp::from_unix(0),
    );
    let seconds = decoded.samples.len() as f64 / f64::from(decoded.sample_rate);
    Some(format!(
        "<audio controls preload=\"metadata\" data-file=\"{n}\" src=\"data:audio/wav;base64,{}\"></audio>\
         <br>{}<br>{seconds:.2} s, {} Hz, decoded from {n}",
        b64(&wav),
        waveform(&decoded.samples),
        decoded.sample_rate,
        n = esc(name)
    ))
}

/// The waveform as an SVG image: the lowest and highest sample of each of 400 columns.
fn waveform(samples: &[i16]) -> String {
    const W: usize = 400;
    const H: f64 = 60.0;
    let per = samples.len().div_ceil(W).max(1);
    let mut path = String::new();
    for (x, chunk) in samples.chunks(per).enumerate() {
        let lo = chunk.iter().copied().min().unwrap_or(0);
        let hi = chunk.iter().copied().max().unwrap_or(0);
        let y = |s: i16| H / 2.0 - f64::from(s) / 32768.0 * (H / 2.0);
        let _ = write!(path, "M{x} {:.1}V{:.1}", y(hi), y(lo));
    }
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\"><path d=\"{path}\" stroke=\"#1a5fb4\" stroke-width=\"1\"/></svg>"
    );
    format!(
        "<img class=\"wave\" alt=\"waveform\" width=\"{W}\" height=\"{H}\" src=\"data:image/svg+xml;base64,{}\">",
        b64(svg.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(
        path: &str,
        bytes: usize,
        cap: Option<u64>,
        setting: Option<(&str, &str, SettingScope)>,
    ) -> (Artifact, Vec<u8>) {
        let a = Artifact {
            path: path.into(),
            bytes,
            sha256: "0".repeat(64),
            label: String::new(),
            models: vec!["UC924".into()],
            cap,
            sources: vec![],
            rule: String::new(),
            settings: setting
                .map(|(c, v, scope)| SettingRecord { code: c.into(), value: v.into(), model: None, scope })
                .into_iter()
                .collect(),
            url: None,
            key: String::new(),
            reused: false,
            staged: false,
            details: serde_json::json!({}),
        };
        (a, vec![])
    }

    #[test]
    fn long_numbers_are_grouped_and_versions_are_not() {
        assert_eq!(group_numbers("≤ 20000000 bytes, 8000 Hz, 2.0.4.6.41"), "≤ 20,000,000 bytes, 8000 Hz, 2.0.4.6.41");
    }

    #[test]
    fn a_phone_overriding_a_tree_setting_turns_only_its_model_red() {
        let warning =
            "phones.csv:2:1: warning: column 'P20174': P20174 = 'x' is kept for UC924, but the tree has it at 'y'";
        let mut configs = vec![artifact("config/a.xml", 1, None, None), artifact("config/b.xml", 1, None, None)];
        for (a, _) in &mut configs {
            a.details = serde_json::json!({ "warnings": [warning] });
            a.models = vec!["UC924".into(), "UC926".into()];
        }
        let block = model_block("UC924", &configs);
        assert!(
            block.starts_with("<div class=\"model red\"") && block.matches("is kept for UC924").count() == 1,
            "{block}"
        );
        assert!(model_block("UC926", &configs).starts_with("<div class=\"model green\""));
        configs[0].0.details = serde_json::json!({ "warnings": ["phones.csv: warning: for every phone"] });
        assert!(model_block("UC926", &configs).contains("for every phone"));
    }

    #[test]
    fn a_file_over_its_cap_turns_the_model_red_and_names_the_file() {
        let block = model_block("UC924", &[artifact("ring/ring5.bin", 200, Some(100), None)]);
        assert!(block.starts_with("<div class=\"model red\""), "{block}");
        assert!(block.contains("ring/ring5.bin: 200 bytes, over the 100-byte cap"), "{block}");
        let block = model_block("UC924", &[artifact("ring/ring5.bin", 100, Some(100), None)]);
        assert!(block.starts_with("<div class=\"model green\""), "{block}");
    }

    #[test]
    fn settings_are_to_set_by_hand_unless_the_configs_carry_them() {
        let ring = artifact("ring/ring5.bin", 1, None, Some(("P20174", "http://x/ring", SettingScope::SetOnPhone)));
        let block = model_block("UC924", std::slice::from_ref(&ring));
        assert!(block.contains("Set on the phone") && block.contains("<code>P20174</code>"), "{block}");
        let ring = artifact("ring/ring5.bin", 1, None, Some(("P20174", "http://x/ring", SettingScope::Config)));
        let block = model_block("UC924", &[ring, artifact("config/cfg001fc110d3a9.xml", 1, None, None)]);
        assert!(block.contains("carried by this model's configs") && !block.contains("Set on the phone"), "{block}");
    }
}
