//! What every command owes the user's system: outputs never replace devices, FIFOs or symlinks, a
//! closed standard output ends a run quietly, and help text fits a terminal.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// A short WAV made by sox, and the ring tone bundler makes from it into a regular file.
fn ring_source(dir: &Path) -> Option<Vec<u8>> {
    if !require_tool("sox") {
        return None;
    }
    let wav = dir.join("x.wav");
    synth(&["-r", "8000", "-c", "1"], wav, &["1", "sine", "440"]);
    let out = run_in(dir, &["ringtone", "x.wav", "--slot", "5", "-o", "plain.bin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    Some(std::fs::read(dir.join("plain.bin")).unwrap())
}

#[test]
fn a_character_device_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_) = ring_source(dir.path()) else { return };
    // As root, a null device node of our own (so a regression never touches the real /dev/null);
    // otherwise /dev/null itself, which a non-root run cannot replace.
    let node = dir.path().join("null");
    let target = if Command::new("mknod").arg(&node).args(["c", "1", "3"]).status().is_ok_and(|s| s.success()) {
        node
    } else {
        Path::new("/dev/null").to_path_buf()
    };
    let out = run_in(dir.path(), &["ringtone", "x.wav", "--slot", "5", "-o", target.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::FileTypeExt;
    let kind = std::fs::symlink_metadata(&target).unwrap().file_type();
    assert!(kind.is_char_device(), "{} is no longer a device", target.display());
    assert_eq!(files_in(dir.path()).iter().filter(|f| f.contains("bundler")).count(), 0);
}

#[test]
fn a_fifo_gets_the_bytes_and_stays_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let Some(plain) = ring_source(dir.path()) else { return };
    if !require_tool("mkfifo") {
        return;
    }
    let fifo = dir.path().join("pipe");
    tool("mkfifo", &[fifo.to_str().unwrap()]);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = run_in(dir.path(), &["ringtone", "x.wav", "--slot", "5", "-o", "pipe"]);
    assert!(out.status.success(), "{}", stderr(&out));
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
    assert_eq!(reader.join().unwrap(), plain);
}

#[test]
fn dash_writes_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let Some(plain) = ring_source(dir.path()) else { return };
    let out = run_in(dir.path(), &["ringtone", "x.wav", "--slot", "5", "-o", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout == plain, "standard output is not exactly the ring tone ({} bytes)", out.stdout.len());
    assert!(stderr(&out).contains(" bytes, ulaw gsrt"), "the summary is not on standard error: {}", stderr(&out));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_symlink_is_followed_never_replaced_and_a_dangling_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let Some(plain) = ring_source(dir.path()) else { return };
    std::fs::write(dir.path().join("real.bin"), b"old").unwrap();
    std::os::unix::fs::symlink("real.bin", dir.path().join("link.bin")).unwrap();
    let out = run_in(dir.path(), &["ringtone", "x.wav", "--slot", "5", "-o", "link.bin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(dir.path().join("link.bin")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(dir.path().join("real.bin")).unwrap(), plain);

    std::os::unix::fs::symlink("missing.bin", dir.path().join("dangling.bin")).unwrap();
    let out = run_in(dir.path(), &["ringtone", "x.wav", "--slot", "5", "-o", "dangling.bin"]);
    assert_one_line_error(&out, &["dangling.bin", "symlink"]);
    assert!(std::fs::symlink_metadata(dir.path().join("dangling.bin")).unwrap().file_type().is_symlink());
    assert!(!dir.path().join("missing.bin").exists());
}

#[test]
fn inspect_wav_to_a_link_to_stdout_on_a_pipe_writes_through() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_) = ring_source(dir.path()) else { return };
    // What /dev/stdout is, made here so a regression cannot replace the real one.
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let out = run_in(dir.path(), &["inspect", "plain.bin", "--wav", "stdout"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.starts_with(b"RIFF"), "no WAV on standard output");
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
}

/// Runs bundler with its standard output already closed by the reader, as `| head -1` does.
/// Runs bundler with standard output a pipe whose reading end is closed before bundler starts, so
/// its first write fails however fast it is (closing it after the start raced with small outputs).
fn run_with_closed_stdout(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    bundler().args(args).stdout(writer).stderr(Stdio::piped()).output().expect("run bundler")
}

#[test]
fn a_closed_standard_output_ends_the_run_quietly() {
    for args in [&["models"][..], &["models", "--json"][..], &["models", "UC924"][..]] {
        let out = run_with_closed_stdout(args);
        let err = stderr(&out);
        assert!(!err.contains("panicked") && err.is_empty(), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {err}");
    }
}

#[test]
fn verify_piped_into_head_ends_quietly() {
    if !require_tool("sh") || !require_tool("head") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("build");
    std::fs::create_dir_all(&tree).unwrap();
    for i in 0..2000 {
        std::fs::write(tree.join(format!("factory{i}.bin")), b"x").unwrap();
    }
    let script =
        format!("'{}' verify build | head -1; echo \"status=${{PIPESTATUS[0]}}\"", env!("CARGO_BIN_EXE_bundler"));
    let out = Command::new("bash").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    let text = stdout(&out);
    assert!(text.contains("factory") && text.contains("status=141"), "{text}");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

#[test]
fn firmware_help_examples_fit_80_columns_without_breaking_a_command() {
    let out = bundler().args(["firmware", "--help"]).env("COLUMNS", "80").env("LINES", "24").output().unwrap();
    let help = stdout(&out);
    let examples = help.split("Examples:\n").nth(1).expect("examples").split("\n\n").next().unwrap();
    let mut continued = false;
    for line in examples.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
        assert!(line.starts_with("  bundler firmware ") || continued, "a command broken mid-way: {line}");
        continued = line.ends_with('\\');
    }
}
