//! Encoding screen assets: baseline 4:2:0 JPEG at the highest quality that fits a byte cap,
//! losslessly optimised PNG (`oxipng`), 1-bit grayscale PNG for monochrome screens (threshold or
//! Floyd–Steinberg dither), and 24-bit BMP. No metadata is ever written.

use anyhow::{anyhow, bail, Result};
use image::{GrayImage, RgbImage};

/// Highest JPEG quality tried: "the highest quality that fits the cap" may be 100 for small images.
pub const JPEG_QUALITY_MAX: u8 = 100;
/// Lowest JPEG quality accepted before a cap is declared impossible.
pub const JPEG_QUALITY_FLOOR: u8 = 30;

/// Encodes baseline (sequential) JPEG with 4:2:0 chroma subsampling (2x2,1x1,1x1), box-averaged
/// chroma and optimised Huffman tables, with only the JFIF header.
pub fn encode_jpeg(rgb: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        bail!("{w}×{h} is too large for JPEG");
    }
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    enc.set_progressive(false);
    enc.set_optimized_huffman_tables(true);
    enc.encode(rgb.as_raw(), w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| anyhow!("JPEG encoding failed: {e}"))?;
    Ok(out)
}

/// A JPEG made to fit a cap.
#[derive(Debug, Clone)]
pub struct CappedJpeg {
    pub bytes: Vec<u8>,
    pub quality: u8,
}

/// Finds by binary search the highest quality in `JPEG_QUALITY_FLOOR..=max_quality` whose file is
/// at most `cap` bytes. When even the floor is too large, the error gives both sizes.
pub fn jpeg_under_cap(rgb: &RgbImage, cap: u64, max_quality: u8) -> Result<CappedJpeg> {
    let max_quality = max_quality.clamp(JPEG_QUALITY_FLOOR, JPEG_QUALITY_MAX);
    let top = encode_jpeg(rgb, max_quality)?;
    if top.len() as u64 <= cap {
        return Ok(CappedJpeg { bytes: top, quality: max_quality });
    }
    let floor = encode_jpeg(rgb, JPEG_QUALITY_FLOOR)?;
    if floor.len() as u64 > cap {
        bail!(
            "even at JPEG quality {JPEG_QUALITY_FLOOR} the {}×{} image is {} bytes, over the cap of {cap} bytes",
            rgb.width(),
            rgb.height(),
            floor.len()
        );
    }
    // Invariant: `best` (quality `lo`) fits; quality `hi` does not.
    let (mut lo, mut hi, mut best) = (JPEG_QUALITY_FLOOR, max_quality, floor);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let bytes = encode_jpeg(rgb, mid)?;
        if bytes.len() as u64 <= cap {
            lo = mid;
            best = bytes;
        } else {
            hi = mid;
        }
    }
    Ok(CappedJpeg { bytes: best, quality: lo })
}

/// Losslessly optimised PNG of an RGB or RGBA image (oxipng picks filters, colour type and bit
/// depth; pixels are unchanged).
pub fn encode_png(image: &image::DynamicImage) -> Result<Vec<u8>> {
    let (w, h) = (image.width(), image.height());
    let (color, data) = if image.color().has_alpha() {
        (oxipng::ColorType::RGBA, image.to_rgba8().into_raw())
    } else {
        (oxipng::ColorType::RGB { transparent_color: None }, image.to_rgb8().into_raw())
    };
    let raw = oxipng::RawImage::new(w, h, color, oxipng::BitDepth::Eight, data).map_err(|e| anyhow!("PNG: {e}"))?;
    raw.create_optimized_png(&png_options(true)).map_err(|e| anyhow!("PNG encoding failed: {e}"))
}

/// A 1-bit grayscale PNG of a bilevel image (pixels 0 or 255), kept 1-bit grayscale.
pub fn encode_png_1bit(bilevel: &GrayImage) -> Result<Vec<u8>> {
    let (w, h) = bilevel.dimensions();
    let row_bytes = (w as usize).div_ceil(8);
    let mut packed = vec![0u8; row_bytes * h as usize];
    for (x, y, p) in bilevel.enumerate_pixels() {
        if p[0] >= 128 {
            packed[y as usize * row_bytes + x as usize / 8] |= 0x80 >> (x % 8);
        }
    }
    let gray = oxipng::ColorType::Grayscale { transparent_shade: None };
    let raw = oxipng::RawImage::new(w, h, gray, oxipng::BitDepth::One, packed).map_err(|e| anyhow!("PNG: {e}"))?;
    raw.create_optimized_png(&png_options(false)).map_err(|e| anyhow!("PNG encoding failed: {e}"))
}

/// oxipng settings: its default preset, no metadata, no interlacing; `reduce` allows colour-type
/// and bit-depth reductions (off where the format is prescribed).
fn png_options(reduce: bool) -> oxipng::Options {
    let mut o = oxipng::Options::from_preset(2);
    o.strip = oxipng::StripChunks::All;
    o.interlace = Some(false);
    o.bit_depth_reduction = reduce;
    o.color_type_reduction = reduce;
    o.palette_reduction = reduce;
    o.grayscale_reduction = reduce;
    o
}

/// 24-bit BMP.
pub fn encode_bmp(rgb: &RgbImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    image::codecs::bmp::BmpEncoder::new(&mut out)
        .encode(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
        .map_err(|e| anyhow!("BMP encoding failed: {e}"))?;
    Ok(out)
}

/// Black and white (0 or 255) from RGB: a threshold at mid-gray of the luma, or Floyd–Steinberg
/// error diffusion when `dither` is set.
pub fn to_bilevel(rgb: &RgbImage, dither: bool) -> GrayImage {
    let (w, h) = rgb.dimensions();
    let mut luma: Vec<f32> =
        rgb.pixels().map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).collect();
    let mut out = GrayImage::new(w, h);
    let (w, h) = (w as usize, h as usize);
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let old = luma[i];
            let new = if old >= 127.5 { 255.0 } else { 0.0 };
            out.put_pixel(x as u32, y as u32, image::Luma([new as u8]));
            if dither {
                let err = old - new;
                let mut spread = |dx: isize, dy: usize, f: f32| {
                    let nx = x as isize + dx;
                    if nx >= 0 && (nx as usize) < w && y + dy < h {
                        luma[(y + dy) * w + nx as usize] += err * f;
                    }
                };
                spread(1, 0, 7.0 / 16.0);
                spread(-1, 1, 3.0 / 16.0);
                spread(0, 1, 5.0 / 16.0);
                spread(1, 1, 1.0 / 16.0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanisms::image::probe::probe;

    fn noise(w: u32, h: u32) -> RgbImage {
        let mut s = 12345u32;
        RgbImage::from_fn(w, h, |_, _| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
            image::Rgb([(s >> 16) as u8, (s >> 8) as u8, (s >> 24) as u8])
        })
    }

    #[test]
    fn jpeg_is_baseline_420_without_metadata() {
        let bytes = encode_jpeg(&noise(64, 48), 80).unwrap();
        let info = probe(&bytes).unwrap();
        assert_eq!((info.width, info.height), (64, 48));
        assert_eq!(info.progressive, Some(false));
        assert_eq!(info.sampling.as_deref(), Some("2x2,1x1,1x1"));
        assert_eq!(info.metadata_bytes, 0);
    }

    #[test]
    fn quality_search_fits_the_cap_and_reports_impossible_caps() {
        let img = noise(200, 150);
        let top = encode_jpeg(&img, JPEG_QUALITY_MAX).unwrap().len() as u64;
        let capped = jpeg_under_cap(&img, top / 2, JPEG_QUALITY_MAX).unwrap();
        assert!(capped.bytes.len() as u64 <= top / 2);
        assert!(capped.quality < JPEG_QUALITY_MAX && capped.quality >= JPEG_QUALITY_FLOOR);
        // One step up does not fit (the search found the highest quality).
        assert!(encode_jpeg(&img, capped.quality + 1).unwrap().len() as u64 > top / 2);
        let e = jpeg_under_cap(&img, 500, JPEG_QUALITY_MAX).unwrap_err().to_string();
        assert!(e.contains("quality 30") && e.contains("500"), "{e}");
    }

    #[test]
    fn one_bit_png_stays_one_bit_grayscale() {
        let img = GrayImage::from_fn(100, 11, |x, _| image::Luma([if x % 3 == 0 { 255 } else { 0 }]));
        let info = probe(&encode_png_1bit(&img).unwrap()).unwrap();
        assert!(info.is_bilevel_gray(), "{info:?}");
        assert_eq!((info.width, info.height), (100, 11));
    }

    #[test]
    fn dithering_keeps_mid_gray_half_lit() {
        let gray = RgbImage::from_pixel(40, 40, image::Rgb([128, 128, 128]));
        let lit = to_bilevel(&gray, true).pixels().filter(|p| p[0] == 255).count();
        assert!((700..=900).contains(&lit), "{lit}");
        assert!(to_bilevel(&gray, false).pixels().all(|p| p[0] == 255));
    }
}
