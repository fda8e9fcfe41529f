//! `report.html`: a self-contained page (no network) showing, per model, every artifact with a
//! thumbnail or duration, its size against its cap, the setting and URL to configure, and the rule
//! it was checked against.

use super::{Artifact, TreeManifest};
use base64::Engine;
use std::fmt::Write;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An `<img>` with the bytes inlined, for image files.
fn thumbnail(path: &str, bytes: &[u8]) -> Option<String> {
    let mime = match path.rsplit('.').next()?.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        _ => return None,
    };
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!("<img alt=\"{}\" src=\"data:{mime};base64,{data}\">", esc(path)))
}

/// What to show in the preview column.
fn preview(a: &Artifact, bytes: &[u8]) -> String {
    if let Some(img) = thumbnail(&a.path, bytes) {
        return img;
    }
    if let Some(s) = a.details.get("seconds").and_then(|s| s.as_f64()) {
        return format!("{s:.2} s audio");
    }
    if crate::archive::looks_like_tar(bytes) {
        let mut html = String::new();
        for e in crate::archive::read_tar(bytes, crate::archive::TarLimits::default()).unwrap_or_default() {
            let name = e.name.rsplit('/').next().unwrap_or(&e.name);
            if let Some(img) = thumbnail(name, &e.data) {
                let _ = write!(
                    html,
                    "<figure>{img}<figcaption>{} ({} bytes)</figcaption></figure>",
                    esc(name),
                    e.data.len()
                );
            }
        }
        if !html.is_empty() {
            return html;
        }
    }
    String::new()
}

/// Renders the report.
pub fn render(tree: &TreeManifest, artifacts: &[(Artifact, Vec<u8>)]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bundler release report</title>\n<style>\
         body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;width:100%;margin-bottom:2em}}\
         th,td{{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}} th{{background:#eee}}\
         img{{max-width:100%;border:1px solid #999;background:#777}} figure{{display:inline-block;margin:.2em}}\
         figcaption{{font-size:.8em}} .ok{{color:#070}} code{{font-size:.9em;word-break:break-all}} table{{table-layout:fixed}}</style></head><body>\n\
         <h1>Provisioning tree</h1>\n<p>Vendor <b>{}</b>, models {}, served from <code>{}</code>; built by bundler {}.</p>\n",
        esc(&tree.vendor),
        esc(&tree.models.join(", ")),
        esc(tree.base_url.as_deref().unwrap_or("(no base_url)")),
        esc(&tree.bundler)
    );
    for model in &tree.models {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<table><tr><th>file</th><th>preview</th><th>bytes / cap</th><th>setting / URL</th><th>checks passed</th></tr>\n",
            esc(model)
        );
        for (a, bytes) in artifacts.iter().filter(|(a, _)| a.models.contains(model)) {
            let mut setting: Vec<String> = a
                .settings
                .iter()
                .filter(|s| s.model.as_ref().is_none_or(|m| m == model))
                .map(|s| {
                    let how = if s.scope == super::SettingScope::SetOnPhone { " (set on the phone)" } else { "" };
                    format!("<code>{}</code> = <code>{}</code>{how}", esc(&s.code), esc(&s.value))
                })
                .collect();
            setting.extend(a.url.iter().map(|u| format!("<code>{}</code>", esc(u))));
            let setting = setting.join("<br>");
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td><td>{setting}</td><td class=\"ok\">✔ {}<br>✔ sha256 {}</td></tr>",
                esc(&a.path),
                esc(&a.label),
                preview(a, bytes),
                match a.cap {
                    Some(cap) => format!("{} / {cap}", a.bytes),
                    None => a.bytes.to_string(),
                },
                esc(&a.rule),
                &a.sha256[..16]
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}
