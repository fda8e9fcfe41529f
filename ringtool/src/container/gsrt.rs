//! The Grandstream ring tone container ("gsrt"), FORMATS.md §1 "Ring tones".
//!
//! All fields big-endian. The header is 512 bytes; 8 kHz mono G.711 follows,
//! padded to an even length with one byte of the codec's silence (SoX pads with
//! 0x00, which every reader decodes as a sample: full-scale negative in µ-law,
//! an audible click at the end of every ring).

use crate::{Codec, Error, Timestamp};

/// Header length; audio starts here.
pub const HEADER_LEN: usize = 0x200;
/// The only version value known (SoX writes and expects it).
pub const VERSION: u32 = 0x0100_0000;
/// The name field's content; SoX refuses any other.
pub const NAME: &str = "ring.bin";
/// Offset of the name field (16 bytes, NUL-padded).
const NAME_AT: usize = 0x010;
/// Offset of the codec field (RTP payload type).
const CODEC_AT: usize = 0x020;
/// End of the fields; zeros follow up to [`HEADER_LEN`].
const FIELDS_END: usize = 0x022;

/// The fields of a gsrt header, as read back by [`crate::decode`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GsrtHeader {
    /// Total file length in 16-bit words, header included (offset 0x000).
    pub words: u32,
    /// The checksum word (offset 0x004).
    pub checksum: u16,
    /// Version (offset 0x006), normally 0x01000000.
    pub version: u32,
    /// Creation stamp (offset 0x00A).
    pub stamp: Timestamp,
    /// Name field without its NUL padding (offset 0x010), normally `ring.bin`.
    pub name: String,
    /// Codec as an RTP payload type (offset 0x020): 0 µ-law, 8 A-law.
    pub payload_type: u16,
}

/// Builds a complete gsrt file from 8 kHz mono samples.
pub fn write(samples: &[i16], codec: Codec, stamp: Timestamp) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN];
    out.reserve(samples.len() + 1);
    out.extend(samples.iter().map(|&s| codec.encode_sample(s)));
    if out.len() % 2 == 1 {
        out.push(codec.silence()); // decoded as a sample: it must be silence, not SoX's 0x00
    }
    let words = (out.len() / 2) as u32;
    out[0..4].copy_from_slice(&words.to_be_bytes());
    out[6..10].copy_from_slice(&VERSION.to_be_bytes());
    out[10..12].copy_from_slice(&stamp.year.to_be_bytes());
    out[12..16].copy_from_slice(&[stamp.month, stamp.day, stamp.hour, stamp.minute]);
    out[NAME_AT..NAME_AT + NAME.len()].copy_from_slice(NAME.as_bytes());
    out[CODEC_AT..CODEC_AT + 2].copy_from_slice(&codec.payload_type().to_be_bytes());
    let checksum = 0u16.wrapping_sub(word_sum(&out));
    out[4..6].copy_from_slice(&checksum.to_be_bytes());
    out
}

/// Sum modulo 65536 of the big-endian 16-bit words of `bytes` (an odd last byte
/// counts as a word's high byte). A valid gsrt file sums to 0.
pub fn word_sum(bytes: &[u8]) -> u16 {
    bytes.chunks(2).fold(0u16, |sum, w| sum.wrapping_add(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
}

/// Cheap check of the first bytes: the version or the name field matches.
pub fn looks_like(bytes: &[u8]) -> bool {
    if bytes.len() < FIELDS_END {
        return false;
    }
    let version = u32::from_be_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]);
    version == VERSION || name_field(bytes) == NAME
}

fn name_field(bytes: &[u8]) -> String {
    let raw = &bytes[NAME_AT..NAME_AT + 16];
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

/// What [`parse`] found.
pub struct Parsed {
    /// Header fields.
    pub header: GsrtHeader,
    /// Codec, when the payload type is a G.711 one.
    pub codec: Option<Codec>,
    /// Decoded 8 kHz samples (empty when the codec is unknown).
    pub samples: Vec<i16>,
    /// The 16-bit words of the file sum to 0.
    pub checksum_ok: bool,
    /// The length field matches the file length.
    pub length_ok: bool,
    /// Every rule the file breaks, one line each.
    pub problems: Vec<String>,
    /// What breaks no rule but is worth knowing (fields in the reserved area).
    pub notes: Vec<String>,
}

/// A note when the reserved area is not zero: Grandstream's own ring files carry fields there, so
/// with a valid checksum, length and codec the file is someone else's ring file, not a broken one.
fn reserved_note(bytes: &[u8]) -> Option<String> {
    bytes[FIELDS_END..HEADER_LEN].iter().any(|&b| b != 0).then(|| {
        format!(
            "the reserved header area {FIELDS_END:#05x}..{HEADER_LEN:#05x} is not zero ({}): Grandstream's own ring files carry fields there; SoX and bundler read past them",
            reserved_fields(bytes)
        )
    })
}

/// The fields publicly described in Grandstream's own ring files' reserved area (FORMATS.md §1):
/// 16-bit words at 0x026, 0x100 and 0x102, and a NUL-terminated description text at 0x128.
fn reserved_fields(bytes: &[u8]) -> String {
    let be16 = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
    let mut found: Vec<String> = [0x026, 0x100, 0x102]
        .iter()
        .filter(|&&at| be16(at) != 0)
        .map(|&at| format!("{at:#05x} = {:#06x}", be16(at)))
        .collect();
    let text: Vec<u8> = bytes[0x128..HEADER_LEN].iter().take_while(|&&b| b != 0).copied().collect();
    if !text.is_empty() {
        let shown: String = String::from_utf8_lossy(&text).chars().filter(|c| !c.is_control()).take(64).collect();
        found.push(format!("description at 0x128 {shown:?}"));
    }
    let known = [0x026..0x028, 0x100..0x104, 0x128..HEADER_LEN];
    let other = (FIELDS_END..HEADER_LEN).filter(|i| bytes[*i] != 0 && !known.iter().any(|r| r.contains(i))).count();
    if other > 0 {
        found.push(format!("{other} other non-zero byte(s)"));
    }
    found.join(", ")
}

/// Reads a gsrt file, reporting (not failing on) a wrong length, checksum,
/// version, name, codec or stamp. Fails only when the header is incomplete.
pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    if bytes.len() < HEADER_LEN {
        return Err(Error::Truncated(format!("gsrt header needs {HEADER_LEN} bytes, the file has {}", bytes.len())));
    }
    let be16 = |at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
    let be32 = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let header = GsrtHeader {
        words: be32(0),
        checksum: be16(4),
        version: be32(6),
        stamp: Timestamp { year: be16(10), month: bytes[12], day: bytes[13], hour: bytes[14], minute: bytes[15] },
        name: name_field(bytes),
        payload_type: be16(CODEC_AT),
    };
    let mut problems = Vec::new();
    let declared = u64::from(header.words) * 2;
    let actual = bytes.len() as u64;
    let length_ok = declared == actual;
    if !length_ok {
        problems.push(format!("length field says {declared} bytes ({} words), the file has {actual}", header.words));
    }
    let sum = word_sum(bytes);
    let checksum_ok = sum == 0;
    if !checksum_ok {
        problems.push(format!("checksum mismatch: the 16-bit words sum to {sum:#06x}, not 0"));
    }
    if header.version != VERSION {
        problems.push(format!("version {:#010x}, expected {VERSION:#010x}", header.version));
    }
    if header.name != NAME {
        problems.push(format!("name field {:?}, expected {NAME:?} (sox refuses others)", header.name));
    }
    if !header.stamp.is_valid() {
        problems.push(format!("invalid timestamp {}", header.stamp));
    }
    let notes: Vec<String> = reserved_note(bytes).into_iter().collect();
    let codec = Codec::from_payload_type(header.payload_type);
    let audio_end = if declared >= HEADER_LEN as u64 && declared < actual {
        declared as usize // trailing bytes beyond the declared length are not audio
    } else {
        bytes.len()
    };
    let samples = match codec {
        Some(c) => bytes[HEADER_LEN..audio_end].iter().map(|&b| c.decode_sample(b)).collect(),
        None => {
            problems.push(format!("codec payload type {} is not g.711 (0 = µ-law, 8 = a-law)", header.payload_type));
            Vec::new()
        }
    };
    if samples.is_empty() && codec.is_some() {
        problems.push("no audio after the header".into());
    }
    Ok(Parsed { header, codec, samples, checksum_ok, length_ok, problems, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: Timestamp = Timestamp { year: 2024, month: 5, day: 17, hour: 13, minute: 45 };

    #[test]
    fn header_layout() {
        let f = write(&[0, 1000, -1000], Codec::Ulaw, STAMP);
        assert_eq!(f.len(), 0x200 + 4);
        assert_eq!(&f[0..4], &[0, 0, 1, 2]); // 516 / 2 = 258 words
        assert_eq!(&f[6..10], &[1, 0, 0, 0]);
        assert_eq!(&f[10..16], &[0x07, 0xE8, 5, 17, 13, 45]);
        assert_eq!(&f[16..32], b"ring.bin\0\0\0\0\0\0\0\0");
        assert_eq!(&f[32..34], &[0, 0]);
        assert!(f[0x22..0x200].iter().all(|&b| b == 0));
        // Same audio bytes SoX writes for these samples (checked with sox by hand:
        // `sox -D -t s16 -r 8000 -c 1 x.raw -t gsrt -e u-law x.bin`).
        // The pad byte is silence (0xFF), where SoX writes 0x00.
        assert_eq!(&f[0x200..], &[0xFF, 0xCE, 0x4E, 0xFF]);
        assert_eq!(word_sum(&f), 0);
        let a = write(&[0, 1000, -1000], Codec::Alaw, STAMP);
        assert_eq!(&a[32..34], &[0, 8]);
        assert_eq!(&a[0x200..], &[0xD5, 0xFA, 0x7A, 0xD5]);
        assert_eq!(word_sum(&a), 0);
    }

    #[test]
    fn even_sample_counts_are_not_padded() {
        assert_eq!(write(&[5; 10], Codec::Alaw, STAMP).len(), 0x200 + 10);
        assert_eq!(write(&[], Codec::Alaw, STAMP).len(), 0x200);
    }

    #[test]
    fn parse_round_trip() {
        let f = write(&[0, 1000, -1000, 32000], Codec::Alaw, STAMP);
        let p = parse(&f).unwrap();
        assert!(p.checksum_ok && p.length_ok && p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.codec, Some(Codec::Alaw));
        assert_eq!(p.header.stamp, STAMP);
        assert_eq!(p.header.name, "ring.bin");
        assert_eq!(p.header.words, (0x200 + 4) / 2);
        assert_eq!(p.samples.len(), 4);
    }

    #[test]
    fn damage_is_reported_not_fatal() {
        let mut f = write(&[100; 64], Codec::Ulaw, STAMP);
        f[0x210] ^= 0x01;
        let p = parse(&f).unwrap();
        assert!(!p.checksum_ok && p.length_ok);
        assert!(p.problems[0].starts_with("checksum mismatch"), "{:?}", p.problems);

        let mut g = write(&[100; 64], Codec::Ulaw, STAMP);
        g.truncate(g.len() - 6);
        let p = parse(&g).unwrap();
        assert!(!p.length_ok);
        assert_eq!(p.samples.len(), 58);

        let mut h = write(&[100; 64], Codec::Ulaw, STAMP);
        h[0x21] = 3; // GSM
        let p = parse(&h).unwrap();
        assert_eq!(p.codec, None);
        assert!(p.samples.is_empty());
        assert!(p.problems.iter().any(|m| m.contains("payload type 3")));

        assert!(matches!(parse(&h[..100]), Err(Error::Truncated(_))));
    }

    #[test]
    fn grandstream_fields_in_the_reserved_area_are_a_note() {
        let mut f = write(&[0, 1000, -1000, 5], Codec::Ulaw, STAMP);
        f[0x27] = 0x01;
        f[0x101] = 0x02;
        f[0x128..0x12E].copy_from_slice(b"Chimes");
        let sum = word_sum(&f[..4].iter().chain(&[0, 0]).chain(&f[6..]).copied().collect::<Vec<u8>>());
        f[4..6].copy_from_slice(&0u16.wrapping_sub(sum).to_be_bytes());
        let p = parse(&f).unwrap();
        assert!(p.checksum_ok && p.length_ok && p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.notes.len(), 1);
        assert!(p.notes[0].contains("0x026 = 0x0001") && p.notes[0].contains("\"Chimes\""), "{:?}", p.notes);
    }
}
