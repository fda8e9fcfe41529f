//! ITU-T G.711 µ-law and A-law companding, byte-for-byte as SoX does it.
//!
//! A 16-bit sample is first rounded to the codec's linear precision (14 bits for
//! µ-law, 13 bits for A-law, round half up, positive overflow clipped), then coded
//! with the classic segment/step tables of G.711 (the Sun reference
//! implementation that SoX ships). Rounding, not truncating, is what SoX does and
//! what the tests check against `sox -D -t s16 … -t ul/-t al`.
//! The ITU G.191 software tool library truncates instead; it gives the same byte
//! for every sample already on the 13-bit A-law grid, and for every
//! non-negative sample on the 14-bit µ-law grid (127 negative ones differ:
//! G.191 mirrors negatives around −½, SoX and the Sun code around 0).

/// Upper ends of the eight µ-law segments, after the bias of 33 is added.
const ULAW_SEGMENT_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
/// Upper ends of the eight A-law segments (13-bit magnitude).
const ALAW_SEGMENT_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];
/// Largest µ-law magnitude in 14-bit units.
const ULAW_CLIP: i32 = 8159;
/// µ-law bias in 14-bit units.
const ULAW_BIAS: i32 = 33;

/// µ-law bytes of every 14-bit value (−8192 ..= 8191, at index value + 8192), and A-law bytes
/// of every 13-bit value: computed by the compiler, so encoding a sample is a table look-up
/// (the segment arithmetic was 4 % of a ring tone's run time).
static ULAW_TABLE: [u8; 1 << 14] = {
    let mut out = [0u8; 1 << 14];
    let mut i = 0;
    while i < out.len() {
        out[i] = ulaw_code(i as i32 - (1 << 13));
        i += 1;
    }
    out
};
static ALAW_TABLE: [u8; 1 << 13] = {
    let mut out = [0u8; 1 << 13];
    let mut i = 0;
    while i < out.len() {
        out[i] = alaw_code(i as i32 - (1 << 12));
        i += 1;
    }
    out
};

/// Rounds a 16-bit sample to `bits` bits (round half up, clip the top), as SoX does.
const fn round_to_bits(sample: i16, bits: u32) -> i32 {
    let shift = 16 - bits;
    let max = (1 << (bits - 1)) - 1;
    let v = (sample as i32 + (1 << (shift - 1))) >> shift;
    if v < max {
        v
    } else {
        max
    }
}

/// Index of the first segment whose upper end is at least `value` (8 when none
/// is), for a non-negative `value`. The ends are `2^b·2^k − 1`, so that index is
/// the bit length of `value` beyond `b`: counted with one instruction, not searched.
const fn segment(value: i32, ends: &[i32; 8]) -> i32 {
    let first_bits = 32 - ends[0].leading_zeros();
    let bits = (32 - value.leading_zeros()).saturating_sub(first_bits);
    if bits < 8 {
        bits as i32
    } else {
        8
    }
}

/// Encodes one 16-bit linear sample as a µ-law byte.
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_TABLE[(round_to_bits(sample, 14) + (1 << 13)) as usize]
}

/// The µ-law byte of a 14-bit value.
const fn ulaw_code(v: i32) -> u8 {
    let (magnitude, mask) = if v < 0 { (-v, 0x7F) } else { (v, 0xFF) };
    let biased = if magnitude < ULAW_CLIP { magnitude } else { ULAW_CLIP } + ULAW_BIAS;
    let seg = segment(biased, &ULAW_SEGMENT_END);
    let code = if seg >= 8 { 0x7F } else { (seg << 4) | ((biased >> (seg + 1)) & 0xF) };
    (code ^ mask) as u8
}

/// Decodes one µ-law byte to a 16-bit linear sample (−32124 ..= 32124).
pub fn ulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let mut t = (i32::from(u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    (if u & 0x80 != 0 { 0x84 - t } else { t - 0x84 }) as i16
}

/// Encodes one 16-bit linear sample as an A-law byte.
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_TABLE[(round_to_bits(sample, 13) + (1 << 12)) as usize]
}

/// The A-law byte of a 13-bit value.
const fn alaw_code(v: i32) -> u8 {
    let (magnitude, mask) = if v >= 0 { (v, 0xD5) } else { (-v - 1, 0x55) };
    let seg = segment(magnitude, &ALAW_SEGMENT_END);
    let code = if seg >= 8 {
        0x7F
    } else if seg < 2 {
        (seg << 4) | ((magnitude >> 1) & 0xF)
    } else {
        (seg << 4) | ((magnitude >> seg) & 0xF)
    };
    (code ^ mask) as u8
}

/// Decodes one A-law byte to a 16-bit linear sample (−32256 ..= 32256).
pub fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mut t = i32::from(a & 0x0F) << 4;
    match (a & 0x70) >> 4 {
        0 => t += 8,
        1 => t += 0x108,
        seg => t = (t + 0x108) << (seg - 1),
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_is_the_first_end_at_least_the_value() {
        for ends in [&ULAW_SEGMENT_END, &ALAW_SEGMENT_END] {
            for value in 0..=(1 << 15) {
                let searched = ends.iter().position(|&end| value <= end).unwrap_or(8) as i32;
                assert_eq!(segment(value, ends), searched, "{value} in {ends:?}");
            }
        }
    }

    /// The tables hold what the segment arithmetic gives, for every 16-bit sample.
    #[test]
    fn tables_match_the_arithmetic() {
        for x in i16::MIN..=i16::MAX {
            assert_eq!(ulaw_encode(x), ulaw_code(round_to_bits(x, 14)), "µ-law {x}");
            assert_eq!(alaw_encode(x), alaw_code(round_to_bits(x, 13)), "A-law {x}");
        }
    }

    #[test]
    fn silence_codes() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
    }

    #[test]
    fn full_scale_codes() {
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    #[test]
    fn every_code_survives_decode_then_encode() {
        for byte in 0..=255u8 {
            // µ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes as 0xFF.
            let back = ulaw_encode(ulaw_decode(byte));
            assert!(back == byte || (byte == 0x7F && back == 0xFF), "µ-law {byte:#04x}");
            assert_eq!(alaw_encode(alaw_decode(byte)), byte, "A-law {byte:#04x}");
        }
    }

    #[test]
    fn encoding_is_monotonic() {
        let mut last_u = ulaw_decode(ulaw_encode(i16::MIN));
        let mut last_a = alaw_decode(alaw_encode(i16::MIN));
        for x in i16::MIN..=i16::MAX {
            let u = ulaw_decode(ulaw_encode(x));
            let a = alaw_decode(alaw_encode(x));
            assert!(u >= last_u && a >= last_a, "at {x}");
            last_u = u;
            last_a = a;
        }
    }

    #[test]
    fn quantisation_error_stays_within_one_step() {
        // Segment step sizes grow with the magnitude; the error is at most half a
        // step plus the rounding to 14/13 bits, i.e. < 3 % + 8 LSB.
        for x in (i16::MIN..=i16::MAX).step_by(7) {
            let limit = (f64::from(x).abs() * 0.07 + 24.0) as i32;
            assert!((i32::from(ulaw_decode(ulaw_encode(x))) - i32::from(x)).abs() <= limit, "µ {x}");
            assert!((i32::from(alaw_decode(alaw_encode(x))) - i32::from(x)).abs() <= limit, "A {x}");
        }
    }
}
