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
    if let Some(entries) = a.details.get("entries").and_then(|e| e.as_array()) {
        let mut html = String::new();
        for e in entries {
            let name = e.get("name").and_then(|n| n.as_str()).unwrap_or_default();
            if let Some(img) = e
                .get("data")
                .and_then(|d| d.as_str())
                .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                .and_then(|b| thumbnail(name, &b))
            {
                let _ = write!(html, "<figure>{img}<figcaption>{}</figcaption></figure>", esc(name));
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
         img{{max-width:240px;border:1px solid #999;background:#777}} figure{{display:inline-block;margin:.2em}}\
         figcaption{{font-size:.8em}} .ok{{color:#070}} code{{font-size:.9em}}</style></head><body>\n\
         <h1>Provisioning tree</h1>\n<p>Vendor <b>{}</b>, models {}, served from <code>{}</code>; built by bundler {}.</p>\n",
        esc(&tree.vendor),
        esc(&tree.models.join(", ")),
        esc(tree.base_url.as_deref().unwrap_or("(no base_url)")),
        esc(&tree.bundler)
    );
    for model in &tree.models {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<table><tr><th>file</th><th>preview</th><th>bytes</th><th>setting / URL</th><th>checks passed</th></tr>\n",
            esc(model)
        );
        for (a, bytes) in artifacts.iter().filter(|(a, _)| a.models.contains(model)) {
            let setting = match (&a.setting, &a.url) {
                (Some(s), Some(u)) => {
                    format!("<code>{}</code> = <code>{}</code><br><code>{}</code>", esc(&s.code), esc(&s.value), esc(u))
                }
                (Some(s), None) => format!("<code>{}</code> = <code>{}</code>", esc(&s.code), esc(&s.value)),
                (None, Some(u)) => format!("<code>{}</code>", esc(u)),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code><br>{}</td><td>{}</td><td>{}</td><td>{setting}</td><td class=\"ok\">✔ {}<br>✔ sha256 {}</td></tr>",
                esc(&a.path),
                esc(&a.label),
                preview(a, bytes),
                a.bytes,
                esc(&a.rule),
                &a.sha256[..16]
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</body></html>\n");
    h
}
