//! The outside tools the tests use as independent readers (sox, tar, openssl, ImageMagick, …): one
//! set of helpers for every test crate of the workspace (ringtool's tests include this file too).

use std::process::Command;

/// Whether an outside tool is on PATH. When it is missing: under CI (env `CI` set) the test fails,
/// on a developer machine it is skipped with a printed reason (the caller returns early on `false`).
pub fn require_tool(name: &str) -> bool {
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("`{name}` is required for this test under CI but is not on PATH");
        }
        eprintln!("skipping: `{name}` is not on PATH (install it, e.g. apt-get install {name})");
    }
    found
}

/// Runs an outside tool that must succeed; returns its standard error (where `sox … -n stat`
/// prints).
pub fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("run {name}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{name} {args:?} failed: {stderr}");
    stderr
}

/// Runs sox with `args` (see [`tool`]).
pub fn sox(args: &[&str]) -> String {
    tool("sox", args)
}

/// A value from `sox … -n stat` output, e.g. `stat_value(&s, "Length (seconds)")`.
pub fn stat_value(stat: &str, key: &str) -> f64 {
    stat.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key:?} in sox stat output:\n{stat}"))
}

/// `sox ARGS -n stat`: the statistics sox prints of its input, as (key: value) lines.
pub fn sox_stat(args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["-n", "stat"]);
    sox(&all)
}

/// Writes a test signal of SoX's own: `sox -n FORMAT… PATH synth EFFECT…` (e.g. format `-r 8000
/// -c 1`, effect `2 sine 440`).
pub fn synth(format: &[&str], path: impl AsRef<std::path::Path>, effect: &[&str]) {
    let path = path.as_ref().to_str().expect("a UTF-8 path");
    let args: Vec<&str> = ["-n"].iter().chain(format).chain([&path, &"synth"]).chain(effect).copied().collect();
    sox(&args);
}
