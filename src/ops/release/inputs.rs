//! The release's inputs, hashed once per run for the items' reuse keys, with git's index idea: a
//! cache file bundler owns, `.NAME.bundler-cache` beside `--out`, records each input file's stat
//! fingerprint (size, mtime and ctime in ns, inode, device) next to its SHA-256. On the next run an
//! input whose fingerprint is unchanged takes the recorded digest without being read. ctime cannot
//! be set by users (`touch -d`/`-r` bump it), so an edited file is always read again. A record is
//! trusted only when the file's times were settled before its stat was taken ([`Stamp`]): a file
//! changed within the same tick of the file system's clock keeps the same times ("racy clean"), so
//! such a file is read again. A missing, foreign, corrupt or oversized cache just means hashing
//! everything. The fingerprints stay out of `manifest.json`, which must be byte-identical for the
//! same inputs. The files of the built tree are recorded the same way after each build, so an
//! unchanged rebuild reads none of the files it reuses.

use crate::mechanisms::checksums::{sha256_hex, sha256_read};
use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The cache file's first line: a file without it is not bundler's and is never replaced.
const CACHE_MAGIC: &[u8] = b"bundler input cache 2\n";
/// The start of every version's first line: an older version's cache is bundler's too (it is
/// replaced, not read).
const CACHE_KIND: &[u8] = b"bundler input cache ";
/// A cache larger than this is not read (it is a few hundred bytes per input file).
const MAX_CACHE_BYTES: u64 = 64 << 20;
/// Most entries an input folder may hold (a mistaken folder is refused, not read).
const MAX_FOLDER_ENTRIES: usize = 100_000;

/// What `stat` says about a file, compared whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    ino: u64,
    dev: u64,
}

impl Stat {
    #[cfg(unix)]
    fn of(m: &std::fs::Metadata) -> Option<Stat> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.checked_mul(1_000_000_000)?.checked_add(n);
        Some(Stat {
            size: m.len(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec())?,
            ctime_ns: ns(m.ctime(), m.ctime_nsec())?,
            ino: m.ino(),
            dev: m.dev(),
        })
    }

    /// Without a ctime there is no fingerprint a user cannot forge: every file is read.
    #[cfg(not(unix))]
    fn of(_: &std::fs::Metadata) -> Option<Stat> {
        None
    }
}

/// A moment on the clock that stamps file times on one file system: the mtime of a file created
/// there, and that file system's device. The kernel stamps every later change from the same clock
/// at the same granularity, so a file whose mtime and ctime are both earlier than a stamp taken
/// before its stat cannot change afterwards without new times. That holds within one tick of a
/// coarse clock too (ext3's second, FAT's two), where comparing with the wall clock would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    ns: i64,
    dev: u64,
}

/// How much coarser than the stamp's another file system's times may be (FAT's mtime: 2 s).
const OTHER_FS_MARGIN_NS: i64 = 2_000_000_000;

impl Stamp {
    /// Now, on the file system of `dir`; when no file can be made there, the wall clock's last
    /// whole second (on no device, so every file gets [`OTHER_FS_MARGIN_NS`] more).
    fn now_in(dir: &Path) -> Stamp {
        let made = tempfile::Builder::new().prefix(".bundler-stamp").tempfile_in(dir);
        let stat = made.ok().and_then(|f| f.as_file().metadata().ok()).and_then(|m| Stat::of(&m));
        stat.map_or_else(Stamp::wall_clock, |s| Stamp { ns: s.mtime_ns, dev: s.dev })
    }

    fn wall_clock() -> Stamp {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Stamp { ns: i64::try_from(secs).unwrap_or(i64::MAX / 2).saturating_mul(1_000_000_000), dev: u64::MAX }
    }

    /// Whether a file with `stat`, taken after this stamp, had settled: both its times earlier, by
    /// [`OTHER_FS_MARGIN_NS`] more on another file system (whose clock granularity is unknown).
    fn settled(&self, stat: &Stat) -> bool {
        let before = if stat.dev == self.dev { self.ns } else { self.ns.saturating_sub(OTHER_FS_MARGIN_NS) };
        stat.mtime_ns < before && stat.ctime_ns < before
    }
}

/// One input file as the cache records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Record {
    stat: Stat,
    sha256: String,
    /// Taken before `stat` was.
    stamp: Stamp,
}

/// The cache file's content after [`CACHE_MAGIC`] (one JSON object, keys sorted).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    files: BTreeMap<String, Record>,
}

impl Cache {
    /// The cache at `path`; empty when missing, not bundler's, corrupt or oversized.
    fn load(path: &Path) -> Cache {
        let Ok((file, _)) = crate::mechanisms::input::open_regular(path) else { return Cache::default() };
        let Ok(bytes) = crate::mechanisms::input::read_from(file, MAX_CACHE_BYTES) else { return Cache::default() };
        let parsed = bytes.strip_prefix(CACHE_MAGIC).and_then(|json| serde_json::from_slice::<Cache>(json).ok());
        let mut cache = parsed.unwrap_or_default();
        cache.files.retain(|_, r| is_digest(&r.sha256));
        cache
    }

    /// The recorded digest of `key` when its fingerprint is `stat` and was settled when recorded.
    fn trusted(&self, key: &str, stat: &Stat) -> Option<String> {
        let record = self.files.get(key)?;
        (record.stat == *stat && record.stamp.settled(stat)).then(|| record.sha256.clone())
    }
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Hashes input files and folders once per run, however many items use them, taking unchanged
/// files' digests from the cache.
pub struct InputHasher {
    done: Mutex<BTreeMap<PathBuf, String>>,
    previous: Cache,
    /// Every input file seen this run, for the next cache.
    seen: Mutex<BTreeMap<String, Record>>,
    /// Where the cache lives: the file system the stamps are taken on.
    dir: PathBuf,
    /// Taken before any file of this run was looked at.
    started: Stamp,
    /// Whether any file was read (not taken from the cache) this run.
    read: std::sync::atomic::AtomicBool,
}

impl InputHasher {
    /// A hasher using the cache at `cache` (see [`cache_path`]).
    pub fn new(cache: &Path) -> InputHasher {
        let dir = crate::mechanisms::output::parent_of(cache);
        let started = Stamp::now_in(&dir);
        let read = Default::default();
        let (previous, seen) = (Cache::load(cache), Mutex::default());
        InputHasher { done: Mutex::default(), previous, seen, dir, started, read }
    }

    /// Hashes every distinct path of `inputs` (with the largest limit asked for it) on `jobs`
    /// threads, so [`InputHasher::hash`] then finds them done.
    pub fn hash_all<'a>(&self, inputs: impl IntoIterator<Item = (&'a Path, u64)>, jobs: usize) -> Result<()> {
        use rayon::prelude::*;
        let mut distinct: BTreeMap<&Path, u64> = BTreeMap::new();
        for (p, max) in inputs {
            let m = distinct.entry(p).or_insert(0);
            *m = (*m).max(max);
        }
        let distinct: Vec<(&Path, u64)> = distinct.into_iter().collect();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs.max(1)).build()?;
        let results: Vec<Result<String>> =
            pool.install(|| distinct.par_iter().map(|(p, max)| self.hash(p, *max)).collect());
        // The first error in path order, whichever thread met it first.
        results.into_iter().try_for_each(|r| r.map(drop))
    }

    /// The digest of `path` (a file, or a folder's sorted names and contents), reading at most
    /// `max` bytes of any one file.
    pub fn hash(&self, path: &Path, max: u64) -> Result<String> {
        if let Some(h) = self.done.lock().expect("hash cache").get(path) {
            return Ok(h.clone());
        }
        let h = self.hash_path(path, max)?;
        self.done.lock().expect("hash cache").insert(path.to_path_buf(), h.clone());
        Ok(h)
    }

    /// Only regular files and real folders are read (a FIFO or device would block or never end; a
    /// linked folder could loop); a folder is walked by [`crate::mechanisms::walk`], which follows no link.
    fn hash_path(&self, path: &Path, max: u64) -> Result<String> {
        let meta = std::fs::symlink_metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if !meta.is_dir() {
            return self.hash_file(path, max);
        }
        let mut text = String::new();
        for entry in crate::mechanisms::walk::walk(path, MAX_FOLDER_ENTRIES)? {
            let digest = match &entry.kind {
                crate::mechanisms::walk::Kind::Dir => "folder".to_string(),
                _ => self.hash_file(&entry.path, max)?,
            };
            text.push_str(&format!("{}\n{digest}\n", entry.rel));
        }
        Ok(sha256_hex(text.as_bytes()))
    }

    /// A file's digest (a link is followed to a file, never to a folder): the cache's when its
    /// fingerprint is unchanged, else read from the opened file, fingerprinted before the read.
    fn hash_file(&self, path: &Path, max: u64) -> Result<String> {
        let target = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if target.is_dir() {
            bail!("{}: is a link to a folder; release inputs must be files or plain folders", path.display());
        }
        if !target.is_file() {
            bail!("{}: not a regular file (a device, FIFO or socket); release inputs must be files", path.display());
        }
        let key = path.to_string_lossy().into_owned();
        let cached = Stat::of(&target).and_then(|stat| Some((self.previous.trusted(&key, &stat)?, stat)));
        let (sha256, stat) = match cached {
            Some((sha256, stat)) if stat.size <= max => (sha256, Some(stat)),
            _ => {
                self.read.store(true, std::sync::atomic::Ordering::Relaxed);
                let (file, meta) = crate::mechanisms::input::open_regular(path)?;
                (sha256_read(file, path, max)?, Stat::of(&meta))
            }
        };
        if let Some(stat) = stat {
            let record = Record { stat, sha256: sha256.clone(), stamp: self.started };
            self.seen.lock().expect("seen inputs").insert(key, record);
        }
        Ok(sha256)
    }

    /// Whether any input was read this run (so the cache has something new to record).
    pub fn read_any(&self) -> bool {
        self.read.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The SHA-256 of the previous tree's file at `path`, opened as `file` with metadata `meta`:
    /// the recorded digest when its fingerprint is unchanged and was settled when recorded (as
    /// for inputs: a file written or linked again since then has a new ctime), else read from
    /// `file` (at most `max` bytes). Either way it is recorded for the next run.
    pub fn output_digest(
        &self,
        path: &Path,
        file: std::fs::File,
        meta: &std::fs::Metadata,
        max: u64,
    ) -> Result<String> {
        let trusted = Stat::of(meta).and_then(|stat| self.previous.trusted(&path.to_string_lossy(), &stat));
        let digest = match trusted {
            Some(digest) => digest,
            None => {
                self.read.store(true, std::sync::atomic::Ordering::Relaxed);
                sha256_read(file, path, max)?
            }
        };
        self.record(path, meta, &digest, self.started);
        Ok(digest)
    }

    /// Records the files of a tree this run has just written, each `(path, digest)` as it is now:
    /// a file written a tick of the clock before this call is trusted by the next run unread.
    pub fn record_written<'a>(&self, files: impl IntoIterator<Item = (PathBuf, &'a str)>) {
        let stamp = Stamp::now_in(&self.dir);
        for (path, sha256) in files {
            if let Some(meta) = std::fs::symlink_metadata(&path).ok().filter(std::fs::Metadata::is_file) {
                self.record(&path, &meta, sha256, stamp);
            }
        }
    }

    fn record(&self, path: &Path, meta: &std::fs::Metadata, sha256: &str, stamp: Stamp) {
        if let Some(stat) = Stat::of(meta) {
            let record = Record { stat, sha256: sha256.to_string(), stamp };
            self.seen.lock().expect("seen inputs").insert(path.to_string_lossy().into_owned(), record);
        }
    }

    /// Writes the cache of every input file seen this run to `cache`, atomically. A file there
    /// that is not bundler's cache of any version (or not a plain file) is left alone and no
    /// cache is written.
    pub fn save(&self, cache: &Path) -> Result<()> {
        if let Ok(meta) = std::fs::symlink_metadata(cache) {
            let ours = meta.is_file()
                && crate::mechanisms::input::open_regular(cache).is_ok_and(|(f, _)| {
                    let mut head = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::Read::take(f, CACHE_KIND.len() as u64), &mut head).is_ok()
                        && head == CACHE_KIND
                });
            if !ours {
                return Ok(());
            }
        }
        let files = std::mem::take(&mut *self.seen.lock().expect("seen inputs"));
        let mut bytes = CACHE_MAGIC.to_vec();
        serde_json::to_writer(&mut bytes, &Cache { files })?;
        bytes.push(b'\n');
        crate::mechanisms::output::write_atomic(cache, &bytes)
    }
}

/// The cache file of the tree at `out`: `.NAME.bundler-cache` beside it.
pub fn cache_path(out: &Path) -> PathBuf {
    crate::mechanisms::output::beside_out(out, "bundler-cache")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime_ns: i64, ctime_ns: i64) -> Stat {
        Stat { size: 4, mtime_ns, ctime_ns, ino: 9, dev: 1 }
    }

    #[test]
    fn a_record_is_trusted_only_when_its_fingerprint_matches_and_was_settled() {
        let digest = "a".repeat(64);
        let stamp = Stamp { ns: 200, dev: 1 };
        let record = |s: Stat| Record { stat: s, sha256: digest.clone(), stamp };
        let files = BTreeMap::from([
            ("old".to_string(), record(stat(100, 100))),
            ("racy_m".to_string(), record(stat(200, 100))),
            ("racy_c".to_string(), record(stat(100, 200))),
        ]);
        let cache = Cache { files };
        assert_eq!(cache.trusted("old", &stat(100, 100)), Some(digest.clone()));
        let mut edited = stat(100, 100);
        edited.ctime_ns += 1;
        assert_eq!(cache.trusted("old", &edited), None, "a bumped ctime means reading it again");
        assert_eq!(cache.trusted("racy_m", &stat(200, 100)), None, "mtime in the stamp's tick");
        assert_eq!(cache.trusted("racy_c", &stat(100, 200)), None, "ctime in the stamp's tick");
        assert_eq!(cache.trusted("other", &stat(100, 100)), None);
    }

    #[test]
    fn on_another_file_system_a_file_must_be_two_seconds_older_than_the_stamp() {
        let stamp = Stamp { ns: 10_000_000_000, dev: 1 };
        let other = |ns| Stat { dev: 2, ..stat(ns, ns) };
        assert!(stamp.settled(&stat(9_999_999_999, 9_999_999_999)), "same file system: a tick earlier");
        assert!(!stamp.settled(&other(9_999_999_999)), "FAT's 2 s tick may hide a change");
        assert!(stamp.settled(&other(7_999_999_999)));
        assert!(!Stamp::wall_clock().settled(&Stat { dev: u64::MAX, ..stat(i64::MAX, 0) }));
    }

    #[test]
    fn a_stamp_is_the_file_systems_clock_so_a_file_written_after_it_is_never_settled() {
        let dir = tempfile::tempdir().unwrap();
        let before = dir.path().join("before");
        std::fs::write(&before, b"x").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let stamp = Stamp::now_in(dir.path());
        let after = dir.path().join("after");
        std::fs::write(&after, b"y").unwrap();
        let of = |p: &Path| Stat::of(&std::fs::metadata(p).unwrap()).unwrap();
        assert_eq!(stamp.dev, of(&before).dev);
        assert!(stamp.settled(&of(&before)), "written a tick before: {stamp:?} {:?}", of(&before));
        assert!(!stamp.settled(&of(&after)), "written after: {stamp:?} {:?}", of(&after));
        assert!(std::fs::read_dir(dir.path()).unwrap().count() == 2, "the stamp's file is gone");
    }
}
