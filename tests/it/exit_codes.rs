//! The exit-code table (docs/GUIDE.md "Options and exit codes"): 0 done, 1 a check found errors in what was given,
//! 2 the work could not be done. And how findings are shown: the source line with a caret, colour
//! never on a pipe.

use crate::common::*;

fn code(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = run_in(dir, args);
    (out.status.code(), stdout(&out), stderr(&out))
}

/// `cfg001fc110d3a9.xml` whose line 3 closes `<P47>` with `</P99>`: a finding with a position.
fn write_mismatched_config(dir: &std::path::Path) {
    std::fs::write(
        dir.join("cfg001fc110d3a9.xml"),
        "<hl_provision version=\"1\">\n<config version=\"1\">\n<P47 para=\"x\">a</P99>\n</config></hl_provision>\n",
    )
    .unwrap();
}

#[test]
fn checks_that_find_errors_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_mismatched_config(d);
    // A 44.1 kHz stereo WAV: readable, but not what a UC924 takes.
    let mut wav = b"RIFF\x24\x58\x01\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x44\xac\x00\x00\x10\xb1\x02\x00\x04\x00\x10\x00data\x00\x58\x01\x00".to_vec();
    wav.resize(wav.len() + 0x15800, 0);
    std::fs::write(d.join("tone.wav"), wav).unwrap();
    std::fs::create_dir(d.join("lang")).unwrap();
    std::fs::write(d.join("lang/1_French.js"), "var x = {;\n").unwrap();
    for args in [
        &["config", "lint", "cfg001fc110d3a9.xml"][..],
        &["inspect", "tone.wav", "--model", "UC924"][..],
        &["language", "check", "lang"][..],
        &["verify", "."][..],
    ] {
        let (status, out, err) = code(d, args);
        assert_eq!(status, Some(1), "{args:?}: {out}{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn work_that_cannot_be_done_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("release.toml"), "vendor = \"htek\"\nmodels = [\"UC924\"]\n[ringtones]\n5 = \"nope.wav\"\n")
        .unwrap();
    for args in [
        &["release", "release.toml"][..],
        &["ringtone", "missing.wav", "--model", "UC924", "--slot", "5"][..],
        &["language", "pack", "no-such-folder"][..],
        &["diff", "a", "b"][..],
        &["release"][..],
        &["no-such-command"][..],
    ] {
        let (status, out, err) = code(d, args);
        assert_eq!(status, Some(2), "{args:?}: {out}{err}");
    }
}

#[test]
fn lint_findings_quote_the_source_line_with_a_caret_and_no_colour_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_mismatched_config(d);
    let (_, out, _) = code(d, &["config", "lint", "cfg001fc110d3a9.xml"]);
    let lines: Vec<&str> = out.lines().collect();
    let head = lines.iter().position(|l| l.starts_with("cfg001fc110d3a9.xml:3:")).unwrap_or_else(|| panic!("{out}"));
    let quoted = lines.iter().position(|l| l.ends_with("<P47 para=\"x\">a</P99>")).unwrap_or_else(|| panic!("{out}"));
    assert!(quoted > head && lines[quoted + 1].contains('^'), "{out}");
    assert!(!out.contains('\x1b'), "colour on a pipe: {out:?}");
}
