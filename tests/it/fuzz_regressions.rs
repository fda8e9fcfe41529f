//! Inputs the fuzz targets in `fuzz/` found, run through the binary the way a user would.
//! Each file under tests/data/fuzz/ is the (minimised where possible) input that failed; its name
//! says what it exercises. See fuzz/README.md for the targets and the runs.

use crate::common::*;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(name)
}

/// Found by target `audio` (65 OOMs and 1 timeout, one cause): a FLAC Vorbis comment declaring a
/// 3.7 or 4 GB comment made symphonia allocate that much at once (out-of-memory under the fuzzer's
/// 2 GiB limit; an abort wherever the allocation fails). bundler now refuses the file before
/// symphonia reads it.
#[test]
fn flac_comment_longer_than_its_block_is_refused_without_a_huge_allocation() {
    for (file, declared) in
        [("flac-comment-length.flac", "3730089517"), ("flac-comment-length-timeout.flac", "4294967295")]
    {
        let dir = tempfile::tempdir().unwrap();
        let out = bundler()
            .args(["ringtone", "--slot", "5", "-o"])
            .arg(dir.path().join("ring5.bin"))
            .arg(data(file))
            .output()
            .unwrap();
        assert_one_line_error(&out, &[file, &format!("comment declares {declared} bytes")]);
        assert!(files_in(dir.path()).is_empty(), "no output on error");
    }
}

/// The same symphonia allocation in Ogg Vorbis (found by review after the FLAC finding): a comment
/// header declaring a 4 GB comment. Run under a 2 GB address-space limit, where the allocation
/// itself aborts the process; bundler refuses the file before symphonia reads it.
#[test]
fn ogg_vorbis_comment_longer_than_its_packet_is_refused_without_a_huge_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000 && exec \"$0\" ringtone --slot 5 -o \"$1\" \"$2\"")
        .arg(env!("CARGO_BIN_EXE_bundler"))
        .arg(dir.path().join("ring5.bin"))
        .arg(data("ogg-vorbis-comment-length.ogg"))
        .output()
        .unwrap();
    assert_one_line_error(&out, &["ogg-vorbis-comment-length.ogg", "comment declares 4294967040 bytes"]);
    assert!(files_in(dir.path()).is_empty(), "no output on error");
}

/// Found by target `flyingvoice` (this session's run; 12 crash files, one cause): an include line
/// whose keyword is cut inside a multi-byte character (`include:confiÚ …`) made the include parser
/// slice a string off a character boundary and panic. It is now a positioned "bad include" error.
#[test]
fn an_include_keyword_cut_inside_a_character_is_a_bad_include_not_a_panic() {
    let out = bundler().args(["config", "lint"]).arg(data("fv-include-char-boundary.boot")).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("fv-include-char-boundary.boot:2:1: error: bad include: expected include:config"),
        "{}",
        stdout(&out)
    );
}

/// Found by target `audio` (25 crash files in two runs, three causes) once ADPCM WAV and AIFF were
/// read through symphonia (the second run: a `fmt ` chunk declared longer than the file, which the
/// first fix checked only when whole): an ADPCM block smaller than its own header or with more than 8191 bytes of samples
/// (`u16` arithmetic in symphonia: a panic with overflow checks, a wrong block size without), an AIFF sample rate of 0 (symphonia's
/// `TimeBase::new` panics), and a Microsoft ADPCM step size grown past `i32` (symphonia wraps it in
/// release builds; `Cargo.toml` keeps debug builds the same). The first two are now refused, naming
/// the file and why; the third is decoded (to noise) without a panic.
#[test]
fn adpcm_and_aiff_headers_symphonia_panics_on_are_refused_or_read_without_a_panic() {
    for (file, says) in [
        ("adpcm-block-smaller-than-its-header.wav", "block of 2 bytes"),
        ("adpcm-block-over-symphonia-u16.wav", "block of 65535 bytes"),
        ("adpcm-fmt-chunk-longer-than-the-file.wav", "block of 32256 bytes"),
        ("aiff-rate-zero.aiff", "sample rate 0 Hz"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = bundler()
            .args(["ringtone", "--slot", "5", "-o"])
            .arg(dir.path().join("r.bin"))
            .arg(data(file))
            .output()
            .unwrap();
        assert_one_line_error(&out, &[file, says]);
        assert!(files_in(dir.path()).is_empty(), "no output on error");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = bundler()
        .args(["ringtone", "--slot", "5", "-o"])
        .arg(dir.path().join("r.bin"))
        .arg(data("adpcm-ms-delta-overflow.wav"))
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", stderr(&out));
}
