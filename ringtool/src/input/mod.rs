//! Input decoding: a byte stream in, interleaved `f32` frames out.
//!
//! [`open`] recognises the format by content ([`detect`]), then hands the
//! stream to the matching [`FrameSource`]: our own readers for PCM/G.711 WAV
//! and Sun .au, `symphonia` for MP3/FLAC/Ogg Vorbis/ADPCM WAV/AIFF, or the raw
//! PCM reader when the caller described the data. Every source decodes lazily,
//! a chunk at a time, so reading stops as soon as the renderer has what it needs.

pub mod au;
pub mod compressed;
pub mod detect;
mod metadata;
pub mod raw;
pub mod wav;

use std::io::{self, Cursor, Read, Seek, SeekFrom};

use symphonia::core::io::{MediaSource, ReadOnlySource};

use crate::{Codec, Error, RawFormat};
use detect::InputKind;

/// A readable (possibly seekable) byte stream, as `symphonia` wants it.
pub type Stream = Box<dyn MediaSource>;

/// Lowest accepted input sample rate, in Hz.
pub const MIN_RATE: u32 = 8_000;
/// Highest accepted input sample rate, in Hz.
pub const MAX_RATE: u32 = 192_000;
/// Most channels accepted.
pub const MAX_CHANNELS: u16 = 8;

/// What a source found in its headers.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamSpec {
    /// Frames per second.
    pub rate: u32,
    /// Interleaved channels per frame.
    pub channels: u16,
    /// Total frames, when the headers tell.
    pub total_frames: Option<u64>,
    /// `total_frames` is exact (WAV, FLAC, Ogg), not an estimate (MP3, raw
    /// file size), so ending before it means the input is truncated.
    pub exact_length: bool,
    /// Smallest magnitude (of a sample in [-1, 1)) that counts as full scale.
    pub full_scale: f32,
    /// Format name for messages ("wav", "mp3", "raw", ...).
    pub format: &'static str,
}

impl StreamSpec {
    /// Refuses rates and channel counts outside the supported range.
    pub fn check(&self) -> Result<(), Error> {
        if !(MIN_RATE..=MAX_RATE).contains(&self.rate) {
            return Err(Error::Unsupported(format!("sample rate {} Hz (must be {MIN_RATE}..={MAX_RATE})", self.rate)));
        }
        if self.channels == 0 || self.channels > MAX_CHANNELS {
            return Err(Error::Unsupported(format!("channel count {} (must be 1..={MAX_CHANNELS})", self.channels)));
        }
        Ok(())
    }
}

/// A decoder that yields interleaved frames of samples in [-1, 1).
pub trait FrameSource {
    /// Rate, channels and length as far as known.
    fn spec(&self) -> &StreamSpec;
    /// Appends up to `max_frames` whole interleaved frames to `out` and returns
    /// how many; 0 means the end of the input.
    fn read_frames(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, Error>;
    /// Non-fatal problems met so far (skipped packets, trailing bytes, ...).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Opens `stream` as `raw` PCM when given, else recognises it by its first bytes.
pub fn open(mut stream: Stream, raw: Option<RawFormat>) -> Result<Box<dyn FrameSource>, Error> {
    let head = read_head(&mut stream, detect::HEAD_LEN)?;
    if head.is_empty() {
        return Err(Error::Empty);
    }
    if let Some(format) = raw {
        let byte_len = stream.byte_len();
        return Ok(Box::new(raw::RawSource::new(Box::new(rewind(head, stream)?), format, byte_len)?));
    }
    let kind = detect::detect(&head)?;
    match kind {
        InputKind::Wav => {
            let fmt = detect::wav_fmt(&head);
            if let Some(codec) = fmt.and_then(|f| Codec::from_wave_format_tag(f.tag).filter(|_| f.bits == 8)) {
                return Ok(Box::new(wav::open_g711(rewind(head, stream)?, codec)?));
            }
            if let Some(fmt) = fmt {
                detect::check_wav_fmt(&fmt)?;
            }
            Ok(Box::new(wav::WavSource::new(rewind(head, stream)?)?))
        }
        InputKind::Mp3 => {
            let stream = skip_id3v2(head, stream)?;
            Ok(Box::new(compressed::CompressedSource::new(stream, kind)?))
        }
        InputKind::Flac => {
            Ok(Box::new(compressed::CompressedSource::new(metadata::check(head, stream, metadata::flac)?, kind)?))
        }
        InputKind::Ogg => {
            Ok(Box::new(compressed::CompressedSource::new(metadata::check(head, stream, metadata::ogg)?, kind)?))
        }
        InputKind::AdpcmWav => {
            let frames = detect::wav_fact(&head);
            let stream = metadata::check(head, stream, metadata::riff)?;
            Ok(Box::new(compressed::CompressedSource::new(stream, kind)?.ending_at(frames)))
        }
        InputKind::Aiff => {
            let frames = detect::aiff_frames(&head);
            let stream = metadata::check(head, stream, metadata::riff)?;
            Ok(Box::new(compressed::CompressedSource::new(stream, kind)?.ending_at(frames)))
        }
        InputKind::Au => Ok(Box::new(au::open(head, stream)?)),
    }
}

/// Reads up to `len` bytes (fewer only at the end of the stream).
fn read_head(stream: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(len);
    stream.by_ref().take(len as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The stream from its first byte again: seek back when possible, else put
/// the already-read `head` in front of the rest.
fn rewind(head: Vec<u8>, mut stream: Stream) -> io::Result<Stream> {
    if stream.is_seekable() {
        stream.seek(SeekFrom::Start(0))?;
        Ok(stream)
    } else {
        Ok(Box::new(ReadOnlySource::new(Cursor::new(head).chain(stream))))
    }
}

/// Skips a leading ID3v2 tag without holding it in memory (tags can carry
/// megabytes of pictures), then checks that MPEG audio frames follow.
fn skip_id3v2(head: Vec<u8>, stream: Stream) -> Result<Stream, Error> {
    let Some(tag_len) = detect::id3v2_len(&head) else {
        return Ok(rewind(head, stream)?);
    };
    let mut rest = Cursor::new(head).chain(stream);
    let skipped = io::copy(&mut rest.by_ref().take(tag_len), &mut io::sink())?;
    if skipped < tag_len {
        return Err(Error::Truncated(format!("id3 tag declares {tag_len} bytes, the file ends after {skipped}")));
    }
    let after = read_head(&mut rest, detect::HEAD_LEN)?;
    let whole = after.len() < detect::HEAD_LEN;
    match detect::find_mpeg_frames(&after, whole) {
        Some(offset) => {
            let audio = Cursor::new(after[offset..].to_vec()).chain(rest);
            Ok(Box::new(ReadOnlySource::new(audio)))
        }
        None if after.is_empty() => Err(Error::NoSamples),
        None => Err(Error::Corrupt("mp3: no mpeg audio frames after the id3 tag".into())),
    }
}
