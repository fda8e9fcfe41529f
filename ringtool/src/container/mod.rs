//! Ring tone files: writing ([`encode`]) and reading back for inspection
//! ([`decode`], [`sniff`]).

pub mod gsrt;
pub mod wav;

use crate::{Codec, Container, Error, Timestamp};
pub use gsrt::GsrtHeader;

/// Encodes 8 kHz mono samples as a complete ring tone file.
///
/// `codec` is ignored for [`Container::PcmWav`]. For gsrt, an odd sample count
/// is padded with one byte of the codec's silence (SoX pads with 0x00, a
/// full-scale sample in µ-law; pass an even count to need no pad at all). Lengths beyond 4 GiB are not
/// representable in either container; [`crate::render()`] never gets near that.
pub fn encode(samples: &[i16], codec: Codec, container: Container, stamp: Timestamp) -> Vec<u8> {
    match container {
        Container::Gsrt => gsrt::write(samples, codec, stamp),
        Container::G711Wav => wav::write_g711(samples, codec),
        Container::PcmWav => wav::write_pcm(samples),
    }
}

/// A ring tone file read back.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// Which container the file is.
    pub container: Container,
    /// G.711 law (None for PCM WAV, or a gsrt header naming another codec).
    pub codec: Option<Codec>,
    /// Frames per second (always 8000 for gsrt).
    pub sample_rate: u32,
    /// Channels; samples are interleaved when more than one.
    pub channels: u16,
    /// The audio as 16-bit linear samples.
    pub samples: Vec<i16>,
    /// gsrt header fields (None for WAV).
    pub gsrt: Option<GsrtHeader>,
    /// gsrt: whether the 16-bit words sum to 0 (None for WAV).
    pub checksum_ok: Option<bool>,
    /// gsrt: length field = file length; WAV: the data chunk is complete.
    pub length_ok: Option<bool>,
    /// Everything that deviates from what a phone expects, one line each.
    pub problems: Vec<String>,
    /// What is worth knowing but breaks no rule (a gsrt header carrying Grandstream's extra fields).
    pub notes: Vec<String>,
}

impl Decoded {
    /// Audio length in seconds.
    pub fn seconds(&self) -> f64 {
        if self.sample_rate == 0 || self.channels == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.channels) / f64::from(self.sample_rate)
    }
}

/// Recognises a ring tone container from its first bytes (512 are plenty).
/// A WAV whose `fmt ` chunk is not among `bytes` counts as PCM WAV.
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    if wav::looks_like(bytes) {
        let tag = crate::input::detect::wav_fmt(bytes).map_or(1, |f| f.tag);
        Some(wav::container_for_tag(tag))
    } else if gsrt::looks_like(bytes) {
        Some(Container::Gsrt)
    } else {
        None
    }
}

/// Reads a gsrt or WAV ring tone. A wrong gsrt checksum, length, name or codec
/// is reported in the result (`checksum_ok`, `length_ok`, `problems`), not as
/// an error; errors are for input that is not such a file at all.
pub fn decode(bytes: &[u8]) -> Result<Decoded, Error> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    match sniff(bytes) {
        Some(Container::Gsrt) => {
            let p = gsrt::parse(bytes)?;
            Ok(Decoded {
                container: Container::Gsrt,
                codec: p.codec,
                sample_rate: 8000,
                channels: 1,
                samples: p.samples,
                gsrt: Some(p.header),
                checksum_ok: Some(p.checksum_ok),
                length_ok: Some(p.length_ok),
                problems: p.problems,
                notes: p.notes,
            })
        }
        Some(Container::G711Wav | Container::PcmWav) => {
            let p = wav::parse(bytes)?;
            Ok(Decoded {
                container: p.container,
                codec: p.codec,
                sample_rate: p.rate,
                channels: p.channels,
                samples: p.samples,
                gsrt: None,
                checksum_ok: None,
                length_ok: Some(p.length_ok),
                problems: p.problems,
                notes: Vec::new(),
            })
        }
        None => Err(Error::NotRingTone("expected a gsrt ring tone or a wav file".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Timestamp = Timestamp { year: 2020, month: 1, day: 2, hour: 3, minute: 4 };

    #[test]
    fn every_container_round_trips() {
        let samples: Vec<i16> = (0..801).map(|i| ((i * 37) % 2000 - 1000) as i16).collect();
        for container in [Container::Gsrt, Container::G711Wav, Container::PcmWav] {
            for codec in [Codec::Ulaw, Codec::Alaw] {
                let bytes = encode(&samples, codec, container, STAMP);
                assert_eq!(sniff(&bytes[..64.min(bytes.len())]), Some(container));
                let d = decode(&bytes).unwrap();
                assert_eq!(d.container, container);
                assert!(d.problems.is_empty(), "{container} {codec}: {:?}", d.problems);
                assert_eq!((d.sample_rate, d.channels), (8000, 1));
                let expected: Vec<i16> = match container {
                    Container::PcmWav => samples.clone(),
                    _ => samples.iter().map(|&s| codec.decode_sample(codec.encode_sample(s))).collect(),
                };
                if container == Container::Gsrt {
                    // The pad byte of an odd count is decoded like any byte: as silence.
                    assert_eq!(&d.samples[..801], &expected[..]);
                    assert_eq!(d.samples.len(), 802);
                    assert_eq!(d.samples[801], codec.decode_sample(codec.silence()));
                    assert_eq!(d.gsrt.as_ref().unwrap().stamp, STAMP);
                    assert_eq!(d.checksum_ok, Some(true));
                } else {
                    assert_eq!(d.samples, expected);
                    assert_eq!(d.checksum_ok, None);
                }
                assert_eq!(d.length_ok, Some(true));
                assert_eq!(d.codec, (container != Container::PcmWav).then_some(codec));
            }
        }
    }

    #[test]
    fn encoding_is_deterministic() {
        let s = [1i16, 2, 3];
        assert_eq!(encode(&s, Codec::Ulaw, Container::Gsrt, STAMP), encode(&s, Codec::Ulaw, Container::Gsrt, STAMP));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(decode(b""), Err(Error::Empty)));
        assert!(matches!(decode(b"hello world, not a ring tone"), Err(Error::NotRingTone(_))));
        assert!(matches!(decode(&[0u8; 2048]), Err(Error::NotRingTone(_))));
        assert_eq!(sniff(b"RIFF"), None);
    }

    #[test]
    fn seconds() {
        let d = decode(&encode(&[0; 16_000], Codec::Ulaw, Container::Gsrt, STAMP)).unwrap();
        assert_eq!(d.seconds(), 2.0);
    }
}
