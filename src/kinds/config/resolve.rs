//! What `bundler config resolve` finds: what one phone ends up with, read from a provisioning folder.
//!
//! Htek: the files the phone requests in order (`cfg<code>.xml` → `cfg<mac>` → `cfg<mac>.xml`,
//! guide §2.1), which are there, which it takes under each reading of the guide, and the effective
//! settings. Flyingvoice: `<mac>.boot` (else `y000000000000.boot`) followed through its includes,
//! later values overriding earlier ones, every effective `key = value` with the file and line it
//! came from.

use super::choose;
use super::format::{Ask, Resolution, VendorConfig};
use crate::Context;
use anyhow::{bail, Result};
use std::path::Path;

/// What one phone ends up with. `model` is the model given (it names the vendor and so the
/// format); without one, the format is the one whose files the folder holds.
pub fn resolve(ask: &Ask, model: Option<&str>, ctx: &Context) -> Result<Resolution> {
    if !ask.dir.is_dir() {
        bail!("{}: not a folder", ask.dir.display());
    }
    let model = model.map(|m| ctx.layouts.model(m)).transpose()?;
    let config = match model {
        Some(m) => choose::for_vendor(ctx.layouts.vendor_of(m))?,
        None => detect_format(ask.dir)?,
    };
    config.resolve(ask, model, ctx)
}

/// Most entries of the folder read to tell the vendor's files apart.
const MAX_LISTED: usize = 100_000;

/// The one format whose files the folder holds.
fn detect_format(dir: &Path) -> Result<&'static dyn VendorConfig> {
    let names: Vec<String> = crate::mechanisms::walk::list(dir, MAX_LISTED)?.into_iter().map(|e| e.rel).collect();
    let all = choose::all();
    let found: Vec<_> = all.iter().filter(|c| names.iter().any(|n| c.names_file(n))).collect();
    match found.as_slice() {
        [one] => Ok(**one),
        [] => {
            let wanted: Vec<String> = all.iter().map(|c| c.looks_for().to_string()).collect();
            bail!("{}: no {} here", dir.display(), wanted.join(" and no "))
        }
        many => {
            let labels: Vec<&str> = many.iter().map(|c| c.label()).collect();
            bail!("{}: holds both {} files; give --model", dir.display(), labels.join(" and "))
        }
    }
}
