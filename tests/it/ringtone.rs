//! `bundler ringtone` and `bundler inspect` on ring files, with SoX as the independent reader.

use crate::common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn three_minute_song_becomes_a_16_second_gsrt_that_sox_reads() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "44100", "-c", "2", "-b", "16"], dir.path().join("song.wav"), &["180", "sine", "440", "vol", "0.5"]);
    let out = run_in(dir.path(), &["ringtone", "song.wav", "--slot", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(line.contains("ring5.bin") && line.contains("16.00 s") && line.contains("cut"), "{line}");
    let ring = dir.path().join("ring5.bin");
    let stat = sox_stat(&["-t", "gsrt", ring.to_str().unwrap()]);
    let seconds = stat_value(&stat, "Length (seconds)");
    assert!((seconds - 16.0).abs() < 0.01, "sox reads {seconds} s");
    assert_eq!(std::fs::metadata(&ring).unwrap().len(), 128_512);
    assert_clean_edges(&ring, 5, 50);
}

#[test]
fn a_1khz_tone_keeps_its_level_within_1_db() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "44100", "-c", "1", "-b", "16"], dir.path().join("tone.wav"), &["4", "sine", "1000", "vol", "0.5"]);
    let out = run_in(dir.path(), &["ringtone", "tone.wav", "--slot", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rms_in = stat_value(&sox_stat(&[dir.path().join("tone.wav").to_str().unwrap()]), "RMS     amplitude");
    let rms_out =
        stat_value(&sox_stat(&["-t", "gsrt", dir.path().join("ring4.bin").to_str().unwrap()]), "RMS     amplitude");
    let db = 20.0 * (rms_out / rms_in).log10();
    assert!(db.abs() < 1.0, "level changed by {db:.2} dB");
    assert_clean_edges(&dir.path().join("ring4.bin"), 5, 5);
}

#[test]
fn a_5khz_tone_does_not_alias_into_the_8khz_output() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "44100", "-c", "1", "-b", "16"], dir.path().join("hi.wav"), &["3", "sine", "5000", "vol", "0.5"]);
    synth(&["-r", "44100", "-c", "1", "-b", "16"], dir.path().join("ref.wav"), &["3", "sine", "1000", "vol", "0.5"]);
    for name in ["hi", "ref"] {
        let out = run_in(
            dir.path(),
            &[
                "ringtone",
                &format!("{name}.wav"),
                "--slot",
                "4",
                "-o",
                &format!("{name}.wav"),
                "--container",
                "pcm-wav",
                "--fade-ms",
                "0",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert_clean_edges(&dir.path().join(format!("{name}.wav")), 5, 5);
    }
    let rms = |n: &str| stat_value(&sox_stat(&[dir.path().join(n).to_str().unwrap()]), "RMS     amplitude");
    let db = 20.0 * (rms("hi.wav").max(1e-9) / rms("ref.wav")).log10();
    assert!(db < -50.0, "5 kHz came out only {db:.1} dB down");
}

#[test]
fn g711_bytes_match_sox_for_the_same_8khz_samples() {
    let Some(dir) = sox_dir() else { return };
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    // A sweep across the whole 16-bit range exercises every G.711 segment.
    synth(
        &["-r", "8000", "-c", "1", "-b", "16", "-e", "signed"],
        p("in.raw"),
        &["2", "sine", "100-3900", "vol", "0.99"],
    );
    for (codec, sox_type, payload) in [("ulaw", "ul", 0u8), ("alaw", "al", 8u8)] {
        let out = run_in(
            dir.path(),
            &[
                "ringtone",
                "in.raw",
                "--raw",
                "s16le",
                "--rate",
                "8000",
                "--channels",
                "1",
                "--slot",
                "6",
                "--codec",
                codec,
                "--fade-ms",
                "0",
                "--fade-in-ms",
                "0",
                "-o",
                &format!("{codec}.bin"),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert_clean_edges(&dir.path().join(format!("{codec}.bin")), 0, 0);
        sox(&[
            "-D",
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed",
            "-t",
            "raw",
            &p("in.raw"),
            "-t",
            sox_type,
            &p(&format!("{codec}.sox")),
        ]);
        let ours = std::fs::read(p(&format!("{codec}.bin"))).unwrap();
        let theirs = std::fs::read(p(&format!("{codec}.sox"))).unwrap();
        assert_eq!(ours[0x21], payload, "payload type in the header");
        // SoX adds dither when it writes 8-bit G.711 unless told not to (-D); compare plain encodings.
        assert_eq!(&ours[0x200..0x200 + theirs.len()], &theirs[..], "{codec} bytes differ from SoX");
    }
}

#[test]
fn same_input_gives_identical_bytes_and_epoch_sets_the_stamp() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "22050", "-c", "1"], dir.path().join("a.wav"), &["2", "pinknoise", "vol", "0.3"]);
    let build = |out: &str, epoch: Option<&str>| {
        let mut cmd = bundler();
        cmd.current_dir(dir.path()).args(["ringtone", "a.wav", "--slot", "7", "-o", out]);
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        assert!(cmd.output().unwrap().status.success());
        assert_clean_edges(&dir.path().join(out), 5, 5);
        std::fs::read(dir.path().join(out)).unwrap()
    };
    assert_eq!(build("x.bin", None), build("y.bin", None));
    let stamped = build("z.bin", Some("1700000000"));
    // 2023-11-14 22:13 UTC, big-endian year, month, day, hour, minute at 0x0A.
    assert_eq!(&stamped[0x0A..0x10], &[0x07, 0xE7, 11, 14, 22, 13]);
    let out = run_in(dir.path(), &["inspect", "z.bin", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = v.to_string();
    assert!(text.contains("2023-11-14 22:13") && text.contains("ring.bin"), "{text}");
}

#[test]
fn inspect_reports_a_broken_checksum_and_decodes_to_wav() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "8000", "-c", "1"], dir.path().join("a.wav"), &["1", "sine", "600"]);
    assert!(run_in(dir.path(), &["ringtone", "a.wav", "--slot", "8"]).status.success());
    assert_clean_edges(&dir.path().join("ring8.bin"), 5, 5);
    let out = run_in(dir.path(), &["inspect", "ring8.bin", "--wav", "back.wav"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("checksum") && stdout(&out).contains("ok"), "{}", stdout(&out));
    let seconds = stat_value(&sox_stat(&[dir.path().join("back.wav").to_str().unwrap()]), "Length (seconds)");
    assert!((seconds - 1.0).abs() < 0.01, "{seconds}");

    let mut bytes = std::fs::read(dir.path().join("ring8.bin")).unwrap();
    bytes[0x300] ^= 0x55;
    std::fs::write(dir.path().join("bad.bin"), &bytes).unwrap();
    let out = run_in(dir.path(), &["inspect", "bad.bin"]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("checksum is wrong"), "{}", stdout(&out));
}

#[test]
fn options_out_dir_alaw_and_model_rules() {
    let Some(dir) = sox_dir() else { return };
    synth(&["-r", "48000", "-c", "2"], dir.path().join("a.flac"), &["30", "sine", "300"]);
    let out = run_in(
        dir.path(),
        &[
            "ringtone",
            "a.flac",
            "--slot",
            "6",
            "--codec",
            "alaw",
            "--max-seconds",
            "5",
            "--start",
            "2",
            "--out-dir",
            "tftp/rings",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cut"], true);
    assert_eq!(v["slot"], 6);
    let ring = dir.path().join("tftp/rings/ring6.bin");
    let stat = sox_stat(&["-t", "gsrt", ring.to_str().unwrap()]);
    assert!((stat_value(&stat, "Length (seconds)") - 5.0).abs() < 0.01);
    assert_clean_edges(&ring, 5, 50);

    // Flyingvoice phones take Yealink-style G.711 WAV (assumed): sox reads it as WAV.
    let out = run_in(dir.path(), &["ringtone", "a.flac", "--slot", "2", "--model", "FIP13G"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = Command::new("soxi").arg(dir.path().join("ring2.wav")).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("u-law") && info.contains("8000") && info.contains("Channels       : 1"), "{info}");
    assert_clean_edges(&dir.path().join("ring2.wav"), 5, 50);
}

fn assert_fails_cleanly(dir: &Path, args: &[&str], needles: &[&str]) {
    let out = run_in(dir, args);
    assert_one_line_error(&out, needles);
    let left: Vec<String> =
        files_in(dir).into_iter().filter(|f| f.starts_with("ring") || f.starts_with(".bundler")).collect();
    assert!(left.is_empty(), "output left behind: {left:?}");
}

#[test]
fn bad_inputs_fail_with_one_line_and_no_output() {
    let Some(dir) = sox_dir() else { return };
    let d = dir.path();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    assert_fails_cleanly(d, &["ringtone", "missing.wav", "--slot", "5"], &["missing.wav"]);
    std::fs::write(d.join("empty.wav"), b"").unwrap();
    assert_fails_cleanly(d, &["ringtone", "empty.wav", "--slot", "5"], &["empty.wav"]);
    std::fs::write(d.join("notes.wav"), b"this is not audio at all, just text\n".repeat(20)).unwrap();
    assert_fails_cleanly(d, &["ringtone", "notes.wav", "--slot", "5"], &["notes.wav"]);

    synth(&["-r", "44100", "-c", "1", "-b", "16"], p("good.wav"), &["2", "sine", "440"]);
    let good = std::fs::read(d.join("good.wav")).unwrap();
    std::fs::write(d.join("truncated.wav"), &good[..30]).unwrap();
    assert_fails_cleanly(d, &["ringtone", "truncated.wav", "--slot", "5"], &["truncated.wav"]);
    let mut liar = good[..2000].to_vec();
    let data_at = liar.windows(4).position(|w| w == b"data").unwrap();
    liar[data_at + 4..data_at + 8].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    std::fs::write(d.join("liar.wav"), &liar).unwrap();
    assert_fails_cleanly(d, &["ringtone", "liar.wav", "--slot", "5"], &["liar.wav"]);
    sox(&["-n", "-r", "8000", "-c", "1", "-b", "16", &p("zero.wav"), "trim", "0", "0"]);
    assert_fails_cleanly(d, &["ringtone", "zero.wav", "--slot", "5"], &["zero.wav"]);
    synth(&["-r", "8000", "-c", "1", "-e", "gsm-full-rate"], p("gsm.wav"), &["1", "sine", "440"]);
    assert_fails_cleanly(d, &["ringtone", "gsm.wav", "--slot", "5"], &["gsm.wav", "gsm 6.10"]);
    let mut mp3 = vec![0xFF, 0xFB, 0x90, 0x64];
    mp3.extend(std::iter::repeat_n(0xA5u8, 3000));
    std::fs::write(d.join("broken.mp3"), &mp3).unwrap();
    assert_fails_cleanly(d, &["ringtone", "broken.mp3", "--slot", "5"], &["broken.mp3"]);

    assert_fails_cleanly(d, &["ringtone", "good.wav", "--slot", "3"], &["4, 5, 6, 7, 8"]);
    assert_fails_cleanly(d, &["ringtone", "good.wav", "--slot", "5", "--max-seconds", "0"], &["--max-seconds"]);
    assert_fails_cleanly(d, &["ringtone", "good.wav", "--slot", "5", "--max-seconds", "-3"], &["--max-seconds"]);
    assert_fails_cleanly(d, &["ringtone", "good.wav", "--slot", "5", "--max-seconds", "60"], &["128512"]);

    // An output folder that cannot be written: a regular file stands where the folder should be.
    std::fs::write(d.join("blocker"), b"x").unwrap();
    assert_fails_cleanly(d, &["ringtone", "good.wav", "--slot", "5", "--out-dir", "blocker/sub"], &["blocker"]);
}

/// `dir/a.wav`: 1 s of 600 Hz at 8 kHz, made by SoX, for the tests of refused options.
fn one_second_tone(dir: &Path) {
    synth(&["-r", "8000", "-c", "1"], dir.join("a.wav"), &["1", "sine", "600"]);
}

/// A 20 s, 440 Hz tone at 44.1 kHz in `dir/name`, made by SoX; `extra` is appended to `synth`.
fn sox_tone(dir: &Path, name: &str, extra: &[&str]) {
    let path = dir.join(name);
    let mut args = vec!["-n", "-r", "44100", "-c", "1", "-b", "16", path.to_str().unwrap(), "synth", "20", "sine"];
    args.extend_from_slice(extra);
    sox(&args);
}

#[test]
fn the_16_second_cap_is_exact_even_and_ends_in_silence() {
    let Some(dir) = sox_dir() else { return };
    sox_tone(dir.path(), "long.wav", &["440", "vol", "0.5"]);
    for (codec, silence) in [("ulaw", 0xFFu8), ("alaw", 0xD5)] {
        let out = format!("{codec}.bin");
        let run = run_in(
            dir.path(),
            &["ringtone", "long.wav", "--slot", "5", "--max-seconds", "16", "--codec", codec, "-o", &out],
        );
        assert!(run.status.success(), "{}", stderr(&run));
        let bytes = std::fs::read(dir.path().join(&out)).unwrap();
        // 16 s × 8000 Hz = 128,000 samples + the 512-byte header: no sample short, no pad byte.
        assert_eq!(bytes.len(), 128_512, "{codec}");
        assert_eq!(sox_decode(&dir.path().join(&out)).len(), 128_000, "{codec}");
        assert_eq!(bytes.last(), Some(&silence), "{codec}: the last byte is not silence");
        assert_clean_edges(&dir.path().join(&out), 5, 50);
    }
    // The model's default is the same 16 s; on Flyingvoice the WAV holds 128,000 samples too.
    let run = run_in(dir.path(), &["ringtone", "long.wav", "--slot", "2", "--model", "FIP13G", "--max-seconds", "16"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(sox_decode(&dir.path().join("ring2.wav")).len(), 128_000);
    assert_clean_edges(&dir.path().join("ring2.wav"), 5, 50);
    // An odd sample count (1.0001 s → 8,001) becomes even, so nothing is padded.
    let run = run_in(dir.path(), &["ringtone", "long.wav", "--slot", "5", "--max-seconds", "1.0001", "-o", "odd.bin"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(std::fs::metadata(dir.path().join("odd.bin")).unwrap().len() % 2, 0);
    assert_eq!(sox_decode(&dir.path().join("odd.bin")).len(), 8000);
    assert_clean_edges(&dir.path().join("odd.bin"), 5, 50);
}

#[test]
fn an_input_starting_at_a_peak_or_cut_by_start_fades_in() {
    let Some(dir) = sox_dir() else { return };
    // Phase 25 %: a cosine, at its peak on the first sample.
    sox_tone(dir.path(), "peak.wav", &["500", "0", "25", "vol", "0.5"]);
    for (out, extra) in
        [("a.bin", &[][..]), ("b.bin", &["--start", "0.0005"][..]), ("c.bin", &["--fade-in-ms", "20"][..])]
    {
        let mut args = vec!["ringtone", "peak.wav", "--slot", "4", "--max-seconds", "2", "-o", out];
        args.extend_from_slice(extra);
        let run = run_in(dir.path(), &args);
        assert!(run.status.success(), "{}", stderr(&run));
        let fade_in = if out == "c.bin" { 20 } else { 5 };
        assert_clean_edges(&dir.path().join(out), fade_in, 50);
    }
    // Without the fade-in, a start cut mid-waveform is a step: what the fade-in exists for.
    let run = run_in(
        dir.path(),
        &["ringtone", "peak.wav", "--slot", "4", "--start", "0.001", "--fade-in-ms", "0", "-o", "raw.bin"],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let first = sox_decode(&dir.path().join("raw.bin"))[0];
    assert!(f64::from(first).abs() > 0.2 * 32768.0, "first sample {first}");
}

#[test]
fn a_wav_with_an_odd_sized_list_chunk_is_read_as_sox_reads_it() {
    if !require_tool("sox") || !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // python's wave module writes the WAV; a 5-byte LIST chunk and its pad byte go before `data`.
    let script = r#"
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(22050)
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / 22050))) for i in range(22050)))
b = bytearray(open(sys.argv[1], "rb").read())
at = b.index(b"data")
b[at:at] = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"
b[4:8] = struct.pack("<I", len(b) - 8)
open(sys.argv[1], "wb").write(b)
"#;
    let wav = dir.path().join("listed.wav");
    assert!(Command::new("python3").args(["-c", script]).arg(&wav).status().unwrap().success());
    let stat = sox_stat(&[wav.to_str().unwrap()]);
    assert_eq!(stat_value(&stat, "Length (seconds)"), 1.0, "sox reads it: {stat}");
    let out = run_in(dir.path(), &["ringtone", "listed.wav", "--slot", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1.00 s"), "{}", stdout(&out));
    let level =
        stat_value(&sox_stat(&["-t", "gsrt", dir.path().join("ring5.bin").to_str().unwrap()]), "RMS     amplitude");
    let expected = stat_value(&stat, "RMS     amplitude");
    assert!((level / expected - 1.0).abs() < 0.05, "rms {level} against sox's {expected}");
    assert_clean_edges(&dir.path().join("ring5.bin"), 5, 5);
}

#[test]
fn container_overrides_never_write_a_file_inspect_rejects() {
    let Some(dir) = sox_dir() else { return };
    let d = dir.path();
    one_second_tone(d);
    // Under the slot's own name only the model's container; another name must say its container.
    assert_fails_cleanly(
        d,
        &["ringtone", "a.wav", "--slot", "2", "--model", "FIP13G", "--container", "gsrt"],
        &["--container gsrt", "ring2.wav", "-o NAME.bin"],
    );
    assert_fails_cleanly(d, &["ringtone", "a.wav", "--slot", "5", "--container", "pcm-wav"], &["ring5.bin", "gsrt"]);
    assert_fails_cleanly(
        d,
        &["ringtone", "a.wav", "--slot", "5", "--container", "gsrt", "-o", "ring9.wav"],
        &["*.bin"],
    );
    assert_fails_cleanly(
        d,
        &["ringtone", "a.wav", "--slot", "5", "--container", "g711-wav", "-o", "ring9.bin"],
        &["*.wav"],
    );
    // Everything ringtone does write, inspect accepts: under the model's rules for slot files.
    let written: [(&[&str], &str, Option<&str>); 5] = [
        (&["--slot", "5"], "ring5.bin", Some("UC924")),
        (&["--slot", "2", "--model", "FIP13G"], "ring2.wav", Some("FIP13G")),
        (&["--slot", "2", "--model", "FIP13G", "--container", "gsrt", "-o", "fip.bin"], "fip.bin", None),
        (&["--slot", "5", "--container", "pcm-wav", "-o", "listen.wav"], "listen.wav", None),
        (&["--slot", "5", "--container", "g711-wav", "--codec", "alaw", "-o", "alaw.wav"], "alaw.wav", None),
    ];
    for (args, file, model) in written {
        let mut all = vec!["ringtone", "a.wav"];
        all.extend_from_slice(args);
        let out = run_in(d, &all);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let mut inspect = vec!["inspect", file];
        if let Some(m) = model {
            inspect.extend(["--model", m]);
        }
        let out = run_in(d, &inspect);
        assert!(out.status.success(), "inspect {file}: {}{}", stdout(&out), stderr(&out));
        assert_clean_edges(&d.join(file), 5, 5);
    }
}

#[test]
fn normalize_gain_is_capped_at_40_db_with_a_warning() {
    let Some(dir) = sox_dir() else { return };
    let d = dir.path();
    // Peak about −86 dBFS: reaching −1 dBFS would take +85 dB.
    synth(&["-r", "8000", "-c", "1", "-b", "16"], d.join("hum.wav"), &["1", "sine", "300", "vol", "0.00005"]);
    let out = run_in(d, &["ringtone", "hum.wav", "--slot", "5", "--normalize"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: hum.wav: normalization gain capped at +40 dB"), "{}", stderr(&out));
    let peak_in = stat_value(&sox_stat(&[d.join("hum.wav").to_str().unwrap()]), "Maximum amplitude");
    let peak_out = stat_value(&sox_stat(&["-t", "gsrt", d.join("ring5.bin").to_str().unwrap()]), "Maximum amplitude");
    let gain_db = 20.0 * (peak_out / peak_in).log10();
    assert!((gain_db - 40.0).abs() < 1.5, "gain {gain_db:.1} dB");
    assert_clean_edges(&d.join("ring5.bin"), 5, 5);
    // A normal input is normalized without a warning.
    synth(&["-r", "8000", "-c", "1"], d.join("ok.wav"), &["1", "sine", "300", "vol", "0.1"]);
    let out = run_in(d, &["ringtone", "ok.wav", "--slot", "5", "--normalize", "-o", "ok.bin"]);
    assert!(out.status.success() && !stderr(&out).contains("warning"), "{}", stderr(&out));
}

#[test]
fn option_errors_name_the_flag_the_user_wrote() {
    let Some(dir) = sox_dir() else { return };
    let d = dir.path();
    one_second_tone(d);
    assert_fails_cleanly(
        d,
        &["ringtone", "a.wav", "--slot", "5", "--start", "5"],
        &["a.wav: --start 5 is at or past the end"],
    );
    assert_fails_cleanly(
        d,
        &["ringtone", "a.wav", "--slot", "5", "--normalize", "3"],
        &["--normalize 3 must be between"],
    );
    assert_fails_cleanly(d, &["ringtone", "a.wav", "--slot", "5", "--start", "-1"], &["--start must be 0 or more"]);
    for out in [
        run_in(d, &["ringtone", "a.wav", "--slot", "5", "--start", "5"]),
        run_in(d, &["ringtone", "a.wav", "--slot", "5", "--normalize", "3"]),
    ] {
        assert!(
            !stderr(&out).contains("start_seconds") && !stderr(&out).contains("normalize_dbfs"),
            "{}",
            stderr(&out)
        );
    }
    // A release names the manifest key instead.
    std::fs::write(
        d.join("release.toml"),
        "vendor = \"htek\"\nmodels = [\"UC924\"]\n[ringtones]\n5 = { file = \"a.wav\", start = 5 }\n",
    )
    .unwrap();
    let out = release_build(d);
    assert_one_line_error(&out, &["[ringtones] 5: start 5 is at or past the end"]);
    assert!(!stderr(&out).contains("start_seconds") && !stderr(&out).contains("--start"), "{}", stderr(&out));
    std::fs::write(
        d.join("release.toml"),
        "vendor = \"htek\"\nmodels = [\"UC924\"]\n[ringtones]\n5 = { file = \"a.wav\", normalize = 2 }\n",
    )
    .unwrap();
    let out = release_build(d);
    assert_one_line_error(&out, &["[ringtones] 5: normalize 2 must be between"]);
    // fade_in_ms is a manifest key like fade_ms, and what it sets reaches the file.
    std::fs::write(
        d.join("release.toml"),
        "vendor = \"htek\"\nmodels = [\"UC924\"]\n[ringtones]\n5 = { file = \"a.wav\", fade_in_ms = 20 }\n",
    )
    .unwrap();
    let out = release_build(d);
    assert!(out.status.success(), "{}", stderr(&out));
    let ring = d.join("build/ring/ring5.bin");
    assert_clean_edges(&ring, 20, 20);
    let x = sox_decode(&ring);
    assert!(f64::from(x[80]).abs() < 0.6 * 32768.0 * 0.5 + 64.0, "sample 80 (10 ms) is {}: not a 20 ms fade", x[80]);
}

#[test]
fn the_layout_sample_rate_is_used_not_ignored() {
    let Some(dir) = sox_dir() else { return };
    let d = dir.path();
    one_second_tone(d);
    std::fs::create_dir(d.join("layouts")).unwrap();
    std::fs::write(d.join("layouts/htek.toml"), "[defaults.ringtone]\nsample_rate = 16000\n").unwrap();
    let out = run_in(d, &["--layouts", "layouts", "ringtone", "a.wav", "--slot", "5"]);
    assert_one_line_error(&out, &["UC924", "sample_rate 16000"]);
    assert!(!d.join("ring5.bin").exists());
}

#[test]
fn adpcm_wav_aiff_and_au_become_ring_tones_sox_reads_at_the_same_level() {
    let Some(dir) = sox_dir() else { return };
    let formats: [(&str, &[&str]); 4] = [
        ("ima.wav", &["-r", "22050", "-c", "1", "-e", "ima-adpcm"]),
        ("ms.wav", &["-r", "11025", "-c", "2", "-e", "ms-adpcm"]),
        ("mac.aiff", &["-r", "44100", "-c", "2", "-b", "16"]),
        ("prompt.au", &["-r", "8000", "-c", "1", "-e", "u-law"]),
    ];
    for (name, format) in formats {
        synth(format, dir.path().join(name), &["3", "sine", "1000", "vol", "0.5"]);
        let out = run_in(dir.path(), &["ringtone", name, "--slot", "6", "-o", "out.bin"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let out = dir.path().join("out.bin");
        let stat = sox_stat(&["-t", "gsrt", out.to_str().unwrap()]);
        assert!((stat_value(&stat, "Length (seconds)") - 3.0).abs() < 0.01, "{name}: {stat}");
        let rms_in = stat_value(&sox_stat(&[dir.path().join(name).to_str().unwrap()]), "RMS     amplitude");
        let db = 20.0 * (stat_value(&stat, "RMS     amplitude") / rms_in).log10();
        assert!(db.abs() < 1.0, "{name}: level changed by {db:.2} dB");
        assert_clean_edges(&out, 5, 5);
    }
}
