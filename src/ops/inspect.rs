//! Inspecting a file (`bundler inspect`, `verify`): recognise it (ring tone, WAV, tar, …), say what
//! it holds, and check it against a model's rules when one is given.
//!
//! Each kind of file has an [`Inspector`]; a new kind is one more entry in [`inspectors`].

pub use crate::mechanisms::findings::{FileReport, Inspector, Options, Templates};
use crate::Context;
use anyhow::{bail, Result};
use std::path::Path;

/// Files larger than this are not read for inspection.
const MAX_INSPECT_BYTES: u64 = 512 * 1024 * 1024;

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

/// Reads one file (up to 512 MiB) and inspects it.
pub fn inspect_file(path: &Path, opts: &Options, ctx: &Context) -> Result<FileReport> {
    let bytes = crate::mechanisms::input::read_limited(path, MAX_INSPECT_BYTES)?;
    inspect_bytes(&path.display().to_string(), &bytes, opts, ctx)
}
