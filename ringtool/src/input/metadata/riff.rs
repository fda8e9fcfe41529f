//! RIFF (ADPCM WAV) and FORM (AIFF) chunks before the audio, for the files symphonia reads.
//!
//! symphonia 0.5 allocates a `LIST`/`INFO` value's declared length before reading it, bounded only
//! by the RIFF length in the header (up to 4 GiB, also attacker-written). Here every chunk before
//! the audio must be at most [`MAX_CHUNK`] bytes; the audio chunk (`data`, `SSND`) ends the walk.

use std::io::Read;

use super::read_n;
use crate::Error;

/// A metadata chunk (fmt, LIST, COMM, fact, …) longer than this is refused: real ones are small.
const MAX_CHUNK: u32 = 16 << 20;

/// Chunks walked before giving up looking for the audio (symphonia then reads on as it likes).
const MAX_CHUNKS: usize = 1024;

/// Walks the chunks after the 12-byte RIFF/FORM header, appending what it reads to `seen`.
pub fn check_chunks(r: &mut dyn Read, seen: &mut Vec<u8>) -> Result<(), Error> {
    if !read_n(r, 12, seen)? {
        return Ok(());
    }
    let big = seen.starts_with(b"FORM");
    for _ in 0..MAX_CHUNKS {
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
            let format = if big { "aiff" } else { "wav" };
            return Err(Error::Corrupt(format!(
                "{format}: chunk '{name}' declares {len} bytes before the audio (at most {MAX_CHUNK} are read)"
            )));
        }
        if !read_n(r, (len + (len & 1)) as usize, seen)? {
            return Ok(());
        }
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

    #[test]
    fn small_chunks_and_a_huge_audio_chunk_pass_and_are_given_back_whole() {
        let bytes = riff(&[(b"fmt ", 3, b"abc\0"), (b"LIST", 4, b"INFO"), (b"data", u32::MAX, b"xyz")], false);
        assert_eq!(run(bytes.clone()).unwrap(), bytes);
        let aiff = riff(&[(b"COMM", 2, b"ab"), (b"SSND", u32::MAX, b"q")], true);
        assert_eq!(run(aiff.clone()).unwrap(), aiff);
    }
}
