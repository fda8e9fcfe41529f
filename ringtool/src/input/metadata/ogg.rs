//! Ogg pages: each logical stream's packets are put together from their lacing segments, and
//! the comment headers among its first packets checked: Vorbis (`\x03vorbis`), Opus
//! (`OpusTags`) and FLAC-in-Ogg (`\x7fFLAC` first, then one metadata block per packet).

use std::collections::BTreeMap;
use std::io::Read;

use super::{comments_fit, flac::check_block, read_n, MAX_CHECKED};
use crate::Error;

/// Packets of a stream after which it has no more headers (Vorbis has three, Opus two).
const HEADER_PACKETS: usize = 3;

/// One logical stream (one serial number) as far as its headers go.
#[derive(Default)]
struct Logical {
    packet: Vec<u8>,
    packets: usize,
    flac: bool,
    done: bool,
}

impl Logical {
    /// A packet ended: check it if it is a comment header.
    fn finish(&mut self) -> Result<(), Error> {
        let p = std::mem::take(&mut self.packet);
        self.packets += 1;
        if self.packets == 1 {
            self.flac = p.starts_with(b"\x7fFLAC");
        }
        if let Some(body) = p.strip_prefix(b"\x03vorbis").or_else(|| p.strip_prefix(b"OpusTags")) {
            comments_fit(body, "ogg")?;
        } else if self.flac && self.packets > 1 && p.len() >= 4 {
            check_block(p[0] & 0x7f, &p[4..], "ogg")?;
            self.done = p[0] & 0x80 != 0;
        }
        self.done |= !self.flac && self.packets >= HEADER_PACKETS;
        Ok(())
    }
}

/// Walks the Ogg pages of the stream, appending what it reads to `seen`. Bytes that are not a
/// page end the walk quietly: the decoder reports them.
pub fn check_pages(r: &mut dyn Read, seen: &mut Vec<u8>) -> Result<(), Error> {
    let mut streams: BTreeMap<u32, Logical> = BTreeMap::new();
    while seen.len() < MAX_CHECKED {
        let start = seen.len();
        if !read_n(r, 27, seen)? || &seen[start..start + 4] != b"OggS" {
            return Ok(());
        }
        let serial = u32::from_le_bytes([seen[start + 14], seen[start + 15], seen[start + 16], seen[start + 17]]);
        let segments = seen[start + 26] as usize;
        if !read_n(r, segments, seen)? {
            return Ok(());
        }
        let lacing = seen[start + 27..].to_vec();
        let body = seen.len();
        let whole = read_n(r, lacing.iter().map(|&l| l as usize).sum(), seen)?;
        let stream = streams.entry(serial).or_default();
        let mut pos = body;
        for lace in lacing {
            let end = (pos + lace as usize).min(seen.len());
            if !stream.done {
                stream.packet.extend_from_slice(&seen[pos..end]);
                if lace < 255 {
                    stream.finish()?;
                }
            }
            pos = end;
        }
        if !whole {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One page of `serial` holding `packets` whole (no CRC: the walk does not check it).
    fn page(serial: u32, packets: &[&[u8]]) -> Vec<u8> {
        let mut lacing = Vec::new();
        for p in packets {
            lacing.extend(std::iter::repeat_n(255u8, p.len() / 255));
            lacing.push((p.len() % 255) as u8);
        }
        let mut out = b"OggS\0\x02".to_vec();
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&serial.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.push(lacing.len() as u8);
        out.extend_from_slice(&lacing);
        out.extend(packets.concat());
        out
    }

    fn comments(len: u32) -> Vec<u8> {
        [&b"\x03vorbis\x01\0\0\0v\x01\0\0\0"[..], &len.to_le_bytes(), b"a=b"].concat()
    }

    fn run(bytes: Vec<u8>) -> Result<Vec<u8>, Error> {
        super::super::tests::run(bytes, check_pages)
    }

    #[test]
    fn refuses_a_vorbis_comment_longer_than_its_packet_and_keeps_good_streams_whole() {
        let id = b"\x01vorbis-identification".as_slice();
        let good = [page(7, &[id]), page(7, &[&comments(3), &[5u8; 300]])].concat();
        assert_eq!(run(good.clone()).unwrap(), good);
        let bad = [page(7, &[id]), page(7, &[&comments(0xFFFF_FF00)])].concat();
        let e = run(bad).unwrap_err().to_string();
        assert!(e.contains("ogg: a comment declares 4294967040 bytes, but its header packet has 3 left"), "{e}");
    }

    #[test]
    fn checks_opus_tags_and_flac_in_ogg_blocks_and_ignores_audio_packets() {
        let opus = [&b"OpusTags\x01\0\0\0v\x01\0\0\0"[..], &u32::MAX.to_le_bytes()].concat();
        assert!(run([page(1, &[b"OpusHead-----"]), page(1, &[&opus])].concat()).is_err());
        let block = [&[0x84u8, 0, 0, 12][..], b"\x01\0\0\0v\x01\0\0\0\xff\xff\xff\xff"].concat();
        let flac = [page(2, &[b"\x7fFLAC\x01\0\0\x01fLaC-streaminfo"]), page(2, &[&block])].concat();
        assert!(run(flac).unwrap_err().to_string().contains("comment declares 4294967295"));
        // A fourth packet is audio: its bytes are never read as a comment header.
        let audio = [page(3, &[b"\x01vorbis", &comments(3), b"\x05vorbis"]), page(3, &[&comments(u32::MAX)])];
        assert!(run(audio.concat()).is_ok());
    }
}
