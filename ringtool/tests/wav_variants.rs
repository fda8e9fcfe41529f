//! WAV forms beyond 16-bit RIFF, each read as SoX reads it: RIFX (big-endian), RF64 (64-bit sizes),
//! 64-bit float, and 12- and 20-bit samples (valid bits left-justified in 2- and 3-byte containers,
//! in a plain `fmt ` chunk or a WAVE_FORMAT_EXTENSIBLE one). SoX 14.4 refuses 12- and 20-bit WAV
//! ("padded samples"), so those are checked against SoX's decode of the same samples in a 16- or
//! 24-bit file, which is what the container holds.

mod common;

use std::path::{Path, PathBuf};

use common::{decoded_by_sox, decoded_by_us, p, require_tool, sox, tmp};
use ringtool::{render, RenderOptions, Source};

/// A SoX-made test signal: a tone with noise on every channel, so every bit varies.
fn sox_wav(dir: &tempfile::TempDir, name: &str, format: &[&str]) -> PathBuf {
    let path = p(dir, name);
    let mut args = vec!["-n", "-r", "8000", "-c", "2"];
    args.extend(format);
    args.extend([path.to_str().unwrap(), "synth", "0.3", "sine", "440", "whitenoise", "vol", "0.7"]);
    sox(&args);
    path
}

/// The `fmt ` body and the `data` bytes of a little-endian RIFF file.
fn fmt_and_data(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut at, mut fmt) = (12, None);
    loop {
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match &bytes[at..at + 4] {
            b"fmt " => fmt = Some(body.to_vec()),
            b"data" => return (fmt.unwrap(), body.to_vec()),
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
}

/// A plain PCM `fmt ` chunk body.
fn pcm_fmt(channels: u16, bits: u16, container: u16) -> Vec<u8> {
    let align = channels * container;
    let mut f = Vec::new();
    f.extend(1u16.to_le_bytes());
    f.extend(channels.to_le_bytes());
    f.extend(8000u32.to_le_bytes());
    f.extend((8000 * u32::from(align)).to_le_bytes());
    f.extend(align.to_le_bytes());
    f.extend(bits.to_le_bytes());
    f
}

/// A WAVE_FORMAT_EXTENSIBLE PCM `fmt ` chunk body.
fn extensible_fmt(channels: u16, container_bits: u16, valid_bits: u16) -> Vec<u8> {
    let mut f = pcm_fmt(channels, container_bits, container_bits / 8);
    f[0..2].copy_from_slice(&0xFFFEu16.to_le_bytes());
    f.extend(22u16.to_le_bytes());
    f.extend(valid_bits.to_le_bytes());
    f.extend(3u32.to_le_bytes()); // front left and right
    f.extend(b"\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"); // KSDATAFORMAT_SUBTYPE_PCM
    f
}

/// A RIFF file, or an RF64 one (sizes 0xFFFFFFFF, the real ones in `ds64`).
fn wav_file(path: &Path, fmt: &[u8], data: &[u8], rf64: bool) {
    let mut body = b"WAVE".to_vec();
    if rf64 {
        body.extend(b"ds64\x1c\0\0\0");
        body.extend((4 + 36 + 8 + fmt.len() as u64 + 8 + data.len() as u64).to_le_bytes());
        body.extend((data.len() as u64).to_le_bytes());
        body.extend(0u64.to_le_bytes()); // sample count: unused for PCM
        body.extend(0u32.to_le_bytes()); // no table
    }
    body.extend(b"fmt ");
    body.extend((fmt.len() as u32).to_le_bytes());
    body.extend(fmt);
    body.extend(b"data");
    body.extend((if rf64 { u32::MAX } else { data.len() as u32 }).to_le_bytes());
    body.extend(data);
    let mut file = if rf64 { b"RF64".to_vec() } else { b"RIFF".to_vec() };
    file.extend((if rf64 { u32::MAX } else { body.len() as u32 }).to_le_bytes());
    file.extend(body);
    std::fs::write(path, file).unwrap();
}

/// Renders a file into a ring tone (the path a user runs): it must work.
fn renders(path: &Path) {
    let opts = RenderOptions { max_seconds: 16.0, fade_in_ms: 0, ..RenderOptions::default() };
    let r = render(&Source::File(path), &opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(r.samples.len(), 2400, "{}", path.display());
}

#[test]
fn rifx_and_64_bit_float_read_as_sox_reads_them() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for (name, format) in [
        ("be16.wav", &["-B", "-b", "16"][..]),
        ("be24.wav", &["-B", "-b", "24"]),
        ("be32.wav", &["-B", "-b", "32"]),
        ("bef32.wav", &["-B", "-e", "float", "-b", "32"]),
        ("f64.wav", &["-e", "float", "-b", "64"]),
        ("bef64.wav", &["-B", "-e", "float", "-b", "64"]),
    ] {
        let path = sox_wav(&dir, name, format);
        let head = std::fs::read(&path).unwrap();
        assert_eq!(&head[..4], if name.starts_with("be") { b"RIFX" } else { b"RIFF" }, "{name}");
        let (a, b) = (decoded_by_us(&path).0, decoded_by_sox(&path));
        assert_eq!(a.len(), 2 * 2400, "{name}");
        assert_eq!(a.len(), b.len(), "{name}");
        // SoX holds samples as 32-bit integers: float and 32-bit input round to 2^-31 on its side.
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
        assert!(worst <= 1e-7, "{name}: samples differ from sox's by up to {worst}");
        if name == "be16.wav" || name == "be24.wav" {
            assert_eq!(a, b, "{name}: integers up to 24 bits are exact");
        }
        renders(&path);
    }
}

#[test]
fn rf64_reads_as_sox_reads_it() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for bits in ["16", "24"] {
        let plain = sox_wav(&dir, &format!("s{bits}.wav"), &["-b", bits]);
        let (fmt, data) = fmt_and_data(&std::fs::read(&plain).unwrap());
        let rf64 = p(&dir, &format!("rf64_{bits}.wav"));
        wav_file(&rf64, &fmt, &data, true);
        let (a, b) = (decoded_by_us(&rf64).0, decoded_by_sox(&rf64));
        assert_eq!(a.len(), 2 * 2400);
        assert_eq!(a, b, "{bits}-bit RF64");
        assert_eq!(a, decoded_by_us(&plain).0);
        renders(&rf64);
    }
}

#[test]
fn rf64_without_its_ds64_chunk_is_corrupt() {
    let dir = tmp();
    let path = p(&dir, "bad.wav");
    let (fmt, data) = (pcm_fmt(1, 16, 2), vec![0u8; 200]);
    wav_file(&path, &fmt, &data, true);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[12..16].copy_from_slice(b"junk"); // the ds64 chunk, renamed
    std::fs::write(&path, bytes).unwrap();
    let e = render(&Source::File(&path), &RenderOptions::default()).unwrap_err().to_string();
    assert_eq!(e, "corrupt rf64 header: no ds64 chunk holds the data size");
}

/// 12 valid bits in 2-byte samples and 20 in 3-byte ones, plain and extensible: the values of the
/// container's bits, which SoX decodes from the same bytes labelled 16- and 24-bit.
#[test]
fn twelve_and_twenty_bit_samples_read_as_their_containers() {
    if !require_tool("sox") {
        return;
    }
    let dir = tmp();
    for (bits, container) in [(12u16, 2u16), (20, 3)] {
        let source = sox_wav(&dir, &format!("c{container}.wav"), &["-b", &(container * 8).to_string()]);
        let (_, mut data) = fmt_and_data(&std::fs::read(&source).unwrap());
        // Clear the bits below the valid ones, as a 12- or 20-bit writer leaves them.
        let low_mask = !((1u8 << (container * 8 - bits)) - 1);
        data.chunks_exact_mut(usize::from(container)).for_each(|s| s[0] &= low_mask);
        let reference = p(&dir, &format!("ref{bits}.wav"));
        wav_file(&reference, &pcm_fmt(2, container * 8, container), &data, false);
        let expected = decoded_by_sox(&reference);
        assert_eq!(expected.len(), 2 * 2400);
        for (form, fmt) in
            [("plain", pcm_fmt(2, bits, container)), ("extensible", extensible_fmt(2, container * 8, bits))]
        {
            let path = p(&dir, &format!("{form}{bits}.wav"));
            wav_file(&path, &fmt, &data, false);
            assert_eq!(decoded_by_us(&path).0, expected, "{bits}-bit {form}");
            renders(&path);
        }
    }
}
