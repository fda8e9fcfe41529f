//! The release's firmware as an [`ArtifactSpec`]: the `[firmware]` section's files, laid out for
//! the item's models with the section's prefix and postfix.

use super::{locate, Laid, Located, Request, Version};
use crate::artifact::{ArtifactSpec, Output, Place};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The `[firmware]` section.
#[derive(Debug, Clone, Serialize)]
pub struct FirmwareSpec {
    pub files: Vec<PathBuf>,
    pub prefix: String,
    pub postfix: String,
    #[serde(serialize_with = "crate::artifact::serialize_display")]
    pub version: Option<Version>,
    #[serde(serialize_with = "crate::artifact::serialize_display")]
    pub from_version: Option<Version>,
    /// Set the "ask for firmware only when the prefix/postfix changed" setting (Htek P238) to 1.
    pub only_when_name_changes: bool,
    /// What the plan located, read when the item is built. Not in the reuse key: it follows from
    /// the fields above and the inputs, whose digests the key holds.
    #[serde(skip)]
    pub located: Pending,
}

impl FirmwareSpec {
    /// The `bundler firmware` request this section makes for `models`.
    pub fn request<'a>(&'a self, models: &'a [String]) -> Request<'a> {
        Request {
            inputs: &self.files,
            models,
            version: self.version.clone(),
            from_version: self.from_version.clone(),
            prefix: &self.prefix,
            postfix: &self.postfix,
        }
    }
}

impl ArtifactSpec for FirmwareSpec {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let located = match self.located.take() {
            Some(located) => located,
            None => locate(at.layouts, &self.request(at.models))?,
        };
        Ok(outputs(at.outputs, &located.read()?))
    }
}

/// The firmware files laid out, each at the outputs of its name.
fn outputs(paths: &[String], laid: &Laid) -> Vec<Output> {
    let mut outs = Vec::new();
    for file in &laid.files {
        for path in paths.iter().filter(|p| p.rsplit('/').next() == Some(file.name.as_str())) {
            let details = serde_json::json!({ "basic_name": file.basic_name, "source": file.source });
            let models = Some(file.models.clone());
            outs.push(Output { models, ..Output::new(path, file.data.clone(), details) });
        }
    }
    outs
}

/// Firmware located by the plan and not read yet, handed to the build, which reads it once.
#[derive(Clone, Default)]
pub struct Pending(Arc<Mutex<Option<Located>>>);

impl Pending {
    pub fn new(located: Located) -> Pending {
        Pending(Arc::new(Mutex::new(Some(located))))
    }

    /// The located firmware, if nothing took it yet.
    fn take(&self) -> Option<Located> {
        self.0.lock().map_or(None, |mut l| l.take())
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}
