//! Level statistics of the input region used, and the warnings they lead to.

use super::amplitude_to_db;

/// A peak below this is reported as silent input.
pub const SILENCE_DBFS: f64 = -60.0;
/// At least this fraction of samples at full scale is reported as clipped input.
pub const CLIPPED_FRACTION: f64 = 0.001;

/// Running peak and full-scale count over interleaved input samples.
#[derive(Clone, Debug)]
pub struct LevelStats {
    full_scale: f32,
    peak: f32,
    at_full_scale: u64,
    samples: u64,
}

impl LevelStats {
    /// `full_scale` is the smallest magnitude that counts as clipped for this
    /// source (e.g. 32767/32768 for 16-bit input).
    pub fn new(full_scale: f32) -> LevelStats {
        LevelStats { full_scale, peak: 0.0, at_full_scale: 0, samples: 0 }
    }

    /// Adds samples (any channel layout) to the statistics.
    pub fn observe(&mut self, samples: &[f32]) {
        // Eight independent lanes with 32-bit counters, so the loop compiles to
        // vector max/compare/subtract (one running maximum would be a
        // sequential chain). NaN never compares greater, so it is ignored, as
        // `f32::max` would. Parts of 2^16 samples keep the counters in range.
        const LANES: usize = 8;
        let mut peak = [self.peak; LANES];
        for part in samples.chunks(1 << 16) {
            let mut count = [0u32; LANES];
            let blocks = part.chunks_exact(LANES);
            let rest = blocks.remainder();
            for block in blocks {
                for i in 0..LANES {
                    let a = block[i].abs();
                    peak[i] = if a > peak[i] { a } else { peak[i] };
                    count[i] += u32::from(a >= self.full_scale);
                }
            }
            for &s in rest {
                let a = s.abs();
                peak[0] = if a > peak[0] { a } else { peak[0] };
                count[0] += u32::from(a >= self.full_scale);
            }
            self.at_full_scale += count.iter().map(|&c| u64::from(c)).sum::<u64>();
        }
        self.peak = peak.iter().fold(self.peak, |m, &p| if p > m { p } else { m });
        self.samples += samples.len() as u64;
    }

    /// Peak level in dBFS (`-inf` for digital silence).
    pub fn peak_dbfs(&self) -> f64 {
        amplitude_to_db(f64::from(self.peak))
    }

    /// Fraction of samples at full scale.
    pub fn clipped_fraction(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            self.at_full_scale as f64 / self.samples as f64
        }
    }

    /// Human-readable warnings: silent input, clipped input.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.samples > 0 && self.peak_dbfs() < SILENCE_DBFS {
            out.push(if self.peak == 0.0 {
                "input is silent (digital silence)".to_string()
            } else {
                format!("input is nearly silent (peak {:.1} dBFS)", self.peak_dbfs())
            });
        }
        if self.clipped_fraction() >= CLIPPED_FRACTION {
            out.push(format!("input is clipped ({:.2}% of samples at full scale)", self.clipped_fraction() * 100.0));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_and_silent_inputs_warn() {
        let mut s = LevelStats::new(32767.0 / 32768.0);
        s.observe(&[0.0005, -0.0009]);
        assert_eq!(s.warnings(), ["input is nearly silent (peak -60.9 dBFS)"]);
        let mut z = LevelStats::new(1.0);
        z.observe(&[0.0; 10]);
        assert_eq!(z.warnings(), ["input is silent (digital silence)"]);
        let mut ok = LevelStats::new(1.0);
        ok.observe(&[0.0011]);
        assert!(ok.warnings().is_empty());
    }

    #[test]
    fn every_sample_counts_whatever_the_slice_length() {
        // Longer than one 2^16 part, not a multiple of the lane count; the peak
        // sits in the remainder; NaN is ignored.
        let n = 200_003;
        let mut x: Vec<f32> = (0..n).map(|i| ((i % 201) as f32 - 100.0) / 200.0).collect();
        for i in (0..n).step_by(997) {
            x[i] = if i % 2 == 0 { 1.0 } else { -1.0 };
        }
        x[n - 1] = -1.25;
        x[5] = f32::NAN;
        let expected_full = x.iter().filter(|v| v.abs() >= 32767.0 / 32768.0).count() as u64;
        let mut s = LevelStats::new(32767.0 / 32768.0);
        s.observe(&x);
        assert_eq!((s.peak, s.at_full_scale, s.samples), (1.25, expected_full, n as u64));
        let mut pieces = LevelStats::new(32767.0 / 32768.0);
        for piece in x.chunks(4099) {
            pieces.observe(piece);
        }
        assert_eq!((pieces.peak, pieces.at_full_scale, pieces.samples), (1.25, expected_full, n as u64));
    }

    #[test]
    fn clipping_threshold_is_a_tenth_of_a_percent() {
        let fs = 32767.0 / 32768.0;
        let mut s = LevelStats::new(fs);
        let mut block = vec![0.5f32; 1000];
        block[3] = -1.0;
        s.observe(&block);
        assert_eq!(s.warnings(), ["input is clipped (0.10% of samples at full scale)"]);
        let mut t = LevelStats::new(fs);
        block.extend([0.5; 10]);
        t.observe(&block);
        assert!(t.warnings().is_empty());
    }
}
