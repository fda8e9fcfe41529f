//! Decoding untrusted images with limits set before any pixel is allocated, then normalising them:
//! EXIF orientation applied, CMYK and embedded ICC profiles converted to sRGB, 8 bits per sample,
//! metadata dropped (only pixels come out).
//!
//! JPEGs are decoded by libjpeg-turbo ([`super::jpeg`]), which scales by any eighth inside the
//! inverse DCT: a 12-megapixel photo bound for a 480×320 screen is decoded at a quarter of its size
//! or less (still at least as large as the caller asks, 1.7 times the target in each direction, so
//! the Lanczos resize that follows has enough detail). The other formats go through the `image`
//! crate with its `Limits`.

use super::color::{cmyk_to_rgb, icc_to_srgb};
use super::jpeg;
use super::limits::DecodeLimits;
use super::probe::{probe, Format, ImageInfo};
use anyhow::{bail, Result};
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, RgbImage};
use std::io::Cursor;

/// A decoded image, ready for resizing: RGB8, RGBA8 (when it has transparency) or L8.
#[derive(Debug)]
pub struct Decoded {
    pub image: DynamicImage,
    pub format: Format,
    /// Notes about what was done (orientation applied, ICC converted or ignored).
    pub notes: Vec<String>,
    /// What may be wrong with the file though it decoded (a JPEG without its end marker).
    pub warnings: Vec<String>,
}

/// Decodes `bytes`. `wanted(width, height)` receives the oriented full size and returns the
/// smallest size the caller needs, so a JPEG can be decoded at a reduced scale; pass `None` for
/// full size. Errors say what is wrong without naming the file (callers add the name).
pub fn decode(bytes: &[u8], limits: &DecodeLimits, wanted: Option<&dyn Fn(u32, u32) -> (u32, u32)>) -> Result<Decoded> {
    let info = probe(bytes)?;
    let (w, h) = (info.width, info.height);
    if w > limits.max_side || h > limits.max_side || w as u64 * h as u64 > limits.max_pixels {
        bail!(
            "{} claims {w}×{h} pixels ({:.1} megapixels), more than the {} megapixel limit (decompression bomb?)",
            info.format.name(),
            w as f64 * h as f64 / 1e6,
            limits.max_pixels / 1_000_000
        );
    }
    let mut notes = Vec::new();
    let (image, orientation, icc) = match info.format {
        Format::Jpeg => decode_jpeg(bytes, &info, limits, wanted, &mut notes)?,
        other => decode_other(bytes, other, limits)?,
    };
    let mut image = normalise(image);
    if let Some(icc) = icc {
        match icc_to_srgb(&mut image, &icc) {
            Ok(true) => notes.push("converted the embedded ICC profile to sRGB".to_string()),
            Ok(false) => {}
            Err(e) => notes.push(format!("ignored the embedded ICC profile ({e}); assumed sRGB")),
        }
    }
    if orientation != Orientation::NoTransforms {
        image.apply_orientation(orientation);
        notes.push(format!("applied EXIF orientation ({orientation:?})"));
    }
    let mut warnings = Vec::new();
    if info.format == Format::Jpeg && !jpeg::has_end_marker(bytes) {
        warnings.push("the JPEG has no end marker: it may have been cut short (check the picture)".to_string());
    }
    Ok(Decoded { image, format: info.format, notes, warnings })
}

/// Whether an orientation turns the image by a quarter.
fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90 | Orientation::Rotate270 | Orientation::Rotate90FlipH | Orientation::Rotate270FlipH
    )
}

type Raw = (DynamicImage, Orientation, Option<Vec<u8>>);

/// The size [`decode`] will return for `bytes` and `wanted`, before orientation, reading only
/// the headers: the JPEG DCT-scaled size, or the stored size of other formats. Callers that share
/// decodes key them on it (two targets whose wishes give the same scale share one decode).
pub fn decoded_size(bytes: &[u8], wanted: Option<&dyn Fn(u32, u32) -> (u32, u32)>) -> Result<(u32, u32)> {
    let info = probe(bytes)?;
    if info.format != Format::Jpeg || info.bit_depth != 8 {
        return Ok((info.width, info.height));
    }
    let eighths = jpeg_scale(bytes, &info, wanted)?;
    Ok((jpeg::scaled(info.width, eighths), jpeg::scaled(info.height, eighths)))
}

/// The eighths of its size a JPEG is decoded at: the fewest that still give `wanted` (which
/// receives the oriented size, as the caller sees it).
fn jpeg_scale(bytes: &[u8], info: &ImageInfo, wanted: Option<&dyn Fn(u32, u32) -> (u32, u32)>) -> Result<u8> {
    let Some(wanted) = wanted else { return Ok(8) };
    let swaps = swaps_axes(jpeg::header(bytes)?.orientation);
    let (ow, oh) = if swaps { (info.height, info.width) } else { (info.width, info.height) };
    let (nw, nh) = wanted(ow, oh);
    let (rw, rh) = if swaps { (nh, nw) } else { (nw, nh) };
    Ok(jpeg::eighths_for(info.width, info.height, rw, rh))
}

fn decode_jpeg(
    bytes: &[u8],
    info: &ImageInfo,
    limits: &DecodeLimits,
    wanted: Option<&dyn Fn(u32, u32) -> (u32, u32)>,
    notes: &mut Vec<String>,
) -> Result<Raw> {
    if info.bit_depth != 8 {
        bail!("unsupported JPEG with {}-bit samples", info.bit_depth);
    }
    let decoded = jpeg::decode(bytes, info, limits, jpeg_scale(bytes, info, wanted)?)?;
    let (w, h) = (decoded.width, decoded.height);
    let short = || anyhow::anyhow!("corrupt JPEG: decoder returned too few pixels");
    let image = match decoded.pixels {
        jpeg::Pixels::Gray(p) => DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, p).ok_or_else(short)?),
        jpeg::Pixels::Rgb(p) => DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, p).ok_or_else(short)?),
        jpeg::Pixels::Cmyk(p) => {
            let (rgb, used_icc) = cmyk_to_rgb(&p, decoded.icc.as_deref());
            notes.push(if used_icc {
                "converted CMYK to sRGB through the embedded ICC profile".to_string()
            } else {
                "converted CMYK to RGB without a profile (naive formula)".to_string()
            });
            // The CMYK profile has been used; it must not be applied again as an RGB profile.
            let image = DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, rgb).ok_or_else(short)?);
            return Ok((image, decoded.orientation, None));
        }
    };
    Ok((image, decoded.orientation, decoded.icc))
}

fn decode_other(bytes: &[u8], format: Format, limits: &DecodeLimits) -> Result<Raw> {
    let fmt = match format {
        Format::Png => image::ImageFormat::Png,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Gif => image::ImageFormat::Gif,
        _ => image::ImageFormat::WebP,
    };
    let name = format.name();
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    reader.limits(limits.image_limits());
    let mut decoder = reader.into_decoder().map_err(|e| anyhow::anyhow!("corrupt {name}: {e}"))?;
    let orientation = match format {
        Format::Png | Format::Webp => super::exif::orientation(bytes, format),
        _ => decoder.orientation().unwrap_or(Orientation::NoTransforms),
    };
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(|e| anyhow::anyhow!("corrupt or truncated {name}: {e}"))?;
    Ok((image, orientation, icc))
}

/// 8 bits per sample; gray stays gray, anything with alpha becomes RGBA, the rest RGB.
fn normalise(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageLuma8(_) | DynamicImage::ImageRgb8(_) | DynamicImage::ImageRgba8(_) => image,
        DynamicImage::ImageLuma16(_) => DynamicImage::ImageLuma8(image.to_luma8()),
        other if other.color().has_alpha() => DynamicImage::ImageRgba8(other.to_rgba8()),
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG whose header claims `w`×`h` pixels, with a tiny (wrong) image data chunk.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(&ihdr);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    #[test]
    fn refuses_a_bomb_before_decoding() {
        let e = decode(&png_header(100_000, 100_000), &DecodeLimits::default(), None).unwrap_err().to_string();
        assert!(e.contains("100000×100000") && e.contains("limit"), "{e}");
    }

    #[test]
    fn decodes_a_png_and_keeps_alpha() {
        let mut img = image::RgbaImage::new(3, 2);
        img.put_pixel(0, 0, image::Rgba([1, 2, 3, 0]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let d = decode(&png, &DecodeLimits::default(), None).unwrap();
        assert_eq!((d.image.width(), d.image.height(), d.format), (3, 2, Format::Png));
        assert!(d.image.color().has_alpha());
    }

    #[test]
    fn truncated_png_is_an_error_not_a_panic() {
        let mut img = image::RgbImage::new(64, 64);
        for (i, p) in img.pixels_mut().enumerate() {
            p.0 = [(i * 7) as u8, (i * 13) as u8, (i * 29) as u8];
        }
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        png.truncate(png.len() / 2);
        assert!(decode(&png, &DecodeLimits::default(), None).is_err());
    }

    /// A 3×2 image whose six pixels all differ.
    fn six_pixels() -> image::RgbImage {
        image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 100, y as u8 * 200, 50]))
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A PNG chunk: length, type, body, CRC.
    fn png_chunk(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut c = (body.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(body);
        c.extend(crc32(&c[4..]).to_be_bytes());
        c
    }

    /// The six pixels as PNG with an `eXIf` chunk after the image data (or right after IHDR).
    fn png_with_exif(exif: &[u8], before_idat: bool) -> Vec<u8> {
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(six_pixels()).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let at = if before_idat { 8 + 25 } else { png.len() - 12 }; // after IHDR, or before IEND
        png.splice(at..at, png_chunk(b"eXIf", exif));
        png
    }

    /// The six pixels as an extended (VP8X) lossless WebP with an `EXIF` chunk.
    fn webp_with_exif(exif: &[u8]) -> Vec<u8> {
        let mut simple = Vec::new();
        let encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut simple);
        encoder.encode(six_pixels().as_raw(), 3, 2, image::ExtendedColorType::Rgb8).unwrap();
        let mut body = b"WEBPVP8X\x0a\0\0\0\x08\0\0\0\x02\0\0\x01\0\0".to_vec(); // EXIF flag, 3×2
        body.extend(&simple[12..]); // the VP8L chunk
        body.extend(b"EXIF");
        body.extend((exif.len() as u32).to_le_bytes());
        body.extend(exif);
        if exif.len() % 2 == 1 {
            body.push(0);
        }
        let mut webp = b"RIFF".to_vec();
        webp.extend((body.len() as u32).to_le_bytes());
        webp.extend(body);
        webp
    }

    #[test]
    fn png_and_webp_exif_orientation_is_applied_as_for_jpeg() {
        let source = six_pixels();
        for value in [5u16, 6] {
            let raw = crate::mechanisms::image::exif::tests::exif_orientation(value);
            let mut prefixed = b"Exif\0\0".to_vec();
            prefixed.extend(&raw);
            let files = [
                ("png, eXIf after IDAT", png_with_exif(&raw, false)),
                ("png, eXIf before IDAT", png_with_exif(&raw, true)),
                ("png, Exif prefix", png_with_exif(&prefixed, false)),
                ("webp", webp_with_exif(&raw)),
                ("webp, Exif prefix", webp_with_exif(&prefixed)),
            ];
            for (what, bytes) in files {
                let d = decode(&bytes, &DecodeLimits::default(), None).unwrap_or_else(|e| panic!("{what}: {e}"));
                let out = d.image.to_rgb8();
                assert_eq!(out.dimensions(), (2, 3), "{what}, orientation {value}");
                for (x, y, p) in out.enumerate_pixels() {
                    // 5: transposed; 6: turned a quarter clockwise (the top-left shows the bottom-left).
                    let (sx, sy) = if value == 5 { (y, x) } else { (y, 1 - x) };
                    assert_eq!(p, source.get_pixel(sx, sy), "{what}, orientation {value}, pixel {x},{y}");
                }
                assert!(d.notes.iter().any(|n| n.contains("orientation")), "{what}: {:?}", d.notes);
            }
        }
    }
}
