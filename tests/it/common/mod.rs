//! The shared fixtures of the integration tests: run the real `bundler` binary, find the outside
//! tools (sox, tar, openssl, …) used as independent readers, make test images (`images`), and run
//! real servers on loopback (`servers`: bundler serve, nginx, Python; `s3`: SeaweedFS).

pub mod images;
pub mod s3;
pub mod servers;
mod tools;
pub use tools::*;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `bundler` binary built for these tests.
pub fn bundler() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bundler"));
    cmd.env_remove("SOURCE_DATE_EPOCH").env_remove("BUNDLER_LAYOUTS");
    cmd
}

/// Runs `bundler ARGS` in `dir` and returns its output.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    bundler().current_dir(dir).args(args).output().expect("run bundler")
}

/// `bundler release release.toml --out build` in `dir`: a project's release into `build`.
pub fn release_build(dir: &Path) -> Output {
    run_in(dir, &["release", "release.toml", "--out", "build"])
}

/// Writes `text` to `rel` under `dir`, making the folders on the way.
pub fn write_file(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts a run failed with a one-line error that mentions every one of `needles`.
pub fn assert_one_line_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert!(!out.status.success(), "expected failure, got success; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {err}");
    for n in needles {
        assert!(lines[0].contains(n), "error line lacks '{n}': {}", lines[0]);
    }
}

/// Names of the files in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// A ring file's audio as SoX decodes it (`-t gsrt` for `*.bin`, else by its WAV header), as
/// 16-bit samples. Ring tones are 8 kHz mono.
pub fn sox_decode(path: &Path) -> Vec<i16> {
    let mut cmd = Command::new("sox");
    cmd.arg("-V1");
    if path.extension().is_some_and(|e| e == "bin") {
        cmd.args(["-t", "gsrt"]);
    }
    let out = cmd.arg(path).args(["-t", "s16", "-L", "-"]).output().expect("run sox");
    assert!(out.status.success(), "sox decoding {}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}

/// The edge windows `assert_clean_edges` checks: 20 ms at 8 kHz.
const EDGE_SAMPLES: usize = 160;

/// Half-cosine fade gain `k` samples into a fade of `len` samples (1 past it), the curve
/// `bundler ringtone` fades in and out with.
fn fade_gain(k: usize, len: usize) -> f64 {
    if k >= len {
        1.0
    } else {
        0.5 * (1.0 - (std::f64::consts::PI * k as f64 / len as f64).cos())
    }
}

/// Checks both edges of a ring file as SoX decodes it. In the first and last 20 ms no sample
/// rises above the fade envelope (`fade_in_ms` from the start, `fade_out_ms` back from the end)
/// scaled to the peak of the body between them, with slack for G.711 quantisation and resampler
/// ripple. So nothing there is louder than the body, and with fades the tone starts and ends at
/// silence: no click, and no DC step where the phone repeats it (a 0x00 pad byte, µ-law's
/// full-scale negative sample, fails this).
pub fn assert_clean_edges(path: &Path, fade_in_ms: u32, fade_out_ms: u32) {
    let x = sox_decode(path);
    assert!(!x.is_empty(), "{}: no samples", path.display());
    let body = if x.len() > 3 * EDGE_SAMPLES { &x[EDGE_SAMPLES..x.len() - EDGE_SAMPLES] } else { &x[..] };
    let peak = body.iter().map(|&s| f64::from(s).abs()).fold(0.0, f64::max);
    let (fade_in, fade_out) = (fade_in_ms as usize * 8, fade_out_ms as usize * 8);
    // 15 % for G.711 steps and resampler ripple, and 64 (−54 dBFS, inaudible) for the start
    // transient of an input the low-pass filter removes whole (a 5 kHz tone leaves ±25 there).
    let allowed = |gain: f64| 1.15 * gain * peak + 64.0;
    let edge = EDGE_SAMPLES.min(x.len());
    for k in 0..edge {
        let (first, last) = (f64::from(x[k]).abs(), f64::from(x[x.len() - 1 - k]).abs());
        assert!(
            first <= allowed(fade_gain(k, fade_in)),
            "{}: sample {k} of {} is {first}, above the {fade_in_ms} ms fade-in envelope (body peak {peak})",
            path.display(),
            x.len()
        );
        assert!(
            last <= allowed(fade_gain(k, fade_out)),
            "{}: sample {k} from the end of {} is {last}, above the {fade_out_ms} ms fade-out envelope (body peak {peak})",
            path.display(),
            x.len()
        );
    }
}

/// A temporary folder for a test that needs sox; `None` (the test returns: skipped, or failed
/// under CI) when sox is not on PATH.
pub fn sox_dir() -> Option<tempfile::TempDir> {
    require_tool("sox").then(|| tempfile::tempdir().unwrap())
}

/// A copy of `examples/NAME` in a temporary folder (a build must not write into the repository):
/// the folder, and the copy's root in it.
pub fn copy_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    assert!(Command::new("cp").arg("-r").arg(&src).arg(dir.path()).status().unwrap().success());
    let root = dir.path().join(name);
    (dir, root)
}
