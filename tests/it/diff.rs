//! `bundler diff OLD NEW`: the change list between two trees' manifest.json files.

use crate::common::*;
use std::path::Path;

/// A manifest.json listing `files` as (path, bytes, sha256).
fn manifest(dir: &Path, files: &[(&str, u64, &str)]) {
    let artifacts: Vec<serde_json::Value> = files
        .iter()
        .map(|(p, b, s)| serde_json::json!({ "path": p, "bytes": b, "sha256": s, "label": "x", "models": [] }))
        .collect();
    std::fs::create_dir_all(dir).unwrap();
    let json = serde_json::json!({ "bundler": "0.0.1", "vendor": "htek", "models": [], "artifacts": artifacts });
    std::fs::write(dir.join("manifest.json"), json.to_string()).unwrap();
}

#[test]
fn lists_added_changed_and_removed_files_with_sizes_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    manifest(&dir.path().join("old"), &[("ring5.bin", 100, "aa"), ("ring6.bin", 200, "bb"), ("fw924.rom", 9, "cc")]);
    manifest(&dir.path().join("new"), &[("ring5.bin", 100, "aa"), ("ring6.bin", 250, "bd"), ("ring7.bin", 70, "ee")]);
    let out = run_in(dir.path(), &["diff", "old", "new"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("added    ring7.bin  70 bytes"), "{text}");
    assert!(text.contains("changed  ring6.bin  200 bytes -> 250 bytes"), "{text}");
    assert!(text.contains("removed  fw924.rom  9 bytes"), "{text}");
    assert!(!text.contains("ring5.bin"), "an unchanged file is not a change: {text}");
    assert!(text.contains("1 added, 1 changed, 1 removed"), "{text}");

    let out = run_in(dir.path(), &["diff", "old/manifest.json", "new", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[1]["kind"], "changed");
    assert_eq!(changes[1]["old_bytes"], 200);
    assert_eq!(changes[1]["new_bytes"], 250);

    let out = run_in(dir.path(), &["-q", "diff", "old", "new"]);
    assert!(!stdout(&out).contains("1 added"), "--quiet drops the summary");
}

#[test]
fn a_missing_or_foreign_manifest_is_one_clear_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    manifest(&dir.path().join("new"), &[("ring5.bin", 100, "aa")]);
    let out = run_in(dir.path(), &["diff", "nothing-here", "new"]);
    assert_one_line_error(&out, &["nothing-here"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::create_dir(dir.path().join("other")).unwrap();
    std::fs::write(dir.path().join("other/manifest.json"), "{\"name\": \"a web app\"}").unwrap();
    let out = run_in(dir.path(), &["diff", "other", "new"]);
    assert_one_line_error(&out, &["other/manifest.json", "not a bundler manifest.json"]);
}
