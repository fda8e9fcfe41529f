//! The other audio files a phone admin has, each read as SoX reads it: IMA and Microsoft ADPCM WAV
//! (recorders, PBX prompts), AIFF and AIFF-C (Macs), and Sun `.au` (the classic telephony µ-law
//! file, also A-law, 8- and 16-bit linear). Every file is made by SoX and compared sample by sample
//! with SoX's own decode of it; then one of them goes through the whole render.

mod common;

use std::fs::File;
use std::path::PathBuf;

use common::{decoded_by_sox, decoded_by_us, p, require_tool, sox, tmp};
use ringtool::input;
use ringtool::{render, RenderOptions, Source};

/// A SoX-made 0.5 s two-channel tone with noise, written with SoX's `format` options.
fn made_by_sox(dir: &tempfile::TempDir, name: &str, format: &[&str]) -> PathBuf {
    let path = p(dir, name);
    let mut args = vec!["-n", "-r", "8000", "-c", "2"];
    args.extend(format);
    args.extend([path.to_str().unwrap(), "synth", "0.5", "sine", "440", "whitenoise", "vol", "0.6"]);
    sox(&args);
    path
}

#[test]
fn adpcm_wav_aiff_and_au_read_as_sox_reads_them() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let cases: [(&str, &[&str], &str); 9] = [
        ("ima.wav", &["-e", "ima-adpcm"], "wav"),
        ("ms.wav", &["-e", "ms-adpcm"], "wav"),
        ("s16.aiff", &["-b", "16"], "aiff"),
        ("s24.aiff", &["-b", "24"], "aiff"),
        ("s16.aifc", &["-b", "16", "-t", "aifc"], "aiff"),
        ("ulaw.au", &["-e", "u-law"], "au"),
        ("alaw.au", &["-e", "a-law"], "au"),
        ("s16.au", &["-b", "16", "-e", "signed"], "au"),
        ("s8.au", &["-b", "8", "-e", "signed"], "au"),
    ];
    for (name, format, expected_format) in cases {
        let path = made_by_sox(&dir, name, format);
        let (a, named) = decoded_by_us(&path);
        let b = decoded_by_sox(&path);
        assert_eq!(named, expected_format, "{name}");
        assert_eq!(a.len(), 2 * 4000, "{name}: every frame of both channels, as many as were written");
        if name.ends_with(".wav") {
            // SoX 14.4 decodes an IMA ADPCM file's padded last block whole (4040 frames here); we
            // stop at the `fact` chunk's count, the frames that were written.
            assert!(b.len() >= a.len() && b.len() - a.len() < 2 * 1024, "{name}: sox gave {}", b.len());
        } else {
            assert_eq!(a.len(), b.len(), "{name}");
        }
        let b = &b[..a.len()];
        if name.ends_with(".wav") {
            // ADPCM decoders round the predictor and step differently (SoX's and symphonia's differ by
            // up to ~60 of 32768 on this 0.6 signal); both are 22 dB from a source signal (ADPCM's own
            // noise, measured), so ours must track SoX's decode far closer than that.
            let err: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)).sum();
            let sig: f64 = b.iter().map(|y| f64::from(*y).powi(2)).sum();
            let snr = 10.0 * (sig / err).log10();
            assert!(snr >= 45.0, "{name}: ours is {snr:.1} dB from sox's decode");
        } else {
            assert_eq!(a, b, "{name}: linear and G.711 decode exactly");
        }
    }
}

#[test]
fn an_au_ring_tone_renders_whole() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let path = made_by_sox(&dir, "tone.au", &["-e", "u-law"]);
    let opts = RenderOptions { fade_in_ms: 0, ..RenderOptions::default() };
    let r = render(&Source::File(&path), &opts).unwrap();
    assert_eq!(r.samples.len(), 4000, "0.5 s at 8 kHz");
}

#[test]
fn a_huge_metadata_chunk_is_refused_not_allocated() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let path = made_by_sox(&dir, "ima.wav", &["-e", "ima-adpcm"]);
    let mut bytes = std::fs::read(&path).unwrap();
    // A LIST chunk declaring 4 GiB just before the `data` chunk (after `fmt `).
    let data = bytes.windows(4).position(|w| w == b"data").unwrap();
    bytes.splice(data..data, b"LIST\xf0\xff\xff\xffINFO".iter().copied());
    std::fs::write(&path, &bytes).unwrap();
    let e = input::open(Box::new(File::open(&path).unwrap()), None).err().unwrap().to_string();
    assert!(e.contains("chunk 'LIST' declares 4294967280 bytes"), "{e}");
}
