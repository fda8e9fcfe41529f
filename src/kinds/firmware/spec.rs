//! The release's firmware as an [`ArtifactSpec`]: the `[firmware]` section's files, laid out for
//! the item's models with the section's prefix and postfix.

use super::{locate, Laid, Located, Request, Version};
use crate::mechanisms::artifact::{ArtifactSpec, Output, Place};
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
    #[serde(serialize_with = "crate::mechanisms::artifact::serialize_display")]
    pub version: Option<Version>,
    #[serde(serialize_with = "crate::mechanisms::artifact::serialize_display")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::layout::Layouts;

    #[test]
    fn the_built_files_are_the_located_ones_at_the_item_outputs_of_their_names() {
        let layouts = Layouts::builtin().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let rom = dir.path().join("fw924.rom");
        std::fs::write(&rom, b"rom bytes").unwrap();
        let mut spec = FirmwareSpec {
            files: vec![rom],
            prefix: "hl_".into(),
            postfix: String::new(),
            version: Some("2.0.4.6.41".parse().unwrap()),
            from_version: None,
            only_when_name_changes: false,
            located: Pending::default(),
        };
        let models = ["UC924".to_string()];
        let outputs = ["firmware/hl_fw924.rom".to_string(), "firmware/other.rom".to_string()];
        let model = layouts.model("UC924").unwrap();
        let at = Place { outputs: &outputs, model, models: &models, layouts: &layouts, staging: dir.path() };
        spec.located = Pending::new(locate(&layouts, &spec.request(&models)).unwrap());
        // Built from what the plan located, then (taken) located again: the same files both times.
        for _ in 0..2 {
            let built = spec.build(&at).unwrap();
            assert_eq!(built.len(), 1, "only the output named like a located file");
            assert_eq!(
                (built[0].path.as_str(), built[0].bytes.as_slice()),
                ("firmware/hl_fw924.rom", &b"rom bytes"[..])
            );
            assert_eq!(built[0].models.as_deref(), Some(&models[..]));
        }
        assert!(spec.located.take().is_none(), "the plan's firmware is read once");
    }
}
