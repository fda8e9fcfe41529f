//! RIFF (ADPCM WAV) and FORM (AIFF) chunks before the audio, for the files symphonia reads.
//!
//! symphonia 0.5 allocates a `LIST`/`INFO` value's declared length before reading it, bounded only
//! by the RIFF length in the header (up to 4 GiB, also attacker-written). Here every chunk before
//! the audio must be at most [`MAX_CHUNK`] bytes; the audio chunk (`data`, `SSND`) ends the walk.
//! The format chunks are checked too (found by fuzzing, `fuzz/` target `audio`): symphonia panics on
//! a sample rate of 0 (`TimeBase::new`) and on an ADPCM block smaller than its header or with more
//! than 8191 bytes of samples (`u16` arithmetic), so the rate, channels, bits and block size must be
//! ones it handles.

use std::io::Read;

use super::{read_n, MAX_CHECKED};
use crate::input::detect::WavFmt;
use crate::Error;

/// A metadata chunk (fmt, LIST, COMM, fact, …) longer than this is refused: real ones are small.
const MAX_CHUNK: u32 = 16 << 20;

/// Chunks walked looking for the audio; a file with more before it is refused (as is one with more
/// than [`MAX_CHECKED`] bytes before it): symphonia must not read a chunk this walk did not check.
const MAX_CHUNKS: usize = 1024;

/// Walks the chunks after the 12-byte RIFF/FORM header, appending what it reads to `seen`.
pub fn check_chunks(r: &mut dyn Read, seen: &mut Vec<u8>) -> Result<(), Error> {
    if !read_n(r, 12, seen)? {
        return Ok(());
    }
    let big = seen.starts_with(b"FORM");
    let format = if big { "aiff" } else { "wav" };
    for _ in 0..MAX_CHUNKS {
        if seen.len() > MAX_CHECKED {
            break;
        }
        let start = seen.len();
        if !read_n(r, 8, seen)? {
            return Ok(());
        }
        let h = &seen[start..start + 8];
        let (tag, raw) = ([h[0], h[1], h[2], h[3]], [h[4], h[5], h[6], h[7]]);
        let len = if big { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) };
        if &tag == b"data" || &tag == b"SSND" {
            return Ok(());
        }
        if len > MAX_CHUNK {
            let name = String::from_utf8_lossy(&tag).trim_end().escape_default().to_string();
            return Err(Error::Corrupt(format!(
                "{format}: chunk '{name}' declares {len} bytes before the audio (at most {MAX_CHUNK} are read)"
            )));
        }
        let whole = read_n(r, (len + (len & 1)) as usize, seen)?;
        // A format chunk is checked even when the file ends inside it: symphonia reads its fields.
        let body = &seen[start + 8..(start + 8 + len as usize).min(seen.len())];
        match (&tag, big) {
            (b"fmt ", false) => check_adpcm_fmt(body)?,
            (b"COMM", true) => check_comm(body)?,
            _ => {}
        }
        if !whole {
            return Ok(());
        }
    }
    Err(Error::Corrupt(format!("{format}: no audio within the first {MAX_CHUNKS} chunks or {} MiB", MAX_CHECKED >> 20)))
}

/// An IMA (0x0011) or Microsoft (0x0002) ADPCM `fmt `: 1 or 2 channels, a rate bundler takes, 4-bit
/// samples, and blocks holding their header and at least one byte of samples per channel.
fn check_adpcm_fmt(f: &[u8]) -> Result<(), Error> {
    // The tag as written: symphonia decodes ADPCM only under its own tag, not inside EXTENSIBLE.
    let tag = f.get(..2).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
    let header = match tag {
        0x0002 => 7,
        0x0011 => 4,
        _ => return Ok(()),
    };
    let name = if tag == 2 { "ms adpcm" } else { "ima adpcm" };
    let Some(WavFmt { channels, rate, bits, block_align: align, .. }) = WavFmt::parse(f, false) else {
        return Err(Error::Corrupt(format!("wav: {name} fmt chunk ends after {} bytes (16 needed)", f.len())));
    };
    if !(1..=2).contains(&channels) || bits != 4 {
        return Err(Error::Unsupported(format!("{name} wav with {channels} channel(s) of {bits}-bit samples")));
    }
    check_rate(f64::from(rate), "wav")?;
    let per_block = usize::from(header * channels);
    let samples = usize::from(align).saturating_sub(per_block);
    // symphonia counts the block's sample bits in a u16: at most 8191 bytes of samples.
    let fits = (usize::from(channels)..=8191).contains(&samples);
    if !fits || (tag == 0x0011 && samples % (4 * usize::from(channels)) != 0) {
        return Err(Error::Corrupt(format!("wav: {name} block of {align} bytes for {channels} channel(s)")));
    }
    Ok(())
}

/// An AIFF `COMM` chunk: 1 to 8 channels, 8 to 32 bits, a rate (an 80-bit float) bundler takes.
fn check_comm(c: &[u8]) -> Result<(), Error> {
    if c.len() < 18 {
        return Err(Error::Corrupt(format!("aiff: COMM chunk of {} bytes (18 needed)", c.len())));
    }
    let channels = i16::from_be_bytes([c[0], c[1]]);
    let bits = i16::from_be_bytes([c[6], c[7]]);
    if !(1..=8).contains(&channels) || !(1..=32).contains(&bits) {
        return Err(Error::Unsupported(format!("aiff with {channels} channel(s) of {bits}-bit samples")));
    }
    check_rate(extended(&c[8..18]), "aiff")
}

/// An IEEE 754 80-bit extended float (AIFF's sample rate): sign, 15-bit exponent, 64-bit mantissa.
fn extended(b: &[u8]) -> f64 {
    let exponent = i32::from(u16::from_be_bytes([b[0], b[1]]) & 0x7fff) - 16383;
    let mantissa = u64::from_be_bytes(b[2..10].try_into().expect("8 bytes"));
    let value = mantissa as f64 * 2f64.powi(exponent - 63);
    if b[0] & 0x80 != 0 {
        -value
    } else {
        value
    }
}

/// A whole sample rate within what bundler reads.
fn check_rate(rate: f64, format: &str) -> Result<(), Error> {
    let (min, max) = (f64::from(crate::input::MIN_RATE), f64::from(crate::input::MAX_RATE));
    if !(min..=max).contains(&rate) || rate.fract() != 0.0 {
        return Err(Error::Unsupported(format!("{format} sample rate {rate} Hz (must be {min}..={max})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
        super::super::tests::run(bytes, check_chunks)
    }

    fn riff(chunks: &[(&[u8; 4], u32, &[u8])], big: bool) -> Vec<u8> {
        let mut out = if big { b"FORM\0\0\0\0AIFF".to_vec() } else { b"RIFF\0\0\0\0WAVE".to_vec() };
        for (tag, len, body) in chunks {
            out.extend_from_slice(&tag[..]);
            out.extend(if big { len.to_be_bytes() } else { len.to_le_bytes() });
            out.extend_from_slice(body);
        }
        out
    }

    #[test]
    fn a_huge_list_chunk_is_refused_before_symphonia_allocates_it() {
        let e = run(riff(&[(b"fmt ", 2, b"ab"), (b"LIST", 0xffff_fff0, b"INFO")], false)).unwrap_err();
        assert!(e.to_string().contains("chunk 'LIST' declares 4294967280 bytes"), "{e}");
        let e = run(riff(&[(b"COMM", 0x7fff_ffff, b"")], true)).unwrap_err();
        assert!(e.to_string().starts_with("corrupt aiff: chunk 'COMM'"), "{e}");
    }

    /// An ADPCM `fmt `: tag, channels, rate, block size, bits.
    fn adpcm_fmt(tag: u16, channels: u16, rate: u32, align: u16, bits: u16) -> Vec<u8> {
        let mut f = Vec::new();
        for (v, n) in [(u32::from(tag), 2), (u32::from(channels), 2), (rate, 4), (rate, 4), (u32::from(align), 2)] {
            f.extend(&v.to_le_bytes()[..n]);
        }
        f.extend(bits.to_le_bytes());
        f
    }

    /// An AIFF `COMM`: channels, frames, bits, and the rate as an 80-bit float.
    fn comm(channels: i16, bits: i16, rate: u32) -> Vec<u8> {
        let mut c = channels.to_be_bytes().to_vec();
        c.extend(1000u32.to_be_bytes());
        c.extend(bits.to_be_bytes());
        let shift = rate.leading_zeros();
        let exponent = if rate == 0 { 0 } else { 16383 + 31 - shift as u16 };
        c.extend(exponent.to_be_bytes());
        c.extend(u64::from(rate).checked_shl(32 + shift).unwrap_or(0).to_be_bytes());
        c
    }

    #[test]
    fn format_chunks_symphonia_would_panic_on_are_refused() {
        let wav = |f: Vec<u8>| riff(&[(b"fmt ", f.len() as u32, &f), (b"data", 4, b"abcd")], false);
        assert!(run(wav(adpcm_fmt(0x11, 1, 8000, 256, 4))).is_ok());
        assert!(run(wav(adpcm_fmt(0x02, 2, 22050, 512, 4))).is_ok());
        for (f, says) in [
            (adpcm_fmt(0x02, 2, 8000, 6, 4), "ms adpcm block of 6 bytes for 2 channel(s)"),
            (adpcm_fmt(0x11, 1, 8000, 6, 4), "ima adpcm block of 6 bytes"),
            (adpcm_fmt(0x02, 1, 8000, 8199, 4), "ms adpcm block of 8199 bytes"),
            (adpcm_fmt(0x11, 1, 0, 256, 4), "sample rate 0 Hz"),
            (adpcm_fmt(0x11, 3, 8000, 256, 4), "3 channel(s)"),
            (adpcm_fmt(0x02, 1, 8000, 256, 0), "of 0-bit samples"),
        ] {
            let e = run(wav(f)).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
        let aiff = |c: Vec<u8>| riff(&[(b"COMM", c.len() as u32, &c), (b"SSND", 8, b"\0\0\0\0\0\0\0\0")], true);
        assert!(run(aiff(comm(2, 16, 44100))).is_ok());
        for (c, says) in
            [(comm(2, 16, 0), "sample rate 0 Hz"), (comm(0, 16, 8000), "0 channel(s)"), (comm(1, 16, 4000), "4000")]
        {
            let e = run(aiff(c)).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
        assert!(run(aiff(vec![0; 6])).unwrap_err().to_string().contains("COMM chunk of 6 bytes"));
        // A file that ends inside its format chunk (declared longer than the file) is checked too.
        let mut cut = adpcm_fmt(0x11, 1, 8000, 6, 4);
        let bytes = riff(&[(b"fmt ", 5000, &cut)], false);
        assert!(run(bytes).unwrap_err().to_string().contains("ima adpcm block of 6 bytes"));
        cut.truncate(10);
        let e = run(riff(&[(b"fmt ", 5000, &cut)], false)).unwrap_err().to_string();
        assert!(e.contains("fmt chunk ends after 10 bytes"), "{e}");
    }

    #[test]
    fn a_file_whose_audio_is_past_the_walk_is_refused() {
        let many: Vec<(&[u8; 4], u32, &[u8])> = (0..1100).map(|_| (b"junk", 2, &b"ab"[..])).collect();
        let e = run(riff(&many, false)).unwrap_err().to_string();
        assert!(e.contains("no audio within the first 1024 chunks"), "{e}");
    }

    #[test]
    fn small_chunks_and_a_huge_audio_chunk_pass_and_are_given_back_whole() {
        let bytes = riff(&[(b"fmt ", 3, b"abc\0"), (b"LIST", 4, b"INFO"), (b"data", u32::MAX, b"xyz")], false);
        assert_eq!(run(bytes.clone()).unwrap(), bytes);
        let c = comm(1, 16, 8000);
        let aiff = riff(&[(b"COMM", 18, &c), (b"SSND", u32::MAX, b"q")], true);
        assert_eq!(run(aiff.clone()).unwrap(), aiff);
    }
}
