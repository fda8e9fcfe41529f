//! SoX as the independent reader and writer: what we write, sox reads; what
//! sox writes, we read; the G.711 bytes are sox's bytes.

mod common;

use std::path::Path;

use common::{goertzel, mid_rms, missing, p, read_s16, require_tool, sox, stat_value, tmp, write_s16};
use ringtool::{decode, encode, render, Codec, Container, Error, RenderOptions, Source, Timestamp};

const STAMP: Timestamp = Timestamp { year: 2024, month: 3, day: 9, hour: 18, minute: 30 };

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// No fade-in: these tests compare samples with sox's one for one (the fade-in
/// is tested in render_pipeline.rs and, through SoX, in the bundler's tests).
fn opts(max_seconds: f64) -> RenderOptions {
    RenderOptions { max_seconds, fade_in_ms: 0, ..RenderOptions::default() }
}

fn render_file(path: &Path, max_seconds: f64) -> Result<ringtool::Rendered, Error> {
    render(&Source::File(path), &opts(max_seconds))
}

/// sox's `-t ul` / `-t al` codes for every 16-bit value, against ours.
#[test]
fn g711_encoding_matches_sox_for_every_16_bit_value() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let raw = p(&dir, "all.raw");
    write_s16(&raw, &all);
    for (codec, kind) in [(Codec::Ulaw, "ul"), (Codec::Alaw, "al")] {
        let out = p(&dir, &format!("all.{kind}"));
        // -D: no dither, so sox maps each sample deterministically.
        sox(&["-D", "-r", "8000", "-c", "1", "-t", "s16", path_str(&raw), "-t", kind, path_str(&out)]);
        let theirs = std::fs::read(&out).unwrap();
        let ours = encode(&all, codec, Container::Gsrt, STAMP);
        let ours = &ours[0x200..];
        assert_eq!(theirs.len(), ours.len());
        let first_diff = theirs.iter().zip(ours).position(|(a, b)| a != b);
        assert_eq!(first_diff, None, "{codec}: first differing input sample {:?}", first_diff.map(|i| all[i]));
    }
}

/// sox's expansion of every code byte, against ours.
#[test]
fn g711_decoding_matches_sox_for_every_code() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let codes: Vec<u8> = (0..=255).collect();
    for (codec, kind) in [(Codec::Ulaw, "ul"), (Codec::Alaw, "al")] {
        let input = p(&dir, &format!("codes.{kind}"));
        let out = p(&dir, &format!("codes_{kind}.raw"));
        std::fs::write(&input, &codes).unwrap();
        sox(&["-r", "8000", "-c", "1", "-t", kind, path_str(&input), "-t", "s16", path_str(&out)]);
        let theirs = read_s16(&out);
        let ours: Vec<i16> = codes.iter().map(|&b| codec.decode_sample(b)).collect();
        assert_eq!(theirs, ours, "{codec}");
    }
}

/// With `-R` (repeatable: stamp 1970-01-01 00:00) sox writes the same gsrt file we do.
#[test]
fn gsrt_is_byte_identical_to_sox() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let raw = p(&dir, "tone.raw");
    // 8001 samples: odd, so the padding byte is exercised too: the one byte that differs.
    sox(&[
        "-R",
        "-r",
        "8000",
        "-c",
        "1",
        "-n",
        "-b",
        "16",
        "-e",
        "signed",
        "-t",
        "raw",
        path_str(&raw),
        "synth",
        "8001s",
        "sine",
        "440",
        "vol",
        "0.7",
    ]);
    let samples = read_s16(&raw);
    assert_eq!(samples.len(), 8001);
    for (codec, enc) in [(Codec::Ulaw, "u-law"), (Codec::Alaw, "a-law")] {
        let theirs_path = p(&dir, &format!("sox_{codec}.bin"));
        sox(&[
            "-R",
            "-D",
            "-r",
            "8000",
            "-c",
            "1",
            "-t",
            "s16",
            path_str(&raw),
            "-t",
            "gsrt",
            "-e",
            enc,
            path_str(&theirs_path),
        ]);
        let theirs = std::fs::read(&theirs_path).unwrap();
        let ours = encode(&samples, codec, Container::Gsrt, Timestamp::from_unix(0));
        assert_eq!(ours.len(), theirs.len(), "{codec}");
        // SoX pads with 0x00 (a full-scale sample); we pad with the codec's silence,
        // which also changes the checksum word.
        assert_eq!(theirs.last(), Some(&0x00));
        assert_eq!(ours.last(), Some(&codec.silence()));
        let end = ours.len() - 1;
        assert!(ours[6..end] == theirs[6..end], "{codec}: gsrt bytes differ from sox's");
        assert_eq!(ours[..4], theirs[..4]);
        // And our reader accepts sox's file.
        let d = decode(&theirs).unwrap();
        assert_eq!((d.checksum_ok, d.length_ok), (Some(true), Some(true)));
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.codec, Some(codec));
        // One flipped bit: sox warns about the checksum, and so do we.
        let mut damaged = ours.clone();
        damaged[0x300] ^= 0x10;
        let damaged_path = p(&dir, &format!("damaged_{codec}.bin"));
        std::fs::write(&damaged_path, &damaged).unwrap();
        let stat = sox(&["-t", "gsrt", path_str(&damaged_path), "-n", "stat"]);
        assert!(stat.contains("invalid checksum"), "{stat}");
        let d = decode(&damaged).unwrap();
        assert_eq!((d.checksum_ok, d.length_ok), (Some(false), Some(true)));
    }
}

/// What we write, sox reads: length, codec, samples; no checksum warning.
#[test]
fn gsrt_and_wav_outputs_are_read_back_by_sox() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let input = p(&dir, "in.wav");
    sox(&[
        "-n",
        "-r",
        "44100",
        "-c",
        "2",
        "-b",
        "16",
        path_str(&input),
        "synth",
        "2.5",
        "sine",
        "440",
        "sine",
        "660",
        "vol",
        "0.5",
    ]);
    let rendered = render_file(&input, 16.0).unwrap();
    assert_eq!(rendered.samples.len(), 20_000);
    assert!(!rendered.cut);
    for container in [Container::Gsrt, Container::G711Wav, Container::PcmWav] {
        for codec in [Codec::Ulaw, Codec::Alaw] {
            let bytes = encode(&rendered.samples, codec, container, STAMP);
            let file = p(&dir, &format!("out_{container}_{codec}"));
            std::fs::write(&file, &bytes).unwrap();
            let fmt: &[&str] = if container == Container::Gsrt { &["-t", "gsrt"] } else { &["-t", "wav"] };
            let mut args = vec!["-V3"];
            args.extend_from_slice(fmt);
            args.extend([path_str(&file), "-n", "stat"]);
            let stat = sox(&args);
            assert!(!stat.contains("checksum"), "{container}: {stat}");
            assert_eq!(stat_value(&stat, "Samples read"), 20_000.0, "{container} {codec}");
            assert_eq!(stat_value(&stat, "Length (seconds)"), 2.5);
            let encoding = if container == Container::PcmWav {
                "Signed Integer PCM"
            } else if codec == Codec::Ulaw {
                "u-law"
            } else {
                "A-law"
            };
            assert!(stat.contains(encoding), "{container} {codec}: no {encoding:?} in\n{stat}");
            assert!(stat.contains("Sample Rate    : 8000") && stat.contains("Channels       : 1"), "{stat}");

            let back = p(&dir, &format!("back_{container}_{codec}.raw"));
            let mut args: Vec<&str> = fmt.to_vec();
            args.extend([path_str(&file), "-t", "s16", path_str(&back)]);
            sox(&args);
            let ours = decode(&bytes).unwrap();
            assert_eq!(read_s16(&back), ours.samples, "{container} {codec}: sox decodes other samples");
            if container == Container::PcmWav {
                assert_eq!(ours.samples, rendered.samples);
            }
        }
    }
}

/// A 1 kHz tone keeps its level through 44.1 kHz → 8 kHz; a 5 kHz tone is
/// removed instead of folding to 3 kHz.
#[test]
fn resampling_keeps_passband_and_removes_aliases() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let tone = |freq: u32| {
        let path = p(&dir, &format!("t{freq}.wav"));
        sox(&[
            "-n",
            "-r",
            "44100",
            "-c",
            "1",
            "-b",
            "16",
            path_str(&path),
            "synth",
            "2",
            "sine",
            &freq.to_string(),
            "vol",
            "0.5",
        ]);
        path
    };
    let one_k = tone(1000);
    let input_rms = {
        let mut r = hound::WavReader::open(&one_k).unwrap();
        let s: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
        mid_rms(&s)
    };
    let out_1k = render_file(&one_k, 16.0).unwrap().samples;
    let level_db = 20.0 * (mid_rms(&out_1k) / input_rms).log10();
    assert!(level_db.abs() < 1.0, "1 kHz level changed by {level_db:.2} dB");
    assert!(level_db.abs() < 0.1, "1 kHz level changed by {level_db:.2} dB (design: < 0.01 dB)");

    let out_5k = render_file(&tone(5000), 16.0).unwrap().samples;
    let rejection_db = 20.0 * (mid_rms(&out_5k).max(1e-9) / mid_rms(&out_1k)).log10();
    assert!(rejection_db <= -50.0, "5 kHz only {rejection_db:.1} dB down");
    let mid = &out_5k[4000..12_000];
    let alias_db = 20.0 * (goertzel(mid, 3000.0, 8000.0).max(1e-9) / (0.5 * 32768.0)).log10();
    assert!(alias_db <= -50.0, "3 kHz alias at {alias_db:.1} dBFS");
}

/// MP3, FLAC and Ogg Vorbis made by sox render to the right length and pitch.
#[test]
fn compressed_inputs_made_by_sox() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for ext in ["flac", "ogg", "mp3"] {
        let path = p(&dir, &format!("x.{ext}"));
        let made = std::process::Command::new("sox")
            .args(["-n", "-r", "44100", "-c", "2", path_str(&path), "synth", "3", "sine", "440", "vol", "0.5"])
            .output()
            .unwrap();
        if !made.status.success() {
            let why = String::from_utf8_lossy(&made.stderr);
            missing(&format!("sox's {ext} writer (package libsox-fmt-all)"), &format!("is missing: {why}"));
            continue;
        }
        let r = render_file(&path, 16.0).unwrap_or_else(|e| panic!("{ext}: {e}"));
        // MP3 decoders add the encoder delay/padding (< 2 frames of 1152).
        let tolerance = if ext == "mp3" { 0.06 } else { 0.0005 };
        assert!((r.seconds() - 3.0).abs() <= tolerance, "{ext}: {} s", r.seconds());
        assert!(!r.cut);
        if ext == "flac" {
            assert_eq!(r.input_seconds, Some(3.0));
        }
        let mid = &r.samples[8000..16_000];
        let at_440 = goertzel(mid, 440.0, 8000.0);
        assert!((at_440 / (0.5 * 32768.0) - 1.0).abs() < 0.06, "{ext}: 440 Hz amplitude {at_440}");
        for other in [220.0, 880.0, 1000.0] {
            assert!(goertzel(mid, other, 8000.0) < at_440 / 100.0, "{ext}: energy at {other} Hz");
        }
        // The same content under a misleading name is still recognised.
        let renamed = p(&dir, &format!("{ext}.wav"));
        std::fs::copy(&path, &renamed).unwrap();
        assert_eq!(render_file(&renamed, 16.0).unwrap().samples, r.samples, "{ext}");
    }
}

fn sox_wav(dir: &tempfile::TempDir, name: &str, seconds: &str, extra: &[&str]) -> std::path::PathBuf {
    let path = p(dir, name);
    let mut args = vec!["-n", "-r", "44100", "-c", "2", "-b", "16"];
    args.extend_from_slice(extra);
    args.extend([path_str(&path), "synth", seconds, "sine", "440"]);
    sox(&args);
    path
}

#[test]
fn truncated_wav_is_an_error_unless_the_cap_comes_first() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let full = sox_wav(&dir, "full.wav", "4", &[]);
    let bytes = std::fs::read(&full).unwrap();
    let cut = p(&dir, "cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() / 2 + 1]).unwrap(); // ends mid-frame at ~2 s
    let e = render_file(&cut, 16.0).unwrap_err();
    assert!(matches!(e, Error::Truncated(_)), "{e}");
    assert!(e.to_string().starts_with("truncated input: wav data ends after 2.000 s of the 4.000 s"), "{e}");
    // The first second is all there: a 1 s ring tone from it is fine.
    let r = render_file(&cut, 1.0).unwrap();
    assert_eq!(r.samples.len(), 8000);
    assert!(r.cut);
    // A complete file shorter than the cap is fine too.
    assert_eq!(render_file(&full, 16.0).unwrap().samples.len(), 32_000);
}

#[test]
fn wav_header_claiming_4_gb_is_truncated_input() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let mut bytes = std::fs::read(sox_wav(&dir, "short.wav", "1", &[])).unwrap();
    let data_at = bytes.windows(4).position(|w| w == b"data").unwrap();
    bytes[4..8].copy_from_slice(&0xFFFF_FFF8u32.to_le_bytes());
    bytes[data_at + 4..data_at + 8].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let liar = p(&dir, "liar.wav");
    std::fs::write(&liar, &bytes).unwrap();
    let e = render_file(&liar, 16.0).unwrap_err();
    assert!(matches!(e, Error::Truncated(_)), "{e}");
    assert!(e.to_string().contains("of the 24347."), "{e}");
    // 0xFFFFFFFF (not a whole number of frames) is refused by the header check.
    bytes[data_at + 4..data_at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&liar, &bytes).unwrap();
    let e = render_file(&liar, 16.0).unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e}");
}

#[test]
fn gsm_wav_and_other_encodings_are_refused_by_name() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let cases = [
        (
            "gsm.wav",
            vec!["-r", "8000", "-c", "1", "-e", "gsm-full-rate"],
            "unsupported wav encoding: gsm 6.10 (format tag 0x0031)",
        ),
        (
            "r4k.wav",
            vec!["-r", "4000", "-c", "1", "-b", "16"],
            "unsupported sample rate 4000 Hz (must be 8000..=192000)",
        ),
        (
            "r384k.wav",
            vec!["-r", "384000", "-c", "1", "-b", "16"],
            "unsupported sample rate 384000 Hz (must be 8000..=192000)",
        ),
        ("c9.wav", vec!["-r", "8000", "-c", "9", "-b", "16"], "unsupported channel count 9 (must be 1..=8)"),
    ];
    for (name, fmt, message) in cases {
        let path = p(&dir, name);
        let mut args = vec!["-n"];
        args.extend(fmt);
        args.extend([path_str(&path), "synth", "0.5", "sine", "440"]);
        sox(&args);
        let e = render_file(&path, 16.0).unwrap_err();
        assert_eq!(e.to_string(), message, "{name}");
    }
}

#[test]
fn every_wav_sample_format_and_channel_count_is_read() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for (enc, bits) in [("unsigned", "8"), ("signed", "16"), ("signed", "24"), ("signed", "32"), ("float", "32")] {
        for channels in ["1", "2", "8"] {
            let path = p(&dir, &format!("{enc}{bits}_{channels}.wav"));
            sox(&[
                "-n",
                "-r",
                "48000",
                "-c",
                channels,
                "-e",
                enc,
                "-b",
                bits,
                path_str(&path),
                "synth",
                "1",
                "sine",
                "1000",
                "vol",
                "0.5",
            ]);
            let r = render_file(&path, 16.0).unwrap_or_else(|e| panic!("{enc}{bits}x{channels}: {e}"));
            assert_eq!(r.samples.len(), 8000);
            let level = mid_rms(&r.samples) / (0.5 * 32768.0 / 2f64.sqrt());
            assert!((level - 1.0).abs() < 0.02, "{enc}{bits}x{channels}: level {level}");
            assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        }
    }
}

#[test]
fn broken_mp3_is_a_clean_error() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let good = p(&dir, "good.mp3");
    if std::process::Command::new("sox")
        .args(["-n", "-r", "44100", path_str(&good), "synth", "2", "sine", "440"])
        .status()
        .map_or(true, |s| !s.success())
    {
        missing("sox's mp3 writer (package libsox-fmt-all)", "is missing");
        return;
    }
    let bytes = std::fs::read(&good).unwrap();
    // An ID3 tag followed by text.
    let mut tagged_junk = b"ID3\x03\x00\x00\x00\x00\x00\x0a".to_vec();
    tagged_junk.extend([0u8; 10]);
    tagged_junk.extend(b"this is not mpeg audio at all, just words and more words ".repeat(40));
    // Two good frames, then noise where the rest of the stream should be.
    let mut noisy = bytes[..2000].to_vec();
    let mut x: u32 = 12345;
    noisy.extend((0..20_000).map(|_| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (x >> 16) as u8 & 0x7F // never 0xFF, so no false frame syncs
    }));
    // An ID3 tag that claims more bytes than the file has.
    let mut short_tag = b"ID3\x03\x00\x00\x00\x10\x00\x00".to_vec();
    short_tag.extend(&bytes[..500]);
    for (name, data) in [("junk.mp3", tagged_junk), ("noisy.mp3", noisy), ("short.mp3", short_tag)] {
        let path = p(&dir, name);
        std::fs::write(&path, &data).unwrap();
        match render_file(&path, 16.0) {
            Err(e) => {
                let msg = e.to_string();
                assert!(!msg.contains('\n') && !msg.is_empty(), "{name}: {msg}");
                eprintln!("{name}: {msg}");
            }
            Ok(r) => {
                // The ~9 good frames (2000 bytes of 64 kbit/s) are kept; the garbage must not become audio.
                assert!(r.seconds() < 0.3, "{name}: {} s from a broken file", r.seconds());
            }
        }
    }
    assert!(matches!(render_file(&p(&dir, "short.mp3"), 16.0), Err(Error::Truncated(_))));
    assert!(matches!(render_file(&p(&dir, "junk.mp3"), 16.0), Err(Error::Corrupt(_))));
}

#[test]
fn empty_junk_and_missing_files() {
    let dir = tmp();
    let empty = p(&dir, "empty.wav");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(render_file(&empty, 16.0).unwrap_err().to_string(), "empty file");
    let junk = p(&dir, "junk.mp3");
    std::fs::write(&junk, b"<html><body>404 not found</body></html>\n".repeat(10)).unwrap();
    assert_eq!(render_file(&junk, 16.0).unwrap_err().to_string(), "not a recognised audio format");
    let e = render_file(&p(&dir, "missing.wav"), 16.0).unwrap_err();
    assert_eq!(e.to_string(), "cannot open: No such file or directory (os error 2)");
    let e = render_file(dir.path(), 16.0).unwrap_err();
    assert_eq!(e.to_string(), "is a directory");
}

/// Our G.711 and PCM WAV files are byte-identical to the ones sox writes.
#[test]
fn wav_outputs_are_byte_identical_to_sox() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    let raw = p(&dir, "tone.raw");
    sox(&[
        "-r",
        "8000",
        "-c",
        "1",
        "-n",
        "-b",
        "16",
        "-e",
        "signed",
        "-t",
        "raw",
        path_str(&raw),
        "synth",
        "4001s",
        "sine",
        "300",
        "vol",
        "0.8",
    ]);
    let samples = read_s16(&raw);
    let cases = [
        (Container::G711Wav, Codec::Ulaw, vec!["-e", "u-law"]),
        (Container::G711Wav, Codec::Alaw, vec!["-e", "a-law"]),
        (Container::PcmWav, Codec::Ulaw, vec!["-e", "signed", "-b", "16"]),
    ];
    for (container, codec, enc) in cases {
        let theirs_path = p(&dir, &format!("sox_{container}_{codec}.wav"));
        let mut args = vec!["-D", "-r", "8000", "-c", "1", "-t", "s16", path_str(&raw)];
        args.extend(enc);
        args.extend(["-t", "wav", path_str(&theirs_path)]);
        sox(&args);
        let theirs = std::fs::read(&theirs_path).unwrap();
        let ours = encode(&samples, codec, container, STAMP);
        assert!(ours == theirs, "{container} {codec}: bytes differ from sox's");
    }
}

/// µ-law/A-law WAV (sox's or ours) is accepted as input; its damage is caught.
#[test]
fn g711_wav_inputs_render() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for (enc, codec) in [("u-law", Codec::Ulaw), ("a-law", Codec::Alaw)] {
        let path = p(&dir, &format!("{enc}.wav"));
        sox(&["-n", "-r", "8000", "-c", "1", "-e", enc, path_str(&path), "synth", "1.5", "sine", "700", "vol", "0.5"]);
        let back = p(&dir, &format!("{enc}.raw"));
        sox(&[path_str(&path), "-t", "s16", path_str(&back)]);
        let r = render_file(&path, 16.0).unwrap();
        assert_eq!(r.samples, read_s16(&back), "{enc}");
        assert_eq!(r.input_seconds, Some(1.5));
        // Our own output renders back to what decode() reads.
        let ours = encode(&r.samples, codec, Container::G711Wav, STAMP);
        let ours_path = p(&dir, &format!("ours_{enc}.wav"));
        std::fs::write(&ours_path, &ours).unwrap();
        assert_eq!(render_file(&ours_path, 16.0).unwrap().samples, decode(&ours).unwrap().samples);
        // Unknown chunks (here an odd-sized LIST, padded) before the data are skipped.
        let mut listed = ours[..12].to_vec();
        listed.extend(b"LIST\x03\0\0\0abc\0");
        listed.extend(&ours[12..]);
        let riff = u32::from_le_bytes(listed[4..8].try_into().unwrap()) + 12;
        listed[4..8].copy_from_slice(&riff.to_le_bytes());
        let listed_path = p(&dir, &format!("listed_{enc}.wav"));
        std::fs::write(&listed_path, &listed).unwrap();
        assert_eq!(render_file(&listed_path, 16.0).unwrap().samples, r.samples);
        assert!(decode(&listed).unwrap().problems.is_empty());
        // Truncated data: an error unless the cap comes first.
        let cut = p(&dir, &format!("cut_{enc}.wav"));
        std::fs::write(&cut, &ours[..ours.len() - 4000]).unwrap();
        let e = render_file(&cut, 16.0).unwrap_err();
        assert!(e.to_string().starts_with("truncated input: wav data ends after 8000 of the 12000 bytes"), "{e}");
        assert_eq!(render_file(&cut, 0.5).unwrap().samples.len(), 4000);
    }
    // Stereo µ-law at 16 kHz goes through the whole pipeline.
    let stereo = p(&dir, "stereo.wav");
    sox(&[
        "-n",
        "-r",
        "16000",
        "-c",
        "2",
        "-e",
        "u-law",
        path_str(&stereo),
        "synth",
        "1",
        "sine",
        "1000",
        "vol",
        "0.5",
    ]);
    let r = render_file(&stereo, 16.0).unwrap();
    assert_eq!(r.samples.len(), 8000);
    let level = mid_rms(&r.samples) / (0.5 * 32768.0 / 2f64.sqrt());
    assert!((level - 1.0).abs() < 0.03, "level {level}");
}

/// FLAC and Ogg declare their length: ending early is truncation, as for WAV.
#[test]
fn truncated_flac_and_ogg_are_errors() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for ext in ["flac", "ogg"] {
        let path = p(&dir, &format!("t.{ext}"));
        sox(&["-n", "-r", "44100", "-c", "2", path_str(&path), "synth", "4", "sine", "440", "vol", "0.5"]);
        let bytes = std::fs::read(&path).unwrap();
        let half = p(&dir, &format!("half.{ext}"));
        std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
        let e = render_file(&half, 16.0).unwrap_err();
        assert!(matches!(e, Error::Truncated(_)), "{ext}: {e}");
        // FLAC: the part before the cut is usable when the cap comes first.
        // Ogg: symphonia reads the last page when it opens a seekable file,
        // so a truncated Ogg file is refused whatever the cap.
        match (ext, render_file(&half, 1.0)) {
            ("flac", Ok(r)) => assert!(r.samples.len() == 8000 && r.cut),
            ("ogg", Err(Error::Truncated(_))) => {}
            (_, other) => panic!("{ext}: {other:?}"),
        }
    }
}
