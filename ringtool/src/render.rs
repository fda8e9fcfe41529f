//! The rendering pipeline: any supported input → 8 kHz mono 16-bit samples.
//!
//! read (streaming) → skip `start_seconds` → level statistics → downmix →
//! resample to 8 kHz → fade-in → stop at `max_seconds` → fade-out (`fade_ms`
//! when cut, else `fade_in_ms`) → normalize → quantize. Input is decoded only as far as the output needs: the filter's
//! look-ahead plus one sample to learn whether the input goes on (`cut`).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use symphonia::core::io::{MediaSource, ReadOnlySource};

use crate::dsp::{downmix, envelope, resample::Resampler, stats::LevelStats};
use crate::input::{self, FrameSource};
use crate::{Error, OptionField, RawFormat};

/// Output sample rate of every ring tone, in Hz.
pub const OUTPUT_RATE: u32 = 8_000;
/// Longest `max_seconds` accepted: an hour of 8 kHz audio is 115 MB of `f32`
/// while rendering, and no phone takes a ring tone anywhere near that long.
pub const MAX_OUTPUT_SECONDS: f64 = 3600.0;
/// Default fade-in at the start of every tone, in milliseconds: enough that a
/// first sample cut mid-waveform (`start_seconds`, or a file that starts at a
/// peak) does not click, too short to soften an attack audibly.
pub const DEFAULT_FADE_IN_MS: u32 = 5;
/// Most gain `normalize_dbfs` applies, in dB. Near-silent input (dither, hum,
/// a fade tail) would otherwise be raised by 100 dB or more into loud noise;
/// +40 dB lifts any quiet but real recording to a usable level.
pub const MAX_NORMALIZE_GAIN_DB: f64 = 40.0;
/// Input frames decoded per step.
const CHUNK_FRAMES: usize = 4096;

/// Where the audio comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A file whose format (WAV, MP3, FLAC, Ogg Vorbis) is recognised by content.
    File(&'a Path),
    /// A headerless PCM file laid out as `format` says.
    Raw {
        /// The file.
        path: &'a Path,
        /// Its encoding, rate and channel count.
        format: RawFormat,
    },
}

/// How to turn the input into a ring tone.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// Seconds of input to skip first (≥ 0).
    pub start_seconds: f64,
    /// Longest output in seconds (> 0, ≤ [`MAX_OUTPUT_SECONDS`]); longer input is cut.
    pub max_seconds: f64,
    /// Fade-out length applied at the cut, in milliseconds (only when cut).
    pub fade_ms: u32,
    /// Fade-in length at the start, in milliseconds (always; 0 for none). An
    /// input that ends before `max_seconds` also fades out over this length.
    pub fade_in_ms: u32,
    /// Scale the output so its peak sits at this level in dBFS (≤ 0), e.g. `-1.0`.
    pub normalize_dbfs: Option<f64>,
}

impl Default for RenderOptions {
    /// Start at 0, 16 s cap (the Htek guide's example), 50 ms fade-out,
    /// [`DEFAULT_FADE_IN_MS`] fade-in, no normalization.
    fn default() -> Self {
        RenderOptions {
            start_seconds: 0.0,
            max_seconds: 16.0,
            fade_ms: 50,
            fade_in_ms: DEFAULT_FADE_IN_MS,
            normalize_dbfs: None,
        }
    }
}

impl RenderOptions {
    /// Rejects values that make no sense (negative start, zero or infinite cap, ...).
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |option, reason| Err(Error::BadOption { option, reason });
        let (start, max) = (self.start_seconds, self.max_seconds);
        if !start.is_finite() || start < 0.0 {
            return bad(OptionField::StartSeconds, format!("{start} must be a finite number >= 0"));
        }
        if !max.is_finite() || max <= 0.0 {
            return bad(OptionField::MaxSeconds, format!("{max} must be a finite number > 0"));
        }
        if max > MAX_OUTPUT_SECONDS {
            return bad(OptionField::MaxSeconds, format!("{max} exceeds the limit of {MAX_OUTPUT_SECONDS}"));
        }
        if max * f64::from(OUTPUT_RATE) < 1.0 {
            return bad(OptionField::MaxSeconds, format!("{max} is shorter than one 8 kHz sample"));
        }
        if let Some(db) = self.normalize_dbfs {
            if !(-90.0..=0.0).contains(&db) {
                return bad(OptionField::NormalizeDbfs, format!("{db} must be between -90 and 0"));
            }
        }
        Ok(())
    }
}

/// A rendered ring tone before encoding.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// 8 kHz mono 16-bit samples.
    pub samples: Vec<i16>,
    /// Length of the whole input in seconds, when its headers tell.
    pub input_seconds: Option<f64>,
    /// True when the input (after `start_seconds`) was longer than `max_seconds`.
    pub cut: bool,
    /// Non-fatal findings: silent or clipped input, skipped packets, ...
    pub warnings: Vec<String>,
}

impl Rendered {
    /// Output length in seconds.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(OUTPUT_RATE)
    }
}

/// Renders a file into an 8 kHz mono ring tone.
pub fn render(src: &Source, opts: &RenderOptions) -> Result<Rendered, Error> {
    opts.validate()?;
    let (path, raw) = match *src {
        Source::File(path) => (path, None),
        Source::Raw { path, format } => (path, Some(format)),
    };
    let file = File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(Error::Io(std::io::ErrorKind::IsADirectory.into()));
    }
    let source = input::open(Box::new(file) as Box<dyn MediaSource>, raw)?;
    run(source, opts)
}

/// Renders from any reader (a pipe, a socket, a test's byte counter): the
/// format is recognised by content unless `raw` describes headerless PCM.
/// Reads only as far as the output needs.
pub fn render_reader<R: Read + Send + Sync + 'static>(
    reader: R,
    raw: Option<RawFormat>,
    opts: &RenderOptions,
) -> Result<Rendered, Error> {
    opts.validate()?;
    let source = input::open(Box::new(ReadOnlySource::new(reader)), raw)?;
    run(source, opts)
}

/// The pipeline proper, over an opened source.
fn run(mut source: Box<dyn FrameSource>, opts: &RenderOptions) -> Result<Rendered, Error> {
    let spec = source.spec().clone();
    spec.check()?;
    let mut pipe = Pipeline::new(&spec, opts);
    pipe.read_input(source.as_mut())?;
    if pipe.ended {
        pipe.check_not_truncated(&spec)?;
        pipe.resampler.finish(&mut pipe.pending);
        pipe.fade_in.apply(&mut pipe.pending, pipe.samples.len());
    }
    pipe.check_has_samples(opts)?;
    let cut = pipe.resampler.output_len(pipe.used) > pipe.cap;
    // When reading stopped early every output sample is already computable,
    // but finish() was not called: compute nothing more, the cap is reached.
    debug_assert!(pipe.ended || (pipe.samples.len() + pipe.pending.len()) as u64 == pipe.cap);
    let input_seconds = spec.total_frames.map(|n| n as f64 / pipe.rate);
    let (samples, warnings) = pipe.finish_output(cut, opts.normalize_dbfs, source.warnings());
    Ok(Rendered { samples, input_seconds, cut, warnings })
}

/// The state of one render: how far the input was read, and the output built from it so far.
///
/// Output samples become final 16-bit samples as soon as they exist, except
/// those a fade at the cut may touch, or all of them when normalization
/// needs the peak of the whole: only those wait as `f32` in `pending`. (A
/// 16 s tone held whole as `f32` would be 512 KB of fresh memory, and page
/// faults are a noticeable share of a ring tone's run time.)
struct Pipeline {
    /// Interleaved channels of the input.
    channels: usize,
    /// Input sample rate in Hz.
    rate: f64,
    /// Longest output, in output samples.
    cap: u64,
    /// Input frames (after the skip) that decide every output sample and `cut`.
    needed: u64,
    /// Input frames `start_seconds` skips.
    skip: u64,
    /// Input frames of the skip still to read and drop.
    to_skip: u64,
    resampler: Resampler,
    stats: LevelStats,
    /// Fade-out length at a cut, in output samples.
    fade: usize,
    fade_in: FadeIn,
    /// Output samples before this index may be settled (quantized) at once.
    final_before: u64,
    /// Settled output samples.
    samples: Vec<i16>,
    /// Output samples not settled yet, following `samples`.
    pending: Vec<f32>,
    /// Output samples clipped while quantizing.
    clamped: usize,
    /// Input frames read after the skip.
    used: u64,
    /// True when the input ended before `needed` frames were read.
    ended: bool,
}

impl Pipeline {
    /// Sets up the render of an input described by `spec` (already checked).
    fn new(spec: &input::StreamSpec, opts: &RenderOptions) -> Pipeline {
        let rate = f64::from(spec.rate);
        let cap = (opts.max_seconds * f64::from(OUTPUT_RATE)).round() as u64;
        let resampler = Resampler::new(spec.rate, OUTPUT_RATE, cap);
        let needed = resampler.input_needed(cap).max((cap as f64 * rate / f64::from(OUTPUT_RATE)).floor() as u64 + 1);
        let skip = (opts.start_seconds * rate).round() as u64;
        let fade = (u64::from(opts.fade_ms) * u64::from(OUTPUT_RATE) / 1000) as usize;
        let fade_in = FadeIn { len: (u64::from(opts.fade_in_ms) * u64::from(OUTPUT_RATE) / 1000) as usize, done: 0 };
        let final_before = if opts.normalize_dbfs.is_some() { 0 } else { cap.saturating_sub(fade as u64) };
        Pipeline {
            channels: usize::from(spec.channels),
            rate,
            cap,
            needed,
            skip,
            to_skip: skip,
            resampler,
            stats: LevelStats::new(spec.full_scale),
            fade,
            fade_in,
            final_before,
            samples: Vec::with_capacity(cap.min(1 << 20) as usize),
            pending: Vec::new(),
            clamped: 0,
            used: 0,
            ended: false,
        }
    }

    /// Reads the input in chunks until `needed` frames after the skip are in, or it ends.
    fn read_input(&mut self, source: &mut dyn FrameSource) -> Result<(), Error> {
        let mut interleaved = Vec::with_capacity(CHUNK_FRAMES * self.channels);
        let mut mono = Vec::with_capacity(CHUNK_FRAMES);
        while self.used < self.needed {
            interleaved.clear();
            let want = if self.to_skip > 0 {
                self.to_skip.min(CHUNK_FRAMES as u64) as usize
            } else {
                (self.needed - self.used).min(CHUNK_FRAMES as u64) as usize
            };
            let frames = source.read_frames(&mut interleaved, want)?;
            if frames == 0 {
                self.ended = true;
                break;
            }
            if self.to_skip > 0 {
                self.to_skip -= frames as u64;
                continue;
            }
            self.process_chunk(&interleaved, frames, &mut mono);
        }
        Ok(())
    }

    /// Counts, downmixes, resamples and fades one chunk of `frames` input frames,
    /// then settles the output samples that no later step can change.
    fn process_chunk(&mut self, interleaved: &[f32], frames: usize, mono: &mut Vec<f32>) {
        // Statistics cover only the input that reaches the output.
        let in_output =
            ((self.cap as f64 * self.rate / f64::from(OUTPUT_RATE)).ceil() as u64).saturating_sub(self.used);
        let counted = (frames as u64).min(in_output) as usize * self.channels;
        self.stats.observe(&interleaved[..counted]);
        mono.clear();
        downmix::downmix_to_mono(interleaved, self.channels, mono);
        self.resampler.push(mono, &mut self.pending);
        self.fade_in.apply(&mut self.pending, self.samples.len());
        self.used += frames as u64;
        // The last `fade_in.len` samples so far wait too: the input may end there, and be faded.
        let produced = (self.samples.len() + self.pending.len()).saturating_sub(self.fade_in.len) as u64;
        let settled = self.final_before.min(produced).saturating_sub(self.samples.len() as u64) as usize;
        self.clamped += envelope::quantize_into(&self.pending[..settled], &mut self.samples);
        self.pending.drain(..settled);
    }

    /// Refuses an input that ended before the length its header declares exactly.
    fn check_not_truncated(&self, spec: &input::StreamSpec) -> Result<(), Error> {
        if let (true, Some(total)) = (spec.exact_length, spec.total_frames) {
            let read = self.skip - self.to_skip + self.used;
            if read < total {
                return Err(Error::Truncated(format!(
                    "{} data ends after {:.3} s of the {:.3} s its header declares",
                    spec.format,
                    read as f64 / self.rate,
                    total as f64 / self.rate
                )));
            }
        }
        Ok(())
    }

    /// Refuses a render that read no input after the skip.
    fn check_has_samples(&self, opts: &RenderOptions) -> Result<(), Error> {
        if self.used > 0 {
            return Ok(());
        }
        Err(match (self.ended, self.to_skip > 0 || opts.start_seconds > 0.0) {
            (true, true) => Error::BadOption {
                option: OptionField::StartSeconds,
                reason: format!("{} is at or past the end of the input", opts.start_seconds),
            },
            _ => Error::NoSamples,
        })
    }

    /// Fades out, normalizes and quantizes what is pending; returns the output
    /// samples and the warnings (level statistics, then `source_warnings`, then
    /// normalization and clipping).
    fn finish_output(
        mut self,
        cut: bool,
        normalize_dbfs: Option<f64>,
        source_warnings: Vec<String>,
    ) -> (Vec<i16>, Vec<String>) {
        if cut {
            // The output is `cap` long and `pending` holds at least its last `fade` samples.
            envelope::fade_out(&mut self.pending, self.fade);
        } else {
            // An input that ends by itself ends as short-faded as it starts: no click on repetition.
            envelope::fade_out(&mut self.pending, self.fade_in.len);
        }
        let mut warnings = self.stats.warnings();
        warnings.extend(source_warnings);
        if let Some(db) = normalize_dbfs {
            // Nothing was settled early: `pending` is the whole output.
            warnings.extend(normalize(&mut self.pending, db));
        }
        self.clamped += envelope::quantize_into(&self.pending, &mut self.samples);
        if self.clamped > 0 {
            warnings.push(format!(
                "{} output sample(s) exceeded full scale after resampling and were clipped",
                self.clamped
            ));
        }
        (self.samples, warnings)
    }
}

/// The fade-in, applied to output samples as the resampler produces them, before any is settled.
struct FadeIn {
    /// Fade length in output samples.
    len: usize,
    /// Output samples faded so far.
    done: usize,
}

impl FadeIn {
    /// Fades the not yet faded samples of `pending`, whose first is output sample `settled`.
    fn apply(&mut self, pending: &mut [f32], settled: usize) {
        let end = self.len.min(settled + pending.len());
        if self.done < end {
            envelope::fade_in(&mut pending[self.done - settled..end - settled], self.done, self.len);
            self.done = end;
        }
    }
}

/// Normalizes the whole output to `dbfs`, gain capped at [`MAX_NORMALIZE_GAIN_DB`]; returns the warning, if any.
fn normalize(samples: &mut [f32], dbfs: f64) -> Option<String> {
    match envelope::normalize(samples, dbfs, MAX_NORMALIZE_GAIN_DB) {
        None => Some("normalization skipped: the output is digital silence".into()),
        Some(n) if n.capped => Some(format!(
            "normalization gain capped at +{MAX_NORMALIZE_GAIN_DB} dB ({dbfs} dBFS needed +{:.1} dB): the output peaks at {:.1} dBFS",
            n.wanted_db,
            dbfs - n.wanted_db + MAX_NORMALIZE_GAIN_DB
        )),
        Some(_) => None,
    }
}
