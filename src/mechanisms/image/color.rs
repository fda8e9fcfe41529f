//! Colour: the background colour option, CMYK to RGB, embedded ICC profiles to sRGB (through the
//! `moxcms` colour-management engine), and flattening transparency onto a background.

use anyhow::{bail, Result};
use image::{DynamicImage, RgbImage};
use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

/// An opaque sRGB colour, as given to `--background`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Color(pub [u8; 3]);

impl Color {
    pub const WHITE: Color = Color([255, 255, 255]);

    /// Parses `white`, `black`, `gray`, … or `#rgb` / `#rrggbb` (the `#` is optional).
    pub fn parse(text: &str) -> Result<Color> {
        let t = text.trim().to_ascii_lowercase();
        let named = match t.as_str() {
            "white" => Some([255, 255, 255]),
            "black" => Some([0, 0, 0]),
            "gray" | "grey" => Some([128, 128, 128]),
            "silver" => Some([192, 192, 192]),
            "red" => Some([255, 0, 0]),
            "green" => Some([0, 128, 0]),
            "blue" => Some([0, 0, 255]),
            "yellow" => Some([255, 255, 0]),
            _ => None,
        };
        if let Some(rgb) = named {
            return Ok(Color(rgb));
        }
        let hex = t.strip_prefix('#').unwrap_or(&t);
        let digits: Option<Vec<u8>> = hex.chars().map(|c| c.to_digit(16).map(|d| d as u8)).collect();
        match (hex.len(), digits) {
            (3, Some(d)) => Ok(Color([d[0] * 17, d[1] * 17, d[2] * 17])),
            (6, Some(d)) => Ok(Color([d[0] * 16 + d[1], d[2] * 16 + d[3], d[4] * 16 + d[5]])),
            _ => bail!("'{text}' is not a colour: give a name (white, black, gray, …) or #rrggbb"),
        }
    }
}

impl std::str::FromStr for Color {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Color> {
        Color::parse(s)
    }
}

/// Converts CMYK samples (0 = no ink, as the JPEG decoder delivers them after undoing Adobe's
/// inversion) to sRGB: through the embedded ICC profile when there is a usable CMYK one, else with
/// the naive formula `R = (1 - C)(1 - K)`. Returns the pixels and whether the profile was used.
pub fn cmyk_to_rgb(cmyk: &[u8], icc: Option<&[u8]>) -> (Vec<u8>, bool) {
    if let Some(profile) = icc.and_then(|b| ColorProfile::new_from_slice(b).ok()) {
        if profile.color_space == DataColorSpace::Cmyk {
            let srgb = ColorProfile::new_srgb();
            if let Ok(t) = profile.create_transform_8bit(Layout::Rgba, &srgb, Layout::Rgb, TransformOptions::default())
            {
                let mut out = vec![0u8; cmyk.len() / 4 * 3];
                if t.transform(cmyk, &mut out).is_ok() {
                    return (out, true);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let k = 255 - px[3] as u32;
        for &c in &px[..3] {
            out.push(((255 - c as u32) * k / 255) as u8);
        }
    }
    (out, false)
}

/// Converts an 8-bit RGB or RGBA image from its embedded ICC profile to sRGB in place. Returns
/// `Ok(false)` when the profile is not an RGB profile (left as is), and an error when it cannot be
/// read or applied.
pub fn icc_to_srgb(image: &mut DynamicImage, icc: &[u8]) -> Result<bool> {
    let profile = ColorProfile::new_from_slice(icc).map_err(|e| anyhow::anyhow!("unreadable ICC profile: {e}"))?;
    if profile.color_space != DataColorSpace::Rgb {
        return Ok(false);
    }
    let srgb = ColorProfile::new_srgb();
    let (layout, data): (Layout, &mut [u8]) = match image {
        DynamicImage::ImageRgb8(img) => (Layout::Rgb, img.as_mut()),
        DynamicImage::ImageRgba8(img) => (Layout::Rgba, img.as_mut()),
        _ => return Ok(false),
    };
    let transform = profile
        .create_transform_8bit(layout, &srgb, layout, TransformOptions::default())
        .map_err(|e| anyhow::anyhow!("ICC profile cannot be applied: {e}"))?;
    let src = data.to_vec();
    transform.transform(&src, data).map_err(|e| anyhow::anyhow!("ICC conversion failed: {e}"))?;
    Ok(true)
}

/// Composites an image with transparency onto an opaque background (in sRGB, as browsers do).
pub fn flatten(image: &DynamicImage, background: Color) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    let mut out = RgbImage::new(rgba.width(), rgba.height());
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = src[3] as u32;
        for i in 0..3 {
            dst[i] = ((src[i] as u32 * a + background.0[i] as u32 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_hex() {
        assert_eq!(Color::parse("White").unwrap(), Color::WHITE);
        assert_eq!(Color::parse("#f00").unwrap(), Color([255, 0, 0]));
        assert_eq!(Color::parse("336699").unwrap(), Color([0x33, 0x66, 0x99]));
        assert!(Color::parse("#12345").unwrap_err().to_string().contains("not a colour"));
    }

    #[test]
    fn naive_cmyk_to_rgb() {
        // Pure cyan ink → (0, 255, 255); full black → (0, 0, 0); no ink → white.
        let (rgb, used) = cmyk_to_rgb(&[255, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0], None);
        assert!(!used);
        assert_eq!(rgb, [0, 255, 255, 0, 0, 0, 255, 255, 255]);
    }

    #[test]
    fn transparent_pixels_take_the_background() {
        let mut img = image::RgbaImage::new(2, 1);
        img.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        img.put_pixel(1, 0, image::Rgba([10, 20, 30, 255]));
        let flat = flatten(&DynamicImage::ImageRgba8(img), Color([200, 100, 50]));
        assert_eq!(flat.get_pixel(0, 0).0, [200, 100, 50]);
        assert_eq!(flat.get_pixel(1, 0).0, [10, 20, 30]);
    }
}
