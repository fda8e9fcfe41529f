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
/// chroma and optimised Huffman tables, with only the JFIF header (libjpeg-turbo's encoder:
/// [`super::jpeg::encode_rgb`]).
pub fn encode_jpeg(rgb: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        bail!("{w}×{h} is too large for JPEG");
    }
    super::jpeg::encode_rgb(rgb.as_raw(), w, h, quality)
}

/// A JPEG made to fit a cap.
#[derive(Debug, Clone)]
pub struct CappedJpeg {
    pub bytes: Vec<u8>,
    pub quality: u8,
    /// How many encodes the search took.
    pub encodes: usize,
}

/// Finds the highest quality in `JPEG_QUALITY_FLOOR..=max_quality` whose file is at most `cap`
/// bytes. When even the floor is too large, the error gives both sizes.
///
/// A bisection over 30..=100 takes eight encodes; file size falls smoothly with quality, so each
/// probe here is the quality that the sizes measured so far predict for the cap (log-size
/// interpolated between the nearest probes on either side), and the search ends when a fitting
/// quality and the one above it have both been measured: three to four encodes, usually. The
/// answer is the one bisection finds (the highest fitting quality below the lowest that does not
/// fit): the probes only choose where to look. After [`GUESSES`] predicted probes it bisects.
pub fn jpeg_under_cap(rgb: &RgbImage, cap: u64, max_quality: u8) -> Result<CappedJpeg> {
    let max_quality = max_quality.clamp(JPEG_QUALITY_FLOOR, JPEG_QUALITY_MAX);
    let top = encode_jpeg(rgb, max_quality)?;
    if top.len() as u64 <= cap {
        return Ok(CappedJpeg { bytes: top, quality: max_quality, encodes: 1 });
    }
    let mut probes = vec![(max_quality, top.len())];
    // Invariant: quality `hi` does not fit; `best` (quality `lo`) fits once one has been found.
    let (mut lo, mut hi, mut best) = (JPEG_QUALITY_FLOOR, max_quality, None::<Vec<u8>>);
    while best.is_none() || hi - lo > 1 {
        let low_end = if best.is_some() { lo + 1 } else { JPEG_QUALITY_FLOOR };
        let q = if probes.len() <= GUESSES {
            (predict_quality(&probes, cap).floor() as u8).clamp(low_end, hi - 1)
        } else {
            low_end + (hi - low_end) / 2
        };
        let bytes = encode_jpeg(rgb, q)?;
        probes.push((q, bytes.len()));
        if bytes.len() as u64 <= cap {
            (lo, best) = (q, Some(bytes));
        } else if q == JPEG_QUALITY_FLOOR {
            bail!(
                "even at JPEG quality {JPEG_QUALITY_FLOOR} the {}×{} image is {} bytes, over the cap of {cap} bytes",
                rgb.width(),
                rgb.height(),
                bytes.len()
            );
        } else {
            hi = q;
        }
    }
    Ok(CappedJpeg { bytes: best.unwrap_or_default(), quality: lo, encodes: probes.len() })
}

/// Predicted probes before [`jpeg_under_cap`] falls back to bisection.
const GUESSES: usize = 5;

/// The quality at which the file would be `cap` bytes, interpolating ln(size) linearly in quality
/// between the nearest measured probes below and above the cap (or extrapolating from the two
/// nearest on one side; from one probe, with a typical slope: size halves every 8 steps).
fn predict_quality(probes: &[(u8, usize)], cap: u64) -> f64 {
    let fits = |&&(_, size): &&(u8, usize)| size as u64 <= cap;
    let below = probes.iter().filter(fits).max_by_key(|p| p.0);
    let mut above: Vec<&(u8, usize)> = probes.iter().filter(|p| !fits(p)).collect();
    above.sort_by_key(|p| p.0);
    let (a, b) = match (below, above.as_slice()) {
        (Some(a), [b, ..]) => (*a, **b),
        (None, [a, b, ..]) => (**a, **b),
        (_, [b]) => return b.0 as f64 - 8.0 * (b.1 as f64 / cap as f64).log2(),
        _ => return JPEG_QUALITY_FLOOR as f64,
    };
    let (la, lb, lc) = ((a.1 as f64).ln(), (b.1 as f64).ln(), (cap as f64).ln());
    if lb - la <= f64::EPSILON || b.0 == a.0 {
        return a.0 as f64;
    }
    a.0 as f64 + (lc - la) * (b.0 as f64 - a.0 as f64) / (lb - la)
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

    /// Fine detail and smooth areas, like a photo.
    fn photo_like(w: u32, h: u32) -> RgbImage {
        let base = noise(w, h);
        RgbImage::from_fn(w, h, |x, y| {
            let n = base.get_pixel(x, y).0;
            let smooth = |v: u32, k: u32| ((v * k) % 256) as u8 / 2 + n[(k % 3) as usize] / 4;
            image::Rgb([smooth(x + y, 3), smooth(x, 5), smooth(y, 7)])
        })
    }

    /// The quality plain bisection over 30..=100 finds (what the search did before it predicted).
    fn bisected(img: &RgbImage, cap: u64) -> Option<u8> {
        let fits = |q: u8| encode_jpeg(img, q).unwrap().len() as u64 <= cap;
        if fits(JPEG_QUALITY_MAX) {
            return Some(JPEG_QUALITY_MAX);
        }
        if !fits(JPEG_QUALITY_FLOOR) {
            return None;
        }
        let (mut lo, mut hi) = (JPEG_QUALITY_FLOOR, JPEG_QUALITY_MAX);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some(lo)
    }

    #[test]
    fn predicted_probes_find_what_bisection_finds_in_fewer_encodes() {
        let mut encodes = Vec::new();
        for img in [noise(120, 90), photo_like(160, 120)] {
            let top = encode_jpeg(&img, JPEG_QUALITY_MAX).unwrap().len() as u64;
            for share in [0.05, 0.12, 0.2, 0.3, 0.45, 0.6, 0.8, 0.95, 1.0] {
                let cap = (top as f64 * share) as u64;
                let found = jpeg_under_cap(&img, cap, JPEG_QUALITY_MAX).ok();
                assert_eq!(found.as_ref().map(|c| c.quality), bisected(&img, cap), "cap {cap} of {top}");
                encodes.extend(found.map(|c| c.encodes));
            }
        }
        let mean = encodes.iter().sum::<usize>() as f64 / encodes.len() as f64;
        assert!(mean <= 5.0, "{mean} encodes on average ({encodes:?}); bisection takes 8");
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
