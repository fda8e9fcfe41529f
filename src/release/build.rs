//! Building plan items: each item turns its inputs into output bytes, with nothing written.
//! Items are independent, so `build_all` runs them on `jobs` threads with a progress bar.

use super::plan::{Item, Plan, Work};
use crate::layout::Layouts;
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One built file of the tree.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path relative to the tree.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Facts for the manifest and report (duration, dimensions, …).
    pub details: serde_json::Value,
}

/// Builds one item's outputs.
pub fn build_item(item: &Item, firmware: Option<&crate::firmware::Laid>, layouts: &Layouts) -> Result<Vec<Output>> {
    let model = layouts.model(&item.rule_model)?;
    match &item.work {
        Work::Ring(spec) => {
            let req = crate::ringtone::Request {
                input: &spec.file,
                raw: None,
                max_seconds: spec.max_seconds,
                codec: spec.codec,
                container: None,
                start: spec.start,
                fade_ms: spec.fade_ms,
                normalize: spec.normalize,
            };
            let enc = crate::ringtone::build(&req, model)?;
            let details = serde_json::json!({
                "seconds": (enc.seconds * 1000.0).round() / 1000.0,
                "codec": enc.codec.to_string(),
                "container": enc.container.to_string(),
                "cut": enc.cut,
                "warnings": enc.warnings,
            });
            Ok(item
                .outputs
                .iter()
                .map(|p| Output { path: p.clone(), bytes: enc.bytes.clone(), details: details.clone() })
                .collect())
        }
        Work::ExpPres(path) => {
            let rule = model.exp_pres.as_ref().expect("planned only with a rule");
            let bytes = crate::input::read_limited(path, rule.max_bytes)
                .map_err(|e| anyhow::anyhow!("{e:#} (the cap for {} on {})", rule.file, model.name))?;
            if !crate::archive::looks_like_tar(&bytes) {
                bail!("{}: not a tar archive", path.display());
            }
            Ok(vec![Output { path: item.outputs[0].clone(), bytes, details: serde_json::json!({}) }])
        }
        Work::Firmware => {
            let laid = firmware.expect("firmware read before building");
            let mut outs = Vec::new();
            for file in &laid.files {
                for path in item.outputs.iter().filter(|p| p.rsplit('/').next() == Some(file.name.as_str())) {
                    let details = serde_json::json!({ "basic_name": file.basic_name, "source": file.source, "models": file.models });
                    outs.push(Output { path: path.clone(), bytes: file.data.clone(), details });
                }
            }
            Ok(outs)
        }
    }
}

/// Builds every item that has no reused outputs, on `jobs` threads. Results keep the plan's order,
/// each with whether it was reused.
pub fn build_all(
    plan: &Plan,
    firmware: Option<&crate::firmware::Laid>,
    layouts: &Layouts,
    jobs: usize,
    show_progress: bool,
    reused: Vec<Option<Vec<Output>>>,
) -> Result<Vec<(Vec<Output>, bool)>> {
    let reused: Vec<Mutex<Option<Vec<Output>>>> = reused.into_iter().map(Mutex::new).collect();
    let bar = if show_progress { ProgressBar::new(plan.items.len() as u64) } else { ProgressBar::hidden() };
    if show_progress {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<(Vec<Output>, bool)>>>> =
        Mutex::new((0..plan.items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(plan.items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = plan.items.get(i) else { break };
                bar.set_message(item.label.clone());
                let result = match reused[i].lock().expect("reuse lock").take() {
                    Some(outputs) => Ok((outputs, true)),
                    None => build_item(item, firmware, layouts).map(|o| (o, false)),
                };
                results.lock().expect("results lock")[i] = Some(result);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let results = results.into_inner().expect("results lock");
    results.into_iter().map(|r| r.expect("every item ran")).collect()
}
