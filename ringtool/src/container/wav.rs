//! WAV output (G.711 and 16-bit PCM, 8 kHz mono) and WAV reading for inspection.
//!
//! One writer serves both encodings: `hound` cannot write µ-law/A-law, and two
//! WAV writers would be two implementations of the same header.

use std::io::Cursor;

use crate::error::lower_first;
use crate::input::detect::wave_format_name;
use crate::{Codec, Container, Error};

/// WAVE_FORMAT_PCM.
const TAG_PCM: u16 = 1;
/// WAVE_FORMAT_IEEE_FLOAT.
const TAG_FLOAT: u16 = 3;
/// WAVE_FORMAT_EXTENSIBLE.
const TAG_EXTENSIBLE: u16 = 0xFFFE;
/// The rate every ring tone has.
const RATE: u32 = 8000;

/// A 16-bit PCM mono 8 kHz WAV file.
pub fn write_pcm(samples: &[i16]) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    write(TAG_PCM, 16, &data, None)
}

/// A G.711 (WAVE_FORMAT_MULAW / WAVE_FORMAT_ALAW) mono 8 kHz WAV file with a `fact` chunk.
pub fn write_g711(samples: &[i16], codec: Codec) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().map(|&s| codec.encode_sample(s)).collect();
    write(codec.wave_format_tag(), 8, &data, Some(samples.len() as u32))
}

/// RIFF/WAVE with one `fmt ` chunk (16 bytes for PCM, 18 with cbSize = 0 for
/// other tags), an optional `fact` chunk (sample frames) and the `data` chunk,
/// padded to an even length as RIFF requires.
fn write(tag: u16, bits: u16, data: &[u8], fact: Option<u32>) -> Vec<u8> {
    let block_align = bits / 8;
    let fmt_len: u32 = if tag == TAG_PCM { 16 } else { 18 };
    let pad = data.len() % 2;
    let riff_len = 4 + (8 + fmt_len) + fact.map_or(0, |_| 12) + 8 + data.len() as u32 + pad as u32;
    let mut out = Vec::with_capacity(riff_len as usize + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&fmt_len.to_le_bytes());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * u32::from(block_align)).to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    if fmt_len == 18 {
        out.extend_from_slice(&0u16.to_le_bytes()); // cbSize
    }
    if let Some(frames) = fact {
        out.extend_from_slice(b"fact");
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&frames.to_le_bytes());
    }
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if pad == 1 {
        out.push(0);
    }
    out
}

/// Whether `bytes` start like a RIFF/WAVE file.
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

/// The chunks of a WAV file that matter for inspection.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Format tag (the sub-format's for WAVE_FORMAT_EXTENSIBLE).
    pub tag: u16,
    /// Channel count.
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
    /// Bits per sample.
    pub bits: u16,
    /// Byte range of the data present in the file.
    pub data: std::ops::Range<usize>,
    /// Data length the `data` chunk header declares.
    pub data_declared: u32,
    /// Sample frames in the `fact` chunk, if any.
    pub fact: Option<u32>,
}

/// Walks the chunks: finds `fmt `, `fact` and `data`; structural damage that
/// still leaves audio readable goes to `problems`.
pub fn layout(bytes: &[u8], problems: &mut Vec<String>) -> Result<Layout, Error> {
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let le32 = |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let riff_end = u64::from(le32(bytes, 4)) + 8;
    if riff_end != bytes.len() as u64 {
        problems.push(format!("riff size field says {riff_end} bytes, the file has {}", bytes.len()));
    }
    let mut fmt: Option<(u16, u16, u32, u16)> = None;
    let mut fact = None;
    let mut offset = 12usize;
    while offset + 8 <= bytes.len() {
        let id = &bytes[offset..offset + 4];
        let len = le32(bytes, offset + 4);
        let body = offset + 8;
        let available = (bytes.len() - body).min(len as usize);
        let chunk = &bytes[body..body + available];
        match id {
            b"fmt " => {
                if chunk.len() < 16 {
                    return Err(Error::Corrupt("wav: fmt chunk shorter than 16 bytes".into()));
                }
                let mut tag = le16(chunk, 0);
                if tag == TAG_EXTENSIBLE && chunk.len() >= 26 {
                    tag = le16(chunk, 24);
                }
                fmt = Some((tag, le16(chunk, 2), le32(chunk, 4), le16(chunk, 14)));
            }
            b"fact" if chunk.len() >= 4 => fact = Some(le32(chunk, 0)),
            b"data" => {
                let (tag, channels, rate, bits) =
                    fmt.ok_or_else(|| Error::Corrupt("wav: data chunk before any fmt chunk".into()))?;
                if available < len as usize {
                    problems.push(format!("data chunk declares {len} bytes, the file holds {available}"));
                }
                return Ok(Layout {
                    tag,
                    channels,
                    rate,
                    bits,
                    data: body..body + available,
                    data_declared: len,
                    fact,
                });
            }
            _ => {}
        }
        offset = body + len as usize + (len as usize & 1);
    }
    Err(Error::Corrupt(if fmt.is_none() { "wav: no fmt chunk" } else { "wav: no data chunk" }.into()))
}

/// Which of our containers a WAV file with this format tag is.
pub fn container_for_tag(tag: u16) -> Container {
    if Codec::from_wave_format_tag(tag).is_some() {
        Container::G711Wav
    } else {
        Container::PcmWav
    }
}

/// Decoded WAV content.
pub struct Parsed {
    /// Which of our containers it is.
    pub container: Container,
    /// The G.711 law, for G.711 WAV.
    pub codec: Option<Codec>,
    /// Frames per second.
    pub rate: u32,
    /// Channels (samples are interleaved).
    pub channels: u16,
    /// Samples as 16-bit.
    pub samples: Vec<i16>,
    /// The data chunk is complete.
    pub length_ok: bool,
    /// Deviations from what a phone expects, one line each.
    pub problems: Vec<String>,
}

/// Reads a WAV file for inspection: G.711 here, PCM and float through `hound`.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    let mut problems = Vec::new();
    let l = layout(bytes, &mut problems)?;
    let length_ok = l.data.len() == l.data_declared as usize;
    if l.channels == 0 {
        return Err(Error::Corrupt("wav: zero channels".into()));
    }
    let codec = Codec::from_wave_format_tag(l.tag);
    let samples = match (codec, l.tag) {
        (Some(c), _) => {
            if l.bits != 8 {
                problems.push(format!("{} wav with {} bits per sample, expected 8", c, l.bits));
            }
            match l.fact {
                None => problems.push("no fact chunk (required in non-pcm wav)".into()),
                Some(frames) if u64::from(frames) * u64::from(l.channels) != l.data_declared as u64 => {
                    problems.push(format!(
                        "fact chunk says {frames} frames, the data chunk declares {}",
                        l.data_declared / u32::from(l.channels)
                    ))
                }
                Some(_) => {}
            }
            bytes[l.data.clone()].iter().map(|&b| c.decode_sample(b)).collect()
        }
        (None, TAG_PCM | TAG_FLOAT) => {
            if l.tag != TAG_PCM || l.bits != 16 {
                problems.push(format!("{}-bit {} samples, expected 16-bit pcm", l.bits, wave_format_name(l.tag)));
            }
            pcm_samples(bytes)?
        }
        (None, tag) => {
            return Err(Error::Unsupported(format!("wav encoding: {} (format tag {tag:#06x})", wave_format_name(tag))))
        }
    };
    if l.rate != RATE {
        problems.push(format!("sample rate {} Hz, phones expect {RATE}", l.rate));
    }
    if l.channels != 1 {
        problems.push(format!("{} channels, phones expect mono", l.channels));
    }
    Ok(Parsed {
        container: container_for_tag(l.tag),
        codec,
        rate: l.rate,
        channels: l.channels,
        samples,
        length_ok,
        problems,
    })
}

/// PCM or float samples through `hound`, as 16-bit; stops quietly at a
/// truncated end (the caller reports the short data chunk).
fn pcm_samples(bytes: &[u8]) -> Result<Vec<i16>, Error> {
    let reader = hound::WavReader::new(Cursor::new(bytes))
        .map_err(|e| Error::Corrupt(format!("wav: {}", lower_first(&e.to_string()))))?;
    let spec = reader.spec();
    let mut reader = reader;
    Ok(match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .map_while(Result::ok)
            .map(|v| (f64::from(v) * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect(),
        hound::SampleFormat::Int => {
            let bits = i32::from(spec.bits_per_sample);
            reader
                .samples::<i32>()
                .map_while(Result::ok)
                .map(|v| if bits >= 16 { (v >> (bits - 16)) as i16 } else { (v << (16 - bits)) as i16 })
                .collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_header_bytes() {
        // Byte-for-byte what `sox -D -t s16 -r 8000 -c 1 x.raw -e u-law x.wav` writes.
        let expected: &[u8] = b"RIFF\x36\0\0\0WAVEfmt \x12\0\0\0\x07\0\x01\0\x40\x1f\0\0\x40\x1f\0\0\
\x01\0\x08\0\0\0fact\x04\0\0\0\x03\0\0\0data\x03\0\0\0\xff\xce\x4e\0";
        assert_eq!(write_g711(&[0, 1000, -1000], Codec::Ulaw), expected);
    }

    #[test]
    fn pcm_is_read_back_by_hound() {
        let samples = [0i16, 1, -1, 32767, -32768, 1234];
        let bytes = write_pcm(&samples);
        let mut r = hound::WavReader::new(Cursor::new(&bytes)).unwrap();
        let spec = r.spec();
        assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (1, 8000, 16));
        let back: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
        assert_eq!(back, samples);
    }

    #[test]
    fn parse_round_trips_and_reports() {
        let p = parse(&write_g711(&[0, 1000, -1000], Codec::Alaw)).unwrap();
        assert_eq!(p.container, Container::G711Wav);
        assert_eq!(p.codec, Some(Codec::Alaw));
        assert!(p.length_ok && p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.samples, [8, 1008, -1008]);

        let p = parse(&write_pcm(&[7, -7])).unwrap();
        assert_eq!((p.container, p.codec, p.samples.clone()), (Container::PcmWav, None, vec![7, -7]));

        let mut cut = write_pcm(&[7; 100]);
        cut.truncate(cut.len() - 50);
        let p = parse(&cut).unwrap();
        assert!(!p.length_ok);
        assert_eq!(p.samples.len(), 75);
        assert!(p.problems.iter().any(|m| m.contains("data chunk declares 200 bytes")));
    }
}
