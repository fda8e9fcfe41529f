//! `-q/--quiet` (only errors and findings) and `--json` on the commands that write files.

use crate::common::*;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("htek.csv"), "mac,model,account1.sip_server\n001fc1aabbcc,UC924,sip.example.com\n")
        .unwrap();
    std::fs::write(dir.path().join("fv.csv"), "mac,model\n0021f2aabbcc,FIP13G\n").unwrap();
    dir
}

#[test]
fn config_commands_report_as_json() {
    let dir = setup();
    let out = run_in(dir.path(), &["config", "htek", "--phones", "htek.csv", "--out", "h", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["phones"], 1);
    assert_eq!(json["encrypted"], false);
    assert_eq!(json["common_files"][0]["file"], "cfg0012.xml");
    assert_eq!(json["common_files"][0]["models"][0], "UC924");

    let out = run_in(dir.path(), &["config", "flyingvoice", "--phones", "fv.csv", "--out", "f", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["phones"], 1);
    assert!(json["common_files"].as_array().unwrap().iter().any(|f| f == "y000000000000.cfg"), "{json}");
}

#[test]
fn quiet_prints_no_summaries_but_keeps_findings() {
    let dir = setup();
    let loud = run_in(dir.path(), &["config", "htek", "--phones", "htek.csv", "--out", "h"]);
    assert!(stdout(&loud).contains("wrote 1 per-phone file"), "{}", stdout(&loud));
    let quiet = run_in(dir.path(), &["config", "htek", "--phones", "htek.csv", "--out", "h", "-q"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty(), "{}", stdout(&quiet));
    let quiet = run_in(dir.path(), &["-q", "config", "flyingvoice", "--phones", "fv.csv", "--out", "f"]);
    assert!(quiet.status.success() && quiet.stdout.is_empty(), "{}", stdout(&quiet));

    // A finding still shows under -q; the summary line does not.
    std::fs::write(dir.path().join("h/cfg001FC1AABBCC.xml"), "<hl_provision version=\"1\"></hl_provision>\n").unwrap();
    let out = run_in(dir.path(), &["-q", "config", "lint", "h"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("upper-case MAC"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("checked"), "{}", stderr(&out));
}
