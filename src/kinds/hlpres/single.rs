//! One screen asset on its own (`bundler image`), with the same rules as in `hlpres.tar`, for the
//! phones' direct-download URLs (P20052 wallpaper replaces wallpaper6, P20051 screensaver replaces
//! screensaver photo 1), so it must already be at the model's size and under its cap.

use super::asset::{build_asset, BuiltAsset, Look, Target, MAX_INPUT_BYTES};
use super::plan::rule_for;
use crate::mechanisms::image::Format;
use crate::rules::layout::{AssetKind, Model};
use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

/// Builds `model`'s asset of `kind` from the image at `input`, and says where it goes: `output`,
/// else `KIND.FORMAT` in the layout's first format (`wallpaper.jpg`). The output's extension picks
/// among the formats the model accepts. Reads `input`; writes nothing.
pub fn build_single(
    model: &Model,
    kind: AssetKind,
    output: Option<&Path>,
    input: &Path,
    look: &Look,
) -> Result<(PathBuf, BuiltAsset)> {
    let rule = rule_for(model, kind)?;
    let default_format = rule.formats.first().with_context(|| format!("{}: the layout gives no format", model.name))?;
    let output = output.map_or_else(|| PathBuf::from(format!("{}.{default_format}", kind.name())), Path::to_path_buf);
    let out_name = output.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    // The output's extension picks the format when it names one; otherwise the layout's first.
    let name =
        if Format::from_name(&out_name).is_some() { out_name } else { format!("{}.{default_format}", kind.name()) };
    let target = Target::from_rule(rule, &name).with_context(|| format!("{}", output.display()))?;
    let bytes = crate::mechanisms::input::read_limited(input, MAX_INPUT_BYTES)?;
    let built = build_asset(&target, &input.display().to_string(), &bytes, look)?;
    Ok((output, built))
}
