//! `bundler verify` on hand-made trees: it reads only the tree and all of it (paths in the lists
//! that leave it, links and FIFOs are reported, never opened), files with a name the phone fetches
//! must be what the phone expects, and text output stays readable on a tree full of broken files.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs `bundler ARGS` in `dir`, failing the test (not hanging it) after 60 seconds.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let child = bundler()
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bundler");
    let pid = child.id();
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(child.wait_with_output()));
    match receive.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("bundler {args:?} hangs");
        }
    }
}

fn sha256(bytes: &[u8]) -> String {
    use std::io::Write;
    let mut child =
        Command::new("sha256sum").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("run sha256sum");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// `(severity, file, message)` of every finding of `verify --json`.
fn findings(out: &Output) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            (s("severity"), s("file"), s("message"))
        })
        .collect()
}

fn has(found: &[(String, String, String)], severity: &str, file: &str, word: &str) -> bool {
    found.iter().any(|(s, f, m)| s == severity && f == file && m.contains(word))
}

/// A 0.5 s 8 kHz 16-bit mono WAV of a 440 Hz tone.
fn tone_wav() -> Vec<u8> {
    let samples: Vec<i16> =
        (0..4000).map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16).collect();
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut w = b"RIFF".to_vec();
    w.extend((36 + data.len() as u32).to_le_bytes());
    w.extend(b"WAVEfmt ");
    w.extend(16u32.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(1u16.to_le_bytes());
    w.extend(8000u32.to_le_bytes());
    w.extend(16000u32.to_le_bytes());
    w.extend(2u16.to_le_bytes());
    w.extend(16u16.to_le_bytes());
    w.extend(b"data");
    w.extend((data.len() as u32).to_le_bytes());
    w.extend(data);
    w
}

/// A tree with a real `ring5.bin` made by bundler.
fn tree_with_a_ring() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("ring")).unwrap();
    std::fs::write(dir.path().join("tone.wav"), tone_wav()).unwrap();
    let out = run_in(dir.path(), &["ringtone", "tone.wav", "--slot", "5", "-o", "tree/ring/ring5.bin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, tree)
}

#[test]
fn paths_in_the_lists_that_leave_the_tree_or_are_not_files_are_errors_and_never_read() {
    let (dir, tree) = tree_with_a_ring();
    let ring = std::fs::read(tree.join("ring/ring5.bin")).unwrap();
    let outside = b"outside\n";
    std::fs::write(dir.path().join("outside.txt"), outside).unwrap();
    let passwd = std::fs::read("/etc/passwd").unwrap();
    assert!(Command::new("mkfifo").arg(tree.join("pipe")).status().unwrap().success());
    let sums = format!(
        "{}  ring/ring5.bin\n{}  ../outside.txt\n{}  /etc/passwd\n{}  pipe\n",
        sha256(&ring),
        sha256(outside),
        sha256(&passwd),
        sha256(b"")
    );
    std::fs::write(tree.join("SHA256SUMS"), sums).unwrap();
    let artifact = |path: &str| {
        serde_json::json!({"path": path, "bytes": 0, "sha256": sha256(b""), "label": "x", "models": [],
            "sources": [], "rule": "", "key": "", "details": null})
    };
    let manifest = serde_json::json!({"bundler": "0", "vendor": "htek", "models": ["UC924"], "base_url": null,
        "artifacts": [artifact("/dev/zero"), artifact("pipe")]});
    std::fs::write(tree.join("manifest.json"), manifest.to_string()).unwrap();
    let out = run_bounded(dir.path(), &["verify", "tree", "--json"]);
    assert!(!out.status.success());
    let found = findings(&out);
    for path in ["../outside.txt", "/etc/passwd"] {
        assert!(has(&found, "error", "SHA256SUMS", &format!("'{path}', a path outside the tree")), "{found:#?}");
    }
    assert!(has(&found, "error", "manifest.json", "'/dev/zero', a path outside the tree"), "{found:#?}");
    assert!(has(&found, "error", "pipe", "a FIFO, not a regular file"), "{found:#?}");
    assert!(has(&found, "error", "pipe", "listed in SHA256SUMS but not a regular file"), "{found:#?}");
    assert!(!found.iter().any(|(s, f, _)| s == "error" && f.contains("ring5")), "{found:#?}");
}

#[test]
fn symbolic_links_are_reported_and_never_followed_out_of_the_tree() {
    let (dir, tree) = tree_with_a_ring();
    std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
    std::fs::create_dir(tree.join("sub")).unwrap();
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, tree.join(name)).unwrap();
    link("/etc/shadow", "shadow");
    link("../secret.txt", "secret");
    link("sub", "folder-link");
    link("nowhere", "dangling");
    link("ring/ring5.bin", "ring6.bin");
    let out = run_bounded(dir.path(), &["verify", "tree", "--json"]);
    assert!(!out.status.success());
    let found = findings(&out);
    for name in ["shadow", "secret", "dangling"] {
        assert!(has(&found, "error", name, "outside the tree or missing"), "{name}: {found:#?}");
    }
    assert!(has(&found, "error", "folder-link", "not a regular file"), "{found:#?}");
    // A link inside the tree to a file: a warning, and the target is checked under the link's name.
    assert!(has(&found, "warning", "ring6.bin", "symbolic link to ring/ring5.bin"), "{found:#?}");
    assert!(!found.iter().any(|(s, f, _)| s == "error" && f == "ring6.bin"), "{found:#?}");
    let text = stdout(&run_bounded(dir.path(), &["verify", "tree"]));
    assert!(!text.contains("secret\n") && text.contains("4 error(s)"), "{text}");
}

#[test]
fn files_with_a_name_the_phone_fetches_must_hold_what_the_phone_expects() {
    let (dir, tree) = tree_with_a_ring();
    let noise: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    for name in ["ring/ring4.bin", "Language.tar", "UC924/hlpres.tar", "UC924/wallpaper.jpg", "exp_pres.tar"] {
        let path = tree.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &noise).unwrap();
    }
    // The ring file's bytes under a tar's name, and an empty firmware file with a prefix and postfix.
    std::fs::copy(tree.join("ring/ring5.bin"), tree.join("UC924/screensaver.jpg")).unwrap();
    std::fs::write(tree.join("hl_fw924.rom_2.0"), b"").unwrap();
    std::fs::write(tree.join("notes.dat"), &noise).unwrap();
    let out = run_bounded(dir.path(), &["verify", "tree", "--json"]);
    assert!(!out.status.success());
    let found = findings(&out);
    for (file, what) in [
        ("ring/ring4.bin", "a ring tone"),
        ("Language.tar", "a language pack tar"),
        ("UC924/hlpres.tar", "a tar of screen assets"),
        ("UC924/wallpaper.jpg", "an image"),
        ("exp_pres.tar", "a tar"),
        ("UC924/screensaver.jpg", "an image, but it reads as ring tone"),
        ("hl_fw924.rom_2.0", "a firmware image, but it is empty"),
    ] {
        assert!(
            has(&found, "error", file, &format!("the phone fetches this name and expects {what}")),
            "{file}: {found:#?}"
        );
    }
    assert!(!found.iter().any(|(s, f, _)| s == "error" && (f == "notes.dat" || f.contains("ring5"))), "{found:#?}");
}

#[test]
fn text_output_summarises_a_big_broken_tree_and_json_keeps_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    for i in 0..1030 {
        let folder = tree.join(format!("f{i:04}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("ring4.bin"), b"not a ring tone").unwrap();
    }
    let text = stdout(&run_bounded(dir.path(), &["verify", "tree"]));
    let errors = text.lines().filter(|l| l.contains(": error: ")).count();
    assert_eq!(errors, 1000, "{}", &text[text.len().saturating_sub(500)..]);
    assert!(text.contains("… and 30 more") && text.contains("use --json for all"), "{text}");
    assert!(text.trim_end().ends_with("1030 error(s), 0 warning(s)"), "{text}");
    let json = run_bounded(dir.path(), &["verify", "tree", "--json"]);
    assert_eq!(findings(&json).iter().filter(|(s, _, _)| s == "error").count(), 1030);
}
