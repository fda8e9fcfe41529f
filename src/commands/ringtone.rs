//! `bundler ringtone`: its arguments and what it prints; the tone is made by
//! `bundler::kinds::ringtone::build_for_slot`.

use anyhow::{Context as _, Result};
use bundler::kinds::ringtone::{build_for_slot, Origin, Request};
use bundler::mechanisms::output::write_atomic;
use bundler::mechanisms::report::print_json;
use bundler::Context;
use ringtool::{Codec, Container, RawEncoding, RawFormat};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    allow_negative_numbers = true,
    after_help = "Examples:\n  bundler ringtone jingle.wav --slot 5\n  bundler ringtone song.mp3 --slot 6 --start 12 --max-seconds 10 --normalize\n  bundler ringtone tone.pcm --raw s16le --rate 16000 --channels 1 --slot 4 --out-dir tftp/\n\nEvery tone fades in over --fade-in-ms (default 5 ms), so a start cut mid-waveform does not click; an input that ends before the cap fades out over the same length, so the repeating ring does not click either. The sample count is even: a gsrt file needs no pad byte. A --container other than the model's needs -o with a name of its kind (*.bin for gsrt, *.wav for WAV): under its slot name the phone would fetch a file it cannot read.\n\nThe output is written atomically; its header time comes from SOURCE_DATE_EPOCH (else 1970-01-01 00:00 UTC)."
)]
pub struct Args {
    /// Audio file: WAV (PCM, float, G.711, IMA/MS ADPCM), AIFF, Sun .au, MP3, FLAC, Ogg Vorbis, or headerless PCM with --raw.
    pub input: PathBuf,
    /// Ring-tone slot to fill (Htek: 4–8, giving ring4.bin … ring8.bin).
    #[arg(long)]
    pub slot: u8,
    /// Phone model whose rules apply (default: the Htek UC900 rules).
    #[arg(long)]
    pub model: Option<String>,
    /// Longest ring tone in seconds (default: the model's cap, 16 s for Htek).
    #[arg(long, value_name = "S")]
    pub max_seconds: Option<f64>,
    /// G.711 codec: ulaw or alaw (default: the model's).
    #[arg(long)]
    pub codec: Option<Codec>,
    /// Container: gsrt, g711-wav or pcm-wav (default: the model's; another one needs -o NAME.bin/.wav).
    #[arg(long)]
    pub container: Option<Container>,
    /// Skip this many seconds of the input first.
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub start: f64,
    /// Fade-out length at the cut, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub fade_ms: u32,
    /// Fade-in length at the start, in milliseconds (0 for none); also the fade-out of an input that ends before the cap.
    #[arg(long, value_name = "N", default_value_t = ringtool::render::DEFAULT_FADE_IN_MS)]
    pub fade_in_ms: u32,
    /// Scale to this peak level in dBFS (default -1 when given without a value; gain at most +40 dB).
    #[arg(long, value_name = "DB", num_args = 0..=1, default_missing_value = "-1")]
    pub normalize: Option<f64>,
    /// Treat the input as headerless PCM: s16le, s16be, u8, s8, ulaw or alaw (needs --rate and --channels).
    #[arg(long, value_name = "ENCODING", requires_all = ["rate", "channels"])]
    pub raw: Option<RawEncoding>,
    /// Sample rate of --raw input.
    #[arg(long, value_name = "HZ")]
    pub rate: Option<u32>,
    /// Channel count of --raw input.
    #[arg(long, value_name = "N")]
    pub channels: Option<u16>,
    /// Output file (default: the model's name for the slot, e.g. ./ring5.bin).
    #[arg(short, long, conflicts_with = "out_dir")]
    pub output: Option<PathBuf>,
    /// Output folder (created if missing); the file gets the model's name for the slot.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// What one ring-tone build made.
#[derive(Debug, Serialize)]
pub struct Built {
    pub output: String,
    pub model: String,
    pub slot: u8,
    pub seconds: f64,
    pub bytes: usize,
    pub codec: String,
    pub container: String,
    pub cut: bool,
    pub input_seconds: Option<f64>,
    pub warnings: Vec<String>,
}

/// Builds the tone, writes it (atomically), and reports it.
pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let model = match args.model.as_deref() {
        Some(name) => ctx.layouts.model(name)?,
        None => ctx.layouts.default_model()?,
    };
    let request = args.request()?;
    let (out, encoded) = build_for_slot(&request, model, args.slot, args.output.as_deref(), args.out_dir.as_deref())?;
    write_atomic(&out, &encoded.bytes)?;
    let built = Built {
        output: out.display().to_string(),
        model: model.name.clone(),
        slot: args.slot,
        seconds: encoded.seconds,
        bytes: encoded.bytes.len(),
        codec: encoded.codec.to_string(),
        container: encoded.container.to_string(),
        cut: encoded.cut,
        input_seconds: encoded.input_seconds,
        warnings: encoded.warnings,
    };
    print_built(args, &built, out.as_os_str() == "-")?;
    Ok(ExitCode::SUCCESS)
}

impl Args {
    /// The request the flags make.
    fn request(&self) -> Result<Request<'_>> {
        let raw = match self.raw {
            Some(encoding) => Some(RawFormat {
                encoding,
                rate: self.rate.context("--raw needs --rate")?,
                channels: self.channels.context("--raw needs --channels")?,
            }),
            None => None,
        };
        Ok(Request {
            input: &self.input,
            raw,
            max_seconds: self.max_seconds,
            codec: self.codec,
            container: self.container,
            start: self.start,
            fade_ms: self.fade_ms,
            fade_in_ms: self.fade_in_ms,
            normalize: self.normalize,
            origin: Origin::CommandLine,
        })
    }
}

/// Prints what was built: JSON, or its warnings and one summary line. With `-o -` the tone itself
/// is on standard output, so the summary goes to standard error (`summary_on_stderr`).
fn print_built(args: &Args, built: &Built, summary_on_stderr: bool) -> Result<()> {
    if args.json && summary_on_stderr {
        eprintln!("{}", serde_json::to_string_pretty(built)?);
        return Ok(());
    } else if args.json {
        return print_json(built);
    }
    for w in &built.warnings {
        eprintln!("warning: {}: {w}", args.input.display());
    }
    let cut = match (built.cut, built.input_seconds) {
        (true, Some(s)) => format!(", cut from {s:.2} s"),
        (true, None) => ", cut".to_string(),
        (false, _) => ", not cut".to_string(),
    };
    let line = format!(
        "{}: {:.2} s, {} bytes, {} {}{cut}",
        built.output, built.seconds, built.bytes, built.codec, built.container
    );
    if bundler::quiet() {
    } else if summary_on_stderr {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}
