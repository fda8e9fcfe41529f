//! Readers that hold (issue 22, item 14): a FIFO or a link to `/dev/zero` at a tree's `manifest.json`
//! is refused at once, naming the file, by `release` (which must not hang holding its lock), `diff`
//! and `dhcp --tree`; each run is killed and the test fails if it takes more than 20 s.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd`, failing the test (after killing it) when it has not ended within 20 s.
fn ends(mut cmd: Command) -> Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{cmd:?} still runs after 20 s: it blocks on the manifest");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn refused(out: &Output, needles: &[&str]) {
    assert!(!out.status.success(), "{}", stdout(out));
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "no '{n}' in: {err}");
    }
}

/// `diff`, `dhcp --tree` and `release` over the tree `build` of the example in `p`.
fn readers_refuse(p: &Path, what: &str) {
    let build = p.join("build");
    let mut diff = bundler();
    diff.current_dir(p).args(["diff", "build", "build"]);
    refused(&ends(diff), &["manifest.json", what]);
    let mut dhcp = bundler();
    dhcp.current_dir(p).args(["dhcp", "--tree", "build", "--format", "kea"]);
    refused(&ends(dhcp), &["manifest.json", what]);
    let mut release = bundler();
    release.current_dir(p).args(["release", "release.toml", "--out", "build"]);
    refused(&ends(release), &["manifest.json", "refusing to replace"]);
    assert!(!p.join(".build.bundler-lock").exists(), "the lock is released");
    assert!(build.join("SHA256SUMS").is_file(), "the tree is left as it was");
}

#[test]
fn a_fifo_or_a_device_link_at_manifest_json_is_refused_without_blocking() {
    if !require_tool("mkfifo") {
        return;
    }
    let (_dir, p) = copy_example("fip-office");
    let out = release_build(&p);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = p.join("build/manifest.json");
    std::fs::remove_file(&manifest).unwrap();
    tool("mkfifo", &[manifest.to_str().unwrap()]);
    readers_refuse(&p, "FIFO");
    std::fs::remove_file(&manifest).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &manifest).unwrap();
    readers_refuse(&p, "outside the tree");
}
