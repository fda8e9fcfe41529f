//! `bundler init`: a fresh project names what it still needs, builds once the files are in, and an
//! existing project is never overwritten.

use crate::common::*;
use std::path::Path;

fn example(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/htek-office").join(rel)
}

#[test]
fn a_fresh_project_says_what_is_missing_then_builds_once_the_files_are_in() {
    if !require_tool("sox") || !require_tool("convert") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "proj", "--vendor", "htek", "--model", "UC924", "--model", "uc926"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let proj = dir.path().join("proj");
    assert_eq!(files_in(&proj), ["audio", "common.toml", "img", "lang", "phones.csv", "release.toml", "vendor"]);
    let manifest = std::fs::read_to_string(proj.join("release.toml")).unwrap();
    // The layouts' numbers, not a second copy: UC924's and UC926's wallpaper sizes, the ring cap.
    for needle in ["480x320", "480x272", "128512 bytes", "[ringtones]", "[branding]", "[languages]", "[config]"] {
        assert!(manifest.contains(needle), "release.toml lacks {needle}:\n{manifest}");
    }
    assert!(manifest.contains("# [firmware]"), "{manifest}");
    assert!(std::fs::read_to_string(proj.join("phones.csv")).unwrap().starts_with("mac,model,"));

    let out = run_in(dir.path(), &["release", "proj/release.toml", "--out", "build"]);
    assert_one_line_error(
        &out,
        &["still missing", "audio/ring4.wav", "img/wallpaper.jpg", "lang/LCD_English_Template.xml"],
    );
    assert_eq!(out.status.code(), Some(2), "could not do the work: exit 2");
    assert!(!dir.path().join("build").exists(), "no artifacts from a project with missing files");

    synth(&["-r", "8000"], proj.join("audio/ring4.wav"), &["2", "sine", "440"]);
    for f in ["wallpaper.jpg", "screensaver.jpg", "weblogo.png", "lcdlogo.png"] {
        tool("convert", &["-size", "300x200", "gradient:blue-red", proj.join("img").join(f).to_str().unwrap()]);
    }
    for f in ["LCD_English_Template.xml", "Web_English_Template.js", "1_Français(French).xml", "1_French.js"] {
        std::fs::copy(example(&format!("lang/{f}")), proj.join("lang").join(f)).unwrap();
    }
    let out = run_in(dir.path(), &["release", "proj/release.toml", "--out", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let built = files_in(&dir.path().join("build"));
    for f in ["ring", "UC924", "UC926", "Language.tar", "config", "report.html"] {
        assert!(built.contains(&f.to_string()), "{f} not built: {built:?}");
    }
}

#[test]
fn init_refuses_an_existing_project_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("proj");
    std::fs::create_dir(&proj).unwrap();
    std::fs::write(proj.join("release.toml"), "mine").unwrap();
    let out = run_in(dir.path(), &["init", "proj", "--vendor", "htek", "--model", "UC924"]);
    assert_one_line_error(&out, &["proj", "not empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(files_in(&proj), ["release.toml"]);
    assert_eq!(std::fs::read_to_string(proj.join("release.toml")).unwrap(), "mine");

    let out = run_in(dir.path(), &["init", "other", "--vendor", "htek", "--model", "UC903", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["created"][0], "release.toml");
    assert!(json["created"].as_array().unwrap().iter().any(|c| c == "audio/"), "{json}");
}

#[test]
fn init_names_the_flag_of_a_wrong_model_or_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "p", "--vendor", "htek", "--model", "FIP13G"]);
    assert_one_line_error(&out, &["--model FIP13G", "flyingvoice"]);
    let out = run_in(dir.path(), &["init", "p", "--vendor", "yealink", "--model", "UC924"]);
    assert_one_line_error(&out, &["--vendor", "yealink"]);
    assert!(files_in(dir.path()).is_empty(), "{:?}", files_in(dir.path()));
}

#[test]
fn a_flyingvoice_project_names_its_ring_slots_and_builds() {
    if !require_tool("sox") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(run_in(dir.path(), &["init", "fv", "--vendor", "flyingvoice", "--model", "FIP13G"]).status.success());
    let out = run_in(dir.path(), &["release", "fv/release.toml", "--out", "build"]);
    assert_one_line_error(&out, &["still missing", "audio/ring1.wav"]);
    // Known gap (reported to the lead): `bundler verify` of a tree reads a Flyingvoice .boot's
    // includes from the current folder, so a release with Flyingvoice configs fails its own verify.
    let manifest = dir.path().join("fv/release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, &text[..text.find("\n[config]").unwrap()]).unwrap();
    let wav = dir.path().join("fv/audio/ring1.wav");
    synth(&["-r", "8000"], wav, &["1", "sine", "440"]);
    let out = run_in(dir.path(), &["release", "fv/release.toml", "--out", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        files_in(&dir.path().join("build")).contains(&"ring".to_string()),
        "{:?}",
        files_in(&dir.path().join("build"))
    );
}
