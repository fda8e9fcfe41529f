//! Checking an existing image (a file, or an entry of a vendor's or our own `hlpres.tar`) against
//! a model's asset rule: dimensions, format, byte cap, baseline JPEG, 1-bit for monochrome logos.

use crate::mechanisms::archive::TarEntry;
use crate::mechanisms::findings::FileReport;
use crate::mechanisms::image::{probe, Format, ImageInfo};
use crate::mechanisms::report::{Diagnostic, Severity};
use crate::rules::layout::{AssetRule, Model};

/// Checks one entry of an `hlpres.tar` into its report: an image in the model's folder against the
/// model's asset rules, anything outside that folder with a warning. `inspect` runs this on every
/// entry, and `hlpres` on the tar it assembled before writing it.
pub fn check_entry(report: &mut FileReport, entry: &TarEntry, model: Option<&Model>) {
    if entry.is_dir {
        return;
    }
    let rule = model.and_then(|m| m.hlpres.as_ref());
    let name = entry.name.strip_prefix("./").unwrap_or(&entry.name);
    let in_folder = rule.is_none_or(|r| crate::mechanisms::archive::in_folder(name, &r.folder).is_some());
    report.fields.clear();
    check_image(report, name, &entry.data, model.filter(|_| in_folder), false);
    if !in_folder {
        let folder = rule.map_or("", |r| r.folder.as_str());
        report
            .diagnostics
            .push(Diagnostic::warning(&report.file, format!("outside the {folder}/ folder the phone reads")));
    }
}

/// The errors `inspect --model` would report for an assembled tar's entries, or `None`.
pub fn tar_errors(entries: &[TarEntry], model: &Model) -> Option<String> {
    let mut errors = Vec::new();
    for entry in entries {
        let mut report = FileReport::new(&entry.name, "file");
        check_entry(&mut report, entry, Some(model));
        errors.extend(report.diagnostics.into_iter().filter(|d| d.severity == Severity::Error));
    }
    let listed: Vec<String> = errors.iter().map(|d| format!("{}: {}", d.file, d.message)).collect();
    (!listed.is_empty()).then(|| listed.join("; "))
}

/// Fills `report` with what the image header says and, with a model, every rule it breaks.
/// `name` is the file or entry name (its last path part picks the rule). `standalone` is for a
/// file outside a tar: it is matched by fixed asset names or by kind (`wallpaper.jpg`, as the
/// phones' download URLs name them), never by the icon glob.
pub fn check_image(report: &mut FileReport, name: &str, bytes: &[u8], model: Option<&Model>, standalone: bool) {
    report.field("bytes", bytes.len());
    let info = match probe(bytes) {
        Ok(info) => info,
        Err(e) => {
            report.kind = "file".to_string();
            if Format::from_name(name).is_some()
                || model.and_then(|m| rule_for_file(m, base_name(name), standalone)).is_some()
            {
                report.diagnostics.push(Diagnostic::error(&report.file, format!("not a readable image: {e:#}")));
            }
            return;
        }
    };
    report.kind = format!("image ({})", info.format.name());
    add_fields(report, &info);
    let Some(model) = model else { return };
    let file = base_name(name);
    match rule_for_file(model, file, standalone) {
        Some(rule) => {
            let diags = rule_diagnostics(&report.file, file, &info, bytes.len() as u64, rule, &model.name);
            report.field("cap", rule.max_bytes);
            report.diagnostics.extend(diags);
        }
        None => report.diagnostics.push(Diagnostic::note(
            &report.file,
            format!("{file} is not one of {}'s asset names; only the header was read", model.name),
        )),
    }
}

/// The rule a file name falls under: an entry by the layout's names and globs; a standalone file by
/// its fixed name or, failing that, by a kind its name starts with.
fn rule_for_file<'m>(model: &'m Model, file: &str, standalone: bool) -> Option<&'m AssetRule> {
    if !standalone {
        return model.asset_for_name(file);
    }
    let lower = file.to_ascii_lowercase();
    model
        .asset_rules
        .iter()
        .find(|r| r.names.iter().any(|n| n.eq_ignore_ascii_case(file)))
        .or_else(|| model.asset_rules.iter().find(|r| lower.starts_with(r.kind.name())))
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

fn add_fields(report: &mut FileReport, info: &ImageInfo) {
    report.field("format", info.format.name());
    report.field("width", info.width);
    report.field("height", info.height);
    report.field("color", info.color.clone());
    report.field("bit depth", info.bit_depth);
    if let Some(p) = info.progressive {
        report.field("coding", if p { "progressive" } else { "baseline" });
    }
    if let Some(s) = &info.sampling {
        report.field("sampling", s.clone());
    }
    if info.metadata_bytes > 0 {
        report.field("metadata bytes", info.metadata_bytes);
    }
}

/// Every way `info` breaks `rule`. Errors: size, format, cap. Warnings: progressive JPEG, a
/// monochrome logo that is not 1-bit grayscale.
pub fn rule_diagnostics(
    shown: &str,
    file: &str,
    info: &ImageInfo,
    bytes: u64,
    rule: &AssetRule,
    model: &str,
) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    if (info.width, info.height) != (rule.width, rule.height) {
        d.push(Diagnostic::error(
            shown,
            format!("{}×{}, but {model} shows {file} at {}×{}", info.width, info.height, rule.width, rule.height),
        ));
    }
    let accepted = rule.formats.iter().filter_map(|f| Format::from_extension(f)).any(|f| f == info.format);
    if !accepted {
        d.push(Diagnostic::error(
            shown,
            format!("{} data, but {model} takes {} for {file}", info.format.name(), rule.formats.join(" or ")),
        ));
    }
    if let Some(named) = Format::from_name(file) {
        if named != info.format {
            d.push(Diagnostic::error(
                shown,
                format!("named .{} but holds {} data", named.extension(), info.format.name()),
            ));
        }
    }
    if bytes > rule.max_bytes {
        d.push(Diagnostic::error(
            shown,
            format!("{bytes} bytes, over {model}'s cap of {} bytes for {file}", rule.max_bytes),
        ));
    }
    if info.progressive == Some(true) {
        d.push(Diagnostic::warning(shown, "progressive JPEG: phones may only decode baseline JPEG"));
    }
    if rule.monochrome && !info.is_bilevel_gray() {
        d.push(Diagnostic::warning(
            shown,
            format!(
                "{file} is for a monochrome screen but is {} {}-bit, not 1-bit grayscale",
                info.color, info.bit_depth
            ),
        ));
    }
    d
}
