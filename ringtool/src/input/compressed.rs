//! MP3, FLAC and Ogg Vorbis input through `symphonia`, one packet at a time.

use symphonia::core::audio::{SampleBuffer, SignalSpec};
use symphonia::core::codecs::{Decoder, DecoderOptions, CODEC_TYPE_NULL};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::detect::InputKind;
use super::{FrameSource, Stream, StreamSpec};
use crate::error::lower_first;
use crate::Error;

/// Undecodable packets in a row after which the stream is declared corrupt.
const MAX_BAD_PACKETS_IN_A_ROW: u32 = 16;

/// Decodes a compressed stream lazily, buffering at most one packet of audio.
pub struct CompressedSource {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    kind: InputKind,
    spec: StreamSpec,
    signal: SignalSpec,
    sample_buf: Option<SampleBuffer<f32>>,
    pending: Vec<f32>,
    pending_pos: usize,
    ended: bool,
    skipped_packets: u64,
    /// Frames handed out so far, and whether `spec.total_frames` ends the stream ([`Self::ending_at`]).
    delivered: u64,
    capped: bool,
}

impl CompressedSource {
    /// Probes the container, picks the first audio track and decodes until the
    /// first audio packet so rate and channel count are known.
    pub fn new(stream: Stream, kind: InputKind) -> Result<CompressedSource, Error> {
        let name = kind.name();
        let mss = MediaSourceStream::new(stream, Default::default());
        let mut hint = Hint::new();
        hint.with_extension(name);
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                mss,
                &FormatOptions { enable_gapless: true, ..Default::default() },
                &MetadataOptions::default(),
            )
            .map_err(|e| stream_error(kind, e))?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| Error::Corrupt(format!("{name}: no audio track")))?;
        let track_id = track.id;
        let total_frames = track.codec_params.n_frames;
        let decoder = symphonia::default::get_codecs().make(&track.codec_params, &DecoderOptions::default()).map_err(
            |e| match e {
                SymphoniaError::Unsupported(_) => Error::Unsupported(format!("codec in this {name} file")),
                other => stream_error(kind, other),
            },
        )?;
        let mut source = CompressedSource {
            format,
            decoder,
            track_id,
            kind,
            spec: StreamSpec {
                rate: 0,
                channels: 0,
                total_frames,
                // MP3 lengths come from a Xing/VBRI header or the file size.
                exact_length: kind != InputKind::Mp3,
                full_scale: 32767.0 / 32768.0,
                format: name,
            },
            signal: SignalSpec::new(0, Default::default()),
            sample_buf: None,
            pending: Vec::new(),
            pending_pos: 0,
            ended: false,
            skipped_packets: 0,
            delivered: 0,
            capped: false,
        };
        if !source.decode_next()? {
            return Err(Error::NoSamples);
        }
        Ok(source)
    }

    /// Ends the stream after `frames` frames when given: an ADPCM WAV's `fact` chunk (its last block
    /// is padded to the block size) or an AIFF's `COMM` count (symphonia's is two frames long).
    pub fn ending_at(mut self, frames: Option<u32>) -> CompressedSource {
        if let Some(frames) = frames {
            self.spec.total_frames = Some(u64::from(frames));
            self.capped = true;
        }
        self
    }

    /// Decodes the next packet of our track into `pending`. False at the end.
    fn decode_next(&mut self) -> Result<bool, Error> {
        let mut bad_in_a_row = 0;
        loop {
            let packet = match self.format.next_packet() {
                Ok(p) => p,
                Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.ended = true;
                    return Ok(false);
                }
                Err(SymphoniaError::ResetRequired) => {
                    self.ended = true;
                    return Ok(false);
                }
                Err(e) => return Err(stream_error(self.kind, e)),
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(audio) => {
                    let signal = *audio.spec();
                    let channels = signal.channels.count() as u16;
                    if self.spec.channels == 0 {
                        self.signal = signal;
                        self.spec.rate = signal.rate;
                        self.spec.channels = channels;
                        self.spec.check()?;
                    } else if signal.rate != self.spec.rate || channels != self.spec.channels {
                        return Err(Error::Unsupported(format!(
                            "{} stream whose rate or channel count changes midway",
                            self.kind.name()
                        )));
                    }
                    let frames = audio.capacity() as u64;
                    let fits = self.sample_buf.as_ref().is_some_and(|b| b.capacity() as u64 >= frames);
                    if !fits {
                        self.sample_buf = Some(SampleBuffer::new(frames, self.signal));
                    }
                    let buf = self.sample_buf.as_mut().expect("allocated above");
                    buf.copy_interleaved_ref(audio);
                    self.pending.clear();
                    self.pending.extend_from_slice(buf.samples());
                    self.pending_pos = 0;
                    if !self.pending.is_empty() {
                        return Ok(true);
                    }
                }
                Err(SymphoniaError::DecodeError(_)) => {
                    self.skipped_packets += 1;
                    bad_in_a_row += 1;
                    if bad_in_a_row >= MAX_BAD_PACKETS_IN_A_ROW {
                        return Err(Error::Corrupt(format!(
                            "{}: {bad_in_a_row} undecodable packets in a row",
                            self.kind.name()
                        )));
                    }
                }
                Err(e) => return Err(stream_error(self.kind, e)),
            }
        }
    }
}

impl FrameSource for CompressedSource {
    fn spec(&self) -> &StreamSpec {
        &self.spec
    }

    fn read_frames(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, Error> {
        let channels = usize::from(self.spec.channels);
        let left = match self.spec.total_frames {
            Some(total) if self.capped => usize::try_from(total.saturating_sub(self.delivered)).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        let max_frames = max_frames.min(left);
        let mut frames = 0;
        while frames < max_frames {
            if self.pending_pos >= self.pending.len() && (self.ended || !self.decode_next()?) {
                break;
            }
            let available = (self.pending.len() - self.pending_pos) / channels;
            let take = available.min(max_frames - frames);
            let end = self.pending_pos + take * channels;
            out.extend_from_slice(&self.pending[self.pending_pos..end]);
            self.pending_pos = end;
            frames += take;
        }
        self.delivered += frames as u64;
        Ok(frames)
    }

    fn warnings(&self) -> Vec<String> {
        if self.skipped_packets > 0 {
            vec![format!("skipped {} undecodable {} packet(s)", self.skipped_packets, self.kind.name())]
        } else {
            Vec::new()
        }
    }
}

/// Maps a demuxer/decoder failure to our error, naming the format.
fn stream_error(kind: InputKind, e: SymphoniaError) -> Error {
    let name = kind.name();
    match e {
        SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::Truncated(format!("{name} stream ends unexpectedly"))
        }
        SymphoniaError::IoError(io) => Error::Io(io),
        SymphoniaError::Unsupported(what) => Error::Unsupported(format!("{name} feature: {what}")),
        SymphoniaError::LimitError(what) => Error::Unsupported(format!("{name} stream: limit reached: {what}")),
        other => Error::Corrupt(format!("{name}: {}", lower_first(&other.to_string()))),
    }
}
