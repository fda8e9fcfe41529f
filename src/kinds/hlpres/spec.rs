//! The release's screen artifacts as [`ArtifactSpec`]s: a model's `hlpres.tar` ([`Branding`]), a
//! direct-download wallpaper or screensaver ([`DirectImage`]) and the passed-through
//! `exp_pres.tar` ([`ExpPres`]).

use super::{AssetSources, HlpresRequest, Look, Target};
use crate::mechanisms::artifact::{ArtifactSpec, Output, Place};
use crate::rules::layout::AssetKind;
use anyhow::{bail, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The `[branding]` section; as a plan item, one model's `hlpres.tar` (with that model's `base`).
#[derive(Debug, Clone, Serialize)]
pub struct Branding {
    /// The images (never an `assets_dir`: the manifest names each file). Flattened, so the reuse
    /// key's JSON has the fields at the top level, as before.
    #[serde(flatten)]
    pub sources: AssetSources,
    /// The base tar of one item (set per model by the plan from `bases`).
    pub base: Option<PathBuf>,
    /// `base`: each model's base hlpres.tar, by canonical model name.
    pub bases: BTreeMap<String, PathBuf>,
    /// How images are fitted (`fit`, `gravity`, `background`, `dither`).
    pub look: Look,
    pub direct_wallpaper: Option<PathBuf>,
    pub direct_screensaver: Option<PathBuf>,
    pub exp_pres: Option<PathBuf>,
}

impl ArtifactSpec for Branding {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let request = HlpresRequest {
            base: self.base.clone(),
            sources: self.sources.clone(),
            look: self.look,
            mtime: crate::mechanisms::epoch::build_time()?,
        };
        let built = super::build_hlpres(at.model, &request)?;
        let entries: Vec<serde_json::Value> = built
            .assets
            .iter()
            .map(|a| serde_json::json!({ "name": a.target.name, "bytes": a.data.len(), "cap": a.target.max_bytes, "width": a.target.width, "height": a.target.height }))
            .collect();
        let details = serde_json::json!({ "entries": entries, "kept": built.kept, "warnings": built.warnings });
        Ok(vec![Output::new(at.output(), built.tar, details)])
    }
}

/// A direct-download screen asset (`wallpaper`, `screensaver`) for one model.
#[derive(Debug, Clone, Serialize)]
pub struct DirectImage {
    pub kind: AssetKind,
    pub file: PathBuf,
    pub look: Look,
}

impl ArtifactSpec for DirectImage {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let rule = at.model.asset(self.kind).expect("planned only with a rule");
        let name = at.output().rsplit('/').next().unwrap_or(self.kind.name());
        let target = Target::from_rule(rule, name)?;
        let bytes = crate::mechanisms::input::read_limited(&self.file, super::asset::MAX_INPUT_BYTES)?;
        let built = super::build_asset(&target, &self.file.display().to_string(), &bytes, &self.look)?;
        let details = serde_json::json!({ "width": target.width, "height": target.height });
        Ok(vec![Output::new(at.output(), built.data, details)])
    }
}

/// The expansion-module resources tar, passed through with its size checked.
#[derive(Debug, Clone, Serialize)]
pub struct ExpPres(pub PathBuf);

impl ArtifactSpec for ExpPres {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let model = at.model;
        let rule = model.exp_pres.as_ref().expect("planned only with a rule");
        let bytes = crate::mechanisms::input::read_limited(&self.0, rule.max_bytes)
            .map_err(|e| anyhow::anyhow!("{e:#} (the cap for {} on {})", rule.file, model.name))?;
        if !crate::mechanisms::archive::looks_like_tar(&bytes) {
            bail!("{}: not a tar archive", self.0.display());
        }
        Ok(vec![Output::new(at.output(), bytes, serde_json::json!({}))])
    }
}
