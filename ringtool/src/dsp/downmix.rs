//! Stage 1: interleaved frames → mono by averaging the channels.

/// Appends the mean of each interleaved frame of `channels` samples to `out`.
/// A trailing partial frame is ignored.
pub fn downmix_to_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    if channels <= 1 {
        out.extend_from_slice(interleaved);
        return;
    }
    let scale = 1.0 / channels as f32;
    if channels == 2 {
        // The common case, written out over fixed-size frames so the loop vectorizes; same sums as below.
        let (frames, _) = interleaved.as_chunks::<2>();
        out.extend(frames.iter().map(|[l, r]| (l + r) * scale));
    } else {
        out.extend(interleaved.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() * scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_passes_through() {
        let mut out = vec![];
        downmix_to_mono(&[0.5, -0.25], 1, &mut out);
        assert_eq!(out, [0.5, -0.25]);
    }

    #[test]
    fn channels_are_averaged() {
        let mut out = vec![9.0];
        downmix_to_mono(&[1.0, 0.0, 0.5, 0.5, -1.0, 1.0], 2, &mut out);
        assert_eq!(out, [9.0, 0.5, 0.5, 0.0]);
        out.clear();
        downmix_to_mono(&[0.3, 0.3, 0.3, 0.6, 0.0, 0.0, 0.9], 3, &mut out);
        assert_eq!(out.len(), 2);
        assert!((out[0] - 0.3).abs() < 1e-6 && (out[1] - 0.2).abs() < 1e-6);
    }
}
