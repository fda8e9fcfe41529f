//! WAV input through `hound`: 8/16/24/32-bit integer and 32-bit float PCM.

use std::io::BufReader;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{EofTracker, FrameSource, Stream, StreamSpec};
use crate::error::lower_first;
use crate::Error;

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
                // Full scale: the largest positive integer code, or 1 - 2^-15 for float.
                full_scale: if float {
                    1.0 - 1.0 / 32768.0
                } else {
                    (1.0 - 0.5f64.powi(bits as i32 - 1)) as f32
                },
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
