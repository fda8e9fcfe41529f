//! One screen asset: decode the user's image, fit it to the model's size, and encode it in the
//! target format under the byte cap. This is the unit of work `hlpres`, `image` and (later) the
//! release command run in parallel; it reads and writes no files.

use crate::mechanisms::image::encode::{
    encode_bmp, encode_jpeg, encode_png, encode_png_1bit, jpeg_under_cap, to_bilevel,
};
use crate::mechanisms::image::resize::{cover_crop, fit_image, min_source_size};
use crate::mechanisms::image::{color::flatten, DecodeLimits, Fit, FitStyle, Format};
use crate::rules::layout::AssetRule;
use anyhow::{bail, Context, Result};
use image::DynamicImage;
use serde::Serialize;

/// Largest input image file read, in bytes.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// What one asset must become: its entry name, format, size and cap.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// Asset kind from the layout (`wallpaper`, `lcdlogo`, …).
    pub kind: String,
    /// Entry name inside the archive folder (`wallpaper4.jpg`).
    pub name: String,
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub max_bytes: u64,
    /// 1-bit grayscale output (monochrome screens).
    pub monochrome: bool,
}

impl Target {
    /// The target for entry `name` under `rule`: the format is the name's extension when the rule
    /// accepts it, else the rule's first format.
    pub fn from_rule(rule: &AssetRule, name: &str) -> Result<Target> {
        let accepted: Vec<Format> = rule.formats.iter().filter_map(|f| Format::from_extension(f)).collect();
        let format = match Format::from_name(name) {
            Some(f) if accepted.contains(&f) => f,
            Some(f) => bail!("{name}: {} files are {}, not {}", rule.kind, rule.formats.join(" or "), f.extension()),
            None => *accepted.first().with_context(|| format!("{name}: the layout gives no known format"))?,
        };
        Ok(Target {
            kind: rule.kind.name().to_string(),
            name: name.to_string(),
            format,
            width: rule.width,
            height: rule.height,
            max_bytes: rule.max_bytes,
            monochrome: rule.monochrome,
        })
    }
}

/// How images are fitted and reduced to black and white.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Look {
    pub style: FitStyle,
    /// Floyd–Steinberg dithering for monochrome targets (else a threshold).
    pub dither: bool,
}

/// A built asset: the encoded file and how it was made.
#[derive(Debug, Clone, Serialize)]
pub struct BuiltAsset {
    pub target: Target,
    /// The input it was made from, as shown to the user.
    pub source: String,
    #[serde(skip)]
    pub data: Vec<u8>,
    pub bytes: usize,
    /// JPEG quality used.
    pub quality: Option<u8>,
    /// What the decoder did (orientation, colour conversion).
    pub notes: Vec<String>,
    /// What may not be what the user wanted: a blank or fully transparent input, a fit that
    /// crops away more than a quarter of the picture.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The fitted pixels, for re-encoding at a lower quality when the whole tar is over its cap.
    #[serde(skip)]
    pixels: Option<image::RgbImage>,
}

impl BuiltAsset {
    /// Re-encodes a JPEG asset at `quality` (no-op for other formats). Returns the new size.
    pub fn reencode_jpeg(&mut self, quality: u8) -> Result<usize> {
        if let (Format::Jpeg, Some(pixels)) = (self.target.format, &self.pixels) {
            self.data = encode_jpeg(pixels, quality)?;
            self.bytes = self.data.len();
            self.quality = Some(quality);
        }
        Ok(self.bytes)
    }

    /// Whether the asset's quality can still be lowered.
    pub fn is_jpeg(&self) -> bool {
        self.target.format == Format::Jpeg && self.pixels.is_some()
    }
}

/// Builds one asset from an image file's bytes. Errors name the input (`source`) and the target.
pub fn build_asset(target: &Target, source: &str, bytes: &[u8], look: &Look) -> Result<BuiltAsset> {
    build(target, source, bytes, look).with_context(|| source.to_string())
}

fn build(target: &Target, source: &str, bytes: &[u8], look: &Look) -> Result<BuiltAsset> {
    let (tw, th) = (target.width, target.height);
    let fit = look.style.fit.for_kind(&target.kind);
    let style = FitStyle { fit, ..look.style };
    let wanted = move |w: u32, h: u32| min_source_size(w, h, fit, tw, th);
    let decoded = super::shared::decode_shared(source, bytes, &DecodeLimits::default(), &wanted)?;
    let mut warnings = decoded.warnings.clone();
    warnings.extend(input_warnings(&decoded.image, fit, target));
    let opaque = target.format != Format::Png || target.monochrome;
    let converted = if opaque && decoded.image.color().has_alpha() {
        Some(DynamicImage::ImageRgb8(flatten(&decoded.image, look.style.background)))
    } else if !opaque && fit == Fit::Contain {
        // Transparent beside the picture, where the phone's own background then shows.
        Some(DynamicImage::ImageRgba8(decoded.image.to_rgba8()))
    } else {
        None // the decoded pixels as they are (fit_image makes gray RGB)
    };
    let fitted = fit_image(converted.as_ref().unwrap_or(&decoded.image), tw, th, style)?;
    let name = &target.name;
    let (data, quality, pixels) = match target.format {
        Format::Jpeg => {
            let rgb = fitted.to_rgb8();
            let capped = jpeg_under_cap(&rgb, target.max_bytes, crate::mechanisms::image::encode::JPEG_QUALITY_MAX)
                .with_context(|| name.to_string())?;
            (capped.bytes, Some(capped.quality), Some(rgb))
        }
        Format::Png if target.monochrome => (encode_png_1bit(&to_bilevel(&fitted.to_rgb8(), look.dither))?, None, None),
        Format::Png => (encode_png(&fitted)?, None, None),
        Format::Bmp => (encode_bmp(&fitted.to_rgb8())?, None, None),
        other => bail!("{name}: bundler does not write {} files", other.name()),
    };
    if data.len() as u64 > target.max_bytes {
        bail!(
            "{name}: the {}×{} {} is {} bytes, over the cap of {} bytes{}",
            tw,
            th,
            target.format.name(),
            data.len(),
            target.max_bytes,
            if target.format == Format::Bmp { " (BMP is uncompressed: use jpg)" } else { "" }
        );
    }
    Ok(BuiltAsset {
        target: target.clone(),
        source: source.to_string(),
        bytes: data.len(),
        data,
        quality,
        notes: decoded.notes.clone(),
        warnings,
        pixels,
    })
}

/// Share of the picture above which a cover crop is worth a warning.
const CROP_WARNING: f64 = 0.25;

/// Warnings about an input as decoded: fully transparent or one colour throughout (the asset
/// would be blank), or cropped by more than [`CROP_WARNING`] to fill the target.
fn input_warnings(image: &DynamicImage, fit: Fit, target: &Target) -> Vec<String> {
    let mut warnings = Vec::new();
    let what = format!("the {} ({})", target.kind, target.name);
    if let DynamicImage::ImageRgba8(rgba) = image {
        if rgba.pixels().all(|p| p.0[3] == 0) {
            warnings.push(format!("the input is fully transparent: {what} will be blank"));
            return warnings;
        }
    }
    let (samples, channels) = (image.as_bytes(), usize::from(image.color().channel_count()));
    if samples.len() > channels && samples.chunks_exact(channels).all(|p| p == &samples[..channels]) {
        warnings.push(format!("the input is one colour throughout: {what} will be blank"));
    }
    let cropped = cover_crop(image.width(), image.height(), target.width, target.height);
    if fit == Fit::Cover && cropped > CROP_WARNING {
        warnings.push(format!(
            "--fit cover crops {:.0} % of the {}×{} picture to fill {}×{}: use --fit contain to show all of it",
            cropped * 100.0,
            image.width(),
            image.height(),
            target.width,
            target.height
        ));
    }
    warnings
}
