//! Shared helpers for the integration tests: run the real `bundler` binary, and find the outside
//! tools (sox, tar, openssl, …) used as independent readers.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The `bundler` binary built for these tests.
pub fn bundler() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bundler"));
    cmd.env_remove("SOURCE_DATE_EPOCH").env_remove("BUNDLER_LAYOUTS");
    cmd
}

/// Runs `bundler ARGS` in `dir` and returns its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bundler().current_dir(dir).args(args).output().expect("run bundler")
}

/// Whether an outside tool is on PATH. When it is missing: under CI (env `CI` set) the test fails,
/// on a developer machine it is skipped with a printed reason (the caller returns early on `false`).
pub fn require_tool(tool: &str) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required for this test under CI but is not installed");
        }
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts a run failed with a one-line error that mentions every one of `needles`.
pub fn assert_one_line_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected failure, got success; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "error line lacks '{n}': {}", lines[0]);
    }
}

/// Names of the files in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs an outside tool (sox, convert, …) that must succeed.
pub fn tool(name: &str, args: &[&str]) {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}
