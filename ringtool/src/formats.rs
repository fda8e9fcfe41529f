//! The small enums that name formats: raw input encodings, output codecs and containers.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// Sample encoding of a headerless (raw) PCM input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RawEncoding {
    /// Signed 16-bit little-endian.
    S16Le,
    /// Signed 16-bit big-endian (Sun `.au`, AIFF, network order).
    S16Be,
    /// Unsigned 8-bit, 128 = silence.
    U8,
    /// Signed 8-bit, 0 = silence (Sun `.au` encoding 2).
    S8,
    /// G.711 µ-law bytes.
    Ulaw,
    /// G.711 A-law bytes.
    Alaw,
}

impl RawEncoding {
    /// Bytes one sample of one channel takes.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            RawEncoding::S16Le | RawEncoding::S16Be => 2,
            RawEncoding::U8 | RawEncoding::S8 | RawEncoding::Ulaw | RawEncoding::Alaw => 1,
        }
    }
}

impl FromStr for RawEncoding {
    type Err = Error;
    /// Accepts `s16le`, `s16be`, `u8`, `s8`, `ulaw`, `alaw` (any case; SoX's names).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "s16le" => Ok(RawEncoding::S16Le),
            "s16be" => Ok(RawEncoding::S16Be),
            "u8" => Ok(RawEncoding::U8),
            "s8" => Ok(RawEncoding::S8),
            "ulaw" => Ok(RawEncoding::Ulaw),
            "alaw" => Ok(RawEncoding::Alaw),
            _ => Err(Error::InvalidOption(format!("raw encoding {s:?} (expected s16le, s16be, u8, s8, ulaw or alaw)"))),
        }
    }
}

impl fmt::Display for RawEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RawEncoding::S16Le => "s16le",
            RawEncoding::S16Be => "s16be",
            RawEncoding::U8 => "u8",
            RawEncoding::S8 => "s8",
            RawEncoding::Ulaw => "ulaw",
            RawEncoding::Alaw => "alaw",
        })
    }
}

/// How to read a headerless PCM file: the caller must say what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawFormat {
    /// Sample encoding.
    pub encoding: RawEncoding,
    /// Frames per second, 8000 ..= 192000.
    pub rate: u32,
    /// Interleaved channels, 1 ..= 8.
    pub channels: u16,
}

impl RawFormat {
    /// Bytes of one interleaved frame.
    pub fn frame_bytes(&self) -> usize {
        self.encoding.bytes_per_sample() * usize::from(self.channels)
    }
}

/// The G.711 companding law of a ring tone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Codec {
    /// µ-law (PCMU), RTP payload type 0.
    Ulaw,
    /// A-law (PCMA), RTP payload type 8.
    Alaw,
}

impl Codec {
    /// RTP payload type, the number a gsrt header stores at 0x020.
    pub fn payload_type(self) -> u16 {
        match self {
            Codec::Ulaw => 0,
            Codec::Alaw => 8,
        }
    }

    /// The codec with that RTP payload type, if it is a G.711 one.
    pub fn from_payload_type(pt: u16) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Ulaw),
            8 => Some(Codec::Alaw),
            _ => None,
        }
    }

    /// The WAVE format tag of this codec (7 = WAVE_FORMAT_MULAW, 6 = WAVE_FORMAT_ALAW).
    pub fn wave_format_tag(self) -> u16 {
        match self {
            Codec::Ulaw => 7,
            Codec::Alaw => 6,
        }
    }

    /// The codec a WAVE format tag stands for, if it is a G.711 one.
    pub fn from_wave_format_tag(tag: u16) -> Option<Codec> {
        match tag {
            7 => Some(Codec::Ulaw),
            6 => Some(Codec::Alaw),
            _ => None,
        }
    }

    /// Encodes one 16-bit sample.
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            Codec::Ulaw => crate::g711::ulaw_encode(sample),
            Codec::Alaw => crate::g711::alaw_encode(sample),
        }
    }

    /// Decodes one byte to a 16-bit sample.
    pub fn decode_sample(self, byte: u8) -> i16 {
        match self {
            Codec::Ulaw => crate::g711::ulaw_decode(byte),
            Codec::Alaw => crate::g711::alaw_decode(byte),
        }
    }

    /// The byte that encodes silence (0xFF for µ-law, 0xD5 for A-law).
    pub fn silence(self) -> u8 {
        self.encode_sample(0)
    }
}

impl FromStr for Codec {
    type Err = Error;
    /// Accepts `ulaw`, `mulaw`, `u-law`, `µ-law`, `pcmu`, `alaw`, `a-law`, `pcma` (any case).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_lowercase().as_str() {
            "ulaw" | "mulaw" | "u-law" | "µ-law" | "μ-law" | "pcmu" => Ok(Codec::Ulaw),
            "alaw" | "a-law" | "pcma" => Ok(Codec::Alaw),
            _ => Err(Error::InvalidOption(format!("codec {s:?} (expected ulaw or alaw)"))),
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Codec::Ulaw => "ulaw",
            Codec::Alaw => "alaw",
        })
    }
}

/// The file layout a ring tone is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    /// Grandstream ring tone (`ring.bin`), see FORMATS.md §1 "Ring tones".
    Gsrt,
    /// WAV with WAVE_FORMAT_MULAW / WAVE_FORMAT_ALAW data, 8 kHz mono.
    G711Wav,
    /// WAV with 16-bit PCM data, 8 kHz mono (the codec is not used).
    PcmWav,
}

impl FromStr for Container {
    type Err = Error;
    /// Accepts `gsrt`, `g711-wav`, `pcm-wav` (any case).
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.to_ascii_lowercase().as_str() {
            "gsrt" => Ok(Container::Gsrt),
            "g711-wav" => Ok(Container::G711Wav),
            "pcm-wav" => Ok(Container::PcmWav),
            _ => Err(Error::InvalidOption(format!("container {s:?} (expected gsrt, g711-wav or pcm-wav)"))),
        }
    }
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Container::Gsrt => "gsrt",
            Container::G711Wav => "g711-wav",
            Container::PcmWav => "pcm-wav",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in [RawEncoding::S16Le, RawEncoding::U8, RawEncoding::Ulaw, RawEncoding::Alaw] {
            assert_eq!(e.to_string().parse::<RawEncoding>().unwrap(), e);
        }
        for c in [Codec::Ulaw, Codec::Alaw] {
            assert_eq!(c.to_string().parse::<Codec>().unwrap(), c);
            assert_eq!(Codec::from_payload_type(c.payload_type()), Some(c));
        }
        for c in [Container::Gsrt, Container::G711Wav, Container::PcmWav] {
            assert_eq!(c.to_string().parse::<Container>().unwrap(), c);
        }
    }

    #[test]
    fn aliases_and_rejections() {
        assert_eq!("MuLaw".parse::<Codec>().unwrap(), Codec::Ulaw);
        assert_eq!("u-law".parse::<Codec>().unwrap(), Codec::Ulaw);
        assert_eq!("A-law".parse::<Codec>().unwrap(), Codec::Alaw);
        assert_eq!(Codec::Ulaw.payload_type(), 0);
        assert_eq!(Codec::Alaw.payload_type(), 8);
        let e = "gsm".parse::<Codec>().unwrap_err().to_string();
        assert_eq!(e, "invalid option: codec \"gsm\" (expected ulaw or alaw)");
        assert!("wav".parse::<Container>().is_err());
        assert!("s24le".parse::<RawEncoding>().is_err());
    }
}
