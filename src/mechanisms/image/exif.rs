//! EXIF orientation of PNG (`eXIf` chunk) and WebP (`EXIF` chunk) files, applied as for JPEG.
//!
//! Found by walking the file's chunks here rather than through the `image` decoders: `png` only
//! sees an `eXIf` chunk placed before the image data (PNG 1.5 allowed it after, and writers put it
//! there), and both decoders hand `Orientation::from_exif_chunk` the chunk as stored, which fails
//! when a writer kept JPEG's `Exif\0\0` prefix in front of the TIFF header (ImageMagick, GIMP and
//! exiftool write WebP that way). Only chunk headers are read: no pixel is decoded.

use super::probe::Format;
use image::metadata::Orientation;

/// The orientation a PNG or WebP file's EXIF data gives (none for other formats).
pub fn orientation(bytes: &[u8], format: Format) -> Orientation {
    let chunk = match format {
        Format::Png => png_exif(bytes),
        Format::Webp => webp_exif(bytes),
        _ => None,
    };
    chunk.and_then(|c| Orientation::from_exif_chunk(tiff_part(c))).unwrap_or(Orientation::NoTransforms)
}

/// The TIFF structure of an EXIF block, without a leading `Exif\0\0` if a writer kept one.
fn tiff_part(chunk: &[u8]) -> &[u8] {
    chunk.strip_prefix(b"Exif\0\0").unwrap_or(chunk)
}

/// The body of the first `eXIf` chunk, anywhere before `IEND`.
fn png_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut at = 8usize;
    while let Some(header) = bytes.get(at..at + 8) {
        let len = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let body = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
        match &header[4..8] {
            b"eXIf" => return Some(body),
            b"IEND" => return None,
            _ => at = at + 12 + len, // length, type, body, CRC
        }
    }
    None
}

/// The body of the `EXIF` chunk of an extended (`VP8X`) WebP file.
fn webp_exif(bytes: &[u8]) -> Option<&[u8]> {
    let riff_end = (u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize).saturating_add(8);
    let end = riff_end.min(bytes.len());
    let mut at = 12usize;
    while let Some(header) = bytes.get(at..at + 8).filter(|_| at + 8 <= end) {
        let len = u32::from_le_bytes(header[4..8].try_into().ok()?) as usize;
        if &header[..4] == b"EXIF" {
            return bytes.get(at + 8..(at + 8).checked_add(len)?);
        }
        at = at.checked_add(8 + len + (len & 1))?;
    }
    None
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A little-endian TIFF block with one IFD entry: Orientation = `value`.
    pub(crate) fn exif_orientation(value: u16) -> Vec<u8> {
        let mut t = b"II*\0\x08\0\0\0\x01\0".to_vec(); // header, IFD at 8, one entry
        t.extend([0x12, 0x01, 3, 0, 1, 0, 0, 0]); // tag 0x0112, SHORT, count 1
        t.extend(value.to_le_bytes());
        t.extend([0, 0, 0, 0, 0, 0]); // value padding, no next IFD
        t
    }

    #[test]
    fn the_exif_prefix_is_optional() {
        let raw = exif_orientation(6);
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend(&raw);
        assert_eq!(Orientation::from_exif_chunk(tiff_part(&raw)), Some(Orientation::Rotate90));
        assert_eq!(Orientation::from_exif_chunk(tiff_part(&prefixed)), Some(Orientation::Rotate90));
    }

    #[test]
    fn broken_chunks_give_no_orientation_and_no_panic() {
        for bytes in [&b"\x89PNG\r\n\x1a\n\0\0\0\x20eXIf\0"[..], b"RIFF\xff\xff\xff\xffWEBPEXIF\xff\xff\xff\x7f", b""] {
            let format = if bytes.starts_with(b"RIFF") { Format::Webp } else { Format::Png };
            assert_eq!(orientation(bytes, format), Orientation::NoTransforms);
        }
    }
}
