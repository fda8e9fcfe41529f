//! Every command printed in README.md runs as written, in the order given: the `sh` code blocks
//! are joined into one bash script (`set -euo pipefail`) and run in a copy of the repository's
//! `examples/` with the tested `bundler` first on PATH and a HOME of its own. Bounded in time; the
//! whole process group (a background `bundler serve`) is stopped at the end.
//!
//! Left out, and why: `cargo install --path . --locked` (this test's own build of the same source
//! is the `bundler` on PATH), and the commands that run the test suite itself (`scripts/test`,
//! `bash .ci/run`), which would run this test again.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole README's commands may take this long (a debug build releases the example three times).
const LIMIT: Duration = Duration::from_secs(300);

/// The lines of README.md's `sh` blocks, in order, backslash continuations kept.
fn sh_blocks(readme: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        match (inside, line.trim_start()) {
            (false, "```sh") => inside = true,
            (true, l) if l.starts_with("```") => inside = false,
            (true, _) => lines.push(line.to_string()),
            _ => {}
        }
    }
    lines
}

/// A README line as this test runs it, or `None` for the commands it leaves out (see the module
/// documentation).
fn as_run(line: &str) -> Option<String> {
    let suite = ["scripts/test", "bash .ci/run", ".ci/run"];
    if suite.iter().any(|s| line.trim_start().starts_with(s)) {
        return None;
    }
    Some(line.replacen("cargo install --path . --locked && ", "", 1))
}

#[test]
fn the_readme_sh_blocks_hold_the_setup_commands() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let lines = sh_blocks(&readme);
    let first: Vec<&String> = lines.iter().filter(|l| !l.trim_start().starts_with('#')).take(2).collect();
    assert_eq!(
        first,
        [
            "cargo install --path . --locked && bundler release examples/htek-office/release.toml --out build",
            "scripts/test"
        ],
        "the README must open with the two set-up commands"
    );
    let script = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run")).unwrap();
    assert!(script.lines().any(|l| l.trim() == "scripts/test"), ".ci/run must run scripts/test");
}

#[test]
fn every_readme_command_runs_as_written_in_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let body: Vec<String> = sh_blocks(&readme).iter().filter_map(|l| as_run(l)).collect();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("repo");
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let copied = Command::new("cp").arg("-r").arg(root.join("examples")).arg(&work).status().unwrap();
    assert!(copied.success());
    // Each command is echoed before it runs, so a failure names it.
    let script = format!("set -euo pipefail\nset -x\n{}\n", body.join("\n"));
    let bin = Path::new(env!("CARGO_BIN_EXE_bundler")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&work)
        .env("PATH", path)
        .env("HOME", dir.path().join("home"))
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("BUNDLER_LAYOUTS")
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (status, out, err) = wait_bounded(&mut child);
    assert!(status == Some(0), "README commands failed (status {status:?}):\n--- stdout\n{out}\n--- stderr\n{err}");
    assert!(out.contains("the phone would end up fully provisioned"), "{out}");
    assert!(out.contains("phones fetch their configs from http://prov.example.com/htek/config"), "{out}");
    assert!(work.join("build/report.html").is_file() && work.join("try/office/release.toml").is_file());
    let completions = dir.path().join("home/.local/share/bash-completion/completions/bundler");
    assert!(std::fs::metadata(completions).unwrap().len() > 0);
}

/// Waits for the script within [`LIMIT`], then stops its whole process group (the background
/// server with it): (exit status, stdout, stderr).
fn wait_bounded(child: &mut std::process::Child) -> (Option<i32>, String, String) {
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if start.elapsed() > LIMIT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    // The group this test made; it may be gone already. Through the system call, never the `kill`
    // command: procps-ng 4.0.2's `kill -KILL -PID` of a group that is gone signals far more than it
    // (it ended every process of the machine's session here).
    if let Some(group) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.wait();
    (status, out.join().unwrap(), err.join().unwrap())
}
