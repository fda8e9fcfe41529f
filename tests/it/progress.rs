//! Progress bars: drawn on standard error when it is a terminal (here a pseudo-terminal made by
//! `script`), never on a pipe, never with `-q`.

use crate::common::*;
use std::process::Command;

fn phones_csv(dir: &std::path::Path) {
    let mut csv = String::from("mac,model,account1.sip_server\n");
    for i in 0..600 {
        csv.push_str(&format!("001fc1{i:06x},UC924,sip.example.com\n"));
    }
    std::fs::write(dir.join("p.csv"), csv).unwrap();
}

/// Runs bundler under a pseudo-terminal; returns everything it drew.
fn on_a_terminal(dir: &std::path::Path, args: &str) -> String {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_bundler"));
    let out = Command::new("script").args(["-qec", &line, "/dev/null"]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn many_phones_and_a_large_verify_show_progress_on_a_terminal_only() {
    if !require_tool("script") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    phones_csv(dir.path());
    let drawn = on_a_terminal(dir.path(), "config htek --phones p.csv --out o");
    assert!(drawn.contains("phones 600"), "no phone counter: {}", &drawn[..drawn.len().min(400)]);
    let drawn = on_a_terminal(dir.path(), "verify o");
    assert!(drawn.contains("/601"), "no verify bar: {}", &drawn[..drawn.len().min(400)]);
    let quiet = on_a_terminal(dir.path(), "-q verify o");
    assert!(!quiet.contains("/601"), "-q draws no bar");
    let piped = run_in(dir.path(), &["verify", "o"]);
    assert!(!stderr(&piped).contains("/601") && !stdout(&piped).contains("/601"), "no bar on a pipe");
}
