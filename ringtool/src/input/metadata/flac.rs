//! FLAC metadata blocks: the Vorbis-comment (4) and picture (6) blocks are checked with
//! [`super::comments_fit`] and [`super::picture_fits`].

use std::io::Read;

use super::{comments_fit, picture_fits, read_n, MAX_CHECKED};
use crate::Error;

/// Walks the metadata blocks after `fLaC`, appending what it reads to `seen`.
pub fn check_blocks(r: &mut dyn Read, seen: &mut Vec<u8>) -> Result<(), Error> {
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
        check_block(kind, &seen[start + 4..], "flac")?;
        if last || !whole {
            return Ok(());
        }
    }
    Ok(())
}

/// Checks one metadata block's body by its type (shared with FLAC-in-Ogg header packets).
pub fn check_block(kind: u8, body: &[u8], format: &str) -> Result<(), Error> {
    match kind {
        4 => comments_fit(body, format),
        6 => picture_fits(body, format),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = (body.len() as u32).to_be_bytes();
        [&[0x80 | kind, len[1], len[2], len[3]][..], body].concat()
    }

    fn run(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
        super::super::tests::run(bytes, check_blocks)
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
