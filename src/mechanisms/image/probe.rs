//! Reading what an image is from its header alone: format, dimensions, colour type, JPEG coding
//! (baseline or progressive, sampling factors) and how many bytes of metadata it carries.
//!
//! Probing never decodes pixels, so it is safe on untrusted files of any claimed size: `decode`
//! probes first and refuses a decompression bomb before allocating, and `inspect` uses the same
//! facts to check a file against a model's rules.

use anyhow::{bail, Result};
use serde::Serialize;
use std::io::Cursor;

/// The image formats bundler reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Bmp,
    Gif,
    Webp,
}

impl Format {
    /// The format from a file's first bytes, if it is one bundler reads.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
            Some(Format::Bmp)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else {
            None
        }
    }

    /// The format a file extension names (`jpg`, `jpeg`, `png`, …), case-insensitively.
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" | "jpe" => Some(Format::Jpeg),
            "png" => Some(Format::Png),
            "bmp" => Some(Format::Bmp),
            "gif" => Some(Format::Gif),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    /// The format of a file name's extension, if any.
    pub fn from_name(name: &str) -> Option<Format> {
        name.rsplit_once('.').and_then(|(_, ext)| Format::from_extension(ext))
    }

    /// The extension layouts use for this format (`jpg`, `png`, `bmp`, …).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Bmp => "bmp",
            Format::Gif => "gif",
            Format::Webp => "webp",
        }
    }

    /// The format's usual name (`JPEG`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Bmp => "BMP",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
        }
    }
}

/// What an image's header says.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    /// Colour model: `YCbCr`, `grayscale`, `CMYK`, `RGB`, `RGBA`, `palette`, `grayscale+alpha`.
    pub color: String,
    /// Bits per sample (1 for a bilevel PNG).
    pub bit_depth: u8,
    /// JPEG only: whether the file is progressive (phones may only decode baseline).
    pub progressive: Option<bool>,
    /// JPEG only: the components' sampling factors, e.g. `2x2,1x1,1x1` for 4:2:0.
    pub sampling: Option<String>,
    /// JPEG only: number of colour components (1, 3 or 4).
    pub components: Option<u8>,
    /// Bytes of metadata (EXIF, XMP, ICC, comments, text chunks) the file carries.
    pub metadata_bytes: u64,
}

impl ImageInfo {
    /// Whether the image is a 1-bit grayscale image, as monochrome screens take.
    pub fn is_bilevel_gray(&self) -> bool {
        self.color == "grayscale" && self.bit_depth == 1
    }
}

/// Reads an image's header. Fails on anything that is not a readable JPEG, PNG, BMP, GIF or WebP
/// header, naming what the file seems to be when it is a format bundler does not read.
pub fn probe(bytes: &[u8]) -> Result<ImageInfo> {
    let Some(format) = Format::sniff(bytes) else {
        bail!("{}", unsupported_reason(bytes));
    };
    let info = match format {
        Format::Jpeg => probe_jpeg(bytes)?,
        Format::Png => probe_png(bytes)?,
        Format::Bmp | Format::Gif | Format::Webp => probe_with_image_crate(bytes, format)?,
    };
    if info.width == 0 || info.height == 0 {
        bail!("{} header gives an empty image ({}×{})", format.name(), info.width, info.height);
    }
    Ok(info)
}

/// Why a file is not an image bundler reads: names well-known other formats.
fn unsupported_reason(bytes: &[u8]) -> String {
    let what = if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        match &bytes[8..12] {
            b"avif" | b"avis" => Some("AVIF"),
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => Some("HEIC"),
            _ => Some("an ISO media file"),
        }
    } else if bytes.starts_with(b"<svg") || bytes.starts_with(b"<?xml") {
        Some("SVG/XML")
    } else if bytes.starts_with(b"%PDF") {
        Some("PDF")
    } else {
        None
    };
    match what {
        Some(w) => format!("unsupported image format ({w}); bundler reads JPEG, PNG, BMP, GIF and WebP"),
        None if bytes.is_empty() => "empty file, not an image".to_string(),
        None => "not an image bundler reads (JPEG, PNG, BMP, GIF or WebP)".to_string(),
    }
}

/// Walks the JPEG markers up to the first scan, reading the frame header and counting metadata.
fn probe_jpeg(bytes: &[u8]) -> Result<ImageInfo> {
    let mut pos = 2;
    let mut metadata_bytes = 0u64;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while pos < bytes.len() && bytes[pos] == 0xFF && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if pos + 4 > bytes.len() {
            bail!("truncated JPEG: no frame header before byte {}", bytes.len());
        }
        if bytes[pos] != 0xFF {
            bail!("corrupt JPEG: expected a marker at byte {pos}");
        }
        let marker = bytes[pos + 1];
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            pos += 2;
            continue;
        }
        if marker == 0xD9 || marker == 0xDA {
            bail!("corrupt JPEG: no frame header before the image data");
        }
        let len = u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]) as usize;
        if len < 2 || pos + 2 + len > bytes.len() {
            bail!("truncated JPEG: segment at byte {pos} runs past the end of the file");
        }
        let segment = &bytes[pos + 4..pos + 2 + len];
        match marker {
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return jpeg_frame(marker, segment, metadata_bytes);
            }
            0xE0 if segment.starts_with(b"JFIF\0") => {}
            0xE0..=0xEF | 0xFE => metadata_bytes += len as u64 + 2,
            _ => {}
        }
        pos += 2 + len;
    }
}

fn jpeg_frame(marker: u8, segment: &[u8], metadata_bytes: u64) -> Result<ImageInfo> {
    if segment.len() < 6 {
        bail!("corrupt JPEG: frame header too short");
    }
    let precision = segment[0];
    let height = u16::from_be_bytes([segment[1], segment[2]]) as u32;
    let width = u16::from_be_bytes([segment[3], segment[4]]) as u32;
    let count = segment[5];
    if segment.len() < 6 + 3 * count as usize {
        bail!("corrupt JPEG: frame header shorter than its {count} components");
    }
    if height == 0 {
        bail!("unsupported JPEG: height defined after the first scan (DNL marker)");
    }
    let color = match count {
        1 => "grayscale",
        3 => "YCbCr",
        4 => "CMYK",
        n => bail!("unsupported JPEG with {n} colour components"),
    };
    let sampling: Vec<String> = (0..count as usize)
        .map(|i| {
            let hv = segment[6 + 3 * i + 1];
            format!("{}x{}", hv >> 4, hv & 0x0F)
        })
        .collect();
    match marker {
        0xC0..=0xC2 => {}
        0xC3 => bail!("unsupported JPEG coding (lossless)"),
        0xC9..=0xCB => bail!("unsupported JPEG coding (arithmetic)"),
        _ => bail!("unsupported JPEG coding (hierarchical, marker 0x{marker:02X})"),
    }
    Ok(ImageInfo {
        format: Format::Jpeg,
        width,
        height,
        color: color.to_string(),
        bit_depth: precision,
        progressive: Some(marker == 0xC2),
        sampling: Some(sampling.join(",")),
        components: Some(count),
        metadata_bytes,
    })
}

/// Reads the PNG header and walks the chunks to count ancillary metadata.
fn probe_png(bytes: &[u8]) -> Result<ImageInfo> {
    if bytes.len() < 33 || &bytes[12..16] != b"IHDR" {
        bail!("truncated or corrupt PNG: no IHDR header");
    }
    let be32 = |p: usize| u32::from_be_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
    let (width, height) = (be32(16), be32(20));
    let (bit_depth, color_type) = (bytes[24], bytes[25]);
    let color = match color_type {
        0 => "grayscale",
        2 => "RGB",
        3 => "palette",
        4 => "grayscale+alpha",
        6 => "RGBA",
        other => bail!("corrupt PNG: colour type {other}"),
    };
    let mut metadata_bytes = 0u64;
    let mut pos = 8;
    while pos + 12 <= bytes.len() {
        let len = be32(pos) as usize;
        let kind = &bytes[pos + 4..pos + 8];
        if matches!(kind, b"iCCP" | b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            metadata_bytes += len as u64 + 12;
        }
        if kind == b"IEND" {
            break;
        }
        pos = pos.saturating_add(12).saturating_add(len);
    }
    Ok(ImageInfo {
        format: Format::Png,
        width,
        height,
        color: color.to_string(),
        bit_depth,
        progressive: None,
        sampling: None,
        components: None,
        metadata_bytes,
    })
}

/// BMP, GIF and WebP headers, read by the `image` crate's decoders (headers only).
fn probe_with_image_crate(bytes: &[u8], format: Format) -> Result<ImageInfo> {
    use image::ImageDecoder;
    let fmt = match format {
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Gif => image::ImageFormat::Gif,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    reader.limits(super::limits::DecodeLimits::default().image_limits());
    let decoder = reader.into_decoder().map_err(|e| anyhow::anyhow!("corrupt {}: {e}", format.name()))?;
    let (width, height) = decoder.dimensions();
    let ct = decoder.color_type();
    let color = match (ct.has_color(), ct.has_alpha()) {
        (true, true) => "RGBA",
        (true, false) => "RGB",
        (false, true) => "grayscale+alpha",
        (false, false) => "grayscale",
    };
    let bit_depth = (ct.bits_per_pixel() / ct.channel_count() as u16) as u8;
    Ok(ImageInfo {
        format,
        width,
        height,
        color: color.to_string(),
        bit_depth,
        progressive: None,
        sampling: None,
        components: None,
        metadata_bytes: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_formats_it_does_not_read() {
        let e = probe(b"II*\0rest of a tiff").unwrap_err().to_string();
        assert!(e.contains("TIFF"), "{e}");
        let e = probe(b"\0\0\0\x18ftypheic\0\0\0\0").unwrap_err().to_string();
        assert!(e.contains("HEIC"), "{e}");
        assert!(probe(b"hello").unwrap_err().to_string().contains("not an image"));
    }

    #[test]
    fn truncated_jpeg_and_png_headers_are_errors() {
        assert!(probe(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00]).unwrap_err().to_string().contains("truncated"));
        assert!(probe(b"\x89PNG\r\n\x1a\n\0\0").unwrap_err().to_string().contains("IHDR"));
    }
}
