//! Helpers shared by the integration tests.
#![allow(dead_code)]

// The outside-tool helpers (require_tool, sox, stat_value) are the workspace's one set.
#[path = "../../../tests/it/common/tools.rs"]
mod tools;
#[allow(unused_imports)] // not every test uses every helper
pub use tools::*;

use std::path::{Path, PathBuf};

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

/// Every sample of an audio file as ringtool's reader decodes it (interleaved, in [-1, 1)), and the
/// format name it gave.
pub fn decoded_by_us(path: &Path) -> (Vec<f32>, &'static str) {
    let file = std::fs::File::open(path).unwrap();
    let mut src = ringtool::input::open(Box::new(file), None).unwrap();
    let mut out = Vec::new();
    while src.read_frames(&mut out, 999).unwrap() > 0 {}
    (out, src.spec().format)
}

/// Every sample as SoX decodes it (`-t f32`: its 32-bit integers scaled to [-1, 1)).
pub fn decoded_by_sox(path: &Path) -> Vec<f32> {
    let out = path.with_extension("f32");
    sox(&["-V1", path.to_str().unwrap(), "-t", "f32", out.to_str().unwrap()]);
    std::fs::read(&out).unwrap().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}
