//! The release's language pack as an [`ArtifactSpec`]: `Language.tar` from the `[languages]`
//! section, checked first (any error stops the build).

use super::{check_dir, pack, CheckOptions, LanguageRules};
use crate::mechanisms::artifact::{ArtifactSpec, Output, Place};
use crate::mechanisms::report::Severity;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;

/// The `[languages]` section.
#[derive(Debug, Clone, Serialize)]
pub struct Languages {
    pub dir: PathBuf,
    pub lcd_template: Option<PathBuf>,
    pub web_template: Option<PathBuf>,
    pub strict: bool,
}

impl ArtifactSpec for Languages {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let rules = LanguageRules::from_layouts(at.layouts, Some(&at.model.name))?;
        let mut opts = CheckOptions::new(rules);
        opts.lcd_template = self.lcd_template.clone();
        opts.web_template = self.web_template.clone();
        opts.strict = self.strict;
        opts.keep_bytes = true;
        let report = check_dir(&self.dir, &opts)?;
        if let Some(first) = report.files.iter().flat_map(|f| &f.diagnostics).find(|d| d.severity == Severity::Error) {
            bail!("{first} (and {} more error(s); run `bundler language check` for all)", report.errors - 1);
        }
        if let Some(note) = report.notes.iter().find(|d| d.severity == Severity::Error) {
            bail!("{}: {} (languages.dir)", self.dir.display(), note.message);
        }
        let tar = pack(&report, crate::mechanisms::epoch::build_time()?)?;
        let files: Vec<serde_json::Value> = report
            .files
            .iter()
            .filter(|f| f.packed)
            .map(|f| serde_json::json!({ "name": f.name, "items": f.items, "warnings": f.warnings }))
            .collect();
        let details = serde_json::json!({ "files": files, "warnings": report.warnings });
        Ok(Output::at_each(at.outputs, &tar, &details))
    }
}
