//! What a new user meets in the first hour, beyond the README's commands (tests/it/readme.rs): exit
//! codes scripts can rely on, `-q`, hints that name the next step, and one wording for a missing
//! input, in argument order.

use crate::common::*;
use std::path::Path;

/// The example release built into `DIR/NAME`.
fn built(dir: &Path, example: &Path, name: &str) -> std::path::PathBuf {
    let out = dir.join(name);
    let run = bundler().arg("release").arg(example.join("release.toml")).arg("--out").arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    out
}

#[test]
fn diff_exit_code_says_whether_the_trees_differ() {
    let (dir, htek) = copy_example("htek-office");
    let fip = dir.path().join("fip-office");
    assert!(std::process::Command::new("cp")
        .arg("-r")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fip-office"))
        .arg(&fip)
        .status()
        .unwrap()
        .success());
    let a = built(dir.path(), &htek, "a");
    let b = built(dir.path(), &fip, "b");
    let diff = |args: &[&Path], flag: Option<&str>| {
        let mut cmd = bundler();
        cmd.arg("diff").args(args).args(flag);
        cmd.output().unwrap().status.code()
    };
    assert_eq!(diff(&[&a, &b], None), Some(0), "without --exit-code a change is not a failure");
    assert_eq!(diff(&[&a, &b], Some("--exit-code")), Some(1));
    assert_eq!(diff(&[&a, &a], Some("--exit-code")), Some(0));
    assert_eq!(diff(&[&a, &dir.path().join("none")], Some("--exit-code")), Some(2), "an unreadable tree is 2");
}

#[test]
fn phone_quiet_prints_only_findings_and_a_tree_root_gets_the_config_folder_named() {
    let (dir, htek) = copy_example("htek-office");
    let tree = built(dir.path(), &htek, "build");
    let root = tree.to_str().unwrap();
    let out = bundler().args(["phone", root, "--model", "UC924", "--mac", "001fc110d3a9"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("give the phone {root}/config")), "{text}");
    assert!(
        text.contains("requests, in order:\n  ") && !text.contains(&format!("{root}/config/cfg")),
        "the probe is not one of the phone's requests: {text}"
    );

    let out = bundler().args(["-q", "phone", root, "--model", "UC924", "--mac", "001fc110d3a9"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let quiet = stdout(&out);
    assert!(!quiet.contains("requests, in order") && !quiet.contains("effective settings"), "{quiet}");
    assert_eq!(quiet.lines().count(), 1, "only the finding: {quiet}");
}

#[test]
fn resolve_says_which_file_a_mac_without_its_own_falls_back_to() {
    let (dir, fip) = copy_example("fip-office");
    let tree = built(dir.path(), &fip, "build");
    let config = tree.join("config");
    let out = bundler().args(["config", "resolve"]).arg(&config).args(["--mac", "00:1f:c1:10:d3:a9"]).output().unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(
        text.contains("warning: no file for MAC 001fc110d3a9 here (001fc1 is a Htek UC900 MAC prefix): the phone falls back to y000000000000.boot"),
        "{text}"
    );
    let out = bundler().args(["config", "resolve"]).arg(&config).args(["--mac", "00:21:f2:22:ae:f1"]).output().unwrap();
    assert!(!stdout(&out).contains("falls back"), "{}", stdout(&out));
}

#[test]
fn a_missing_input_is_cannot_open_and_the_first_named_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [&[&str]; 5] = [
        &["config", "htek", "--phones", "nope.csv", "--common", "nope.toml", "--out", "x"],
        &["config", "flyingvoice", "--phones", "nope.csv", "--common", "nope.cfg", "--out", "x"],
        &["ringtone", "nope.wav", "--slot", "5"],
        &["inspect", "nope.wav"],
        &["language", "check", "nope.wav"],
    ];
    for args in cases {
        let first = args.iter().find(|a| a.starts_with("nope")).unwrap();
        let out = run_in(dir.path(), args);
        assert_one_line_error(&out, &[&format!("{first}: cannot open: No such file or directory")]);
    }
}

#[test]
fn init_hint_and_its_release_toml_name_the_same_next_step() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["init", "office", "--vendor", "htek", "--model", "UC924"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hint = stdout(&out);
    let toml = std::fs::read_to_string(dir.path().join("office/release.toml")).unwrap();
    let step = "bundler release release.toml --out build";
    assert!(hint.contains(&format!("`cd office && {step}`")), "{hint}");
    assert!(toml.contains(&format!("#   {step}\n")), "{toml}");
    // The hint runs as printed: it names what is still missing (exit 2), nothing else.
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("cd office && {step}"))
        .current_dir(dir.path())
        .env("PATH", path_with_bundler())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("missing") || stderr(&run).contains("cannot open"), "{}", stderr(&run));
}

/// PATH with the tested `bundler` first.
fn path_with_bundler() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_bundler")).parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&rest))).unwrap()
}
