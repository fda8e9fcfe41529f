//! Stage 2: band-limited, streaming sample-rate conversion down to 8 kHz.
//!
//! A windowed-sinc (Kaiser) low-pass is applied while decimating by the exact
//! rational ratio `out/in = L/M` (gcd-reduced). Output sample `n` sits at input
//! position `n·M/L`, so there are `L` distinct sub-sample phases. Common rate
//! pairs have few (44 100 → 16 000: L = 160): their tap weights are computed
//! exactly once, and each output is one dot product over a window of the
//! input, the hot loop of a ring tone (see [`fir`]). Pairs with too many
//! phases to precompute (44 101 → 16 000 Hz would need 16 000) interpolate each
//! output's taps from the kernel sampled at [`PHASES`] sub-sample offsets; the
//! interpolation error stays far below the 16-bit noise floor. Each output's
//! taps are normalised to sum to one, so DC gain is exact.
//!
//! The passband is flat to 3.7 kHz and everything from 3.94 kHz up (all that
//! would alias, and a little more) is attenuated by [`STOPBAND_DB`]: a 240 Hz
//! transition, as sharp and placed as SoX's `rate -v`. At 44.1 kHz one such filter needs ~740 taps per output, so
//! inputs at three times the output rate or more go through two stages: a short
//! filter (3.7 kHz pass, 12 kHz stop: ~30 taps) down to twice the output rate,
//! then the sharp one at that low rate (335 taps at 16 kHz). That 2:1 stage is
//! computed folded by the filter's symmetry, many outputs at once ([`halve`]).
//! Both stages are centred (no delay), and `ceil(ceil(N·a/b)/2) = ceil(N·a/2b)`,
//! so the chain keeps the exact length and timing of one conversion.
//!
//! Written here instead of using `rubato` because the job is one fixed,
//! downward conversion of a mono stream with an exact rational ratio and a
//! length that must be sample-exact (`ceil(N·L/M)` outputs, no latency to trim),
//! which is ~200 lines, with no FFT dependency and no chunk-size constraints.

use super::fir::{self, LANES};
use super::halve;

/// Sub-sample phases in the kernel table that odd rate pairs interpolate between.
pub const PHASES: usize = 256;
/// Stop-band attenuation the Kaiser window is designed for, in dB.
pub const STOPBAND_DB: f64 = 80.0;
/// End of the flat passband as a fraction of the output rate (3700 Hz at 8 kHz).
pub const PASSBAND: f64 = 0.4625;
/// Start of the stop band as a fraction of the output rate (3940 Hz at 8 kHz: below the
/// output's Nyquist frequency, so nothing aliases). With [`PASSBAND`] this puts the −3 dB
/// point at 3.8 kHz and the transition where SoX's `rate -v` has it (−0.3 dB at 3750 Hz,
/// −12 dB at 3850 Hz), which matters on bright material: a ring tone compared with SoX's
/// best conversion then differs from it by less than µ-law's own noise.
pub const STOPBAND: f64 = 0.4925;
/// Most tap weights precomputed for the phases of a rate pair (4 MiB of `f32`).
const MAX_CACHED_TAPS: usize = 1 << 20;

/// A streaming resampler from `in_rate` to `out_rate` (`out_rate <= in_rate`):
/// one [`Stage`], or two with a short filter first (see the module notes).
#[derive(Clone, Debug)]
pub struct Resampler {
    /// The short first filter down to twice the output rate, for fast inputs.
    first: Option<Stage>,
    /// The sharp filter that ends at the output rate.
    last: Stage,
    /// The first stage's output, handed to the last.
    mid: Vec<f32>,
}

impl Resampler {
    /// A resampler that will produce at most `max_outputs` samples.
    pub fn new(in_rate: u32, out_rate: u32, max_outputs: u64) -> Resampler {
        assert!(out_rate > 0 && in_rate >= out_rate, "only downsampling is supported");
        let out = f64::from(out_rate);
        let (pass, stop) = (PASSBAND * out, STOPBAND * out);
        if u64::from(in_rate) < 3 * u64::from(out_rate) {
            let last = Stage::new(in_rate, out_rate, max_outputs, Band { pass, stop });
            return Resampler { first: None, last, mid: Vec::new() };
        }
        let mid_rate = 2 * out_rate;
        let last = Stage::new(mid_rate, out_rate, max_outputs, Band { pass, stop });
        let mid_max = last.input_needed(max_outputs);
        let first = Stage::new(in_rate, mid_rate, mid_max, Band { pass, stop: f64::from(mid_rate) - stop });
        Resampler { first: Some(first), last, mid: Vec::new() }
    }

    /// Output samples a complete input of `input_frames` samples yields: `ceil(N·out/in)`.
    pub fn output_len(&self, input_frames: u64) -> u64 {
        let mid = self.first.as_ref().map_or(input_frames, |f| f.output_len(input_frames));
        self.last.output_len(mid)
    }

    /// Input samples that must have been pushed before the first `outputs`
    /// output samples can all be computed, without seeing the end of the input.
    pub fn input_needed(&self, outputs: u64) -> u64 {
        let mid = self.last.input_needed(outputs);
        self.first.as_ref().map_or(mid, |f| f.input_needed(mid))
    }

    /// Taps on each side of an output sample, in input samples (both stages' reach).
    pub fn half_taps(&self) -> usize {
        match &self.first {
            None => self.last.half,
            Some(f) => f.half + (self.last.half as u64 * f.down / f.up) as usize,
        }
    }

    /// Feeds input samples, appending every output sample that became computable.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        match &mut self.first {
            None => self.last.push(input, out),
            Some(first) => {
                first.push(input, &mut self.mid);
                self.last.push(&self.mid, out);
                self.mid.clear();
            }
        }
    }

    /// Declares the end of the input and appends the remaining output samples
    /// (the input is taken as zero past its end).
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if let Some(first) = &mut self.first {
            first.finish(&mut self.mid);
            self.last.push(&self.mid, out);
            self.mid.clear();
        }
        self.last.finish(out);
    }
}

/// The band a stage keeps, in Hz: flat to `pass`, attenuated from `stop` on.
#[derive(Clone, Copy, Debug)]
struct Band {
    pass: f64,
    stop: f64,
}

/// One rational-ratio conversion with one low-pass filter.
#[derive(Clone, Debug)]
struct Stage {
    /// Interpolation factor L.
    up: u64,
    /// Decimation factor M.
    down: u64,
    /// Taps on each side of an output's position, in input samples (0 = pass-through).
    half: usize,
    /// Zero taps in front of the `2·half` real ones, so that every output's
    /// taps fill whole [`LANES`]-wide blocks of the dot product.
    lead: usize,
    /// The low-pass kernel.
    kernel: Kernel,
    /// Tap weights for every phase `n·M mod L`, precomputed when there are few
    /// enough (all common rates); empty otherwise.
    phase_taps: Vec<f32>,
    /// For a 2:1 stage, the filter's weight at each distance `0 .. half` (it is
    /// symmetric): its outputs are computed folded ([`halve`]).
    halving: Option<Vec<f32>>,
    /// The input window [`halve`] splits into even and odd samples.
    split: halve::Split,
    /// Tap weights of the current output when they are not precomputed.
    scratch: Vec<f32>,
    /// Input samples from input index `buf_start` on (may start negative: zero padding).
    buf: Vec<f32>,
    buf_start: i64,
    /// Real input samples received so far.
    received: u64,
    /// Index of the next output sample.
    next_out: u64,
    /// Its input position, `next_out·M/L`, as whole samples plus `next_phase/L`
    /// (stepped, not divided, for every output).
    next_ip: u64,
    next_phase: u64,
    /// No output past this index is produced.
    max_outputs: u64,
    finished: bool,
}

impl Stage {
    /// A stage that will produce at most `max_outputs` samples.
    fn new(in_rate: u32, out_rate: u32, max_outputs: u64, band: Band) -> Stage {
        Stage::with_cache_limit(in_rate, out_rate, max_outputs, band, MAX_CACHED_TAPS)
    }

    /// [`Stage::new`], precomputing tap weights only when they number at
    /// most `cache_limit`.
    fn with_cache_limit(in_rate: u32, out_rate: u32, max_outputs: u64, band: Band, cache_limit: usize) -> Stage {
        let g = gcd(u64::from(in_rate), u64::from(out_rate));
        let (up, down) = (u64::from(out_rate) / g, u64::from(in_rate) / g);
        let mut kernel = if up == down { Kernel::pass_through() } else { Kernel::design(f64::from(in_rate), band) };
        let half = kernel.half;
        let span = if half == 0 { 0 } else { (2 * half).next_multiple_of(LANES) };
        let lead = span - 2 * half;
        let mut phase_taps = Vec::new();
        if half > 0 && up as usize * span <= cache_limit {
            phase_taps.resize(up as usize * span, 0.0);
            for (phase, taps) in phase_taps.chunks_exact_mut(span).enumerate() {
                kernel.exact_taps(phase as f64 / up as f64, &mut taps[lead..]);
            }
        } else if half > 0 {
            kernel.fill_bank();
        }
        Stage {
            up,
            down,
            half,
            lead,
            kernel,
            halving: (up == 1 && down == 2 && !phase_taps.is_empty())
                .then(|| (0..half).map(|m| phase_taps[lead + half - 1 - m]).collect()),
            split: halve::Split::default(),
            phase_taps,
            scratch: vec![0.0; span],
            buf: vec![0.0; half + lead],
            buf_start: -((half + lead) as i64),
            received: 0,
            next_out: 0,
            next_ip: 0,
            next_phase: 0,
            max_outputs,
            finished: false,
        }
    }

    /// Output samples a complete input of `input_frames` samples yields: `ceil(N·L/M)`.
    fn output_len(&self, input_frames: u64) -> u64 {
        (u128::from(input_frames) * u128::from(self.up)).div_ceil(u128::from(self.down)) as u64
    }

    /// Input samples that must have been pushed before the first `outputs`
    /// output samples can all be computed, without seeing the end of the input
    /// (saturating at `u64::MAX` for an unbounded output).
    fn input_needed(&self, outputs: u64) -> u64 {
        match outputs {
            0 => 0,
            n => {
                let at = u128::from(n - 1) * u128::from(self.down) / u128::from(self.up);
                u64::try_from(at + self.half as u128 + 1).unwrap_or(u64::MAX)
            }
        }
    }

    /// Feeds input samples, appending every output sample that became computable.
    fn push(&mut self, input: &[f32], out: &mut Vec<f32>) {
        assert!(!self.finished, "push after finish");
        self.buf.extend_from_slice(input);
        self.received += input.len() as u64;
        self.produce(out);
    }

    /// Declares the end of the input and appends the remaining output samples
    /// (the input is taken as zero past its end).
    fn finish(&mut self, out: &mut Vec<f32>) {
        if !self.finished {
            self.finished = true;
            self.buf.extend(std::iter::repeat_n(0.0, self.half + 1));
            self.produce(out);
        }
    }

    /// Computes every output whose taps have all arrived (after the end: whose
    /// position lies inside the input), up to `max_outputs`.
    fn produce(&mut self, out: &mut Vec<f32>) {
        let count = self.computable().saturating_sub(self.next_out);
        if count > 0 && self.half == 0 {
            let from = (self.next_ip as i64 - self.buf_start) as usize;
            let step = (self.down / self.up) as usize;
            out.extend(self.buf[from..].iter().step_by(step).take(count as usize));
        } else if count > 0 {
            let (span, lead) = (2 * self.half + self.lead, self.lead);
            let start = (self.next_ip as i64 - self.buf_start) as usize + 1 - self.half - lead;
            let mut walk = fir::Walk {
                start,
                phase: self.next_phase as usize,
                step: (self.down / self.up) as usize,
                step_phase: (self.down % self.up) as usize,
                up: self.up as usize,
            };
            if let Some(k) = &self.halving {
                let from = out.len();
                out.resize(from + count as usize, 0.0);
                let centre = (self.next_ip as i64 - self.buf_start) as usize;
                halve::run(&self.buf, centre, k, &mut out[from..], &mut self.split);
            } else if self.phase_taps.is_empty() {
                // Odd rate pairs: each output's taps interpolated from the kernel table first.
                for _ in 0..count {
                    self.kernel.taps(walk.phase as f64 / self.up as f64, &mut self.scratch[lead..]);
                    let mut one = fir::Walk { phase: 0, step: 0, step_phase: 0, up: 1, ..walk };
                    let mut sample = [0.0];
                    fir::run(&self.buf, &self.scratch, span, &mut one, &mut sample);
                    out.push(sample[0]);
                    walk.advance();
                }
            } else {
                let from = out.len();
                out.resize(from + count as usize, 0.0);
                fir::run(&self.buf, &self.phase_taps, span, &mut walk, &mut out[from..]);
            }
        }
        self.next_out += count;
        let at = u128::from(self.next_out) * u128::from(self.down);
        self.next_ip = (at / u128::from(self.up)) as u64;
        self.next_phase = (at % u128::from(self.up)) as u64;
        self.discard_consumed();
    }

    /// Index one past the last output computable now: every output whose taps
    /// have all arrived, `ip + half < received` (after the end, `ip < received`),
    /// where `ip = floor(n·M/L)`; at most `max_outputs`.
    fn computable(&self) -> u64 {
        let reach = if self.finished { 0 } else { self.half as u64 };
        let Some(ahead) = self.received.checked_sub(reach) else {
            return 0;
        };
        let n = (u128::from(ahead) * u128::from(self.up)).div_ceil(u128::from(self.down));
        u64::try_from(n).unwrap_or(u64::MAX).min(self.max_outputs)
    }

    /// Drops buffered input no future output needs, keeping memory bounded.
    fn discard_consumed(&mut self) {
        let keep_from = self.next_ip as i64 - (self.half + self.lead) as i64 + 1;
        let drop = keep_from - self.buf_start;
        if drop > 4096 && drop as usize <= self.buf.len() {
            self.buf.drain(..drop as usize);
            self.buf_start = keep_from;
        }
    }
}

/// Table phase and interpolation weight for a sub-sample offset in [0, 1].
fn phase(offset: f64) -> (usize, f32) {
    let pos = offset * PHASES as f64;
    let p = (pos.floor() as usize).min(PHASES - 1);
    (p, (pos - p as f64) as f32)
}

/// A Kaiser-windowed sinc low-pass.
#[derive(Clone, Debug)]
struct Kernel {
    /// Taps on each side, in input samples.
    half: usize,
    /// Kaiser window shape parameter.
    beta: f64,
    /// −6 dB point as a fraction of the input Nyquist frequency.
    cutoff: f64,
    /// `bank[p * half + m]` = kernel at distance `m + p/PHASES` input samples;
    /// filled only when taps are interpolated per output ([`Kernel::fill_bank`]).
    bank: Vec<f32>,
}

impl Kernel {
    /// No filter: same-rate pass-through.
    fn pass_through() -> Kernel {
        Kernel { half: 0, beta: 0.0, cutoff: 1.0, bank: Vec::new() }
    }

    /// The filter at `in_rate` that keeps `band` (Kaiser's design formulas).
    fn design(in_rate: f64, band: Band) -> Kernel {
        let beta = 0.1102 * (STOPBAND_DB - 8.7);
        let transition = 2.0 * std::f64::consts::PI * (band.stop - band.pass) / in_rate;
        let length = (STOPBAND_DB - 7.95) / (2.285 * transition);
        let half = (length / 2.0).ceil().max(2.0) as usize;
        let cutoff = ((band.pass + band.stop) / in_rate).min(1.0); // −6 dB point over the input Nyquist
        Kernel { half, beta, cutoff, bank: Vec::new() }
    }

    /// Kernel values at distances `m + frac` input samples, `m = 0 .. half`
    /// (zero from `half` on), into `out`.
    fn row(&self, frac: f64, out: &mut [f64]) {
        let (half, beta, cutoff) = (self.half, self.beta, self.cutoff);
        let mut quarter_squares = vec![0.0; half];
        for (m, q) in quarter_squares.iter_mut().enumerate() {
            let x = (m as f64 + frac) / half as f64;
            *q = beta * beta / 4.0 * (1.0 - x * x).max(0.0); // (β·√(1 − x²))² / 4
        }
        bessel_i0_many(&quarter_squares, out, &mut vec![0.0; half]);
        let i0_beta = bessel_i0(beta);
        // sin(π·cutoff·d) stepped along the row by the angle-addition formulas.
        let pi_cutoff = std::f64::consts::PI * cutoff;
        let (step_sin, step_cos) = pi_cutoff.sin_cos();
        let (mut sin, mut cos) = (pi_cutoff * frac).sin_cos();
        for (m, value) in out.iter_mut().enumerate() {
            let d = m as f64 + frac;
            *value = if d >= half as f64 {
                0.0
            } else {
                let sinc = if d == 0.0 { 1.0 } else { sin / (pi_cutoff * d) };
                cutoff * sinc * *value / i0_beta
            };
            (sin, cos) = (sin * step_cos + cos * step_sin, cos * step_cos - sin * step_sin);
        }
    }

    /// Samples the kernel at [`PHASES`] + 1 sub-sample offsets for [`Kernel::taps`].
    fn fill_bank(&mut self) {
        let mut row = vec![0.0; self.half];
        self.bank = Vec::with_capacity((PHASES + 1) * self.half);
        for p in 0..=PHASES {
            self.row(p as f64 / PHASES as f64, &mut row);
            self.bank.extend(row.iter().map(|&v| v as f32));
        }
    }

    /// Writes the `2·half` tap weights, for input taps `j = -(half-1) ..= half`
    /// around an output at sub-sample offset `frac` ∈ [0, 1), computed exactly
    /// and normalised to sum to 1.
    fn exact_taps(&self, frac: f64, out: &mut [f32]) {
        let (mut left, mut right) = (vec![0.0; self.half], vec![0.0; self.half]);
        self.row(frac, &mut left);
        self.row(1.0 - frac, &mut right);
        normalised_taps(self.half, |m| (left[m] as f32, right[m] as f32), out);
    }

    /// [`Kernel::exact_taps`] interpolated from the bank (which must be filled):
    /// for rate pairs with too many phases to precompute.
    fn taps(&self, frac: f64, out: &mut [f32]) {
        let h = self.half;
        let (pl, wl) = phase(frac);
        let (pr, wr) = phase(1.0 - frac);
        let (l0, l1) = (&self.bank[pl * h..][..h], &self.bank[(pl + 1) * h..][..h]);
        let (r0, r1) = (&self.bank[pr * h..][..h], &self.bank[(pr + 1) * h..][..h]);
        normalised_taps(h, |m| (l0[m] + (l1[m] - l0[m]) * wl, r0[m] + (r1[m] - r0[m]) * wr), out);
    }
}

/// Places the kernel values `(left, right) = value(m)` at `m + frac` and
/// `m + 1 - frac` samples away as taps `j = -m` and `j = m + 1` in `out`
/// (`out[h - 1 - m]`, `out[h + m]`), scaled to sum to 1 (exact DC gain).
fn normalised_taps(h: usize, value: impl Fn(usize) -> (f32, f32), out: &mut [f32]) {
    let mut sum = 0.0f64;
    for m in 0..h {
        let (left, right) = value(m);
        out[h - 1 - m] = left;
        out[h + m] = right;
        sum += f64::from(left) + f64::from(right);
    }
    let scale = (1.0 / sum) as f32;
    out.iter_mut().for_each(|c| *c *= scale);
}

/// `1/k²` for the power series of [`bessel_i0_many`] (a multiply per term
/// instead of a divide: the kernel table needs ~50 000 window values).
const INV_SQUARES: [f64; 64] = {
    let mut table = [0.0; 64];
    let mut k = 1;
    while k < 64 {
        table[k] = 1.0 / (k * k) as f64;
        k += 1;
    }
    table
};

/// Modified Bessel function of the first kind, order 0.
fn bessel_i0(x: f64) -> f64 {
    let mut out = [0.0];
    bessel_i0_many(&[x * x / 4.0], &mut out, &mut [0.0]);
    out[0]
}

/// `out[i] = I0(2·√q[i])` by the power series `Σ q^k / (k!)²`, taking as many
/// terms as the largest `q` needs to reach 1e-17 of its sum (fewer suffice for
/// smaller `q`). The series runs term by term across the whole slice, a loop
/// the compiler vectorizes. `scratch` is as long as `q`.
fn bessel_i0_many(q: &[f64], out: &mut [f64], scratch: &mut [f64]) {
    let q_max = q.iter().fold(0.0f64, |m, &v| m.max(v));
    let (mut sum, mut term, mut terms) = (1.0, 1.0, 0);
    for inv_square in &INV_SQUARES[1..] {
        term *= q_max * inv_square;
        sum += term;
        terms += 1;
        if term < sum * 1e-17 {
            break;
        }
    }
    out.fill(1.0);
    scratch.fill(1.0);
    for inv_square in &INV_SQUARES[1..=terms] {
        for ((t, s), &v) in scratch.iter_mut().zip(out.iter_mut()).zip(q) {
            *t *= v * inv_square;
            *s += *t;
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)) as usize;
        (0..n)
            .map(|i| (amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32)
            .collect()
    }

    fn resample_all(input: &[f32], in_rate: u32, chunk: usize) -> Vec<f32> {
        let mut r = Resampler::new(in_rate, 8000, u64::MAX);
        let mut out = Vec::new();
        for c in input.chunks(chunk) {
            r.push(c, &mut out);
        }
        r.finish(&mut out);
        out
    }

    /// RMS over the middle half, away from the edges.
    fn mid_rms(x: &[f32]) -> f64 {
        let mid = &x[x.len() / 4..x.len() * 3 / 4];
        (mid.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt()
    }

    #[test]
    fn length_is_ceil_n_times_ratio() {
        for (rate, n) in [(44_100u32, 44_100usize), (44_100, 12_345), (48_000, 7), (8_000, 999), (11_025, 1)] {
            let out = resample_all(&vec![0.1; n], rate, 1000);
            let expected = (n as u64 * 8000).div_ceil(u64::from(rate));
            assert_eq!(out.len() as u64, expected, "{rate} Hz, {n} samples");
        }
    }

    #[test]
    fn same_rate_is_bit_exact_pass_through() {
        let input: Vec<f32> = (0..5000).map(|i| ((i * 7919) % 65536) as f32 / 65536.0 - 0.5).collect();
        assert_eq!(resample_all(&input, 8000, 333), input);
    }

    #[test]
    fn chunking_does_not_change_the_result() {
        let input = tone(440.0, 44_100, 0.5, 0.5);
        assert_eq!(resample_all(&input, 44_100, 1), resample_all(&input, 44_100, 100_000));
    }

    #[test]
    fn max_outputs_is_respected() {
        let mut r = Resampler::new(44_100, 8000, 100);
        let mut out = Vec::new();
        r.push(&vec![0.0; 44_100], &mut out);
        r.finish(&mut out);
        assert_eq!(out.len(), 100);
    }

    #[test]
    fn input_needed_is_exactly_enough() {
        for rate in [11_025u32, 22_050, 44_100, 48_000, 44_101] {
            for n in [1u64, 100, 1234] {
                let mut r = Resampler::new(rate, 8000, u64::MAX);
                let needed = r.input_needed(n) as usize;
                let (mut short, mut out) = (Vec::new(), Vec::new());
                r.clone().push(&vec![0.5; needed - 1], &mut short);
                r.push(&vec![0.5; needed], &mut out);
                assert!(short.len() < n as usize, "{rate} Hz, {n}: {} outputs from one sample less", short.len());
                assert!(out.len() >= n as usize, "{rate} Hz, {n}: {} outputs", out.len());
            }
        }
    }

    #[test]
    fn precomputed_and_on_the_fly_taps_agree() {
        let input = tone(1234.5, 44_100, 0.3, 0.9);
        let band = Band { pass: 3700.0, stop: 4000.0 };
        let cached = Stage::new(44_100, 8000, u64::MAX, band);
        assert!(!cached.phase_taps.is_empty());
        let computed = Stage::with_cache_limit(44_100, 8000, u64::MAX, band, 0);
        assert!(computed.phase_taps.is_empty());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (r, out) in [(cached, &mut a), (computed, &mut b)] {
            let mut r = r;
            r.push(&input, out);
            r.finish(out);
        }
        assert_eq!(a.len(), b.len());
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "{worst}");
    }

    #[test]
    fn folded_halving_agrees_with_the_plain_dot_products() {
        let input = tone(3456.7, 16_000, 0.5, 0.9);
        let band = Band { pass: 3700.0, stop: 3940.0 };
        let folded = Stage::new(16_000, 8000, u64::MAX, band);
        assert!(folded.halving.is_some());
        let plain = Stage { halving: None, ..folded.clone() };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (mut stage, out) in [(folded, &mut a), (plain, &mut b)] {
            for chunk in input.chunks(777) {
                stage.push(chunk, out);
            }
            stage.finish(out);
        }
        assert_eq!(a.len(), b.len());
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "{worst}");
    }

    /// Level of a `freq` tone after resampling, relative to the input, in dB.
    fn gain_db(freq: f64, rate: u32) -> f64 {
        let input = tone(freq, rate, 1.0, 0.5);
        20.0 * (mid_rms(&resample_all(&input, rate, 4096)) / mid_rms(&input)).log10()
    }

    /// The bar: flat to 3.7 kHz within 0.5 dB, and every input frequency
    /// that would alias (4 kHz and up, to the input's Nyquist) at least 70 dB down.
    #[test]
    fn passband_is_flat_to_3700_hz_and_aliases_are_70_db_down() {
        for rate in [11_025u32, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 96_000, 192_000] {
            for freq in [20.0, 300.0, 1000.0, 2500.0, 3300.0, 3500.0, 3600.0, 3650.0, 3700.0] {
                let db = gain_db(freq, rate);
                assert!(db.abs() < 0.5, "{freq} Hz at {rate} Hz: {db:.3} dB");
            }
            let nyquist = f64::from(rate) / 2.0;
            let mut freq = 4010.0;
            while freq < nyquist - 10.0 {
                let db = gain_db(freq, rate);
                assert!(db < -70.0, "{freq} Hz at {rate} Hz: only {db:.1} dB down");
                freq = if freq < 4500.0 { freq + 97.0 } else { freq * 1.37 };
            }
        }
    }

    #[test]
    fn dc_gain_is_one() {
        let out = resample_all(&vec![0.25; 20_000], 22_050, 4096);
        for v in &out[100..out.len() - 100] {
            assert!((v - 0.25).abs() < 1e-5, "{v}");
        }
    }

    #[test]
    fn passband_keeps_level_and_stopband_is_removed() {
        for rate in [11_025u32, 16_000, 22_050, 44_100, 48_000, 96_000, 192_000] {
            let reference = mid_rms(&tone(1000.0, rate, 1.0, 0.5));
            for (freq, min_db, max_db) in [(300.0, -0.05, 0.05), (1000.0, -0.05, 0.05), (3300.0, -0.1, 0.1)] {
                let out = mid_rms(&resample_all(&tone(freq, rate, 1.0, 0.5), rate, 4096));
                let db = 20.0 * (out / reference).log10();
                assert!(db > min_db && db < max_db, "{freq} Hz at {rate} Hz: {db:.3} dB");
            }
            for freq in [4100.0, 5000.0, 5500.0] {
                if freq < f64::from(rate) / 2.0 {
                    let out = mid_rms(&resample_all(&tone(freq, rate, 1.0, 0.5), rate, 4096));
                    let db = 20.0 * (out / reference).log10();
                    assert!(db < -70.0, "{freq} Hz at {rate} Hz: {db:.1} dB");
                }
            }
        }
    }

    #[test]
    fn odd_rate_pairs_work() {
        // 44 101 and 8000 are coprime: L = 8000 phases would be needed without interpolation.
        let reference = mid_rms(&tone(1000.0, 44_101, 1.0, 0.5));
        let out = resample_all(&tone(1000.0, 44_101, 1.0, 0.5), 44_101, 4096);
        assert_eq!(out.len(), 8000);
        assert!((20.0 * (mid_rms(&out) / reference).log10()).abs() < 0.05);
        let alias = resample_all(&tone(5000.0, 44_101, 1.0, 0.5), 44_101, 4096);
        assert!(20.0 * (mid_rms(&alias) / reference).log10() < -70.0);
    }

    #[test]
    fn bessel_matches_known_values() {
        assert!((bessel_i0(0.0) - 1.0).abs() < 1e-15);
        assert!((bessel_i0(1.0) - 1.266_065_877_752_008).abs() < 1e-12);
        assert!((bessel_i0(7.857) - 374.073_710_87).abs() < 1e-6);
    }
}
