//! The rendering pipeline on inputs generated here (no outside tool needed):
//! bounded reading, options, warnings, raw PCM.

mod common;

use std::f64::consts::PI;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{goertzel, mid_rms, p, tmp};
use ringtool::{render, render_reader, Error, OptionField, RawEncoding, RawFormat, RenderOptions, Source};

/// A reader that synthesises a 16-bit stereo WAV of `seconds` on the fly
/// (nothing on disk) and counts the bytes handed out.
struct EndlessWav {
    header: Cursor<Vec<u8>>,
    rate: u32,
    frame: u64,
    frames: u64,
    served: Arc<AtomicU64>,
}

impl EndlessWav {
    fn new(rate: u32, seconds: u64) -> (Self, Arc<AtomicU64>) {
        let frames = u64::from(rate) * seconds;
        let data_len = (frames * 4) as u32;
        let mut h = Vec::new();
        h.extend(b"RIFF");
        h.extend((36 + data_len).to_le_bytes());
        h.extend(b"WAVEfmt ");
        h.extend(16u32.to_le_bytes());
        h.extend(1u16.to_le_bytes());
        h.extend(2u16.to_le_bytes());
        h.extend(rate.to_le_bytes());
        h.extend((rate * 4).to_le_bytes());
        h.extend(4u16.to_le_bytes());
        h.extend(16u16.to_le_bytes());
        h.extend(b"data");
        h.extend(data_len.to_le_bytes());
        let served = Arc::new(AtomicU64::new(0));
        (EndlessWav { header: Cursor::new(h), rate, frame: 0, frames, served: served.clone() }, served)
    }
}

impl Read for EndlessWav {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut n = self.header.read(buf)?;
        while n + 4 <= buf.len() && self.frame < self.frames {
            let t = self.frame as f64 / f64::from(self.rate);
            let v = (0.5 * 32768.0 * (2.0 * PI * 440.0 * t).sin()) as i16;
            buf[n..n + 2].copy_from_slice(&v.to_le_bytes());
            buf[n + 2..n + 4].copy_from_slice(&v.to_le_bytes());
            n += 4;
            self.frame += 1;
        }
        self.served.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[test]
fn a_two_hour_input_is_read_only_as_far_as_the_cap_needs() {
    let (reader, served) = EndlessWav::new(44_100, 7200);
    let r = render_reader(reader, None, &RenderOptions::default()).unwrap();
    assert_eq!(r.samples.len(), 16 * 8000);
    assert!(r.cut);
    assert_eq!(r.input_seconds, Some(7200.0));
    let bytes = served.load(Ordering::Relaxed);
    // 16 s of 44.1 kHz stereo 16-bit is 2.82 MB; allow the filter look-ahead and buffers.
    assert!(bytes < 3_000_000, "read {bytes} bytes of a 1.27 GB input");
    assert!(bytes > 2_822_400, "read only {bytes} bytes, less than 16 s of input");
}

#[test]
fn start_seconds_skips_by_reading_not_by_buffering() {
    let (reader, served) = EndlessWav::new(44_100, 7200);
    let opts = RenderOptions { start_seconds: 60.0, max_seconds: 2.0, ..Default::default() };
    let r = render_reader(reader, None, &opts).unwrap();
    assert_eq!(r.samples.len(), 16_000);
    let bytes = served.load(Ordering::Relaxed);
    assert!(bytes < 62 * 44_100 * 4 + 200_000, "read {bytes} bytes");
    // Still the 440 Hz tone, at its level.
    let a = goertzel(&r.samples[2000..14_000], 440.0, 8000.0);
    assert!((a / (0.5 * 32768.0) - 1.0).abs() < 0.01, "{a}");
}

/// 8 kHz mono 16-bit WAV bytes.
fn wav_8k(samples: &[i16]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let spec =
        hound::WavSpec { channels: 1, sample_rate: 8000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

fn render_bytes(bytes: Vec<u8>, opts: &RenderOptions) -> Result<ringtool::Rendered, Error> {
    render_reader(Cursor::new(bytes), None, opts)
}

#[test]
fn an_8k_16_bit_input_passes_through_unchanged() {
    let samples: Vec<i16> = (0..12_345).map(|i| ((i * 7919) % 60_000 - 30_000) as i16).collect();
    let r = render_bytes(wav_8k(&samples), &RenderOptions { fade_in_ms: 0, ..Default::default() }).unwrap();
    assert_eq!(r.samples, samples);
    // The default fade-in: 5 ms (40 samples) rising from silence, the rest untouched.
    let r = render_bytes(wav_8k(&samples), &RenderOptions::default()).unwrap();
    assert_eq!(r.samples[0], 0);
    assert_eq!(r.samples[40..12_345 - 40], samples[40..12_345 - 40]);
    // Not cut: the end fades out over the same 5 ms.
    assert_eq!(r.samples[12_344], 0);
    assert!((12_305..12_344).all(|i| i32::from(r.samples[i]).abs() <= i32::from(samples[i]).abs()));
    assert!((1..40).all(|i| i32::from(r.samples[i]).abs() <= i32::from(samples[i]).abs()));
    assert!(!r.cut);
    assert_eq!(r.input_seconds, Some(12_345.0 / 8000.0));
}

#[test]
fn cut_fades_out_only_when_cut() {
    let loud = vec![16_000i16; 3 * 8000];
    let opts = RenderOptions { max_seconds: 2.0, fade_ms: 100, fade_in_ms: 0, ..Default::default() };
    let r = render_bytes(wav_8k(&loud), &opts).unwrap();
    assert!(r.cut);
    assert_eq!(r.samples.len(), 16_000);
    assert!(r.samples[..15_200].iter().all(|&s| s == 16_000));
    assert_eq!(*r.samples.last().unwrap(), 0);
    assert!(r.samples[15_200..].windows(2).all(|w| w[0] >= w[1]));
    assert!(r.samples[15_600] < 9000 && r.samples[15_600] > 7000, "{}", r.samples[15_600]);

    // Exactly as long as the cap: not cut, no fade.
    let r = render_bytes(wav_8k(&loud[..16_000]), &opts).unwrap();
    assert!(!r.cut);
    assert_eq!(*r.samples.last().unwrap(), 16_000);
    // One sample longer: cut.
    assert!(render_bytes(wav_8k(&loud[..16_001]), &opts).unwrap().cut);
}

#[test]
fn normalize_sets_the_peak() {
    let tone: Vec<i16> =
        (0..8000).map(|i| (3000.0 * (2.0 * PI * 500.0 * f64::from(i) / 8000.0).sin()) as i16).collect();
    let opts = RenderOptions { normalize_dbfs: Some(-1.0), ..Default::default() };
    let r = render_bytes(wav_8k(&tone), &opts).unwrap();
    let peak = r.samples.iter().map(|&s| i32::from(s).abs()).max().unwrap();
    let expected = 32768.0 * 10f64.powf(-1.0 / 20.0);
    assert!((f64::from(peak) - expected).abs() <= 1.0, "peak {peak}, expected {expected:.0}");
}

#[test]
fn silent_and_clipped_inputs_warn() {
    let r =
        render_bytes(wav_8k(&[0; 8000]), &RenderOptions { normalize_dbfs: Some(-1.0), ..Default::default() }).unwrap();
    assert_eq!(
        r.warnings,
        ["input is silent (digital silence)", "normalization skipped: the output is digital silence"]
    );
    let quiet: Vec<i16> = (0..8000).map(|i| if i % 2 == 0 { 20 } else { -20 }).collect();
    let r = render_bytes(wav_8k(&quiet), &RenderOptions::default()).unwrap();
    assert_eq!(r.warnings, ["input is nearly silent (peak -64.3 dBFS)"]);
    let clipped: Vec<i16> = (0..8000).map(|i| if i % 500 == 0 { i16::MAX } else { 1000 }).collect();
    let r = render_bytes(wav_8k(&clipped), &RenderOptions::default()).unwrap();
    assert_eq!(r.warnings, ["input is clipped (0.20% of samples at full scale)"]);
    let fine: Vec<i16> = (0..8000).map(|i| if i % 2000 == 0 { i16::MAX } else { 1000 }).collect();
    assert!(render_bytes(wav_8k(&fine), &RenderOptions::default()).unwrap().warnings.is_empty());
}

#[test]
fn options_are_validated() {
    let bad = [
        RenderOptions { max_seconds: 0.0, ..Default::default() },
        RenderOptions { max_seconds: f64::INFINITY, ..Default::default() },
        RenderOptions { max_seconds: f64::NAN, ..Default::default() },
        RenderOptions { max_seconds: 1e9, ..Default::default() },
        RenderOptions { start_seconds: -1.0, ..Default::default() },
        RenderOptions { start_seconds: f64::NAN, ..Default::default() },
        RenderOptions { normalize_dbfs: Some(3.0), ..Default::default() },
    ];
    for opts in bad {
        let e = render_bytes(wav_8k(&[1; 100]), &opts).unwrap_err();
        assert!(matches!(e, Error::BadOption { .. }), "{opts:?}: {e}");
    }
    let e = render_bytes(wav_8k(&[1; 100]), &RenderOptions { start_seconds: 5.0, ..Default::default() }).unwrap_err();
    assert_eq!(e.to_string(), "invalid option: start_seconds 5 is at or past the end of the input");
    let Error::BadOption { option, reason } = e else { panic!("not a BadOption") };
    assert_eq!((option, reason.as_str()), (OptionField::StartSeconds, "5 is at or past the end of the input"));
    let e = render_bytes(wav_8k(&[]), &RenderOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "no audio samples");
}

#[test]
fn raw_pcm_in_every_encoding() {
    let dir = tmp();
    let rate = 16_000u32;
    let tone: Vec<f64> = (0..rate).map(|i| 0.5 * (2.0 * PI * 1000.0 * f64::from(i) / f64::from(rate)).sin()).collect();
    let cases: [(RawEncoding, Vec<u8>); 4] = [
        (RawEncoding::S16Le, tone.iter().flat_map(|&v| ((v * 32768.0) as i16).to_le_bytes()).collect()),
        (RawEncoding::U8, tone.iter().map(|&v| (v * 128.0 + 128.0) as u8).collect()),
        (RawEncoding::Ulaw, tone.iter().map(|&v| ringtool::g711::ulaw_encode((v * 32768.0) as i16)).collect()),
        (RawEncoding::Alaw, tone.iter().map(|&v| ringtool::g711::alaw_encode((v * 32768.0) as i16)).collect()),
    ];
    for (encoding, bytes) in cases {
        let path = p(&dir, &format!("tone.{encoding}"));
        std::fs::write(&path, &bytes).unwrap();
        let format = RawFormat { encoding, rate, channels: 1 };
        let r = render(&Source::Raw { path: &path, format }, &RenderOptions::default()).unwrap();
        assert_eq!(r.samples.len(), 8000, "{encoding}");
        assert_eq!(r.input_seconds, Some(1.0), "{encoding}");
        let level = mid_rms(&r.samples) / (0.5 * 32768.0 / 2f64.sqrt());
        assert!((level - 1.0).abs() < 0.03, "{encoding}: level {level}");
    }
    // Stereo with a trailing half frame: the half frame is reported, not decoded.
    let path = p(&dir, "odd.raw");
    std::fs::write(&path, [0u8; 4 * 800 + 3]).unwrap();
    let format = RawFormat { encoding: RawEncoding::S16Le, rate: 8000, channels: 2 };
    let r = render(&Source::Raw { path: &path, format }, &RenderOptions::default()).unwrap();
    assert_eq!(r.samples.len(), 800);
    assert!(r.warnings.iter().any(|w| w.contains("ignored 3 trailing byte(s)")), "{:?}", r.warnings);
    // Out-of-range layouts are refused.
    for (rate, channels) in [(4000, 1), (8000, 0), (8000, 9), (200_000, 1)] {
        let format = RawFormat { encoding: RawEncoding::U8, rate, channels };
        let e = render(&Source::Raw { path: &path, format }, &RenderOptions::default()).unwrap_err();
        assert!(matches!(e, Error::Unsupported(_)), "{rate} {channels}: {e}");
    }
}
