//! Fitting an image to a screen size: `cover` (scale and crop by gravity), `contain` (letterbox on
//! the background colour) or `stretch`, resampled with a Lanczos3 filter in linear light
//! (`fast_image_resize`, SIMD), so dark and light detail average correctly. When enlarging, each
//! result pixel is then held within the range of the source pixels around it: Lanczos's negative
//! lobes otherwise over- and undershoot beside a hard edge, and in linear light the undershoot
//! on the dark side of an edge reaches black (a dark line beside every edge of an enlarged logo).

use super::color::Color;
use crate::rules::names::named_values;
use anyhow::{Context, Result};
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::pixels::{InnerPixel, U16x3, U16x4};
use fast_image_resize::{create_srgb_mapper, FilterType, PixelTrait, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{DynamicImage, RgbImage, RgbaImage};
use std::borrow::Cow;

/// How an image is fitted to a size of another shape (each value described with its name below).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    #[default]
    Auto,
    Cover,
    Contain,
    Stretch,
}

named_values!(Fit {
    Auto = "auto": "Cover for wallpapers and screensavers, contain for logos and icons",
    Cover = "cover": "Fill the whole screen, cropping what does not fit (by --gravity)",
    Contain = "contain": "Show the whole image, letterboxed with the background colour",
    Stretch = "stretch": "Scale each direction on its own (distorts)",
});

impl Fit {
    /// The fit `Auto` stands for with an asset of `kind` (`wallpaper`, `weblogo`, …): a photo
    /// fills its screen, a logo or icon is shown whole (cropping a 400×42 strip out of a logo
    /// leaves a sliver of it).
    pub fn for_kind(self, kind: &str) -> Fit {
        match (self, kind) {
            (Fit::Auto, "wallpaper" | "screensaver") => Fit::Cover,
            (Fit::Auto, _) => Fit::Contain,
            (fit, _) => fit,
        }
    }
}

/// Which part of the image stays when cropping (cover) or where it sits (contain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gravity {
    #[default]
    Center,
    Top,
    Bottom,
    Left,
    Right,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

named_values!(Gravity {
    Center = "center": "",
    Top = "top": "",
    Bottom = "bottom": "",
    Left = "left": "",
    Right = "right": "",
    TopLeft = "top-left": "",
    TopRight = "top-right": "",
    BottomLeft = "bottom-left": "",
    BottomRight = "bottom-right": "",
});

impl Gravity {
    /// Horizontal and vertical position, 0 = left/top, 0.5 = centre, 1 = right/bottom.
    fn position(self) -> (f64, f64) {
        match self {
            Gravity::Center => (0.5, 0.5),
            Gravity::Top => (0.5, 0.0),
            Gravity::Bottom => (0.5, 1.0),
            Gravity::Left => (0.0, 0.5),
            Gravity::Right => (1.0, 0.5),
            Gravity::TopLeft => (0.0, 0.0),
            Gravity::TopRight => (1.0, 0.0),
            Gravity::BottomLeft => (0.0, 1.0),
            Gravity::BottomRight => (1.0, 1.0),
        }
    }
}

/// How the fit is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FitStyle {
    pub fit: Fit,
    pub gravity: Gravity,
    /// Letterbox colour for `contain`.
    pub background: Color,
}

impl Default for FitStyle {
    fn default() -> Self {
        FitStyle { fit: Fit::Cover, gravity: Gravity::Center, background: Color::WHITE }
    }
}

/// The share (0 to 1) of a `src_w`×`src_h` picture that `cover` crops away to fill `width`×`height`.
pub fn cover_crop(src_w: u32, src_h: u32, width: u32, height: u32) -> f64 {
    let (source, target) = (src_w as f64 / src_h as f64, width as f64 / height as f64);
    1.0 - (source / target).min(target / source)
}

/// How much larger than the part shown the decoded source must be (in each direction), so the
/// Lanczos step after the JPEG decoder's DCT scaling still has the detail it needs. 1.7, not 2:
/// an 8 MP photo (3264×2448) for a 480×320 screen is then decoded at 1/4 (816×612), not at 1/2;
/// SSIM against a full-size reference is unchanged to the fourth decimal (bench/hlpres.sh).
pub const MIN_SOURCE_FACTOR: f64 = 1.7;

/// The smallest source size worth decoding for a `width`×`height` target: [`MIN_SOURCE_FACTOR`]
/// times the part of the source that ends up on screen, in each direction.
pub fn min_source_size(src_w: u32, src_h: u32, fit: Fit, width: u32, height: u32) -> (u32, u32) {
    let (sx, sy) = (width as f64 / src_w as f64, height as f64 / src_h as f64);
    let (sx, sy) = match fit {
        Fit::Cover | Fit::Auto => (sx.max(sy), sx.max(sy)),
        Fit::Contain => (sx.min(sy), sx.min(sy)),
        Fit::Stretch => (sx, sy),
    };
    let need = |src: u32, scale: f64| ((src as f64 * scale * MIN_SOURCE_FACTOR).ceil() as u32).clamp(1, src);
    (need(src_w, sx), need(src_h, sy))
}

/// Fits an RGB, RGBA or gray image to exactly `width`×`height`. Transparency is kept (an RGBA
/// result) when the input has it; gray becomes RGB.
pub fn fit_image(image: &DynamicImage, width: u32, height: u32, style: FitStyle) -> Result<DynamicImage> {
    let alpha = image.color().has_alpha();
    let (sw, sh) = (image.width(), image.height());
    // The decoded pixels themselves where they are RGB(A) already (a photo is 2 to 4 MB at its
    // decoded size; no copy).
    let (src, pixel_type): (Cow<[u8]>, _) = match image {
        DynamicImage::ImageRgba8(img) => (Cow::Borrowed(img.as_raw()), PixelType::U8x4),
        DynamicImage::ImageRgb8(img) => (Cow::Borrowed(img.as_raw()), PixelType::U8x3),
        _ if alpha => (Cow::Owned(image.to_rgba8().into_raw()), PixelType::U8x4),
        _ => (Cow::Owned(image.to_rgb8().into_raw()), PixelType::U8x3),
    };
    let (gx, gy) = style.gravity.position();
    let (out_w, out_h, crop) = match style.fit {
        Fit::Stretch => (width, height, (0.0, 0.0, sw as f64, sh as f64)),
        Fit::Cover | Fit::Auto => {
            let target = width as f64 / height as f64;
            let (cw, ch) = if sw as f64 / sh as f64 > target {
                (sh as f64 * target, sh as f64)
            } else {
                (sw as f64, sw as f64 / target)
            };
            (width, height, ((sw as f64 - cw) * gx, (sh as f64 - ch) * gy, cw, ch))
        }
        Fit::Contain => {
            let s = (width as f64 / sw as f64).min(height as f64 / sh as f64);
            let fw = ((sw as f64 * s).round() as u32).clamp(1, width);
            let fh = ((sh as f64 * s).round() as u32).clamp(1, height);
            (fw, fh, (0.0, 0.0, sw as f64, sh as f64))
        }
    };
    let mut resized = resize_linear(&src, pixel_type, (sw, sh), (out_w, out_h), crop)?;
    if crop.2 < out_w as f64 || crop.3 < out_h as f64 {
        let channels = if alpha { 4 } else { 3 };
        clamp_to_neighbours(&src, (sw, sh), &mut resized, (out_w, out_h), crop, channels);
    }
    let fitted = if alpha {
        DynamicImage::ImageRgba8(RgbaImage::from_raw(out_w, out_h, resized).context("resize buffer size")?)
    } else {
        DynamicImage::ImageRgb8(RgbImage::from_raw(out_w, out_h, resized).context("resize buffer size")?)
    };
    if (out_w, out_h) == (width, height) {
        return Ok(fitted);
    }
    // Contain: place the fitted image on a canvas of the background colour.
    let x = ((width - out_w) as f64 * gx).round() as i64;
    let y = ((height - out_h) as f64 * gy).round() as i64;
    let [r, g, b] = style.background.0;
    Ok(if alpha {
        // A picture with transparency keeps it around the fitted image too: the phone's own
        // background shows there, as it does through the picture's transparent parts.
        let mut canvas = RgbaImage::from_pixel(width, height, image::Rgba([r, g, b, 0]));
        image::imageops::overlay(&mut canvas, &fitted.to_rgba8(), x, y);
        DynamicImage::ImageRgba8(canvas)
    } else {
        let mut canvas = RgbImage::from_pixel(width, height, image::Rgb([r, g, b]));
        image::imageops::replace(&mut canvas, &fitted.to_rgb8(), x, y);
        DynamicImage::ImageRgb8(canvas)
    })
}

/// Lanczos3 resize of 8-bit sRGB pixels through 16-bit linear light. `crop` is the source
/// rectangle (left, top, width, height) in source pixels.
fn resize_linear(
    src: &[u8],
    pixel_type: PixelType,
    (sw, sh): (u32, u32),
    (dw, dh): (u32, u32),
    crop: (f64, f64, f64, f64),
) -> Result<Vec<u8>> {
    if (sw, sh) == (dw, dh) && crop == (0.0, 0.0, sw as f64, sh as f64) {
        return Ok(src.to_vec());
    }
    let wide = if pixel_type == PixelType::U8x4 { PixelType::U16x4 } else { PixelType::U16x3 };
    let mapper = create_srgb_mapper();
    let src_image = ImageRef::new(sw, sh, src, pixel_type).context("resize: source buffer")?;
    let mut linear = Image::new(sw, sh, wide);
    mapper.forward_map(&src_image, &mut linear).context("resize: to linear light")?;
    let mut resized = Image::new(dw, dh, wide);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(crop.0, crop.1, crop.2, crop.3);
    if wide == PixelType::U16x4 {
        resize_typed::<U16x4>(&linear, &mut resized, &options)?;
    } else {
        resize_typed::<U16x3>(&linear, &mut resized, &options)?;
    }
    let mut out = Image::new(dw, dh, pixel_type);
    mapper.backward_map(&resized, &mut out).context("resize: back to sRGB")?;
    Ok(out.into_vec())
}

/// [`Resizer::resize_typed`] for the one pixel type `P` of both images. Typed, not through
/// `Resizer::resize`, whose run-time match over every pixel type links the SIMD code of all
/// fourteen into the binary (about a quarter of it) where two are used.
fn resize_typed<P: InnerPixel + PixelTrait>(src: &Image, dst: &mut Image, options: &ResizeOptions) -> Result<()> {
    let src = src.typed_image::<P>().context("resize: source pixel type")?;
    let mut dst = dst.typed_image_mut::<P>().context("resize: result pixel type")?;
    Resizer::new().resize_typed(&src, &mut dst, options).context("resize")
}

/// The source pixels `[first, last]` that result pixel `i` of `n` draws on along one axis, for
/// the source span `start .. start + len` of `src` pixels: the two nearest when enlarging, the
/// pixels under it when reducing.
fn window(i: u32, n: u32, start: f64, len: f64, src: u32) -> (usize, usize) {
    let step = len / n as f64;
    let (a, b) = if step <= 1.0 {
        let centre = (start + (i as f64 + 0.5) * step - 0.5).floor();
        (centre, centre + 1.0)
    } else {
        ((start + i as f64 * step).floor(), (start + (i + 1) as f64 * step).ceil() - 1.0)
    };
    let last = (src - 1) as f64;
    (a.clamp(0.0, last) as usize, b.clamp(a.clamp(0.0, last), last) as usize)
}

/// Clamps every sample of `out` (`dw`×`dh`, resized from `crop` of `src`) to the lowest and
/// highest value of the same channel among the source pixels of its [`window`]s: no ringing.
/// Separable: the range over each row's window first, then over the column's.
fn clamp_to_neighbours(
    src: &[u8],
    (sw, sh): (u32, u32),
    out: &mut [u8],
    (dw, dh): (u32, u32),
    crop: (f64, f64, f64, f64),
    channels: usize,
) {
    let cols: Vec<(usize, usize)> = (0..dw).map(|x| window(x, dw, crop.0, crop.2, sw)).collect();
    let row_len = dw as usize * channels;
    let (mut lo, mut hi) = (vec![0u8; sh as usize * row_len], vec![0u8; sh as usize * row_len]);
    for (y, row) in src.chunks_exact(sw as usize * channels).enumerate() {
        for (x, &(a, b)) in cols.iter().enumerate() {
            for c in 0..channels {
                let values = (a..=b).map(|sx| row[sx * channels + c]);
                let at = y * row_len + x * channels + c;
                (lo[at], hi[at]) = values.fold((255, 0), |(l, h), v| (l.min(v), h.max(v)));
            }
        }
    }
    for (y, row) in out.chunks_exact_mut(row_len).enumerate() {
        let (a, b) = window(y as u32, dh, crop.1, crop.3, sh);
        for (i, sample) in row.iter_mut().enumerate() {
            let l = (a..=b).map(|sy| lo[sy * row_len + i]).min().unwrap_or(0);
            let h = (a..=b).map(|sy| hi[sy * row_len + i]).max().unwrap_or(255);
            *sample = (*sample).clamp(l, h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_crops_to_the_exact_size_and_keeps_the_centre() {
        // Left third red, middle third green, right third blue; a wide image covers a square.
        let img = RgbImage::from_fn(300, 100, |x, _| match x / 100 {
            0 => image::Rgb([255, 0, 0]),
            1 => image::Rgb([0, 255, 0]),
            _ => image::Rgb([0, 0, 255]),
        });
        let out = fit_image(&DynamicImage::ImageRgb8(img), 50, 50, FitStyle::default()).unwrap().to_rgb8();
        assert_eq!(out.dimensions(), (50, 50));
        assert_eq!(out.get_pixel(25, 25).0, [0, 255, 0]);
        assert_eq!(out.get_pixel(1, 25).0, [0, 255, 0]);
    }

    #[test]
    fn gravity_picks_the_part_that_stays() {
        let img =
            RgbImage::from_fn(300, 100, |x, _| if x < 100 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) });
        let style = FitStyle { gravity: Gravity::Left, ..FitStyle::default() };
        let out = fit_image(&DynamicImage::ImageRgb8(img.clone()), 50, 50, style).unwrap().to_rgb8();
        assert_eq!(out.get_pixel(25, 25).0, [255, 0, 0]);
        let style = FitStyle { gravity: Gravity::BottomRight, ..FitStyle::default() };
        let out = fit_image(&DynamicImage::ImageRgb8(img), 50, 50, style).unwrap().to_rgb8();
        assert_eq!(out.get_pixel(25, 25).0, [0, 0, 255]);
    }

    #[test]
    fn contain_letterboxes_with_the_background() {
        let img = RgbImage::from_pixel(200, 100, image::Rgb([0, 0, 0]));
        let style = FitStyle { fit: Fit::Contain, background: Color([255, 0, 0]), ..FitStyle::default() };
        let out = fit_image(&DynamicImage::ImageRgb8(img), 100, 100, style).unwrap().to_rgb8();
        assert_eq!(out.get_pixel(50, 5).0, [255, 0, 0]);
        assert_eq!(out.get_pixel(50, 50).0, [0, 0, 0]);
    }

    #[test]
    fn auto_covers_photos_and_contains_logos() {
        assert_eq!(Fit::Auto.for_kind("wallpaper"), Fit::Cover);
        assert_eq!(Fit::Auto.for_kind("screensaver"), Fit::Cover);
        assert_eq!(Fit::Auto.for_kind("lcdlogo"), Fit::Contain);
        assert_eq!(Fit::Auto.for_kind("weblogo"), Fit::Contain);
        assert_eq!(Fit::Auto.for_kind("icon"), Fit::Contain);
        assert_eq!(Fit::Cover.for_kind("lcdlogo"), Fit::Cover);
    }

    /// Share of the picture `cover` crops away.
    #[test]
    fn cover_crop_share() {
        assert_eq!(cover_crop(100, 100, 50, 50), 0.0);
        assert!((cover_crop(400, 42, 1000, 1000) - (1.0 - 42.0 / 400.0)).abs() < 1e-9);
        assert!((cover_crop(1000, 1000, 400, 42) - (1.0 - 42.0 / 400.0)).abs() < 1e-9);
    }

    /// The case: a 40×30 grey step (64 | 192) enlarged to 480×320 dipped to 0 beside the
    /// edge. Every pixel must stay within the two source levels (ImageMagick: 59 .. 197).
    #[test]
    fn enlarging_a_hard_edge_neither_over_nor_undershoots() {
        let step = RgbImage::from_fn(40, 30, |x, _| if x < 20 { image::Rgb([64; 3]) } else { image::Rgb([192; 3]) });
        for fit in [Fit::Cover, Fit::Contain, Fit::Stretch] {
            let style = FitStyle { fit, background: Color([128; 3]), ..FitStyle::default() };
            let out = fit_image(&DynamicImage::ImageRgb8(step.clone()), 480, 320, style).unwrap().to_rgb8();
            let (lo, hi) = out.pixels().fold((255, 0), |(l, h), p| (l.min(p.0[0]), h.max(p.0[0])));
            assert!(lo >= 64 && hi <= 192, "{fit:?}: values from {lo} to {hi}, outside 64 ..= 192");
            // The edge is still sharp: within a few pixels of it, both levels are reached.
            let row: Vec<u8> = (0..480).map(|x| out.get_pixel(x, 160).0[0]).collect();
            let edge = row.iter().position(|&v| v > 128).unwrap();
            assert!(row[edge - 8] <= 66 && row[edge + 8] >= 190, "{fit:?}: a soft edge {:?}", &row[edge - 8..edge + 9]);
        }
        // Reducing keeps its detail: a one-pixel line halved still shows.
        let lines = RgbImage::from_fn(64, 64, |x, _| image::Rgb([if x % 8 == 0 { 255 } else { 0 }; 3]));
        let out = fit_image(&DynamicImage::ImageRgb8(lines), 32, 32, FitStyle::default()).unwrap().to_rgb8();
        assert!(out.pixels().map(|p| p.0[0]).max().unwrap() > 100);
    }

    #[test]
    fn windows_cover_the_source() {
        // Enlarging 4 → 8: each result pixel between its two nearest source pixels.
        let w: Vec<_> = (0..8).map(|i| window(i, 8, 0.0, 4.0, 4)).collect();
        assert_eq!(w, [(0, 0), (0, 1), (0, 1), (1, 2), (1, 2), (2, 3), (2, 3), (3, 3)]);
        // Reducing 8 → 4: two source pixels each.
        let w: Vec<_> = (0..4).map(|i| window(i, 4, 0.0, 8.0, 8)).collect();
        assert_eq!(w, [(0, 1), (2, 3), (4, 5), (6, 7)]);
    }

    #[test]
    fn min_source_size_is_1_7_times_the_visible_part() {
        // 4000×3000 covering 480×320: scale 0.12, so 816×612 is enough.
        assert_eq!(min_source_size(4000, 3000, Fit::Cover, 480, 320), (816, 612));
        assert_eq!(min_source_size(100, 100, Fit::Cover, 480, 320), (100, 100));
    }
}
