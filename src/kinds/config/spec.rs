//! The release's provisioning configs as an [`ArtifactSpec`]: one config per phone of a CSV plus
//! the common files, written straight into `config/` of the staging tree.

use super::{Sink, TreeSettings};
use crate::mechanisms::artifact::{ArtifactSpec, Output, Place};
use crate::mechanisms::tree_manifest::CONFIG_DIR;
use crate::Context;
use anyhow::{bail, Context as _, Result};
use serde::Serialize;
use std::path::PathBuf;

/// The `[config]` section: provisioning configs for every phone of a CSV.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigSpec {
    pub phones: PathBuf,
    pub common: Option<PathBuf>,
    /// Name of the environment variable holding the Htek AES key (the key itself never goes into
    /// the manifest or the tree).
    pub aes_key_env: Option<String>,
    pub prefix: String,
    pub postfix: String,
    /// Every setting in the per-phone files and no common files. `None`: as the vendor layout's
    /// `after_common` fact says (merge unless phones are known to go on to their own file).
    pub merge_common: Option<bool>,
    /// Flyingvoice: contacts CSV for the phonebook.
    pub phonebook: Option<PathBuf>,
}

impl ConfigSpec {
    /// The AES key from the environment variable `[config] aes_key_env` names, when it names one.
    pub fn aes_key(&self) -> Result<Option<String>> {
        let Some(var) = &self.aes_key_env else { return Ok(None) };
        match std::env::var(var) {
            Ok(key) if !key.is_empty() => Ok(Some(key)),
            _ => bail!("[config] aes_key_env: the environment variable {var} is not set"),
        }
    }
}

/// The configs of a release tree: the `[config]` section, the vendor, and what the tree holds.
#[derive(Debug, Clone, Serialize)]
pub struct TreeConfigs {
    pub spec: ConfigSpec,
    pub vendor: String,
    /// Per model, the settings the tree needs the configs to carry (setting, value).
    pub tree: TreeSettings,
}

impl ArtifactSpec for TreeConfigs {
    /// Generates the configs straight into `config/` of the staging tree and returns what was
    /// written (bytes already on disk: each [`Output`] carries its size and digest, not its bytes).
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let dir = at.staging.join(CONFIG_DIR);
        std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
        let sink = Sink::new(&dir);
        let ctx = Context { layouts: at.layouts.clone() };
        let details = super::choose::for_vendor(at.layouts.vendor(&self.vendor)?)?.render(self, &sink, &ctx)?;
        let outputs = sink.into_written().into_iter().map(|w| Output {
            sha256: Some(w.sha256),
            staged: Some(w.bytes),
            ..Output::new(&format!("{CONFIG_DIR}{}", w.name), Vec::new(), details.clone())
        });
        Ok(outputs.collect())
    }
}

impl TreeConfigs {
    /// Whether the release shows the warnings in this item's details on standard error (as the
    /// format's own `bundler config` command shows them, or into the manifest only).
    pub fn shows_warnings(&self, layouts: &crate::rules::layout::Layouts) -> bool {
        layouts.vendor(&self.vendor).and_then(super::choose::for_vendor).is_ok_and(|c| c.shows_warnings())
    }

    /// The phones and common settings of the section, with the tree's settings.
    pub(crate) fn sources(&self) -> super::Sources {
        super::Sources {
            phones: self.spec.phones.clone(),
            common: self.spec.common.clone(),
            resources_url: None,
            tree: Some(self.tree.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::layout::Layouts;

    #[test]
    fn configs_go_straight_into_the_staging_tree_with_their_digests() {
        let layouts = Layouts::builtin().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let phones = dir.path().join("phones.csv");
        std::fs::write(&phones, "mac,model\n001fc1000001,UC924\n").unwrap();
        let spec = ConfigSpec {
            phones,
            common: None,
            aes_key_env: None,
            prefix: String::new(),
            postfix: String::new(),
            merge_common: None,
            phonebook: None,
        };
        let staging = dir.path().join("staging");
        std::fs::create_dir(&staging).unwrap();
        let configs = TreeConfigs { spec, vendor: "htek".into(), tree: Default::default() };
        let model = layouts.model("UC924").unwrap();
        let (outputs, models) = ([CONFIG_DIR.to_string()], ["UC924".to_string()]);
        let at = Place { outputs: &outputs, model, models: &models, layouts: &layouts, staging: &staging };
        let outputs = configs.build(&at).unwrap();
        assert!(!outputs.is_empty());
        for o in &outputs {
            let on_disk = std::fs::read(staging.join(&o.path)).unwrap();
            assert!(o.bytes.is_empty(), "{}: bytes kept in memory", o.path);
            assert_eq!(o.staged, Some(on_disk.len()), "{}", o.path);
            assert_eq!(
                o.sha256.as_deref(),
                Some(crate::mechanisms::checksums::sha256_hex(&on_disk).as_str()),
                "{}",
                o.path
            );
        }
    }
}
