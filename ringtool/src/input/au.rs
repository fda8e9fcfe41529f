//! Sun/NeXT audio (`.au`, `.snd`): a big-endian header, then the samples, read by [`RawSource`].
//!
//! The header (six 32-bit big-endian words): `.snd`, data offset (≥ 24), data size
//! (`0xffffffff` when unknown), encoding, sample rate, channels. Encodings read here: 1 (8-bit
//! G.711 µ-law, the classic telephony `.au`), 2 (8-bit linear), 3 (16-bit linear) and 27
//! (8-bit G.711 A-law). symphonia reads no `.au`, and the header is six numbers: hand-written.

use std::io::{self, Cursor, Read};

use super::raw::RawSource;
use super::Stream;
use crate::{Error, RawEncoding, RawFormat};

/// The header words this reader needs.
#[derive(Debug, PartialEq)]
struct Header {
    offset: u32,
    size: Option<u32>,
    encoding: u32,
    rate: u32,
    channels: u32,
}

impl Header {
    fn parse(head: &[u8]) -> Result<Header, Error> {
        let word = |i: usize| head.get(i * 4..i * 4 + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let (Some(offset), Some(size), Some(encoding), Some(rate), Some(channels)) =
            (word(1), word(2), word(3), word(4), word(5))
        else {
            return Err(Error::Truncated(format!("au header needs 24 bytes, the input has {}", head.len())));
        };
        if offset < 24 {
            return Err(Error::Corrupt(format!("au: data offset {offset} lies inside the 24-byte header")));
        }
        Ok(Header { offset, size: (size != u32::MAX).then_some(size), encoding, rate, channels })
    }

    fn format(&self) -> Result<RawFormat, Error> {
        let encoding = match self.encoding {
            1 => RawEncoding::Ulaw,
            2 => RawEncoding::S8,
            3 => RawEncoding::S16Be,
            27 => RawEncoding::Alaw,
            other => return Err(Error::Unsupported(format!("au encoding {other} ({})", encoding_name(other)))),
        };
        let channels = u16::try_from(self.channels).unwrap_or(u16::MAX);
        Ok(RawFormat { encoding, rate: self.rate, channels })
    }
}

/// Opens the `.au` stream whose first bytes `head` were already read from `stream`.
pub fn open(head: Vec<u8>, mut stream: Stream) -> Result<RawSource, Error> {
    let header = Header::parse(&head)?;
    let format = header.format()?;
    let total = stream.byte_len();
    let offset = header.offset as usize;
    let before: Box<dyn Read> = if offset <= head.len() {
        Box::new(Cursor::new(head[offset..].to_vec()))
    } else {
        let gap = (offset - head.len()) as u64;
        if io::copy(&mut (&mut stream).take(gap), &mut io::sink())? < gap {
            return Err(Error::Truncated(format!("au: data offset {offset} is past the end of the input")));
        }
        Box::new(io::empty())
    };
    let data = before.chain(stream);
    let (data, byte_len): (Box<dyn Read>, _) = match header.size {
        Some(size) => (Box::new(data.take(u64::from(size))), Some(u64::from(size))),
        None => (Box::new(data), total.map(|t| t.saturating_sub(offset as u64))),
    };
    Ok(RawSource::new(data, format, byte_len)?.named("au"))
}

/// The names of the other `.au` encodings, for the message that refuses them.
fn encoding_name(encoding: u32) -> &'static str {
    match encoding {
        4 => "24-bit linear",
        5 => "32-bit linear",
        6 => "32-bit float",
        7 => "64-bit float",
        23..=26 => "g.72x adpcm",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::FrameSource;
    use symphonia::core::io::ReadOnlySource;

    fn au(offset: u32, size: u32, encoding: u32, data: &[u8]) -> Vec<u8> {
        let mut out = b".snd".to_vec();
        for word in [offset, size, encoding, 8000, 1] {
            out.extend(word.to_be_bytes());
        }
        out.resize(out.len().max(offset as usize), 0);
        out.extend_from_slice(data);
        out
    }

    fn read(bytes: Vec<u8>) -> Result<Vec<f32>, Error> {
        let split = bytes.len().min(30);
        let stream: Stream = Box::new(ReadOnlySource::new(Cursor::new(bytes[split..].to_vec())));
        let mut source = open(bytes[..split].to_vec(), stream)?;
        let mut out = Vec::new();
        while source.read_frames(&mut out, 3)? > 0 {}
        Ok(out)
    }

    #[test]
    fn sixteen_bit_big_endian_and_eight_bit_signed_samples_are_read() {
        let pcm = [0x40, 0x00, 0xc0, 0x00, 0x7f, 0xff];
        assert_eq!(read(au(24, 6, 3, &pcm)).unwrap(), [0.5, -0.5, 32767.0 / 32768.0]);
        assert_eq!(read(au(28, u32::MAX, 2, &[0x40, 0xc0])).unwrap(), [0.5, -0.5]);
    }

    #[test]
    fn the_declared_size_ends_the_data_and_a_long_offset_is_skipped() {
        assert_eq!(read(au(24, 2, 3, &[0x40, 0, 0x7f, 0x7f])).unwrap(), [0.5]);
        assert_eq!(read(au(40, 1, 2, &[0xc0])).unwrap(), [-0.5]);
    }

    #[test]
    fn bad_headers_are_named() {
        let e = read(au(16, 0, 3, &[])).unwrap_err().to_string();
        assert!(e.contains("data offset 16 lies inside"), "{e}");
        let e = read(au(24, 0, 6, &[])).unwrap_err().to_string();
        assert!(e.contains("au encoding 6 (32-bit float)"), "{e}");
        let e = read(b".snd\0\0\0\x18".to_vec()).unwrap_err().to_string();
        assert!(e.contains("au header needs 24 bytes"), "{e}");
    }
}
