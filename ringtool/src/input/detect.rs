//! Recognising an input by its first bytes (magic numbers), never by its name.

use crate::Error;

/// How many leading bytes are read for recognition.
pub const HEAD_LEN: usize = 4096;

/// The input formats `render` decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// RIFF/WAVE (also big-endian RIFX and 64-bit RF64/BW64), decoded in `input::wav`.
    Wav,
    /// Native FLAC (`fLaC`), decoded by `symphonia`.
    Flac,
    /// Ogg (`OggS`), Vorbis decoded by `symphonia`.
    Ogg,
    /// MPEG-1/2/2.5 layer III, optionally behind an ID3v2 tag, decoded by `symphonia`.
    Mp3,
    /// RIFF/WAVE holding IMA or Microsoft ADPCM, decoded by `symphonia`.
    AdpcmWav,
    /// AIFF and AIFF-C (`FORM`), decoded by `symphonia`.
    Aiff,
    /// Sun/NeXT audio (`.snd`), decoded in `input::au`.
    Au,
}

impl InputKind {
    /// Short lower-case name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Wav => "wav",
            InputKind::Flac => "flac",
            InputKind::Ogg => "ogg",
            InputKind::Mp3 => "mp3",
            InputKind::AdpcmWav => "wav",
            InputKind::Aiff => "aiff",
            InputKind::Au => "au",
        }
    }
}

/// Recognises the format from the first bytes of the input.
pub fn detect(head: &[u8]) -> Result<InputKind, Error> {
    if head.is_empty() {
        return Err(Error::Empty);
    }
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if [&b"RIFF"[..], b"RIFX", b"RF64", b"BW64"].iter().any(|magic| at(0, magic)) && at(8, b"WAVE") {
        // IMA (0x0011) and Microsoft (0x0002) ADPCM, in a plain RIFF file: symphonia decodes those.
        let adpcm = at(0, b"RIFF") && wav_fmt(head).is_some_and(|f| matches!(f.tag, 0x0002 | 0x0011));
        return Ok(if adpcm { InputKind::AdpcmWav } else { InputKind::Wav });
    }
    if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        return Ok(InputKind::Aiff);
    }
    if at(0, b".snd") {
        return Ok(InputKind::Au);
    }
    if at(4, b"ftyp") {
        return Err(Error::Unsupported("format: mp4/m4a/m4r audio (convert it to wav or flac first)".into()));
    }
    if at(0, b"fLaC") {
        return Ok(InputKind::Flac);
    }
    if at(0, b"OggS") {
        return Ok(InputKind::Ogg);
    }
    if id3v2_len(head).is_some() {
        return Ok(InputKind::Mp3);
    }
    if let Some(header) = MpegHeader::parse(head) {
        if header.layer != 3 {
            return Err(Error::Unsupported(format!("mpeg layer {} audio (only layer iii)", header.layer)));
        }
        if mpeg_frames_at(head, 0) {
            return Ok(InputKind::Mp3);
        }
    }
    Err(Error::Unrecognised)
}

/// Total length of the ID3v2 tag at the start of `head` (header, body and footer).
pub fn id3v2_len(head: &[u8]) -> Option<u64> {
    if head.len() < 10 || &head[..3] != b"ID3" || head[3] == 0xFF || head[4] == 0xFF {
        return None;
    }
    let size = &head[6..10];
    if size.iter().any(|b| b & 0x80 != 0) {
        return None; // sizes are 7-bit "syncsafe" integers
    }
    let body = size.iter().fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + body + footer)
}

/// Offset of the first MPEG layer III frame in `head` that is followed by
/// another valid frame header (or by the end of `head` when `head` is the whole input).
pub fn find_mpeg_frames(head: &[u8], whole_input: bool) -> Option<usize> {
    (0..head.len().saturating_sub(3)).find(|&offset| {
        MpegHeader::parse(&head[offset..]).is_some_and(|h| h.layer == 3)
            && (mpeg_frames_at(head, offset) || (whole_input && ends_after_frame(head, offset)))
    })
}

/// A valid frame header at `offset` whose successor is also a valid header.
fn mpeg_frames_at(head: &[u8], offset: usize) -> bool {
    let Some(first) = MpegHeader::parse(&head[offset..]) else {
        return false;
    };
    let next = offset + first.frame_len;
    head.get(next..)
        .and_then(MpegHeader::parse)
        .is_some_and(|second| second.layer == first.layer && second.version == first.version)
}

fn ends_after_frame(head: &[u8], offset: usize) -> bool {
    MpegHeader::parse(&head[offset..]).is_some_and(|h| offset + h.frame_len == head.len())
}

/// The fields of an MPEG audio frame header needed to find the next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpegHeader {
    /// 1 = MPEG-1, 2 = MPEG-2, 25 = MPEG-2.5.
    pub version: u8,
    /// 1, 2 or 3.
    pub layer: u8,
    /// Sample rate in Hz.
    pub rate: u32,
    /// Bytes in this frame, header included.
    pub frame_len: usize,
}

impl MpegHeader {
    /// Parses the 4-byte header at the start of `b`, if it is a valid one.
    pub fn parse(b: &[u8]) -> Option<MpegHeader> {
        if b.len() < 4 || b[0] != 0xFF || b[1] & 0xE0 != 0xE0 {
            return None;
        }
        let version = match (b[1] >> 3) & 3 {
            0 => 25,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let layer = match (b[1] >> 1) & 3 {
            1 => 3,
            2 => 2,
            3 => 1,
            _ => return None,
        };
        let bitrate_index = usize::from(b[2] >> 4);
        let rate_index = usize::from((b[2] >> 2) & 3);
        if bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
            return None; // free format, invalid bitrate, reserved rate
        }
        const V1: [[u32; 14]; 3] = [
            [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        ];
        const V2: [[u32; 14]; 2] = [
            [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
            [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
        ];
        let kbps = if version == 1 {
            V1[usize::from(layer) - 1][bitrate_index - 1]
        } else {
            V2[usize::from(layer.min(2)) - 1][bitrate_index - 1]
        };
        let rate = [44_100, 48_000, 32_000][rate_index]
            / match version {
                1 => 1,
                2 => 2,
                _ => 4,
            };
        let padding = u32::from((b[2] >> 1) & 1);
        let bps = kbps * 1000;
        let frame_len = match (layer, version) {
            (1, _) => (12 * bps / rate + padding) * 4,
            (3, 2 | 25) => 72 * bps / rate + padding,
            _ => 144 * bps / rate + padding,
        };
        Some(MpegHeader { version, layer, rate, frame_len: frame_len as usize })
    }
}

/// The `fmt ` fields of a WAV file that decide whether it is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavFmt {
    /// Format tag (for WAVE_FORMAT_EXTENSIBLE, the sub-format's tag).
    pub tag: u16,
    /// Channel count.
    pub channels: u16,
    /// Frames per second.
    pub rate: u32,
    /// Bits per sample (container size).
    pub bits: u16,
    /// Bytes per block of frames (an ADPCM block, or one PCM frame).
    pub block_align: u16,
}

impl WavFmt {
    /// The fields of a `fmt ` chunk body (big-endian in a RIFX file); `None` under 16 bytes.
    pub fn parse(f: &[u8], big: bool) -> Option<WavFmt> {
        if f.len() < 16 {
            return None;
        }
        let u16_at =
            |i: usize| if big { u16::from_be_bytes([f[i], f[i + 1]]) } else { u16::from_le_bytes([f[i], f[i + 1]]) };
        let u32_at = |i: usize| {
            let (hi, lo) = if big { (u16_at(i), u16_at(i + 2)) } else { (u16_at(i + 2), u16_at(i)) };
            u32::from(hi) << 16 | u32::from(lo)
        };
        let mut tag = u16_at(0);
        if tag == 0xFFFE && f.len() >= 26 {
            tag = u16_at(24);
        }
        Some(WavFmt { tag, channels: u16_at(2), rate: u32_at(4), bits: u16_at(14), block_align: u16_at(12) })
    }
}

/// Finds and parses the `fmt ` chunk if it lies within `head` (big-endian in a RIFX file).
pub fn wav_fmt(head: &[u8]) -> Option<WavFmt> {
    WavFmt::parse(riff_chunk(head, b"fmt ", 40)?, head.starts_with(b"RIFX"))
}

/// The frame count of a WAV file's `fact` chunk, if it lies within `head` (a plain RIFF file's).
pub fn wav_fact(head: &[u8]) -> Option<u32> {
    let f = riff_chunk(head, b"fact", 4)?;
    Some(u32::from_le_bytes(f.get(..4)?.try_into().ok()?))
}

/// The frame count of an AIFF file's `COMM` chunk, if it lies within `head`. (symphonia 0.5 counts
/// the 8 bytes at the start of `SSND` as audio: two frames too many for 16-bit stereo.)
pub fn aiff_frames(head: &[u8]) -> Option<u32> {
    let c = riff_chunk(head, b"COMM", 6)?;
    Some(u32::from_be_bytes(c.get(2..6)?.try_into().ok()?))
}

/// The first `max` bytes of the body of the chunk `tag` before the audio chunk, if within `head`
/// (RIFF/RF64 little-endian; RIFX and AIFF's FORM big-endian).
fn riff_chunk<'a>(head: &'a [u8], tag: &[u8; 4], max: usize) -> Option<&'a [u8]> {
    let big = head.starts_with(b"RIFX") || head.starts_with(b"FORM");
    let mut offset = 12usize;
    while let Some(header) = head.get(offset..offset + 8) {
        let b = [header[4], header[5], header[6], header[7]];
        let len = if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) } as usize;
        let body = offset + 8;
        if &header[..4] == tag {
            return head.get(body..body + len.min(max));
        }
        if &header[..4] == b"data" || &header[..4] == b"SSND" {
            return None;
        }
        offset = body.checked_add(len)?.checked_add(len & 1)?;
    }
    None
}

/// Rejects, with a named reason, WAV encodings `input::wav` does not read.
pub fn check_wav_fmt(fmt: &WavFmt) -> Result<(), Error> {
    match (fmt.tag, fmt.bits) {
        (1, 1..=32) | (3, 32 | 64) => Ok(()),
        (1, bits) => Err(Error::Unsupported(format!("wav encoding: {bits}-bit pcm"))),
        (3, bits) => Err(Error::Unsupported(format!("wav encoding: {bits}-bit float"))),
        (tag, _) => Err(Error::Unsupported(format!("wav encoding: {} (format tag {tag:#06x})", wave_format_name(tag)))),
    }
}

/// Common names of WAVE format tags.
pub fn wave_format_name(tag: u16) -> &'static str {
    match tag {
        0x0001 => "pcm",
        0x0002 => "ms adpcm",
        0x0003 => "ieee float",
        0x0006 => "a-law",
        0x0007 => "µ-law",
        0x0011 => "ima adpcm",
        0x0022 => "truespeech",
        0x0031 => "gsm 6.10",
        0x0040 => "g.721 adpcm",
        0x0050 => "mpeg",
        0x0055 => "mpeg layer iii",
        0x0064 => "g.726 adpcm",
        0x00FF => "aac",
        0x2000 => "ac-3",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(header: [u8; 4]) -> Vec<u8> {
        let len = MpegHeader::parse(&header).unwrap().frame_len;
        let mut f = header.to_vec();
        f.resize(len, 0x55);
        f
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(detect(b"RIFF\0\0\0\0WAVEfmt ").unwrap(), InputKind::Wav);
        assert_eq!(detect(b"fLaC\0\0\0\x22").unwrap(), InputKind::Flac);
        assert_eq!(detect(b"OggS\0\x02").unwrap(), InputKind::Ogg);
        assert_eq!(detect(b"ID3\x04\0\0\0\0\x02\x01rest").unwrap(), InputKind::Mp3);
        assert!(matches!(detect(b""), Err(Error::Empty)));
        assert!(matches!(detect(b"hello, this is text"), Err(Error::Unrecognised)));
        assert_eq!(detect(b"RF64\xff\xff\xff\xffWAVE").unwrap(), InputKind::Wav);
        assert_eq!(detect(b"RIFX\0\0\0\x24WAVE").unwrap(), InputKind::Wav);
        assert_eq!(detect(b"FORM\0\0\0\x24AIFF").unwrap(), InputKind::Aiff);
        assert_eq!(detect(b"FORM\0\0\0\x24AIFC").unwrap(), InputKind::Aiff);
        assert_eq!(detect(b".snd\0\0\0\x18").unwrap(), InputKind::Au);
        let m4a = detect(b"\0\0\0\x20ftypM4A ").unwrap_err().to_string();
        assert_eq!(m4a, "unsupported format: mp4/m4a/m4r audio (convert it to wav or flac first)");
        let ima = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x11\0\x01\0\x40\x1f\0\0\0\0\0\0\0\x01\x04\0\x02\0";
        assert_eq!(detect(ima).unwrap(), InputKind::AdpcmWav);
    }

    #[test]
    fn mpeg_frames_need_two_headers() {
        // MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes per frame.
        let h = [0xFF, 0xFB, 0x90, 0x00];
        assert_eq!(MpegHeader::parse(&h).unwrap().frame_len, 417);
        let mut two = frame(h);
        two.extend(frame(h));
        assert_eq!(detect(&two).unwrap(), InputKind::Mp3);
        let mut one_and_junk = frame(h);
        one_and_junk.extend(b"junkjunk");
        assert!(matches!(detect(&one_and_junk), Err(Error::Unrecognised)));
        assert_eq!(find_mpeg_frames(&frame(h), true), Some(0));
        let mut padded = vec![0u8; 7];
        padded.extend(&two);
        assert_eq!(find_mpeg_frames(&padded, false), Some(7));
        // MPEG-2 layer III 64 kbit/s 22.05 kHz: 72*64000/22050 = 208 bytes.
        assert_eq!(MpegHeader::parse(&[0xFF, 0xF3, 0x80, 0x00]).unwrap().frame_len, 208);
        // Layer II is refused by name.
        let l2 = [0xFF, 0xFD, 0x90, 0x00];
        let mut two_l2 = frame(l2);
        two_l2.extend(frame(l2));
        assert!(matches!(detect(&two_l2), Err(Error::Unsupported(m)) if m.contains("layer 2")));
    }

    #[test]
    fn id3_sizes_are_syncsafe() {
        assert_eq!(id3v2_len(b"ID3\x03\0\0\0\0\x01\x7f"), Some(10 + 255));
        assert_eq!(id3v2_len(b"ID3\x04\0\x10\0\0\0\x0a"), Some(30));
        assert_eq!(id3v2_len(b"ID3\x03\0\0\0\0\x01\x80"), None);
    }

    #[test]
    fn wav_fmt_is_found_and_checked() {
        let mut wav = b"RIFF\0\0\0\0WAVELIST\x03\0\0\0abc\0fmt \x14\0\0\0".to_vec();
        wav.extend([0x11, 0, 1, 0, 0x40, 0x1f, 0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 2, 0, 0xf9, 1]);
        let fmt = wav_fmt(&wav).unwrap();
        assert_eq!((fmt.tag, fmt.channels, fmt.rate, fmt.bits), (0x11, 1, 8000, 4));
        let e = check_wav_fmt(&fmt).unwrap_err().to_string();
        assert_eq!(e, "unsupported wav encoding: ima adpcm (format tag 0x0011)");
        assert!(check_wav_fmt(&WavFmt { tag: 1, channels: 2, rate: 44_100, bits: 16, block_align: 4 }).is_ok());
        assert!(check_wav_fmt(&WavFmt { tag: 3, channels: 1, rate: 8000, bits: 64, block_align: 4 }).is_ok());
        assert!(check_wav_fmt(&WavFmt { tag: 3, channels: 1, rate: 8000, bits: 16, block_align: 4 }).is_err());
        assert!(check_wav_fmt(&WavFmt { tag: 1, channels: 1, rate: 8000, bits: 40, block_align: 4 }).is_err());
    }
}
