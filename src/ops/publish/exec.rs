//! A publish carried out against any destination: list once, decide every file (`plan.rs`), then
//! upload step by step (resources, configs, the tree's description), with the record written before
//! (what is about to be written) and after (what was), and stale objects deleted only once the new
//! tree is complete. A step that fails stops the publish before the next one, so a config never
//! points at something missing.

use super::dest::{Body, Destination, Object, Put};
use super::plan::{self, Decision, LocalFile, Phase, Stale};
use super::record::{Record, Recorded};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub struct Options {
    pub dry_run: bool,
    pub delete_stale: bool,
    /// Uploads at the same time.
    pub jobs: usize,
}

/// One object that could not be published, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub key: String,
    pub reason: String,
}

/// What a publish did (or, with `--dry-run`, would do).
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    /// Keys uploaded (to be uploaded, on a dry run), in upload order.
    pub uploaded: Vec<String>,
    pub uploaded_bytes: u64,
    pub unchanged: usize,
    pub deleted: Vec<String>,
    pub stale: Vec<Stale>,
    /// Objects under the prefix bundler did not write: never replaced or deleted.
    pub foreign: usize,
    pub refused: Vec<Failure>,
    pub failed: Vec<Failure>,
    /// Writes of the publish record (not counted in `uploaded`).
    pub record_writes: usize,
    /// Every step done: the destination holds the whole tree.
    pub complete: bool,
}

/// Publishes `local` (in upload order) to `dest`.
pub fn publish(dest: &dyn Destination, local: &[LocalFile], opts: &Options) -> Result<Outcome> {
    let remote: BTreeMap<String, Object> = dest.list()?.into_iter().map(|o| (o.key.clone(), o)).collect();
    let mut record = Record::read(dest)?;
    let before = record.clone();
    let decisions = decide_all(dest, local, &remote, &record, opts.jobs);
    let (stale, foreign) = plan::stale(local, &remote, &record);
    let mut out = Outcome { stale, foreign, ..Outcome::default() };
    let mut uploads = Vec::new();
    for (f, d) in local.iter().zip(decisions) {
        match d {
            Decision::Unchanged => {
                out.unchanged += 1;
                let tag = remote.get(&f.key).map(|o| o.tag.clone());
                record.objects.insert(f.key.clone(), Recorded { sha256: f.sha256.clone(), bytes: f.bytes, tag });
            }
            Decision::Upload => uploads.push(f),
            Decision::Refuse(reason) => out.refused.push(Failure { key: f.key.clone(), reason }),
            Decision::Ask => out.refused.push(Failure { key: f.key.clone(), reason: "undecided".into() }),
        }
    }
    if opts.dry_run || !out.refused.is_empty() {
        out.uploaded = uploads.iter().map(|f| f.key.clone()).collect();
        out.uploaded_bytes = uploads.iter().map(|f| f.bytes).sum();
        out.complete = opts.dry_run && out.refused.is_empty() && out.stale.is_empty();
        return Ok(out);
    }
    let sending: std::collections::BTreeSet<&str> = uploads.iter().map(|f| f.key.as_str()).collect();
    record.objects.retain(|k, _| remote.contains_key(k) || sending.contains(k.as_str()));
    let deletable = opts.delete_stale && out.stale.iter().any(|s| s.deletable);
    if uploads.is_empty() && !deletable {
        out.complete = true;
        return write_if_changed(dest, &record, &before, out);
    }
    for f in &uploads {
        record.objects.insert(f.key.clone(), Recorded { sha256: f.sha256.clone(), bytes: f.bytes, tag: None });
    }
    record.write(dest)?;
    out.record_writes += 1;
    upload_steps(dest, &uploads, opts.jobs, &mut record, &mut out);
    if out.complete && opts.delete_stale {
        delete_stale(dest, &mut record, &mut out);
    }
    record.write(dest)?;
    out.record_writes += 1;
    Ok(out)
}

fn write_if_changed(dest: &dyn Destination, record: &Record, before: &Record, mut out: Outcome) -> Result<Outcome> {
    if record != before {
        record.write(dest)?;
        out.record_writes += 1;
    }
    Ok(out)
}

/// Every file's decision; the ones the listing and record leave open are settled by the stamp.
fn decide_all(
    dest: &dyn Destination,
    local: &[LocalFile],
    remote: &BTreeMap<String, Object>,
    record: &Record,
    jobs: usize,
) -> Vec<Decision> {
    let first: Vec<Decision> =
        local.iter().map(|f| plan::decide(f, remote.get(&f.key), record.objects.get(&f.key), None)).collect();
    let asks: Vec<usize> = (0..local.len()).filter(|&i| first[i] == Decision::Ask).collect();
    let stamps = parallel(&asks, jobs, |&i| dest.stamp(&local[i].key));
    let mut out = first;
    for (i, stamp) in asks.into_iter().zip(stamps) {
        let f = &local[i];
        out[i] = match stamp {
            Ok(s) => plan::decide(f, remote.get(&f.key), record.objects.get(&f.key), Some(s.as_deref())),
            Err(e) => Decision::Refuse(format!("cannot read the object's metadata: {e:#}")),
        };
    }
    out
}

/// Uploads step by step; stops after a step with a failure. Sets `out.complete` when all are done.
fn upload_steps(dest: &dyn Destination, uploads: &[&LocalFile], jobs: usize, record: &mut Record, out: &mut Outcome) {
    let bar = crate::mechanisms::progress::bar(uploads.len() as u64, "publish");
    for phase in [Phase::Resources, Phase::Configs, Phase::Description] {
        let batch: Vec<&LocalFile> = uploads.iter().copied().filter(|f| f.phase == phase).collect();
        let results = parallel(&batch, jobs, |f| {
            let r = dest.put(&Put {
                key: &f.key,
                body: Body::File(&f.path),
                bytes: f.bytes,
                sha256: &f.sha256,
                content_type: f.content_type(),
                cache_control: f.freshness.cache_control(),
            });
            bar.inc(1);
            r
        });
        for (f, r) in batch.iter().zip(results) {
            match r {
                Ok(tag) => {
                    record
                        .objects
                        .insert(f.key.clone(), Recorded { sha256: f.sha256.clone(), bytes: f.bytes, tag: Some(tag) });
                    out.uploaded.push(f.key.clone());
                    out.uploaded_bytes += f.bytes;
                }
                Err(e) => out.failed.push(Failure { key: f.key.clone(), reason: format!("{e:#}") }),
            }
        }
        if !out.failed.is_empty() {
            bar.finish_and_clear();
            return;
        }
        test_interruption(phase);
    }
    bar.finish_and_clear();
    out.complete = true;
}

/// Test hook: `BUNDLER_PUBLISH_DIE_AFTER=resources` ends the process as a kill would, right after
/// that step's uploads, before anything else is written (the interrupted-publish test).
fn test_interruption(phase: Phase) {
    let name = serde_json::to_value(phase).ok().and_then(|v| v.as_str().map(str::to_string));
    if std::env::var("BUNDLER_PUBLISH_DIE_AFTER").ok() == name && name.is_some() {
        std::process::abort();
    }
}

fn delete_stale(dest: &dyn Destination, record: &mut Record, out: &mut Outcome) {
    for s in out.stale.iter().filter(|s| s.deletable) {
        match dest.delete(&s.key) {
            Ok(()) => {
                record.objects.remove(&s.key);
                out.deleted.push(s.key.clone());
            }
            Err(e) => out.failed.push(Failure { key: s.key.clone(), reason: format!("{e:#}") }),
        }
    }
}

/// `f` over `items` on `jobs` threads, results in the items' order.
pub fn parallel<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                slots.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(r);
            });
        }
    });
    slots.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().map(|r| r.expect("every item done")).collect()
}
