//! The 2:1 stage of the resampler (16 → 8 kHz after a fast input's first
//! stage): its sharp, linear-phase filter folded by symmetry, and many outputs
//! computed at once.
//!
//! Output `i` is `k[0]·x[c] + Σ k[m]·(x[c+m] + x[c−m])` (`m = 1 .. h`, centre
//! `c = centre + 2i`): half the multiplies of the plain dot product. Split into
//! its even and odd samples (`e[a] = x[2a]`, `o[a] = x[2a+1]`), the input of
//! consecutive outputs is consecutive in `e` or `o`, so eight outputs fill the
//! lanes of one vector register, each tap is one broadcast weight, and no sum
//! is folded across lanes at the end. Each output is added up in the same
//! order in every version (AVX and portable), so ring tones are the same bits
//! on every CPU.

/// Outputs computed together: eight registers of eight lanes.
const BLOCK: usize = 64;
/// Zeros after the split input: a group of eight outputs may reach 7 outputs
/// (7 samples of `even` or `odd`) past the last one asked for.
const PAD: usize = 8;

/// The even and odd samples of the input window of one call, kept between
/// calls so that their memory is reused.
#[derive(Clone, Debug, Default)]
pub struct Split {
    even: Vec<f32>,
    odd: Vec<f32>,
}

impl Split {
    /// `x` split into its even- and odd-indexed samples, each followed by
    /// [`PAD`] zeros (room for a last, partly used group of eight outputs).
    fn fill(&mut self, x: &[f32]) {
        let (pairs, last) = x.as_chunks::<2>();
        self.even.clear();
        self.odd.clear();
        self.even.extend(pairs.iter().map(|[a, _]| *a).chain(last.iter().copied()));
        self.odd.extend(pairs.iter().map(|[_, b]| *b));
        self.even.extend([0.0; PAD]);
        self.odd.extend([0.0; PAD]);
    }

    /// The samples `x[q + 2i]`, `i = 0, 1, …`.
    fn from(&self, q: usize) -> &[f32] {
        if q.is_multiple_of(2) {
            &self.even[q / 2..]
        } else {
            &self.odd[q / 2..]
        }
    }
}

/// Fills `out` with the outputs centred at `x[centre]`, `x[centre + 2]`, …, for
/// the symmetric filter whose weight at distance `m` is `k[m]`. The window of
/// every output must lie inside `x` (checked).
pub fn run(x: &[f32], centre: usize, k: &[f32], out: &mut [f32], split: &mut Split) {
    let (h, count) = (k.len(), out.len());
    if count == 0 {
        return;
    }
    assert!(h >= 1 && centre >= h - 1, "the first window starts before the input");
    let from = centre - (h - 1);
    split.fill(&x[from..centre + 2 * (count - 1) + h]);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        return unsafe { x86::run_avx(split, k, out) };
    }
    for (b, block) in out.chunks_mut(BLOCK).enumerate() {
        block_portable(split, k, b * BLOCK, block);
    }
}

/// Outputs `first ..` of the window in `split` (at most [`BLOCK`]), the reference order:
/// `k[0]·centre`, then `+ k[m]·(right + left)` for `m = 1, 2, …`.
fn block_portable(split: &Split, k: &[f32], first: usize, out: &mut [f32]) {
    let p = k.len() - 1; // the first output's centre, in the window
    let n = out.len();
    let centre = &split.from(p)[first..][..n];
    for (o, c) in out.iter_mut().zip(centre) {
        *o = k[0] * c;
    }
    for (m, &weight) in k.iter().enumerate().skip(1) {
        let right = &split.from(p + m)[first..][..n];
        let left = &split.from(p - m)[first..][..n];
        for ((o, r), l) in out.iter_mut().zip(right).zip(left) {
            *o += weight * (r + l);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{Split, BLOCK};
    use std::arch::x86_64::*;

    /// [`super::run`] with AVX: whole blocks, then what is left in groups of
    /// eight, the last group into a scratch block (its unused lanes read the
    /// split's zero padding, and each lane reads only its own window).
    #[target_feature(enable = "avx")]
    pub(super) fn run_avx(split: &Split, k: &[f32], out: &mut [f32]) {
        let (blocks, rest) = out.as_chunks_mut::<BLOCK>();
        for (b, block) in blocks.iter_mut().enumerate() {
            groups_avx::<8>(split, k, b * BLOCK, block);
        }
        let mut first = blocks.len() * BLOCK;
        let (eights, tail) = rest.as_chunks_mut::<8>();
        for eight in eights {
            groups_avx::<1>(split, k, first, eight);
            first += 8;
        }
        if !tail.is_empty() {
            let mut eight = [0.0; 8];
            groups_avx::<1>(split, k, first, &mut eight);
            tail.copy_from_slice(&eight[..tail.len()]);
        }
    }

    /// [`super::block_portable`] for `G` groups of eight outputs, with AVX: their sums stay in registers.
    #[target_feature(enable = "avx")]
    #[inline]
    fn groups_avx<const G: usize>(split: &Split, k: &[f32], first: usize, out: &mut [f32]) {
        let p = k.len() - 1;
        let n = 8 * G;
        let centre = &split.from(p)[first..][..n];
        let k0 = _mm256_set1_ps(k[0]);
        let mut acc: [__m256; G] = std::array::from_fn(|g| _mm256_mul_ps(k0, load(centre, g)));
        for (m, &weight) in k.iter().enumerate().skip(1) {
            let right = &split.from(p + m)[first..][..n];
            let left = &split.from(p - m)[first..][..n];
            let w = _mm256_set1_ps(weight);
            for (g, a) in acc.iter_mut().enumerate() {
                *a = _mm256_add_ps(*a, _mm256_mul_ps(w, _mm256_add_ps(load(right, g), load(left, g))));
            }
        }
        let out = &mut out[..n];
        for (g, a) in acc.iter().enumerate() {
            // SAFETY: `out` holds 8·G floats; `8g + 8 <= 8·G`.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(8 * g), *a) };
        }
    }

    /// Lanes `8g .. 8g + 8` of `s`.
    #[target_feature(enable = "avx")]
    #[inline]
    fn load(s: &[f32], g: usize) -> __m256 {
        let lane: &[f32; 8] = s[8 * g..][..8].try_into().expect("8 lanes");
        // SAFETY: `lane` holds 8 floats.
        unsafe { _mm256_loadu_ps(lane.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, seed: usize) -> Vec<f32> {
        (0..n).map(|i| ((i * 7919 + seed * 104_729) % 1999) as f32 / 999.0 - 1.0).collect()
    }

    /// Every output the formula, to the bit, whichever version computed it
    /// (whole blocks and groups of eight with AVX, the rest portably).
    #[test]
    fn outputs_are_the_folded_sums_in_order() {
        let (x, k) = (data(1200, 1), data(40, 2));
        for (centre, count) in [(39, 1), (40, 64), (41, 150), (100, 500), (45, 8), (46, 71)] {
            let mut out = vec![0.0; count];
            run(&x, centre, &k, &mut out, &mut Split::default());
            for (i, got) in out.iter().enumerate() {
                let c = centre + 2 * i;
                let mut sum = k[0] * x[c];
                for m in 1..k.len() {
                    sum += k[m] * (x[c + m] + x[c - m]);
                }
                assert_eq!(got.to_bits(), sum.to_bits(), "output {i} of {count} from {centre}");
            }
        }
    }

    /// The portable version (what a CPU without AVX runs) gives the same bits as the one this CPU ran.
    #[test]
    fn the_portable_version_gives_the_same_bits() {
        let (x, k) = (data(1200, 5), data(40, 6));
        let (centre, count) = (41, 150);
        let mut fast = vec![0.0; count];
        run(&x, centre, &k, &mut fast, &mut Split::default());
        let mut split = Split::default();
        split.fill(&x[centre - (k.len() - 1)..centre + 2 * (count - 1) + k.len()]);
        let mut portable = vec![0.0; count];
        for (b, block) in portable.chunks_mut(BLOCK).enumerate() {
            block_portable(&split, &k, b * BLOCK, block);
        }
        let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&fast), bits(&portable));
    }

    #[test]
    #[should_panic(expected = "before the input")]
    fn a_window_before_the_input_is_refused() {
        run(&[0.0; 100], 2, &[0.5, 0.25, 0.125, 0.0625], &mut [0.0; 3], &mut Split::default());
    }
}
