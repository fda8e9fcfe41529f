//! Building plan items: first [`locate`] finds the firmware in its inputs (the plan only named
//! it), then each item's kind turns its inputs into output bytes, with nothing written but the
//! configs (straight into the staging tree). Items are independent, so `build_all` runs them on
//! `jobs` threads with a progress bar.

use super::manifest::Manifest;
use super::plan::{Item, Plan};
pub use crate::mechanisms::artifact::Output;
use crate::mechanisms::artifact::Place;
use crate::rules::layout::Layouts;
use anyhow::Result;
use indicatif::ProgressBar;
use std::path::Path;

/// The build's first step: finds each firmware file in the inputs (reading file heads and zip
/// directories, no firmware data) and plans again with what was found, so a name pattern is
/// resolved and every item (the configs' firmware URL too) names the real file. A missing
/// firmware or a zip without a matching member is reported here, before anything is built.
pub fn locate(plan: Plan, manifest: &Manifest, layouts: &Layouts) -> Result<Plan> {
    let Some(firmware) = &manifest.firmware else { return Ok(plan) };
    let located = crate::kinds::firmware::locate(layouts, &firmware.request(&manifest.models))?;
    super::plan::located(manifest, layouts, located)
}

/// Builds one item's outputs through its kind.
pub fn build_item(item: &Item, layouts: &Layouts, staging: &Path) -> Result<Vec<Output>> {
    let model = layouts.model(&item.rule_model)?;
    let at = Place { outputs: &item.outputs, model, models: &item.models, layouts, staging };
    item.work.artifact().build(&at)
}

/// What building one item gave: its outputs and whether they were reused from the previous tree.
pub type Built = (Vec<Output>, bool);

/// Builds every item that has no reused outputs, on `jobs` threads. Results keep the plan's order.
pub fn build_all(
    plan: &Plan,
    layouts: &Layouts,
    jobs: usize,
    show_progress: bool,
    reused: Vec<Option<Vec<Output>>>,
    staging: &Path,
) -> Result<Vec<Built>> {
    use rayon::prelude::*;
    let bar = if show_progress {
        crate::mechanisms::progress::bar(plan.items.len() as u64, "release")
    } else {
        ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build()?;
    let results: Vec<Result<Built>> = pool.install(|| {
        plan.items
            .par_iter()
            .zip(reused)
            .map(|(item, reused)| {
                bar.set_message(item.label.clone());
                let result = match reused {
                    Some(outputs) => Ok((outputs, true)),
                    None => build_item(item, layouts, staging).map(|o| (o, false)),
                };
                bar.inc(1);
                result
            })
            .collect()
    });
    bar.finish_and_clear();
    results.into_iter().collect()
}
