//! Ring tones: `build` makes `ring<N>.bin` (or the model's container) from audio, for `bundler
//! ringtone` and releases, and `check` compares an existing ring file against a model's rules for
//! `inspect` and `verify`.

use crate::mechanisms::artifact::{Output, Place};
use crate::mechanisms::output::write_atomic;
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::{Model, RingRules};
use crate::Context;
use anyhow::{bail, Result};
use ringtool::{Codec, Container, OptionField, RawFormat, RenderOptions, Source, Timestamp};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A ring-tone request, independent of where it came from (command line or release manifest).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub input: &'a Path,
    pub raw: Option<RawFormat>,
    pub max_seconds: Option<f64>,
    pub codec: Option<Codec>,
    pub container: Option<Container>,
    pub start: f64,
    pub fade_ms: u32,
    pub fade_in_ms: u32,
    pub normalize: Option<f64>,
    /// Where the options were written, so errors name them as the user did.
    pub origin: Origin,
}

/// Where a ring-tone request's options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `bundler ringtone` flags.
    CommandLine,
    /// A `[ringtones]` entry of a release manifest.
    Manifest { slot: u8 },
}

impl Origin {
    /// How the user wrote `option`: `--start` on the command line, `[ringtones] 5: start` in a manifest.
    pub fn name(self, option: OptionField) -> String {
        let (flag, key) = match option {
            OptionField::StartSeconds => ("--start", "start"),
            OptionField::MaxSeconds => ("--max-seconds", "max_seconds"),
            OptionField::FadeMs => ("--fade-ms", "fade_ms"),
            OptionField::FadeInMs => ("--fade-in-ms", "fade_in_ms"),
            OptionField::NormalizeDbfs => ("--normalize", "normalize"),
            other => (other.field(), other.field()),
        };
        match self {
            Origin::CommandLine => flag.to_string(),
            Origin::Manifest { slot } => format!("[ringtones] {slot}: {key}"),
        }
    }
}

/// A `[ringtones]` slot of a release: one ring tone built under the rule model's rules.
#[derive(Debug, Clone, Serialize)]
pub struct RingSpec {
    pub slot: u8,
    pub file: PathBuf,
    pub max_seconds: Option<f64>,
    pub start: f64,
    #[serde(serialize_with = "crate::mechanisms::artifact::serialize_display")]
    pub codec: Option<ringtool::Codec>,
    pub normalize: Option<f64>,
    pub fade_ms: u32,
    pub fade_in_ms: u32,
}

impl crate::mechanisms::artifact::ArtifactSpec for RingSpec {
    fn build(&self, at: &Place<'_>) -> Result<Vec<Output>> {
        let req = Request {
            input: &self.file,
            raw: None,
            max_seconds: self.max_seconds,
            codec: self.codec,
            container: None,
            start: self.start,
            fade_ms: self.fade_ms,
            fade_in_ms: self.fade_in_ms,
            normalize: self.normalize,
            origin: Origin::Manifest { slot: self.slot },
        };
        let enc = build(&req, at.model)?;
        let details = serde_json::json!({
            "seconds": (enc.seconds * 1000.0).round() / 1000.0,
            "codec": enc.codec.to_string(),
            "container": enc.container.to_string(),
            "cut": enc.cut,
            "warnings": enc.warnings,
        });
        Ok(Output::at_each(at.outputs, &enc.bytes, &details))
    }
}

/// The encoded file and what it holds.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub seconds: f64,
    pub codec: Codec,
    pub container: Container,
    pub cut: bool,
    pub input_seconds: Option<f64>,
    pub warnings: Vec<String>,
}

/// The tone for `slot` of `model` and where `bundler ringtone` writes it: `output`, else the
/// model's file name for the slot in `out_dir` (or here); refused when that name says another
/// container than the tone's. Reads the input; writes nothing.
pub fn build_for_slot(
    req: &Request,
    model: &Model,
    slot: u8,
    output: Option<&Path>,
    out_dir: Option<&Path>,
) -> Result<(PathBuf, Encoded)> {
    let file_name = model.ringtone.file_for_slot(slot, &model.name)?;
    let out = match (output, out_dir) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(dir)) => dir.join(&file_name),
        (None, None) => PathBuf::from(&file_name),
    };
    let (_, container) = codec_and_container(req, model)?;
    check_output_name(&out, &file_name, container, model)?;
    Ok((out, build(req, model)?))
}

/// Refuses an output the phone or a reader would take for something else: a container other
/// than the model's under the model's own slot file name (the phone fetches it and cannot read
/// it), or any other name whose extension says another container (`.bin` is gsrt, `.wav` WAV).
fn check_output_name(out: &Path, slot_file: &str, container: Container, model: &Model) -> Result<()> {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let wanted = if container == Container::Gsrt { "bin" } else { "wav" };
    if name == slot_file {
        if container != model.ringtone.container {
            bail!(
                "--container {container}: {} fetches {slot_file} as {}, so it could not play a {container} file \
                 there; to write one anyway, name it with -o NAME.{wanted}",
                model.name,
                model.ringtone.container
            );
        }
        return Ok(()); // the layout's own name for its own container
    }
    // A stream (`-`, a device, a FIFO) has no name a reader would go by.
    let stream = out.as_os_str() == "-" || std::fs::metadata(out).is_ok_and(|m| !m.is_file() && !m.is_dir());
    let ext = out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if !stream && ext.as_deref() != Some(wanted) {
        bail!("-o {}: a {container} ring tone must be named *.{wanted}", out.display());
    }
    Ok(())
}

/// The codec and container of a request: its own, else the model's.
fn codec_and_container(req: &Request, model: &Model) -> Result<(Codec, Container)> {
    let rules = &model.ringtone;
    Ok((req.codec.unwrap_or(rules.codec), req.container.unwrap_or(rules.container)))
}

/// Decodes, processes and encodes one ring tone under `model`'s rules. Nothing is written.
pub fn build(req: &Request, model: &Model) -> Result<Encoded> {
    let rules = &model.ringtone;
    let shown = req.input.display();
    let (codec, container) = codec_and_container(req, model)?;
    if rules.sample_rate != ringtool::render::OUTPUT_RATE {
        bail!(
            "layout of {}: ring-tone sample_rate {} Hz is not supported: ring tones are made at {} Hz",
            model.name,
            rules.sample_rate,
            ringtool::render::OUTPUT_RATE
        );
    }
    if !(req.start.is_finite() && req.start >= 0.0) {
        bail!("{} must be 0 or more seconds, not {}", req.origin.name(OptionField::StartSeconds), req.start);
    }
    let source = match &req.raw {
        Some(format) => Source::Raw { path: req.input, format: *format },
        None => Source::File(req.input),
    };
    let options = RenderOptions {
        start_seconds: req.start,
        max_seconds: max_seconds(req, model, codec, container)?,
        fade_ms: req.fade_ms,
        fade_in_ms: req.fade_in_ms,
        normalize_dbfs: req.normalize,
    };
    let rendered = ringtool::render(&source, &options).map_err(|e| match e {
        ringtool::Error::BadOption { option, reason } => {
            anyhow::anyhow!("{shown}: {} {reason}", req.origin.name(option))
        }
        e => anyhow::anyhow!("{shown}: {e}"),
    })?;
    let mut samples = rendered.samples;
    if container != Container::PcmWav && samples.len() % 2 == 1 {
        // An even count needs no pad byte; the sample added is silence after the tone.
        samples.push(0);
    }
    let stamp = Timestamp::from_unix(crate::mechanisms::epoch::build_time()?);
    let bytes = ringtool::encode(&samples, codec, container, stamp);
    if bytes.len() as u64 > rules.max_bytes {
        bail!("{shown}: ring tone would be {} bytes, over {}'s cap of {}", bytes.len(), model.name, rules.max_bytes);
    }
    Ok(Encoded {
        seconds: samples.len() as f64 / f64::from(rules.sample_rate),
        bytes,
        codec,
        container,
        cut: rendered.cut,
        input_seconds: rendered.input_seconds,
        warnings: rendered.warnings,
    })
}

/// The length cap to render with: the request's (which must fit the byte cap) or the model's,
/// rounded to an even number of samples so the file needs no pad byte.
fn max_seconds(req: &Request, model: &Model, codec: Codec, container: Container) -> Result<f64> {
    let rules = &model.ringtone;
    let rate = f64::from(rules.sample_rate);
    let name = req.origin.name(OptionField::MaxSeconds);
    let byte_cap_seconds = samples_within_byte_cap(rules, codec, container) as f64 / rate;
    let seconds = match req.max_seconds {
        Some(s) if !(s.is_finite() && s > 0.0) => bail!("{name} must be a number greater than 0, not {s}"),
        Some(s) if s > byte_cap_seconds + 1e-9 => bail!(
            "{name} {s} does not fit {}'s ring-tone cap of {} bytes: at most {byte_cap_seconds:.3} s",
            model.name,
            rules.max_bytes
        ),
        Some(s) => s,
        None => rules.max_seconds.min(byte_cap_seconds),
    };
    let samples = (seconds * rate).round() as u64;
    // Fewer than 2 samples: left for the renderer to judge.
    Ok(if samples >= 2 { (samples & !1) as f64 / rate } else { seconds })
}

/// The most samples whose file stays within the model's byte cap: an even number, so that no
/// pad byte is needed (16 s at 8 kHz + the 512-byte gsrt header is exactly 128,512 bytes).
fn samples_within_byte_cap(rules: &RingRules, codec: Codec, container: Container) -> u64 {
    let stamp = Timestamp::from_unix(0);
    let overhead = ringtool::encode(&[], codec, container, stamp).len() as u64;
    let bytes_per_sample = if container == Container::PcmWav { 2 } else { 1 };
    (rules.max_bytes.saturating_sub(overhead) / bytes_per_sample) & !1
}

/// Checks a ring file's bytes against a model's rules; the findings name `shown`.
pub fn check(shown: &str, bytes: &[u8], decoded: &ringtool::Decoded, model: &Model) -> Vec<Diagnostic> {
    let rules = &model.ringtone;
    let mut found = Vec::new();
    if decoded.checksum_ok == Some(false) {
        found.push(Diagnostic::error(shown, "ring-file checksum is wrong: the phone will refuse it"));
    }
    if decoded.length_ok == Some(false) {
        found.push(Diagnostic::error(shown, "ring-file length field does not match the file size"));
    }
    for p in &decoded.problems {
        found.push(Diagnostic::error(shown, p.clone()));
    }
    found.extend(decoded.notes.iter().map(|n| Diagnostic::note(shown, n.clone())));
    if bytes.len() as u64 > rules.max_bytes {
        found.push(Diagnostic::error(
            shown,
            format!("{} bytes, over {}'s ring-tone cap of {} bytes", bytes.len(), model.name, rules.max_bytes),
        ));
    }
    if decoded.container != rules.container {
        found.push(Diagnostic::error(
            shown,
            format!("container is {}, {} expects {}", decoded.container, model.name, rules.container),
        ));
    }
    if decoded.sample_rate != rules.sample_rate || decoded.channels != 1 {
        found.push(Diagnostic::error(
            shown,
            format!(
                "{} Hz {} channel(s); {} expects {} Hz mono",
                decoded.sample_rate, decoded.channels, model.name, rules.sample_rate
            ),
        ));
    }
    let seconds = decoded.seconds();
    if seconds > rules.max_seconds + 0.01 {
        found.push(Diagnostic::warning(
            shown,
            format!("{seconds:.2} s, longer than {}'s usual {} s", model.name, rules.max_seconds),
        ));
    }
    found
}

/// `inspect` for ring files (gsrt) and WAV files.
pub struct RingInspector;

impl crate::mechanisms::findings::Inspector for RingInspector {
    fn recognises(
        &self,
        _name: &str,
        bytes: &[u8],
        _opts: &crate::mechanisms::findings::Options,
        _ctx: &crate::Context,
    ) -> bool {
        ringtool::sniff(bytes).is_some()
    }

    fn inspect(
        &self,
        shown: &str,
        bytes: &[u8],
        opts: &crate::mechanisms::findings::Options,
        ctx: &Context,
    ) -> Result<crate::mechanisms::findings::FileReport> {
        let decoded = ringtool::decode(bytes).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        let kind = match decoded.container {
            Container::Gsrt => "ring tone (gsrt)",
            Container::G711Wav => "WAV (G.711)",
            Container::PcmWav => "WAV (PCM)",
        };
        let mut report = crate::mechanisms::findings::FileReport::new(shown, kind);
        report.field("bytes", bytes.len());
        if let Some(codec) = decoded.codec {
            report.field("codec", codec.to_string());
        }
        report.field("sample rate", decoded.sample_rate);
        report.field("channels", decoded.channels);
        report.field("duration s", (decoded.seconds() * 1000.0).round() / 1000.0);
        if let Some(h) = &decoded.gsrt {
            report.field("length words", h.words);
            report.field("checksum", format!("0x{:04x} ({})", h.checksum, verdict(decoded.checksum_ok)));
            report.field("length field", verdict(decoded.length_ok));
            report.field("version", format!("0x{:08x}", h.version));
            let s = h.stamp;
            report.field("stamp", format!("{:04}-{:02}-{:02} {:02}:{:02}", s.year, s.month, s.day, s.hour, s.minute));
            report.field("name", h.name.clone());
            report.field("payload type", h.payload_type);
        }
        let model = match opts.model {
            Some(m) => Some(m),
            // A file in the default model's container is checked against its rules by default.
            None => ctx.layouts.default_model().ok().filter(|m| m.ringtone.container == decoded.container),
        };
        match model {
            Some(m) => report.diagnostics = check(shown, bytes, &decoded, m),
            None => {
                report.diagnostics.extend(decoded.problems.iter().map(|p| Diagnostic::error(shown, p.clone())));
                report.diagnostics.extend(decoded.notes.iter().map(|n| Diagnostic::note(shown, n.clone())));
            }
        }
        if let Some(wav) = opts.wav {
            if decoded.sample_rate != ringtool::render::OUTPUT_RATE {
                let khz = ringtool::render::OUTPUT_RATE / 1000;
                bail!("{shown}: --wav decodes {khz} kHz ring tones; this file is {} Hz", decoded.sample_rate);
            }
            let pcm = ringtool::encode(&decoded.samples, Codec::Ulaw, Container::PcmWav, Timestamp::from_unix(0));
            write_atomic(wav, &pcm)?;
            report.field("wav written", wav.display().to_string());
        }
        Ok(report)
    }
}

fn verdict(ok: Option<bool>) -> &'static str {
    match ok {
        Some(true) => "ok",
        Some(false) => "WRONG",
        None => "n/a",
    }
}
