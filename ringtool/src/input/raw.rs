//! Headerless PCM input whose layout the caller states.

use std::io::{self, BufReader, Read};

use super::{FrameSource, StreamSpec};
use crate::{Codec, Error, RawEncoding, RawFormat};

/// Streams frames out of raw PCM bytes.
pub struct RawSource {
    reader: BufReader<Box<dyn Read>>,
    format: RawFormat,
    spec: StreamSpec,
    bytes: Vec<u8>,
    trailing: usize,
}

impl RawSource {
    /// `byte_len` is the input size when known (a file's), giving its length in frames.
    pub fn new(stream: Box<dyn Read>, format: RawFormat, byte_len: Option<u64>) -> Result<RawSource, Error> {
        let full_scale = match format.encoding {
            RawEncoding::S16Le | RawEncoding::S16Be => 32767.0 / 32768.0,
            RawEncoding::U8 | RawEncoding::S8 => 127.0 / 128.0,
            RawEncoding::Ulaw => 32124.0 / 32768.0,
            RawEncoding::Alaw => 32256.0 / 32768.0,
        };
        let mut spec = StreamSpec {
            rate: format.rate,
            channels: format.channels,
            total_frames: None,
            exact_length: false,
            full_scale,
            format: "raw",
        };
        spec.check()?;
        spec.total_frames = byte_len.map(|len| len / format.frame_bytes() as u64);
        Ok(RawSource {
            reader: BufReader::with_capacity(64 * 1024, stream),
            format,
            spec,
            bytes: Vec::new(),
            trailing: 0,
        })
    }

    /// The same source under a container's name in messages (`au`), its declared length exact.
    pub fn named(mut self, format: &'static str) -> RawSource {
        self.spec.format = format;
        self.spec.exact_length = self.spec.total_frames.is_some();
        self
    }
}

impl FrameSource for RawSource {
    fn spec(&self) -> &StreamSpec {
        &self.spec
    }

    fn read_frames(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, Error> {
        let frame = self.format.frame_bytes();
        self.bytes.clear();
        (&mut self.reader).take((max_frames * frame) as u64).read_to_end(&mut self.bytes).map_err(|e| {
            match e.kind() {
                // Only a length-checked stream (G.711 WAV data) reports this.
                io::ErrorKind::UnexpectedEof => Error::Truncated(e.to_string()),
                _ => Error::Io(e),
            }
        })?;
        let whole = self.bytes.len() / frame * frame;
        self.trailing += self.bytes.len() - whole;
        let data = &self.bytes[..whole];
        match self.format.encoding {
            RawEncoding::S16Le => {
                out.extend(data.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0))
            }
            RawEncoding::S16Be => {
                out.extend(data.chunks_exact(2).map(|b| f32::from(i16::from_be_bytes([b[0], b[1]])) / 32768.0))
            }
            RawEncoding::U8 => out.extend(data.iter().map(|&b| (f32::from(b) - 128.0) / 128.0)),
            RawEncoding::S8 => out.extend(data.iter().map(|&b| f32::from(b as i8) / 128.0)),
            RawEncoding::Ulaw => out.extend(data.iter().map(|&b| f32::from(Codec::Ulaw.decode_sample(b)) / 32768.0)),
            RawEncoding::Alaw => out.extend(data.iter().map(|&b| f32::from(Codec::Alaw.decode_sample(b)) / 32768.0)),
        }
        Ok(whole / frame)
    }

    fn warnings(&self) -> Vec<String> {
        if self.trailing > 0 {
            vec![format!(
                "ignored {} trailing byte(s) that do not make a whole {}-byte frame",
                self.trailing,
                self.format.frame_bytes()
            )]
        } else {
            Vec::new()
        }
    }
}
