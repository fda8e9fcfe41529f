//! WAV input: integer PCM in 1- to 4-byte samples (8 to 32 bits, 12- and 20-bit
//! ones too, left-justified in their container as the format says), 32- and 64-bit
//! IEEE float; in RIFF, RIFX (big-endian) and RF64/BW64 (64-bit sizes in a
//! `ds64` chunk) files. G.711 (µ-law/A-law) WAV goes through the raw reader.
//!
//! The chunks are walked here, up to the first byte of the `data` chunk, each
//! odd-sized chunk followed by its RIFF pad byte (`hound` did not skip that
//! byte, and so lost its way after an odd `LIST`, `bext` or `id3 ` chunk; nor
//! does it read RIFX, RF64 or 64-bit float, so the `fmt ` chunk is checked here
//! too). The samples are read in blocks of whole frames and converted with one
//! tight loop per sample layout (a big-endian block is byte-swapped first). The
//! values are exactly the ones `hound` returns for the layouts it reads, scaled
//! to [-1, 1).

use std::io::{self, BufReader, Read};

use super::raw::RawSource;
use super::{FrameSource, Stream, StreamSpec};
use crate::{Codec, Error, RawEncoding, RawFormat};

/// Largest `fmt ` or `ds64` chunk accepted (a real one is 16 to 40 bytes, `ds64` 28).
const MAX_FMT_LEN: u32 = 4096;
/// Read buffer of a PCM WAV source, in bytes.
const HEADER_BUFFER: usize = 8 * 1024;
/// WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT and WAVE_FORMAT_EXTENSIBLE.
const PCM: u16 = 1;
const FLOAT: u16 = 3;
const EXTENSIBLE: u16 = 0xFFFE;

type Buffered = BufReader<Stream>;

/// How one sample is stored in the `data` chunk (after a big-endian one is byte-swapped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SampleLayout {
    /// 8-bit unsigned, offset 128.
    U8,
    /// 16-bit signed little-endian (also 9 to 15 valid bits, left-justified).
    I16,
    /// 24-bit signed little-endian in 3 bytes (also 17 to 23 valid bits, left-justified).
    I24,
    /// 24-bit signed in the low 3 bytes of a 4-byte container (`hound`'s reading).
    I24In32,
    /// 32-bit signed little-endian.
    I32,
    /// 32-bit IEEE float little-endian.
    F32,
    /// 64-bit IEEE float little-endian.
    F64,
}

impl SampleLayout {
    /// The layout of the samples `fmt` describes, or why they cannot be read.
    fn new(fmt: &Fmt) -> Result<SampleLayout, Error> {
        let (bits, valid) = (fmt.bits, fmt.valid_bits);
        Ok(match (fmt.tag, bits.div_ceil(8), valid) {
            (PCM, 1, _) => SampleLayout::U8,
            (PCM, 2, _) => SampleLayout::I16,
            (PCM, 3, _) => SampleLayout::I24,
            (PCM, 4, 24) => SampleLayout::I24In32,
            (PCM, 4, _) => SampleLayout::I32,
            (FLOAT, 4, 32) => SampleLayout::F32,
            (FLOAT, 8, 64) => SampleLayout::F64,
            (PCM, bytes, _) => {
                return Err(Error::Unsupported(format!("wav encoding: {valid}-bit pcm in {bytes}-byte samples")))
            }
            (FLOAT, bytes, _) => {
                return Err(Error::Unsupported(format!("wav encoding: {valid}-bit float in {bytes}-byte samples")))
            }
            (tag, _, _) => {
                let name = super::detect::wave_format_name(tag);
                return Err(Error::Unsupported(format!("wav encoding: {name} (format tag {tag:#06x})")));
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
            SampleLayout::F64 => 8,
        }
    }

    /// What an integer sample is multiplied by to land in [-1, 1): 2^-(bits - 1)
    /// for the bits of its container (valid bits are left-justified in it).
    fn scale(self) -> f32 {
        match self {
            SampleLayout::I24In32 => 0.5f32.powi(23),
            other => 0.5f64.powi(other.bytes() as i32 * 8 - 1) as f32,
        }
    }

    /// Appends the samples stored in `data` (whole samples only) to `out`,
    /// integers multiplied by `scale`.
    fn convert(self, data: &[u8], scale: f32, out: &mut Vec<f32>) {
        match self {
            SampleLayout::U8 => append(data, out, |[b]: [u8; 1]| (f32::from(b) - 128.0) * scale),
            SampleLayout::I16 => append(data, out, |b: [u8; 2]| f32::from(i16::from_le_bytes(b)) * scale),
            SampleLayout::I24 => {
                append(data, out, |[a, b, c]: [u8; 3]| (i32::from_le_bytes([0, a, b, c]) >> 8) as f32 * scale)
            }
            SampleLayout::I24In32 => {
                append(data, out, |[a, b, c, _]: [u8; 4]| (i32::from_le_bytes([0, a, b, c]) >> 8) as f32 * scale)
            }
            SampleLayout::I32 => append(data, out, |b: [u8; 4]| i32::from_le_bytes(b) as f32 * scale),
            SampleLayout::F32 => append(data, out, f32::from_le_bytes),
            SampleLayout::F64 => append(data, out, |b: [u8; 8]| f64::from_le_bytes(b) as f32),
        }
    }
}

/// Appends `value` of each `W`-byte sample of `data` to `out`, over fixed-size
/// arrays so that the compiler vectorizes the loop (over `chunks_exact` it did
/// not, and that was the largest cost of reading a WAV).
#[inline(always)]
fn append<const W: usize>(data: &[u8], out: &mut Vec<f32>, value: impl Fn([u8; W]) -> f32) {
    let (samples, _) = data.as_chunks::<W>();
    out.extend(samples.iter().map(|&b| value(b)));
}

/// Byte order of a file's header fields and samples: RIFF and RF64/BW64 are
/// little-endian, RIFX big-endian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, b: &[u8]) -> u16 {
        let b = [b[0], b[1]];
        if self == Order::Big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    }

    fn u32(self, b: &[u8]) -> u32 {
        let b = [b[0], b[1], b[2], b[3]];
        if self == Order::Big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }
}

/// The fields of a `fmt ` chunk that decide how the samples are read.
#[derive(Clone, Copy, Debug)]
struct Fmt {
    /// Format tag (for WAVE_FORMAT_EXTENSIBLE, the sub-format's).
    tag: u16,
    channels: u16,
    rate: u32,
    block_align: u16,
    /// Bits of a sample's container (`wBitsPerSample`).
    bits: u16,
    /// Bits that carry the signal (`wValidBitsPerSample`, else `bits`).
    valid_bits: u16,
}

impl Fmt {
    fn parse(body: &[u8], order: Order) -> Result<Fmt, Error> {
        let mut fmt = Fmt {
            tag: order.u16(&body[0..]),
            channels: order.u16(&body[2..]),
            rate: order.u32(&body[4..]),
            block_align: order.u16(&body[12..]),
            bits: order.u16(&body[14..]),
            valid_bits: order.u16(&body[14..]),
        };
        if fmt.tag == EXTENSIBLE {
            if body.len() < 40 {
                return Err(Error::Corrupt(format!("wav header: extensible fmt chunk of {} bytes", body.len())));
            }
            // The sub-format GUID starts with the format tag (SoX's RIFX writes it as 16 bits).
            fmt.tag = order.u16(&body[24..]);
            fmt.valid_bits = match order.u16(&body[18..]) {
                0 => fmt.bits,
                valid => valid,
            };
        }
        let bytes = u32::from(fmt.bits.div_ceil(8));
        if fmt.channels == 0 || u32::from(fmt.block_align) != bytes * u32::from(fmt.channels) {
            return Err(Error::Corrupt(format!(
                "wav header: block align of {} bytes, but {} channel(s) of {}-bit samples take {}",
                fmt.block_align,
                fmt.channels,
                fmt.bits,
                bytes * u32::from(fmt.channels)
            )));
        }
        if fmt.valid_bits > fmt.bits || fmt.bits == 0 {
            return Err(Error::Corrupt(format!(
                "wav header: {} valid bits in {}-bit samples",
                fmt.valid_bits, fmt.bits
            )));
        }
        Ok(fmt)
    }
}

/// What the chunks in front of the samples say.
struct Header {
    fmt: Fmt,
    /// Length of the `data` chunk (from `ds64` in an RF64 file).
    data_len: u64,
    order: Order,
}

/// Streams samples out of a WAV file without reading ahead of need.
pub struct WavSource {
    /// Positioned inside the `data` chunk.
    reader: Buffered,
    spec: StreamSpec,
    layout: SampleLayout,
    order: Order,
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
        let Header { fmt, data_len, order } = walk_to_data(&mut reader)?;
        let layout = SampleLayout::new(&fmt)?;
        let frame = u64::from(fmt.block_align);
        if data_len % frame != 0 {
            return Err(Error::Corrupt(format!(
                "wav header: a data chunk of {data_len} bytes is not a whole number of {frame}-byte frames"
            )));
        }
        let declared_frames = data_len / frame;
        let full_scale = match layout {
            SampleLayout::F32 | SampleLayout::F64 => 1.0 - 1.0 / 32768.0,
            // The largest positive code of the valid bits.
            _ => (1.0 - 0.5f64.powi(i32::from(fmt.valid_bits) - 1)) as f32,
        };
        Ok(WavSource {
            spec: StreamSpec {
                rate: fmt.rate,
                channels: fmt.channels,
                total_frames: Some(declared_frames),
                exact_length: true,
                full_scale,
                format: "wav",
            },
            layout,
            order,
            scale: layout.scale(),
            reader,
            declared_frames,
            frames_read: 0,
            bytes: Vec::new(),
        })
    }
}

/// Reads the RIFF/RIFX/RF64 header and the chunks up to the first byte of
/// `data`, skipping every other chunk and the pad byte after an odd-sized one.
fn walk_to_data(r: &mut impl Read) -> Result<Header, Error> {
    let mut riff = [0u8; 12];
    read_exact(r, &mut riff, "wav header")?;
    let order = if &riff[..4] == b"RIFX" { Order::Big } else { Order::Little };
    let wide = matches!(&riff[..4], b"RF64" | b"BW64");
    let (mut fmt, mut ds64_data_len) = (None, None);
    loop {
        let mut header = [0u8; 8];
        read_exact(r, &mut header, "wav header (before the data chunk)")?;
        let len = order.u32(&header[4..]);
        match &header[..4] {
            b"fmt " => fmt = Some(Fmt::parse(&small_chunk(r, len, 16, "fmt")?, order)?),
            b"ds64" if wide => ds64_data_len = Some(u64_le(&small_chunk(r, len, 24, "ds64")?[8..16])),
            b"data" => {
                let fmt = fmt.ok_or_else(|| Error::Corrupt("wav header: data chunk before fmt chunk".into()))?;
                let data_len = match (wide, len) {
                    (true, u32::MAX) => ds64_data_len
                        .ok_or_else(|| Error::Corrupt("rf64 header: no ds64 chunk holds the data size".into()))?,
                    _ => u64::from(len),
                };
                return Ok(Header { fmt, data_len, order });
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

/// The body of a header chunk of `min ..= MAX_FMT_LEN` bytes (its pad byte read too).
fn small_chunk(r: &mut impl Read, len: u32, min: u32, name: &str) -> Result<Vec<u8>, Error> {
    if !(min..=MAX_FMT_LEN).contains(&len) {
        return Err(Error::Corrupt(format!("wav header: {name} chunk of {len} bytes")));
    }
    let mut body = vec![0u8; len as usize + (len as usize & 1)];
    read_exact(r, &mut body, &format!("wav {name} chunk"))?;
    body.truncate(len as usize);
    Ok(body)
}

fn u64_le(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
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
        if self.order == Order::Big {
            self.bytes[..whole * frame_bytes].chunks_exact_mut(self.layout.bytes()).for_each(<[u8]>::reverse);
        }
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

/// Opens a WAVE_FORMAT_MULAW / WAVE_FORMAT_ALAW file: walks the chunks to
/// `data` without buffering them, then decodes exactly the declared data
/// length (ending early is reported as truncation).
pub fn open_g711(stream: Stream, codec: Codec) -> Result<RawSource, Error> {
    let mut r = BufReader::with_capacity(64 * 1024, stream);
    let Header { fmt, data_len: len, .. } = walk_to_data(&mut r)?;
    let (channels, rate) = (fmt.channels, fmt.rate);
    let encoding = match codec {
        Codec::Ulaw => RawEncoding::Ulaw,
        Codec::Alaw => RawEncoding::Alaw,
    };
    let format = RawFormat { encoding, rate, channels };
    let data = ExactLen { inner: r, remaining: len, declared: len };
    RawSource::new(Box::new(data), format, Some(len))
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
    fn valid_bits_are_left_justified_and_odd_layouts_refused() {
        // 20 valid bits in 3-byte samples: the low 4 bits are zero, the values those of 24-bit.
        let wav = wav_bytes(spec_ex(SampleFormat::Int, 24, 3, 1), 10);
        let fmt = wav.windows(4).position(|w| w == b"fmt ").unwrap() + 8;
        assert_eq!(u16::from_le_bytes([wav[fmt], wav[fmt + 1]]), 0xFFFE, "hound writes WAVE_FORMAT_EXTENSIBLE");
        let mut odd = wav.clone();
        odd[fmt + 18..fmt + 20].copy_from_slice(&20u16.to_le_bytes()); // valid bits
        assert_eq!(read_all(odd.clone(), 4).unwrap(), hound_values(&wav));
        let src = WavSource::new(Box::new(Cursor::new(odd.clone()))).unwrap();
        assert_eq!(src.spec.full_scale, 1.0 - 0.5f32.powi(19));
        odd[fmt + 24] = 3; // float sub-format in 3-byte samples
        let e = WavSource::new(Box::new(Cursor::new(odd.clone()))).err().expect("refused").to_string();
        assert_eq!(e, "unsupported wav encoding: 20-bit float in 3-byte samples");
        odd[fmt + 24] = 2; // ms adpcm
        let e = WavSource::new(Box::new(Cursor::new(odd.clone()))).err().expect("refused").to_string();
        assert_eq!(e, "unsupported wav encoding: ms adpcm (format tag 0x0002)");
        odd[fmt + 24] = 1;
        odd[fmt + 12] = 4; // block align 4 for one 3-byte sample
        let e = WavSource::new(Box::new(Cursor::new(odd))).err().expect("refused").to_string();
        assert_eq!(e, "corrupt wav header: block align of 4 bytes, but 1 channel(s) of 24-bit samples take 3");
    }
}
