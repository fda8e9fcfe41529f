//! WAV input: 8/16/24/32-bit integer and 32-bit float PCM, header checked by
//! `hound`; G.711 (µ-law/A-law) WAV, which `hound` cannot read, through the raw reader.
//!
//! The chunks are walked here, up to the first byte of the `data` chunk, each
//! odd-sized chunk followed by its RIFF pad byte (`hound` does not skip that
//! byte, and so loses its way after an odd `LIST`, `bext` or `id3 ` chunk).
//! `hound` then validates the `fmt ` chunk, given alone; the samples are read
//! here in blocks of whole frames and
//! converted with one tight loop per sample layout. (Going through `hound`'s
//! per-sample iterator cost a function call and a buffered 2-byte read per
//! sample, which was the largest share of a ring tone's run time.) The values
//! are exactly the ones `hound` would return, scaled to [-1, 1).

use std::io::{self, BufReader, Cursor, Read};

use super::raw::RawSource;
use super::{FrameSource, Stream, StreamSpec};
use crate::error::lower_first;
use crate::{Codec, Error, RawEncoding, RawFormat};

/// Largest `fmt ` chunk accepted (a real one is 16 to 40 bytes).
const MAX_FMT_LEN: u32 = 4096;
/// Read buffer of a PCM WAV source, in bytes.
const HEADER_BUFFER: usize = 8 * 1024;

type Buffered = BufReader<Stream>;

/// How one sample is stored in the `data` chunk (the combinations `hound` reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SampleLayout {
    /// 8-bit unsigned, offset 128.
    U8,
    /// 16-bit signed little-endian.
    I16,
    /// 24-bit signed little-endian in 3 bytes.
    I24,
    /// 24-bit signed in the low 3 bytes of a 4-byte container (`hound`'s reading).
    I24In32,
    /// 32-bit signed little-endian.
    I32,
    /// 32-bit IEEE float little-endian.
    F32,
}

impl SampleLayout {
    fn new(format: hound::SampleFormat, bytes: u32, bits: u16) -> Result<SampleLayout, Error> {
        use hound::SampleFormat::{Float, Int};
        Ok(match (format, bytes, bits) {
            (Int, 1, 8) => SampleLayout::U8,
            (Int, 2, 16) => SampleLayout::I16,
            (Int, 3, 24) => SampleLayout::I24,
            (Int, 4, 24) => SampleLayout::I24In32,
            (Int, 4, 32) => SampleLayout::I32,
            (Float, 4, 32) => SampleLayout::F32,
            (Int, _, _) => {
                return Err(Error::Unsupported(format!("wav encoding: {bits}-bit pcm in {bytes}-byte samples")))
            }
            (Float, _, _) => {
                return Err(Error::Unsupported(format!("wav encoding: {bits}-bit float in {bytes}-byte samples")))
            }
        })
    }

    /// Bytes per stored sample.
    fn bytes(self) -> usize {
        match self {
            SampleLayout::U8 => 1,
            SampleLayout::I16 => 2,
            SampleLayout::I24 => 3,
            SampleLayout::I24In32 | SampleLayout::I32 | SampleLayout::F32 => 4,
        }
    }

    /// Appends the samples stored in `data` (whole samples only) to `out`,
    /// integers multiplied by `scale`.
    fn convert(self, data: &[u8], scale: f32, out: &mut Vec<f32>) {
        match self {
            SampleLayout::U8 => out.extend(data.iter().map(|&b| (f32::from(b) - 128.0) * scale)),
            SampleLayout::I16 => {
                out.extend(data.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) * scale))
            }
            SampleLayout::I24 => out
                .extend(data.chunks_exact(3).map(|b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * scale)),
            SampleLayout::I24In32 => out
                .extend(data.chunks_exact(4).map(|b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 * scale)),
            SampleLayout::I32 => {
                out.extend(data.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32 * scale))
            }
            SampleLayout::F32 => out.extend(data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        }
    }
}

/// Streams samples out of a WAV file without reading ahead of need.
pub struct WavSource {
    /// Positioned inside the `data` chunk.
    reader: Buffered,
    spec: StreamSpec,
    layout: SampleLayout,
    scale: f32,
    declared_frames: u64,
    frames_read: u64,
    /// Raw bytes of the current block.
    bytes: Vec<u8>,
}

impl WavSource {
    /// Parses the header (up to the start of the `data` chunk).
    pub fn new(stream: Stream) -> Result<WavSource, Error> {
        // A small buffer serves the header's many small reads; the sample blocks
        // are larger, so `BufReader` hands them straight to the file, uncopied.
        let mut reader = BufReader::with_capacity(HEADER_BUFFER, stream);
        let (fmt, data_len) = walk_to_data(&mut reader)?;
        let wav = hound::WavReader::new(Cursor::new(minimal_header(&fmt, data_len))).map_err(hound_error)?;
        let s = wav.spec();
        let float = s.sample_format == hound::SampleFormat::Float;
        let bits = u32::from(s.bits_per_sample).clamp(1, 32);
        let samples = wav.len();
        let declared_frames = u64::from(wav.duration());
        // `hound` has checked that the data length is a whole number of samples.
        let bytes = data_len.checked_div(samples).unwrap_or_else(|| s.bits_per_sample.div_ceil(8).into());
        Ok(WavSource {
            spec: StreamSpec {
                rate: s.sample_rate,
                channels: s.channels,
                total_frames: Some(declared_frames),
                exact_length: true,
                // Full scale: the largest positive integer code, or 1 - 2^-15 for float.
                full_scale: if float { 1.0 - 1.0 / 32768.0 } else { (1.0 - 0.5f64.powi(bits as i32 - 1)) as f32 },
                format: "wav",
            },
            layout: SampleLayout::new(s.sample_format, bytes, s.bits_per_sample)?,
            scale: 0.5f64.powi(bits as i32 - 1) as f32,
            reader,
            declared_frames,
            frames_read: 0,
            bytes: Vec::new(),
        })
    }
}

/// A WAV header holding only `fmt` and the `data` chunk's header, for `hound` to check.
fn minimal_header(fmt: &[u8], data_len: u32) -> Vec<u8> {
    let fmt_len = fmt.len() as u32; // at most MAX_FMT_LEN
    let riff_len = (4 + 8 + fmt_len + (fmt_len & 1) + 8).saturating_add(data_len);
    let mut h = Vec::with_capacity(fmt.len() + 29);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&riff_len.to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&fmt_len.to_le_bytes());
    h.extend_from_slice(fmt);
    if fmt_len & 1 == 1 {
        h.push(0);
    }
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

/// Reads the RIFF header and the chunks up to the first byte of `data`, skipping
/// every other chunk and the pad byte after an odd-sized one. Returns the `fmt `
/// chunk's body and the data length the `data` chunk declares.
fn walk_to_data(r: &mut impl Read) -> Result<(Vec<u8>, u32), Error> {
    let mut riff = [0u8; 12];
    read_exact(r, &mut riff, "wav header")?;
    let mut fmt: Option<Vec<u8>> = None;
    loop {
        let mut header = [0u8; 8];
        read_exact(r, &mut header, "wav header (before the data chunk)")?;
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        match &header[..4] {
            b"fmt " => {
                if !(16..=MAX_FMT_LEN).contains(&len) {
                    return Err(Error::Corrupt(format!("wav header: fmt chunk of {len} bytes")));
                }
                let mut body = vec![0u8; len as usize + (len as usize & 1)];
                read_exact(r, &mut body, "wav fmt chunk")?;
                body.truncate(len as usize);
                fmt = Some(body);
            }
            b"data" => {
                let fmt = fmt.ok_or_else(|| Error::Corrupt("wav header: data chunk before fmt chunk".into()))?;
                return Ok((fmt, len));
            }
            _ => {
                let skip = u64::from(len) + u64::from(len & 1);
                if io::copy(&mut r.by_ref().take(skip), &mut io::sink())? < skip {
                    return Err(Error::Truncated("wav header ends before the data chunk".into()));
                }
            }
        }
    }
}

impl FrameSource for WavSource {
    fn spec(&self) -> &StreamSpec {
        &self.spec
    }

    fn read_frames(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, Error> {
        let frame_bytes = self.layout.bytes() * usize::from(self.spec.channels);
        let frames = (max_frames as u64).min(self.declared_frames - self.frames_read) as usize;
        self.bytes.resize(frames * frame_bytes, 0);
        let got = read_full(&mut self.reader, &mut self.bytes)?;
        let whole = got / frame_bytes;
        self.layout.convert(&self.bytes[..whole * frame_bytes], self.scale, out);
        self.frames_read += whole as u64;
        if whole < frames {
            let rate = f64::from(self.spec.rate);
            return Err(Error::Truncated(format!(
                "wav data ends after {:.3} s of the {:.3} s its header declares",
                self.frames_read as f64 / rate,
                self.declared_frames as f64 / rate
            )));
        }
        Ok(whole)
    }
}

/// Fills `buf` unless the stream ends first; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn hound_error(e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) => Error::Io(io),
        hound::Error::FormatError(reason) => Error::Corrupt(format!("wav header: {reason}")),
        hound::Error::Unsupported => Error::Unsupported("wav encoding".into()),
        other => Error::Corrupt(format!("wav: {}", lower_first(&other.to_string()))),
    }
}

/// Opens a WAVE_FORMAT_MULAW / WAVE_FORMAT_ALAW file: walks the chunks to
/// `data` without buffering them, then decodes exactly the declared data
/// length (ending early is reported as truncation).
pub fn open_g711(stream: Stream, codec: Codec) -> Result<RawSource, Error> {
    let mut r = BufReader::with_capacity(64 * 1024, stream);
    let (fmt, len) = walk_to_data(&mut r)?;
    let channels = u16::from_le_bytes([fmt[2], fmt[3]]);
    let rate = u32::from_le_bytes([fmt[4], fmt[5], fmt[6], fmt[7]]);
    let encoding = match codec {
        Codec::Ulaw => RawEncoding::Ulaw,
        Codec::Alaw => RawEncoding::Alaw,
    };
    let format = RawFormat { encoding, rate, channels };
    let data = ExactLen { inner: r, remaining: u64::from(len), declared: u64::from(len) };
    RawSource::new(Box::new(data), format, Some(u64::from(len)))
}

fn read_exact(r: &mut impl Read, buf: &mut [u8], what: &str) -> Result<(), Error> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => Error::Truncated(format!("{what} ends early")),
        _ => Error::Io(e),
    })
}

/// Reads exactly `declared` bytes: stops there, and fails with
/// `UnexpectedEof` if the inner reader ends first.
struct ExactLen<R> {
    inner: R,
    remaining: u64,
    declared: u64,
}

impl<R: Read> Read for ExactLen<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "wav data ends after {} of the {} bytes its header declares",
                    self.declared - self.remaining,
                    self.declared
                ),
            ));
        }
        self.remaining -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hound::{SampleFormat, WavSpec, WavSpecEx, WavWriter};
    use std::io::Cursor;

    /// A WAV file with `frames` frames of a ramp over the whole integer range
    /// (or [-1, 1] for float), written by `hound`.
    fn wav_bytes(spec_ex: WavSpecEx, frames: usize) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = WavWriter::new_with_spec_ex(&mut out, spec_ex).unwrap();
        let spec = spec_ex.spec;
        let n = frames * usize::from(spec.channels);
        for i in 0..n {
            let t = i as f64 / (n - 1).max(1) as f64 * 2.0 - 1.0; // -1 ..= 1
            if spec.sample_format == SampleFormat::Float {
                w.write_sample(t as f32).unwrap();
            } else {
                let max = (1i64 << (spec.bits_per_sample - 1)) - 1;
                let v = ((t * (max + 1) as f64).round() as i64).clamp(-max - 1, max);
                w.write_sample(v as i32).unwrap();
            }
        }
        w.finalize().unwrap();
        out.into_inner()
    }

    /// What `hound`'s own per-sample reader returns, scaled like `WavSource`.
    fn hound_values(bytes: &[u8]) -> Vec<f32> {
        let mut r = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        let spec = r.spec();
        if spec.sample_format == SampleFormat::Float {
            r.samples::<f32>().map(Result::unwrap).collect()
        } else {
            let scale = 0.5f64.powi(i32::from(spec.bits_per_sample) - 1) as f32;
            r.samples::<i32>().map(|s| s.unwrap() as f32 * scale).collect()
        }
    }

    fn read_all(bytes: Vec<u8>, block: usize) -> Result<Vec<f32>, Error> {
        let mut src = WavSource::new(Box::new(Cursor::new(bytes)))?;
        let mut out = Vec::new();
        while src.read_frames(&mut out, block)? > 0 {}
        Ok(out)
    }

    fn spec_ex(format: SampleFormat, bits: u16, bytes: u16, channels: u16) -> WavSpecEx {
        let spec = WavSpec { channels, sample_rate: 44_100, bits_per_sample: bits, sample_format: format };
        WavSpecEx { spec, bytes_per_sample: bytes }
    }

    #[test]
    fn every_sample_layout_reads_what_hound_reads() {
        let layouts = [
            (SampleFormat::Int, 8, 1),
            (SampleFormat::Int, 16, 2),
            (SampleFormat::Int, 24, 3),
            (SampleFormat::Int, 24, 4),
            (SampleFormat::Int, 32, 4),
            (SampleFormat::Float, 32, 4),
        ];
        for (format, bits, bytes) in layouts {
            for channels in [1, 2, 5] {
                let wav = wav_bytes(spec_ex(format, bits, bytes, channels), 1001);
                let expected = hound_values(&wav);
                assert_eq!(expected.len(), 1001 * usize::from(channels));
                for block in [1, 7, 4096] {
                    let got = read_all(wav.clone(), block).unwrap();
                    assert_eq!(got, expected, "{format:?} {bits} bits in {bytes} bytes, {channels} ch, block {block}");
                }
            }
        }
    }

    #[test]
    fn chunks_around_the_data_are_skipped() {
        let wav = wav_bytes(spec_ex(SampleFormat::Int, 16, 2, 2), 300);
        let expected = hound_values(&wav);
        let data_at = wav.windows(4).position(|w| w == b"data").unwrap();
        let mut with_chunks = wav[..data_at].to_vec();
        with_chunks.extend(b"LIST\x06\0\0\0abcdef");
        with_chunks.extend(b"bext\x03\0\0\0xyz\0"); // odd-sized: a pad byte follows, as RIFF requires
        with_chunks.extend(&wav[data_at..]);
        with_chunks.extend(b"junk\x04\0\0\0wxyz"); // after the data: never read as samples
        assert_eq!(read_all(with_chunks, 64).unwrap(), expected);
    }

    #[test]
    fn data_shorter_than_declared_is_truncation() {
        let wav = wav_bytes(spec_ex(SampleFormat::Int, 16, 2, 2), 8000);
        let cut = wav[..wav.len() - 4001].to_vec(); // 1000 frames and one byte short
        let e = read_all(cut, 4096).unwrap_err().to_string();
        assert_eq!(e, "truncated input: wav data ends after 0.159 s of the 0.181 s its header declares");
    }

    #[test]
    fn unreadable_layouts_are_refused_at_open() {
        // 20 valid bits in 3-byte samples: hound parses the header but cannot read the samples.
        let wav = wav_bytes(spec_ex(SampleFormat::Int, 24, 3, 1), 10);
        let mut odd = wav;
        let fmt = odd.windows(4).position(|w| w == b"fmt ").unwrap() + 8;
        assert_eq!(u16::from_le_bytes([odd[fmt], odd[fmt + 1]]), 0xFFFE, "hound writes WAVE_FORMAT_EXTENSIBLE");
        odd[fmt + 18..fmt + 20].copy_from_slice(&20u16.to_le_bytes()); // valid bits
        let e = WavSource::new(Box::new(Cursor::new(odd))).err().expect("refused").to_string();
        assert_eq!(e, "unsupported wav encoding: 20-bit pcm in 3-byte samples");
    }
}
