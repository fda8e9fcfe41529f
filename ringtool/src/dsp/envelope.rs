//! Stages after resampling: fade-in, fade-out at a cut, peak normalization,
//! and quantization to 16-bit.

use super::db_to_amplitude;

/// Fades the last `fade_len` samples (or all, when shorter) to silence along a
/// half-cosine curve: the first faded sample keeps nearly full gain, the last is 0.
pub fn fade_out(samples: &mut [f32], fade_len: usize) {
    let n = fade_len.min(samples.len());
    if n == 0 {
        return;
    }
    let start = samples.len() - n;
    for (i, s) in samples[start..].iter_mut().enumerate() {
        let progress = (i + 1) as f64 / n as f64; // (0, 1]
        let gain = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        *s = (f64::from(*s) * gain) as f32;
    }
}

/// Fades in along a half-cosine curve over `fade_len` samples: sample `k` of
/// the whole signal gets gain `(1 - cos(π·k/fade_len)) / 2`, so sample 0 is
/// silent. `samples` starts at sample `first`; samples at or past `fade_len`
/// are left alone. Applying it piece by piece gives the same result as at once.
pub fn fade_in(samples: &mut [f32], first: usize, fade_len: usize) {
    for (i, s) in samples.iter_mut().enumerate() {
        let k = first + i;
        if k >= fade_len {
            break;
        }
        let gain = 0.5 * (1.0 - (std::f64::consts::PI * k as f64 / fade_len as f64).cos());
        *s = (f64::from(*s) * gain) as f32;
    }
}

/// What [`normalize`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normalized {
    /// The gain applied, as a factor.
    pub gain: f64,
    /// The gain the target level asked for, in dB.
    pub wanted_db: f64,
    /// The wanted gain was above the cap, so the cap was applied instead.
    pub capped: bool,
}

/// The largest absolute sample value.
pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0f32, |m, s| m.max(s.abs()))
}

/// Scales `samples` so their peak sits at `dbfs` (≤ 0), but by at most
/// `max_gain_db`. Returns what was applied, or `None` when the signal is
/// digital silence and cannot be scaled.
pub fn normalize(samples: &mut [f32], dbfs: f64, max_gain_db: f64) -> Option<Normalized> {
    let p = peak(samples);
    if p == 0.0 {
        return None;
    }
    let wanted = db_to_amplitude(dbfs) / f64::from(p);
    let capped = wanted > db_to_amplitude(max_gain_db);
    let gain = if capped { db_to_amplitude(max_gain_db) } else { wanted };
    for s in samples.iter_mut() {
        *s = (f64::from(*s) * gain) as f32;
    }
    Some(Normalized { gain, wanted_db: super::amplitude_to_db(wanted), capped })
}

/// Converts samples in [-1, 1) to 16-bit by rounding, clamping what overshoots.
/// Returns the samples and how many had to be clamped.
pub fn quantize(samples: &[f32]) -> (Vec<i16>, usize) {
    let mut out = Vec::with_capacity(samples.len());
    let clamped = quantize_into(samples, &mut out);
    (out, clamped)
}

/// [`quantize`] appending to `out`; returns how many samples had to be clamped.
pub fn quantize_into(samples: &[f32], out: &mut Vec<i16>) -> usize {
    let mut clamped = 0;
    out.extend(samples.iter().map(|&s| {
        let (v, outside) = quantize_one(s);
        clamped += usize::from(outside);
        v
    }));
    clamped
}

/// One sample rounded to 16 bits, halves away from zero (as `f64::round`), and
/// whether it had to be clamped (NaN: 0, clamped). Without a branch or a call
/// into the C library (x86-64's baseline has no rounding instruction): `x` is
/// an `f32` times 2^15, so `x ± 0.5` is exact in `f64` and truncation rounds it.
#[inline(always)]
fn quantize_one(s: f32) -> (i16, bool) {
    let x = f64::from(s) * 32768.0;
    let r = (x + 0.5f64.copysign(x)) as i64; // NaN → 0; beyond i64 saturates
    let outside = !(-32768..=32767).contains(&r) || x.is_nan();
    (r.clamp(-32768, 32767) as i16, outside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fade_ends_in_silence_and_leaves_the_rest() {
        let mut s = vec![1.0f32; 100];
        fade_out(&mut s, 10);
        assert!(s[..90].iter().all(|&v| v == 1.0));
        assert_eq!(s[99], 0.0);
        assert!(s[90] > 0.97 && s[90] < 1.0);
        assert!(s[90..].windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn fade_longer_than_signal_covers_it_all() {
        let mut s = vec![0.5f32; 4];
        fade_out(&mut s, 1000);
        assert!(s[0] < 0.5 && s[3] == 0.0);
        let mut empty: Vec<f32> = vec![];
        fade_out(&mut empty, 10);
    }

    #[test]
    fn normalize_hits_the_target_peak() {
        let mut s = vec![0.1, -0.25, 0.2];
        let n = normalize(&mut s, -6.0, 40.0).unwrap();
        assert!((n.gain - 0.501187 / 0.25).abs() < 1e-4);
        assert!(!n.capped);
        assert!((peak(&s) - 0.501187).abs() < 1e-5);
        let mut silent = vec![0.0; 8];
        assert_eq!(normalize(&mut silent, -1.0, 40.0), None);
    }

    #[test]
    fn normalize_gain_is_capped() {
        let mut s = vec![1e-5f32, -1e-5]; // -100 dBFS
        let n = normalize(&mut s, -1.0, 40.0).unwrap();
        assert!(n.capped && (n.gain - 100.0).abs() < 1e-9, "{n:?}");
        assert!((n.wanted_db - 99.0).abs() < 1e-3, "{n:?}");
        assert!((peak(&s) - 1e-3).abs() < 1e-8);
    }

    #[test]
    fn fade_in_starts_silent_and_pieces_match_the_whole() {
        let mut whole = vec![1.0f32; 100];
        fade_in(&mut whole, 0, 40);
        assert_eq!(whole[0], 0.0);
        assert!(whole[..40].windows(2).all(|w| w[0] < w[1]));
        assert!(whole[40..].iter().all(|&v| v == 1.0));
        assert!((whole[20] - 0.5).abs() < 1e-6);
        let mut pieces = vec![1.0f32; 100];
        let (a, b) = pieces.split_at_mut(13);
        fade_in(a, 0, 40);
        fade_in(b, 13, 40);
        assert_eq!(pieces, whole);
    }

    /// The same as rounding with `f64::round` and clamping, for every kind of `f32`.
    #[test]
    fn quantize_one_is_round_and_clamp() {
        let halves = (-70_000..70_000).map(|i| (i as f32 + 0.5) / 32768.0);
        let near_halves = [0.5f32, 1.5, 32767.5, -32768.5].iter().flat_map(|&h| {
            let b = (h / 32768.0).to_bits();
            [f32::from_bits(b - 1), f32::from_bits(b + 1)]
        });
        let odd =
            [0.0f32, -0.0, f32::MIN_POSITIVE, 1e-40, 3.0, -3.0, f32::MAX, f32::MIN, f32::INFINITY, f32::NEG_INFINITY];
        for s in halves.chain(near_halves).chain(odd).chain((0..100_000).map(|i| (i as f32 * 0.123).sin() * 1.2)) {
            let v = (f64::from(s) * 32768.0).round();
            let expected = (v.clamp(-32768.0, 32767.0) as i16, !(-32768.0..=32767.0).contains(&v));
            assert_eq!(quantize_one(s), expected, "{s}");
        }
        assert_eq!(quantize_one(f32::NAN), (0, true));
    }

    #[test]
    fn quantize_rounds_and_counts_clamps() {
        let (q, clamped) = quantize(&[0.0, 0.5, -1.0, 1.0, -1.5, 1.0 / 65536.0 * 1.01]);
        assert_eq!(q, [0, 16384, -32768, 32767, -32768, 1]);
        assert_eq!(clamped, 2);
    }
}
