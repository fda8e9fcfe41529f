//! The outside tools the tests use as independent readers (sox, tar, openssl, ImageMagick, …): one
//! set of helpers for every test crate of the workspace (ringtool's tests include this file too).

use std::process::Command;

/// Set (to anything but `0`) to skip, not fail, a test whose outside tool is missing. Only
/// `scripts/test --skip-missing` sets it, and that run ends by naming the tests skipped per tool;
/// under CI (`CI` set) a missing tool always fails.
pub const SKIP_ENV: &str = "BUNDLER_TEST_SKIP_MISSING";
/// Where skipped tests are recorded (one `tool<TAB>test` line each) for the run's summary; without
/// it, `skipped-tests.log` in the target folder's tmp.
pub const SKIP_LOG_ENV: &str = "BUNDLER_TEST_SKIP_LOG";

/// Whether an outside tool is on PATH. When it is missing the test fails, naming the tool and how
/// to install it, unless skipping was asked for ([`SKIP_ENV`]): then it returns `false` (the
/// caller returns early) and the skip is recorded for the run's summary.
pub fn require_tool(name: &str) -> bool {
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    found || missing(&format!("`{name}`"), "is not on PATH")
}

/// Whether a file a test needs (a colour profile, a data file of a package) exists; as
/// [`require_tool`] when it does not.
pub fn require_file(path: &std::path::Path, package: &str) -> bool {
    path.exists() || missing(&format!("{} (package {package})", path.display()), "is not installed")
}

/// A thing the test needs is missing: fails the test, or with [`SKIP_ENV`] set (and not under CI)
/// records the skip and returns `false`.
pub fn missing(what: &str, why: &str) -> bool {
    let skip = std::env::var(SKIP_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    if !skip || std::env::var_os("CI").is_some() {
        panic!(
            "{what} {why}: this test needs it. Install what the tests use with `scripts/test` (it runs the \
             suite too), or skip such tests explicitly with `scripts/test --skip-missing` (never under CI)"
        );
    }
    let test = std::thread::current().name().unwrap_or("?").to_string();
    eprintln!("skipping {test}: {what} {why}");
    let log = std::env::var_os(SKIP_LOG_ENV).map_or_else(
        || std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("skipped-tests.log"),
        std::path::PathBuf::from,
    );
    let line = format!("{what}\t{}::{test}\n", env!("CARGO_CRATE_NAME"));
    let appended = std::fs::OpenOptions::new().create(true).append(true).open(&log);
    appended.and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes())).expect("record the skipped test");
    false
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
