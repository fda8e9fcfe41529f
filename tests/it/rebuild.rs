//! `bundler release` into an existing tree: the input cache `.build.bundler-cache` beside `--out`
//! lets an unchanged input keep its recorded digest without being read, while an edited one (same
//! size, mtime put back) is read and rebuilt, and a broken or foreign cache only means hashing.

use crate::common::*;
use sha2::Digest;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

const CACHE: &str = ".build.bundler-cache";
const MAGIC: &str = "bundler input cache 2\n";

/// A project with a ring tone and a languages folder (from the example), its files settled: the
/// cache trusts only files last changed before the second the recording run started.
fn project(dir: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/htek-office");
    std::fs::create_dir_all(dir.join("lang")).unwrap();
    std::fs::copy(example.join("audio/jingle.wav"), dir.join("jingle.wav")).unwrap();
    for e in std::fs::read_dir(example.join("lang")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join("lang").join(e.file_name())).unwrap();
    }
    std::fs::write(
        dir.join("release.toml"),
        "vendor = \"htek\"\nmodels = [\"UC924\"]\n[ringtones]\n5 = \"jingle.wav\"\n\
         [languages]\ndir = \"lang\"\nlcd_template = \"lang/LCD_English_Template.xml\"\n\
         web_template = \"lang/Web_English_Template.js\"\n",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

/// Runs the release into `build`; returns the paths it printed as reused.
fn release(dir: &Path) -> Vec<String> {
    let out = release_build(dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    text.lines().filter(|l| l.ends_with("(reused)")).map(|l| l.split("  ").next().unwrap().to_string()).collect()
}

const ALL: [&str; 2] = ["Language.tar", "ring/ring5.bin"];

/// The cache's JSON.
fn cache(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(CACHE)).unwrap();
    serde_json::from_str(text.strip_prefix(MAGIC).expect("the cache's first line")).unwrap()
}

/// The cache's record of the file whose path ends with `name`.
fn record<'a>(cache: &'a serde_json::Value, name: &str) -> (&'a String, &'a serde_json::Value) {
    let files = cache["files"].as_object().unwrap();
    files.iter().find(|(k, _)| k.ends_with(name)).unwrap_or_else(|| panic!("no record of {name}: {cache}"))
}

fn sha256(path: &Path) -> String {
    format!("{:x}", sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// The digest `manifest.json` records for the source ending with `name`.
fn source_digest(dir: &Path, name: &str) -> String {
    let tree: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("build/manifest.json")).unwrap()).unwrap();
    let mut sources =
        tree["artifacts"].as_array().unwrap().iter().flat_map(|a| a["sources"].as_array().unwrap().iter());
    let found = sources.find(|s| s["path"].as_str().unwrap().ends_with(name)).unwrap();
    found["sha256"].as_str().unwrap().to_string()
}

#[test]
fn an_unchanged_input_takes_its_recorded_digest_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    assert!(release(dir.path()).is_empty(), "a first build reuses nothing");
    let c = cache(dir.path());
    // Every input file has its fingerprint and digest, the languages folder's file by file.
    for name in ["jingle.wav", "lang/1_French.js", "lang/1_Français(French).xml", "lang/LCD_English_Template.xml"] {
        let path = dir.path().join(name);
        let meta = std::fs::metadata(&path).unwrap();
        let (_, r) = record(&c, name);
        assert_eq!(r["sha256"], sha256(&path), "{name}");
        assert_eq!(r["stat"]["size"], meta.len(), "{name}");
        assert_eq!(r["stat"]["ino"], meta.ino(), "{name}");
        assert_eq!(r["stat"]["mtime_ns"], meta.mtime() * 1_000_000_000 + meta.mtime_nsec(), "{name}");
        assert_eq!(r["stat"]["ctime_ns"], meta.ctime() * 1_000_000_000 + meta.ctime_nsec(), "{name}");
    }
    assert_eq!(release(dir.path()), ALL, "an unchanged rebuild reuses everything");

    // The recorded digest of the ring tone is all that is used: put another there, and the ring
    // item's key changes (the file was not read) while the languages stay reused.
    let mut c = cache(dir.path());
    let key = record(&c, "jingle.wav").0.clone();
    c["files"][&key]["sha256"] = serde_json::json!("0".repeat(64));
    std::fs::write(dir.path().join(CACHE), format!("{MAGIC}{c}")).unwrap();
    assert_eq!(release(dir.path()), ["Language.tar"]);
    assert_eq!(source_digest(dir.path(), "jingle.wav"), "0".repeat(64));
}

/// Rewrites `path` with `edit` applied, same size, and puts its mtime back.
fn edit_keeping_size_and_mtime(path: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    let len = bytes.len();
    edit(&mut bytes);
    assert_eq!(bytes.len(), len);
    std::fs::write(path, &bytes).unwrap();
    std::fs::File::options().write(true).open(path).unwrap().set_modified(mtime).unwrap();
    assert_eq!(std::fs::metadata(path).unwrap().modified().unwrap(), mtime);
}

#[test]
fn an_input_edited_to_the_same_size_with_its_mtime_put_back_is_read_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    release(dir.path());
    assert_eq!(release(dir.path()), ALL);
    let wav = dir.path().join("jingle.wav");
    edit_keeping_size_and_mtime(&wav, |b| *b.last_mut().unwrap() ^= 0x55);
    assert_eq!(release(dir.path()), ["Language.tar"], "the edited ring tone is rebuilt");
    assert_eq!(source_digest(dir.path(), "jingle.wav"), sha256(&wav));

    let french = dir.path().join("lang/1_Français(French).xml");
    edit_keeping_size_and_mtime(&french, |b| {
        let text = String::from_utf8(b.clone()).unwrap().replacen(">Historique<", ">HISTORIQUE<", 1);
        *b = text.into_bytes();
    });
    assert_eq!(release(dir.path()), ["ring/ring5.bin"], "an edited file in the languages folder");
    let tar = std::process::Command::new("tar").arg("-xOf").arg(dir.path().join("build/Language.tar")).output();
    if let Ok(tar) = tar {
        assert!(String::from_utf8_lossy(&tar.stdout).contains(">HISTORIQUE<"), "the new text is in the pack");
    }
}

#[test]
fn a_corrupt_cache_means_hashing_and_a_file_that_is_not_a_cache_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    release(dir.path());
    let wav = dir.path().join("jingle.wav");
    std::fs::write(dir.path().join(CACHE), format!("{MAGIC}{{\"files\": [tru")).unwrap();
    assert_eq!(release(dir.path()), ALL, "every input hashed again: the same keys");
    assert_eq!(record(&cache(dir.path()), "jingle.wav").1["sha256"], sha256(&wav), "a corrupt cache is rewritten");

    // The cache of an earlier version of bundler (its first line says so) is replaced.
    std::fs::write(dir.path().join(CACHE), "bundler input cache 1\n{\"hashed_from\": 1, \"files\": {}}\n").unwrap();
    assert_eq!(release(dir.path()), ALL);
    assert!(std::fs::read_to_string(dir.path().join(CACHE)).unwrap().starts_with(MAGIC), "an old cache is replaced");

    std::fs::write(dir.path().join(CACHE), b"my notes, not bundler's").unwrap();
    assert_eq!(release(dir.path()), ALL);
    assert_eq!(std::fs::read(dir.path().join(CACHE)).unwrap(), b"my notes, not bundler's", "never replaced");
    assert!(run_in(dir.path(), &["verify", "build"]).status.success());
}

/// The cache file's identity and mtime: it changes whenever the cache is written again.
fn cache_written(dir: &Path) -> (u64, i64, i64) {
    let m = std::fs::metadata(dir.join(CACHE)).unwrap();
    (m.ino(), m.mtime(), m.mtime_nsec())
}

#[test]
fn files_written_a_moment_ago_are_trusted_unread_once_a_tick_of_the_clock_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    release(dir.path());
    let pause = || std::thread::sleep(std::time::Duration::from_millis(30));
    pause();
    assert_eq!(release(dir.path()), ALL);
    pause();
    // Nothing written in the same second as the last two runs is read: the cache is not even
    // saved again, since there was nothing new to record.
    let written = cache_written(dir.path());
    assert_eq!(release(dir.path()), ALL);
    assert_eq!(cache_written(dir.path()), written, "an unchanged rebuild read a file");
    // A reused file edited now (same size, mtime put back) is still caught.
    let ring = dir.path().join("build/ring/ring5.bin");
    edit_keeping_size_and_mtime(&ring, |b| b[0] ^= 0x55);
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run_in(dir.path(), &["verify", "build"]).status.success(), "the damaged file was rebuilt");
}
