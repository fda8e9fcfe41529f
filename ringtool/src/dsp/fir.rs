//! The hot loop of the resampler: many output samples, each one dot product of
//! a window of the input with one phase's tap weights, in one call.
//!
//! Each output's sum is kept in [`LANES`] running partial sums, added to in
//! input order and folded in a fixed order, with plain `mul` + `add` (never
//! fused): the AVX, SSE2 and portable versions below give the same bits on
//! every CPU, so a ring tone is byte-identical wherever it is made. The
//! instruction set is chosen once per call, not per output, and the partial
//! sums stay in registers; the per-output call, feature check and fold through
//! memory of a plain `dot` function cost more than the products of a 32-tap
//! filter.

/// Independent partial sums per output: four registers of eight lanes with AVX
/// (eight of four with SSE2), enough to hide the adder's latency.
pub const LANES: usize = 32;

/// Where the outputs' windows and taps are: output `k` of a run is the dot
/// product of `input[start..start + span]` with `taps[phase * span..][..span]`,
/// and the next output's window starts `step` samples and `step_phase / up`
/// of a sample later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    /// First input index of the current output's window.
    pub start: usize,
    /// Its phase, `0 .. up`.
    pub phase: usize,
    /// Whole input samples between two outputs.
    pub step: usize,
    /// Fractional part of that step, in `1/up` of a sample.
    pub step_phase: usize,
    /// Phases per input sample.
    pub up: usize,
}

impl Walk {
    /// Moves on to the next output.
    #[inline(always)]
    pub fn advance(&mut self) {
        self.start += self.step;
        self.phase += self.step_phase;
        if self.phase >= self.up {
            self.phase -= self.up;
            self.start += 1;
        }
    }
}

/// Fills `out` with outputs, walking `walk` on past them. `span` is a multiple
/// of [`LANES`]; every window and phase must lie inside `input` and `taps`
/// (checked: a slice index panics otherwise). Outputs go to a slice, not pushed
/// onto a `Vec`, and the walk is stepped in a local copy: through the
/// references, each output's length and position updates went through memory,
/// a chain of store-to-load waits that cost more than a 32-tap dot product.
pub fn run(input: &[f32], taps: &[f32], span: usize, walk: &mut Walk, out: &mut [f32]) {
    assert!(span > 0 && span.is_multiple_of(LANES), "span {span} is not a whole number of lane blocks");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX, checked just above.
            return unsafe { x86::run_avx(input, taps, span, walk, out) };
        }
        // SAFETY: SSE2 is part of x86-64.
        unsafe { x86::run_sse2(input, taps, span, walk, out) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    run_portable(input, taps, span, walk, out)
}

/// [`run`] without vector instructions of our own: the reference for the others.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn run_portable(input: &[f32], taps: &[f32], span: usize, walk: &mut Walk, out: &mut [f32]) {
    let mut w = *walk;
    for o in out {
        let x = &input[w.start..][..span];
        let t = &taps[w.phase * span..][..span];
        let mut acc = [0.0f32; LANES];
        for (xb, tb) in x.chunks_exact(LANES).zip(t.chunks_exact(LANES)) {
            for i in 0..LANES {
                acc[i] += xb[i] * tb[i];
            }
        }
        // Fold 32 → 8 lanes as (i, i+16) + (i+8, i+24), then halve the width: 4, 2, 1.
        let mut lanes: [f32; 8] = std::array::from_fn(|i| (acc[i] + acc[i + 16]) + (acc[i + 8] + acc[i + 24]));
        for width in [4, 2, 1] {
            for i in 0..width {
                lanes[i] += lanes[i + width];
            }
        }
        *o = lanes[0];
        w.advance();
    }
    *walk = w;
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Walk, LANES};
    use std::arch::x86_64::*;

    /// [`super::run`] with AVX: lanes `8r .. 8r+8` of the partial sums in register `r`.
    /// With one phase (an integer decimation) two outputs share each load of the taps.
    #[target_feature(enable = "avx")]
    pub(super) fn run_avx(input: &[f32], taps: &[f32], span: usize, walk: &mut Walk, out: &mut [f32]) {
        let mut w = *walk;
        let mut rest = out;
        if w.up == 1 {
            let t = &taps[..span];
            let (pairs, odd) = rest.as_chunks_mut::<2>();
            for pair in pairs {
                let x0 = &input[w.start..][..span];
                let x1 = &input[w.start + w.step..][..span];
                let (a, b) = eight_avx_pair(x0, x1, t);
                *pair = [total_avx(a), total_avx(b)];
                w.advance();
                w.advance();
            }
            rest = odd;
        }
        for o in rest {
            let x = &input[w.start..][..span];
            let t = &taps[w.phase * span..][..span];
            *o = total_avx(eight_avx(x, t));
            w.advance();
        }
        *walk = w;
    }

    /// One output's partial sums over `x` and `t` (whole blocks of LANES), folded to eight lanes.
    #[target_feature(enable = "avx")]
    #[inline]
    fn eight_avx(x: &[f32], t: &[f32]) -> __m256 {
        let mut acc = [_mm256_setzero_ps(); 4];
        for (xb, tb) in x.chunks_exact(LANES).zip(t.chunks_exact(LANES)) {
            for (r, a) in acc.iter_mut().enumerate() {
                // SAFETY: `xb` and `tb` hold LANES = 32 floats; `8r + 8 <= 32`.
                let (xv, tv) =
                    unsafe { (_mm256_loadu_ps(xb.as_ptr().add(8 * r)), _mm256_loadu_ps(tb.as_ptr().add(8 * r))) };
                *a = _mm256_add_ps(*a, _mm256_mul_ps(xv, tv));
            }
        }
        fold_acc(acc)
    }

    /// [`eight_avx`] of two windows with the same taps, each tap block loaded once.
    #[target_feature(enable = "avx")]
    #[inline]
    fn eight_avx_pair(x0: &[f32], x1: &[f32], t: &[f32]) -> (__m256, __m256) {
        let (mut a, mut b) = ([_mm256_setzero_ps(); 4], [_mm256_setzero_ps(); 4]);
        let blocks = x0.chunks_exact(LANES).zip(x1.chunks_exact(LANES)).zip(t.chunks_exact(LANES));
        for ((xa, xb), tb) in blocks {
            for r in 0..4 {
                // SAFETY: `xa`, `xb` and `tb` hold LANES = 32 floats; `8r + 8 <= 32`.
                unsafe {
                    let tv = _mm256_loadu_ps(tb.as_ptr().add(8 * r));
                    a[r] = _mm256_add_ps(a[r], _mm256_mul_ps(_mm256_loadu_ps(xa.as_ptr().add(8 * r)), tv));
                    b[r] = _mm256_add_ps(b[r], _mm256_mul_ps(_mm256_loadu_ps(xb.as_ptr().add(8 * r)), tv));
                }
            }
        }
        (fold_acc(a), fold_acc(b))
    }

    /// Lanes `i`, `i+8`, `i+16` and `i+24` of the partial sums added as `(i + i+16) + (i+8 + i+24)`.
    #[target_feature(enable = "avx")]
    #[inline]
    fn fold_acc(acc: [__m256; 4]) -> __m256 {
        _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]))
    }

    /// The eight lanes' sum: halves added, then [`fold_four`].
    #[target_feature(enable = "avx")]
    #[inline]
    fn total_avx(eight: __m256) -> f32 {
        fold_four(_mm_add_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps::<1>(eight)))
    }

    /// [`super::run`] with SSE2: lanes `4r .. 4r+4` of the partial sums in register `r`.
    #[target_feature(enable = "sse2")]
    pub(super) unsafe fn run_sse2(input: &[f32], taps: &[f32], span: usize, walk: &mut Walk, out: &mut [f32]) {
        let mut w = *walk;
        for o in out {
            let x = &input[w.start..][..span];
            let t = &taps[w.phase * span..][..span];
            let mut acc = [_mm_setzero_ps(); 8];
            for (xb, tb) in x.chunks_exact(LANES).zip(t.chunks_exact(LANES)) {
                for (r, a) in acc.iter_mut().enumerate() {
                    // SAFETY: `xb` and `tb` hold LANES = 32 floats; `4r + 4 <= 32`.
                    let (xv, tv) =
                        unsafe { (_mm_loadu_ps(xb.as_ptr().add(4 * r)), _mm_loadu_ps(tb.as_ptr().add(4 * r))) };
                    *a = _mm_add_ps(*a, _mm_mul_ps(xv, tv));
                }
            }
            // Lanes i and i+4 of the eight: the same pairs and order as with AVX.
            let lo = _mm_add_ps(_mm_add_ps(acc[0], acc[4]), _mm_add_ps(acc[2], acc[6]));
            let hi = _mm_add_ps(_mm_add_ps(acc[1], acc[5]), _mm_add_ps(acc[3], acc[7]));
            *o = fold_four(_mm_add_ps(lo, hi));
            w.advance();
        }
        *walk = w;
    }

    /// `(l0 + l2) + (l1 + l3)`, the last two halvings of the fold.
    #[inline(always)]
    fn fold_four(four: __m128) -> f32 {
        // SAFETY: SSE is part of x86-64.
        unsafe {
            let two = _mm_add_ps(four, _mm_movehl_ps(four, four));
            _mm_cvtss_f32(_mm_add_ss(two, _mm_shuffle_ps::<1>(two, two)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed * 104_729) % 1999) as f32 / 999.0 - 1.0).collect()
    }

    fn walk() -> Walk {
        Walk { start: 3, phase: 1, step: 2, step_phase: 3, up: 5 }
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|v| v.to_bits()).collect()
    }

    /// Several phases, and one phase (outputs in pairs, an odd one left over).
    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let one_phase = Walk { start: 5, phase: 0, step: 2, step_phase: 0, up: 1 };
        for (start, count) in [(walk(), 700), (one_phase, 701)] {
            let (input, taps, span) = (data(2000, 1), data(5 * 64, 2), 64);
            let (mut expected, mut w) = (vec![0.0; count], start);
            run_portable(&input, &taps, span, &mut w, &mut expected);
            let (mut got, mut w2) = (vec![0.0; count], start);
            run(&input, &taps, span, &mut w2, &mut got);
            assert_eq!(w, w2);
            assert_eq!(bits(&got), bits(&expected));
            #[cfg(target_arch = "x86_64")]
            {
                let mut sse = vec![0.0; count];
                // SAFETY: SSE2 is part of x86-64.
                unsafe { x86::run_sse2(&input, &taps, span, &mut start.clone(), &mut sse) };
                assert_eq!(bits(&sse), bits(&expected));
            }
        }
    }

    #[test]
    fn outputs_are_the_dot_products_of_their_windows() {
        let (input, taps, span) = (data(1000, 3), data(5 * 32, 4), 32);
        let mut out = vec![0.0; 300];
        let mut w = walk();
        run(&input, &taps, span, &mut w, &mut out);
        let mut check = walk();
        for got in out {
            let exact: f64 =
                (0..span).map(|i| f64::from(input[check.start + i]) * f64::from(taps[check.phase * span + i])).sum();
            assert!((f64::from(got) - exact).abs() < 1e-4, "{got} vs {exact}");
            check.advance();
        }
        assert_eq!(check, w);
    }
}
