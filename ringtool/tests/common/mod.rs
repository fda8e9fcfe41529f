//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when `name` is on PATH. When it is missing: panics if `CI` is set (a
/// CI run must not silently skip), else prints why the test is skipped.
pub fn require_tool(name: &str) -> bool {
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    if found {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("`{name}` is required for this test (CI is set) but is not on PATH");
    }
    eprintln!("skipped: `{name}` is not on PATH (install it, e.g. apt-get install {name})");
    false
}

/// Runs sox with `args`, panicking with its stderr on failure; returns stderr
/// (where `sox … -n stat` prints).
pub fn sox(args: &[&str]) -> String {
    let out = Command::new("sox").args(args).output().expect("run sox");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "sox {args:?} failed: {stderr}");
    stderr
}

/// A value from `sox … -n stat` output, e.g. `stat_value(&s, "Length (seconds)")`.
pub fn stat_value(stat: &str, key: &str) -> f64 {
    stat.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key:?} in sox stat output:\n{stat}"))
}

/// Little-endian 16-bit samples of a raw file.
pub fn read_s16(path: &Path) -> Vec<i16> {
    std::fs::read(path).unwrap().chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()
}

/// Writes samples as raw little-endian 16-bit.
pub fn write_s16(path: &Path, samples: &[i16]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// RMS of the middle half of a signal, in 16-bit units (edges skipped).
pub fn mid_rms(x: &[i16]) -> f64 {
    let mid = &x[x.len() / 4..x.len() * 3 / 4];
    (mid.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt()
}

/// Amplitude of the `freq` component of an 8 kHz signal (Goertzel), in 16-bit units.
pub fn goertzel(x: &[i16], freq: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = f64::from(v) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.max(0.0).sqrt() / x.len() as f64
}

/// A fresh temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// `dir/name` as a `String` for command lines.
pub fn p(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}
