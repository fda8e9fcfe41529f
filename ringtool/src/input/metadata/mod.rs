//! Checks the metadata of FLAC, Ogg, ADPCM WAV and AIFF streams before symphonia reads them.
//!
//! symphonia 0.5 allocates the length a Vorbis comment, MIME type, description or picture field
//! declares before it reads the bytes, so a few corrupt bytes make it ask for up to 4 GiB at once
//! (found by fuzzing, `fuzz/` target `audio`, in FLAC; the same reader serves Ogg Vorbis, Opus and
//! FLAC-in-Ogg comment headers). Here every such length must fit in the bytes of its block or
//! packet; the bytes read are handed back so the decoder sees the stream from its first byte.

mod flac;
mod ogg;
mod riff;

use std::io::{self, Cursor, Read};

use symphonia::core::io::ReadOnlySource;

use super::Stream;
use crate::Error;

pub use flac::check_blocks as flac;
pub use ogg::check_pages as ogg;
pub use riff::check_chunks as riff;

/// Metadata beyond this many bytes is left unchecked (symphonia reads it in blocks of ≤ 16 MiB).
const MAX_CHECKED: usize = 64 << 20;

/// A walk over a stream's metadata, appending every byte it reads to `seen`.
pub type Walk = fn(&mut dyn Read, &mut Vec<u8>) -> Result<(), Error>;

/// Checks the metadata of the stream whose first bytes `head` were already read from `stream`,
/// and gives the stream back from its first byte.
pub fn check(head: Vec<u8>, mut stream: Stream, walk: Walk) -> Result<Stream, Error> {
    let mut head = Cursor::new(head);
    let mut seen = Vec::new();
    walk(&mut (&mut head).chain(&mut stream), &mut seen)?;
    if stream.is_seekable() {
        stream.seek(io::SeekFrom::Start(0))?;
        return Ok(stream);
    }
    let pos = head.position() as usize;
    seen.extend_from_slice(&head.into_inner()[pos..]);
    Ok(Box::new(ReadOnlySource::new(Cursor::new(seen).chain(stream))))
}

/// Appends up to `n` bytes to `seen`; false when the stream ended first.
fn read_n(r: &mut dyn Read, n: usize, seen: &mut Vec<u8>) -> io::Result<bool> {
    Ok(r.take(n as u64).read_to_end(seen)? == n)
}

fn too_long(format: &str, what: &str, len: usize, left: usize) -> Error {
    let unit = if format == "flac" { "metadata block" } else { "header packet" };
    Error::Corrupt(format!("{format}: a {what} declares {len} bytes, but its {unit} has {left} left"))
}

/// A Vorbis comment block: vendor string, then a count of length-prefixed comments (little-endian).
fn comments_fit(b: &[u8], format: &str) -> Result<(), Error> {
    let u32le = |p: usize| b.get(p..p.checked_add(4)?).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let Some(vendor) = u32le(0) else { return Ok(()) };
    let mut pos = 4usize.saturating_add(vendor);
    let Some(count) = u32le(pos) else { return Ok(()) };
    pos += 4;
    for _ in 0..count {
        let Some(len) = u32le(pos) else { return Ok(()) };
        pos += 4;
        if len > b.len() - pos {
            return Err(too_long(format, "comment", len, b.len() - pos));
        }
        pos += len;
    }
    Ok(())
}

/// A picture block: type, MIME type, description, four numbers, picture data (big-endian).
fn picture_fits(b: &[u8], format: &str) -> Result<(), Error> {
    let u32be = |p: usize| b.get(p..p + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let mut pos = 4;
    for (what, skip_after) in [("picture MIME type", 0), ("picture description", 16), ("picture", 0)] {
        let Some(len) = u32be(pos) else { return Ok(()) };
        pos += 4;
        if len > b.len() - pos {
            return Err(too_long(format, what, len, b.len() - pos));
        }
        pos += len + skip_after;
    }
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Runs `walk` over `bytes` as a non-seekable stream (six bytes already read) and reads the
    /// stream given back.
    pub fn run(bytes: Vec<u8>, walk: Walk) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        check(bytes[..6].to_vec(), Box::new(ReadOnlySource::new(Cursor::new(bytes[6..].to_vec()))), walk)?
            .read_to_end(&mut out)?;
        Ok(out)
    }
}
