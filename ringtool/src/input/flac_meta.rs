//! Checks a FLAC file's Vorbis-comment and picture blocks before symphonia reads them.
//!
//! symphonia 0.5 allocates the length a comment, MIME type, description or picture field declares
//! before it reads the bytes, so a few corrupt bytes make it ask for up to 4 GiB at once (found by
//! fuzzing, `fuzz/` target `audio`). Here every such length must fit in the bytes of its block.

use std::io::{self, Cursor, Read};

use symphonia::core::io::ReadOnlySource;

use super::Stream;
use crate::Error;

/// Metadata beyond this many bytes is left unchecked (symphonia reads it in blocks of ≤ 16 MiB).
const MAX_CHECKED: usize = 64 << 20;

/// Checks the metadata of the FLAC stream whose first bytes `head` were already read from
/// `stream`, and gives the stream back from its first byte.
pub fn check(head: Vec<u8>, mut stream: Stream) -> Result<Stream, Error> {
    let mut head = Cursor::new(head);
    let mut seen = Vec::new();
    check_blocks(&mut (&mut head).chain(&mut stream), &mut seen)?;
    if stream.is_seekable() {
        stream.seek(io::SeekFrom::Start(0))?;
        return Ok(stream);
    }
    let pos = head.position() as usize;
    seen.extend_from_slice(&head.into_inner()[pos..]);
    Ok(Box::new(ReadOnlySource::new(Cursor::new(seen).chain(stream))))
}

/// Appends up to `n` bytes to `seen`; false when the stream ended first.
fn read_n(r: &mut impl Read, n: usize, seen: &mut Vec<u8>) -> io::Result<bool> {
    Ok(r.take(n as u64).read_to_end(seen)? == n)
}

fn check_blocks(r: &mut impl Read, seen: &mut Vec<u8>) -> Result<(), Error> {
    if !read_n(r, 4, seen)? {
        return Ok(());
    }
    while seen.len() < MAX_CHECKED {
        let start = seen.len();
        if !read_n(r, 4, seen)? {
            return Ok(());
        }
        let h = &seen[start..];
        let (last, kind, len) = (h[0] & 0x80 != 0, h[0] & 0x7f, u32::from_be_bytes([0, h[1], h[2], h[3]]));
        let whole = read_n(r, len as usize, seen)?;
        let body = &seen[start + 4..];
        match kind {
            4 => comments_fit(body)?,
            6 => picture_fits(body)?,
            _ => {}
        }
        if last || !whole {
            return Ok(());
        }
    }
    Ok(())
}

fn too_long(what: &str, len: usize, left: usize) -> Error {
    Error::Corrupt(format!("flac: a {what} declares {len} bytes, but its metadata block has {left} left"))
}

/// A Vorbis comment block: vendor string, then a count of length-prefixed comments (little-endian).
fn comments_fit(b: &[u8]) -> Result<(), Error> {
    let u32le = |p: usize| b.get(p..p.checked_add(4)?).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let Some(vendor) = u32le(0) else { return Ok(()) };
    let mut pos = 4usize.saturating_add(vendor);
    let Some(count) = u32le(pos) else { return Ok(()) };
    pos += 4;
    for _ in 0..count {
        let Some(len) = u32le(pos) else { return Ok(()) };
        pos += 4;
        if len > b.len() - pos {
            return Err(too_long("comment", len, b.len() - pos));
        }
        pos += len;
    }
    Ok(())
}

/// A picture block: type, MIME type, description, four numbers, picture data (big-endian).
fn picture_fits(b: &[u8]) -> Result<(), Error> {
    let u32be = |p: usize| b.get(p..p + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize);
    let mut pos = 4;
    for (what, skip_after) in [("picture MIME type", 0), ("picture description", 16), ("picture", 0)] {
        let Some(len) = u32be(pos) else { return Ok(()) };
        pos += 4;
        if len > b.len() - pos {
            return Err(too_long(what, len, b.len() - pos));
        }
        pos += len + skip_after;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = (body.len() as u32).to_be_bytes();
        [&[0x80 | kind, len[1], len[2], len[3]][..], body].concat()
    }

    fn run(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        check(bytes[..6].to_vec(), Box::new(ReadOnlySource::new(Cursor::new(bytes[6..].to_vec()))))?
            .read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn refuses_a_comment_longer_than_its_block_and_keeps_good_streams_whole() {
        let good = [&b"fLaC"[..], &block(4, b"\x01\0\0\0v\x01\0\0\0\x03\0\0\0a=b")].concat();
        assert_eq!(run(good.clone()).unwrap(), good);
        let bad = [&b"fLaC"[..], &block(4, b"\x01\0\0\0v\x01\0\0\0\xff\xff\xff\xdea=b")].concat();
        let e = run(bad).unwrap_err().to_string();
        assert!(e.contains("comment declares 3741319167 bytes"), "{e}");
    }

    #[test]
    fn refuses_a_picture_field_longer_than_its_block() {
        let body = [&[0, 0, 0, 3][..], &[0x7f, 0, 0, 0], b"image/png"].concat();
        let e = run([&b"fLaC"[..], &block(6, &body)].concat()).unwrap_err().to_string();
        assert!(e.contains("picture MIME type declares 2130706432 bytes"), "{e}");
    }
}
