//! WAV input: 8/16/24/32-bit integer and 32-bit float PCM through `hound`;
//! G.711 (µ-law/A-law) WAV, which `hound` cannot read, through the raw reader.

use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::raw::RawSource;
use super::{EofTracker, FrameSource, Stream, StreamSpec};
use crate::error::lower_first;
use crate::{Codec, Error, RawEncoding, RawFormat};

/// Largest `fmt ` chunk accepted (a real one is 16 to 40 bytes).
const MAX_FMT_LEN: u32 = 4096;

type Reader = hound::WavReader<BufReader<EofTracker<Stream>>>;

/// Streams samples out of a WAV file without reading ahead of need.
pub struct WavSource {
    reader: Reader,
    spec: StreamSpec,
    float: bool,
    scale: f32,
    hit_eof: Arc<AtomicBool>,
    declared_frames: u64,
    frames_read: u64,
}

impl WavSource {
    /// Parses the header (up to the start of the `data` chunk).
    pub fn new(stream: Stream) -> Result<WavSource, Error> {
        let (tracked, hit_eof) = EofTracker::new(stream);
        let reader = hound::WavReader::new(BufReader::with_capacity(64 * 1024, tracked))
            .map_err(|e| header_error(e, &hit_eof))?;
        let s = reader.spec();
        let float = s.sample_format == hound::SampleFormat::Float;
        let bits = u32::from(s.bits_per_sample).clamp(1, 32);
        let declared_frames = u64::from(reader.duration());
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
            float,
            scale: 0.5f64.powi(bits as i32 - 1) as f32,
            reader,
            hit_eof,
            declared_frames,
            frames_read: 0,
        })
    }

    fn sample_error(&self, e: hound::Error) -> Error {
        if self.hit_eof.load(Ordering::Relaxed) {
            let rate = f64::from(self.spec.rate);
            Error::Truncated(format!(
                "wav data ends after {:.3} s of the {:.3} s its header declares",
                self.frames_read as f64 / rate,
                self.declared_frames as f64 / rate
            ))
        } else {
            hound_error(e)
        }
    }
}

impl FrameSource for WavSource {
    fn spec(&self) -> &StreamSpec {
        &self.spec
    }

    fn read_frames(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, Error> {
        let channels = usize::from(self.spec.channels);
        let wanted = max_frames * channels;
        let start = out.len();
        let mut failure = None;
        if self.float {
            for s in self.reader.samples::<f32>().take(wanted) {
                match s {
                    Ok(v) => out.push(v),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        } else {
            let scale = self.scale;
            for s in self.reader.samples::<i32>().take(wanted) {
                match s {
                    Ok(v) => out.push(v as f32 * scale),
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
        }
        let samples = out.len() - start;
        self.frames_read += (samples / channels) as u64;
        if let Some(e) = failure {
            return Err(self.sample_error(e));
        }
        Ok(samples / channels)
    }
}

/// Maps a header-parsing failure; running out of bytes there means truncation.
fn header_error(e: hound::Error, hit_eof: &AtomicBool) -> Error {
    if hit_eof.load(Ordering::Relaxed) {
        Error::Truncated("wav header ends before the data chunk".into())
    } else {
        hound_error(e)
    }
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
    let mut riff = [0u8; 12];
    read_exact(&mut r, &mut riff, "wav header")?;
    let mut layout: Option<(u16, u32)> = None;
    loop {
        let mut header = [0u8; 8];
        read_exact(&mut r, &mut header, "wav chunk list")?;
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        match &header[..4] {
            b"fmt " => {
                if !(16..=MAX_FMT_LEN).contains(&len) {
                    return Err(Error::Corrupt(format!("wav header: fmt chunk of {len} bytes")));
                }
                let mut body = vec![0u8; len as usize + (len as usize & 1)];
                read_exact(&mut r, &mut body, "wav fmt chunk")?;
                let channels = u16::from_le_bytes([body[2], body[3]]);
                let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
                layout = Some((channels, rate));
            }
            b"data" => {
                let (channels, rate) =
                    layout.ok_or_else(|| Error::Corrupt("wav header: data chunk before fmt chunk".into()))?;
                let encoding = match codec {
                    Codec::Ulaw => RawEncoding::Ulaw,
                    Codec::Alaw => RawEncoding::Alaw,
                };
                let format = RawFormat { encoding, rate, channels };
                let data = ExactLen { inner: r, remaining: u64::from(len), declared: u64::from(len) };
                return RawSource::new(Box::new(data), format, Some(u64::from(len)));
            }
            _ => {
                let skip = u64::from(len) + u64::from(len & 1);
                if io::copy(&mut (&mut r).take(skip), &mut io::sink())? < skip {
                    return Err(Error::Truncated("wav header ends before the data chunk".into()));
                }
            }
        }
    }
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
