//! The release's firmware as an [`ArtifactSpec`]: the `[firmware]` section's files, laid out for
//! the item's models with the section's prefix and postfix.

use super::{locate, Laid, Located, Request, Version};
use crate::mechanisms::artifact::{ArtifactSpec, Output, Place};
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;

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
    /// Which member of which input each file comes from, when the build located them before
    /// planning again (else the build locates them). Data only, nothing held open; not in the
    /// reuse key: it follows from the fields above and the inputs, whose digests the key holds.
    #[serde(skip)]
    pub located: Option<Located>,
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
    /// Opens the inputs and reads the files (located first, when the plan was not given where).
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let located = match &self.located {
            Some(located) => located.clone(),
            None => locate(at.layouts, &self.request(at.models))?,
        };
        outputs(at.outputs, &located.read()?)
    }
}

/// The firmware files laid out, each at the outputs of its name; an output that no file is named
/// for (the inputs changed since the plan) is an error.
fn outputs(paths: &[String], laid: &Laid) -> Result<Vec<Output>> {
    let mut outs = Vec::new();
    for path in paths {
        let name = path.rsplit('/').next().unwrap_or(path);
        let Some(file) = laid.files.iter().find(|f| f.name == name) else {
            let found: Vec<&str> = laid.files.iter().map(|f| f.name.as_str()).collect();
            bail!("firmware: the plan has {path}, but the inputs give {}", found.join(", "));
        };
        let details = serde_json::json!({ "basic_name": file.basic_name, "source": file.source });
        let models = Some(file.models.clone());
        outs.push(Output { models, ..Output::new(path, file.data.clone(), details) });
    }
    Ok(outs)
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
            located: None,
        };
        let models = ["UC924".to_string()];
        let outputs = ["firmware/hl_fw924.rom".to_string()];
        let model = layouts.model("UC924").unwrap();
        let at = Place { outputs: &outputs, model, models: &models, layouts: &layouts, staging: dir.path() };
        // Located by the build itself, then from what was located before: the same files.
        for _ in 0..2 {
            let built = spec.build(&at).unwrap();
            assert_eq!(built.len(), 1);
            assert_eq!(
                (built[0].path.as_str(), built[0].bytes.as_slice()),
                ("firmware/hl_fw924.rom", &b"rom bytes"[..])
            );
            assert_eq!(built[0].models.as_deref(), Some(&models[..]));
            spec.located = Some(locate(&layouts, &spec.request(&models)).unwrap());
        }
        let planned = ["firmware/hl_fw924.rom".to_string(), "firmware/other.rom".to_string()];
        let err = spec.build(&Place { outputs: &planned, ..at }).unwrap_err().to_string();
        assert_eq!(err, "firmware: the plan has firmware/other.rom, but the inputs give hl_fw924.rom");
    }
}
