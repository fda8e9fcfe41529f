//! `bundler completions` and `bundler man`: the scripts parse in their shells, every page renders.

use crate::common::*;
use std::process::Command;

#[test]
fn bash_completion_parses_and_completes_the_subcommands() {
    if !require_tool("bash") {
        return;
    }
    let out = bundler().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("bundler.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let check = Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(check.status.success(), "bash -n: {}", stderr(&check));
    // Load it and ask for the completions of `bundler re`.
    let ask = format!(
        "source {}; COMP_WORDS=(bundler re); COMP_CWORD=1; _bundler bundler re bundler; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let done = Command::new("bash").arg("-c").arg(ask).output().unwrap();
    let words = stdout(&done);
    assert!(words.lines().any(|w| w == "release"), "completions of 're': {words}");
}

#[test]
fn every_shell_gets_a_script_and_a_wrong_shell_is_a_usage_error() {
    for (shell, marker) in
        [("zsh", "#compdef bundler"), ("fish", "complete -c bundler"), ("powershell", "Register-ArgumentCompleter")]
    {
        let out = bundler().args(["completions", shell]).output().unwrap();
        assert!(out.status.success() && stdout(&out).contains(marker), "{shell}: {}", stderr(&out));
    }
    let out = bundler().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("tcsh"));
}

#[test]
fn man_writes_a_page_per_command_and_subcommand_and_each_renders() {
    if !require_tool("man") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["man", "pages"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pages = files_in(&dir.path().join("pages"));
    for want in
        ["bundler.1", "bundler-release.1", "bundler-config-lint.1", "bundler-language-check.1", "bundler-init.1"]
    {
        assert!(pages.contains(&want.to_string()), "{want} missing: {pages:?}");
    }
    for page in &pages {
        let path = dir.path().join("pages").join(page);
        let shown =
            Command::new("man").arg("-l").arg(&path).env("MANPAGER", "cat").env("MANWIDTH", "80").output().unwrap();
        let text = stdout(&shown);
        let name = page.trim_end_matches(".1");
        assert!(shown.status.success() && text.contains("NAME") && text.contains(name), "{page}: {}", stderr(&shown));
        assert!(!stderr(&shown).contains("warning"), "{page}: {}", stderr(&shown));
    }
    let out = run_in(dir.path(), &["man", "again", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["pages"].as_array().unwrap().len(), pages.len());
    // Into a folder that holds a file of the same name, nothing is half-written.
    let again = run_in(dir.path(), &["man", "pages/bundler.1"]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}
