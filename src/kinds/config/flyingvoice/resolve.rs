//! `config resolve` for Flyingvoice: `<mac>.boot` (else the common boot file) followed through
//! its includes, later values overriding earlier ones, every effective `key = value` with the file
//! and line it came from.

use super::folder::{walk_includes, within};
use super::includes::Step;
use crate::kinds::config::format::{Ask, Fetch, Listing, Resolution};
use crate::kinds::config::mac::Mac;
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::{FvData, Model};
use crate::Context;
use anyhow::{bail, Result};
use std::path::Path;

/// What one phone ends up with; without `--model`, the vendor is the one with Flyingvoice configs.
pub fn resolve(ask: &Ask, model: Option<&Model>, ctx: &Context) -> Result<Resolution> {
    let vendor = match model {
        Some(m) => ctx.layouts.vendor_of(m),
        None => ctx.layouts.config_vendor(ctx.layouts.flyingvoice.format, None, "give --model")?,
    };
    let mut r = resolve_flyingvoice(ask.dir, ask.mac, &ctx.layouts.flyingvoice, &vendor.vendor)?;
    r.diagnostics.extend(fallback_note(ask.dir, ask.mac, ctx, &vendor.vendor));
    Ok(r)
}

/// A warning when the folder has no file for the MAC, so the phone falls back to the common boot
/// file: which file is missing, which is used, and whose MAC prefix it is when another vendor's.
fn fallback_note(dir: &Path, mac: Mac, ctx: &Context, vendor: &str) -> Option<Diagnostic> {
    let data = &ctx.layouts.flyingvoice;
    let own = data.files.phone_boot.replace("{mac}", mac.as_str());
    if dir.join(&own).is_file() {
        return None;
    }
    let owner = ctx.layouts.vendors.iter().find(|v| v.ouis.iter().any(|o| mac.as_str().starts_with(o.as_str())));
    let whose = match owner {
        Some(v) if v.vendor != vendor => format!(" ({} is a {} MAC prefix)", &mac.as_str()[..6], v.family),
        _ => String::new(),
    };
    Some(Diagnostic::warning(
        dir.join(&own).display().to_string(),
        format!("no file for MAC {mac} here{whose}: the phone falls back to {}, read instead", data.files.common_boot),
    ))
}

fn resolve_flyingvoice(dir: &Path, mac: Mac, data: &FvData, vendor: &str) -> Result<Resolution> {
    let own = data.files.phone_boot.replace("{mac}", mac.as_str());
    let start = if dir.join(&own).is_file() { own } else { data.files.common_boot.clone() };
    if !dir.join(&start).is_file() {
        bail!(
            "{}: neither {} nor {} is here",
            dir.display(),
            data.files.phone_boot.replace("{mac}", mac.as_str()),
            data.files.common_boot
        );
    }
    if !within(dir, &dir.join(&start)) {
        bail!("{}: {start} is a symlink to outside the folder; not read", dir.display());
    }
    let mut r = Resolution::new(vendor, Listing::Includes, mac);
    let mut graph = Vec::new();
    walk_includes(dir, Path::new(&start), data, &mut |step| match step {
        Step::File { name, status, depth, note } => {
            r.files.push(Fetch { file: name.to_string(), status: status.to_string(), depth, note })
        }
        Step::Parsed(diagnostics) => r.diagnostics.extend_from_slice(diagnostics),
        Step::Setting { file, key, value, line } => r.set(key, value, file, (line, None), None),
        Step::Problem(d) => graph.push(d),
    })?;
    r.diagnostics.extend(graph);
    Ok(r)
}
