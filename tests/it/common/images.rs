//! Test images made on the spot: photo-like JPEGs, transparent PNGs, EXIF-rotated, CMYK and
//! metadata-laden JPEGs, decompression-bomb headers; and readers that use ImageMagick as the
//! independent decoder.

use std::path::Path;
use std::process::Command;

/// A photo-like RGB image: smooth gradients, a soft-edged shape, texture at several scales and
/// fine grain, so JPEG sizes after downscaling are like a real photo's.
pub fn photo_pixels(w: u32, h: u32, seed: u32) -> image::RgbImage {
    let hash = |x: i64, y: i64, o: u32| {
        let mut v = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        v ^= (seed as u64 + o as u64) << 32;
        v ^= v >> 29;
        v = v.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (v >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    // Value noise with bilinear interpolation on a grid of `cell` pixels.
    let noise = |x: u32, y: u32, cell: f32, o: u32| {
        let (fx, fy) = (x as f32 / cell, y as f32 / cell);
        let (ix, iy) = (fx.floor() as i64, fy.floor() as i64);
        let (tx, ty) = (fx - ix as f32, fy - iy as f32);
        let a = hash(ix, iy, o) * (1.0 - tx) + hash(ix + 1, iy, o) * tx;
        let b = hash(ix, iy + 1, o) * (1.0 - tx) + hash(ix + 1, iy + 1, o) * tx;
        a * (1.0 - ty) + b * ty
    };
    let unit = (w as f32 / 480.0).max(1.0);
    image::RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let texture = noise(x, y, 1.5 * unit, 5) * 70.0
            + noise(x, y, 3.0 * unit, 1) * 90.0
            + noise(x, y, 9.0 * unit, 2) * 70.0
            + noise(x, y, 40.0 * unit, 3) * 60.0;
        let tint = noise(x, y, 25.0 * unit, 4) * 50.0;
        let edge = if ((fx - 0.6).powi(2) + (fy - 0.4).powi(2)).sqrt() < 0.2 { 60.0 } else { 0.0 };
        let c = |base: f32, t: f32| (base + texture + t + edge).clamp(0.0, 255.0) as u8;
        image::Rgb([c(60.0 + 130.0 * fx, tint), c(90.0 + 90.0 * fy, -tint), c(160.0 - 110.0 * fx * fy, 0.0)])
    })
}

/// Baseline JPEG bytes of `img` at quality 92 (4:2:0), made with the jpeg-encoder crate.
pub fn jpeg_bytes(img: &image::RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = jpeg_encoder::Encoder::new(&mut out, 92);
    enc.encode(img.as_raw(), img.width() as u16, img.height() as u16, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

/// Writes a photo-like JPEG of `w`×`h` to `path`.
pub fn write_photo(path: &Path, w: u32, h: u32, seed: u32) {
    std::fs::write(path, jpeg_bytes(&photo_pixels(w, h, seed))).unwrap();
}

/// Inserts APP segments right after the JPEG's SOI marker.
pub fn with_segments(jpeg: &[u8], segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for (marker, data) in segments {
        out.extend_from_slice(&[0xFF, *marker]);
        out.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(data);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An EXIF APP1 payload holding only the orientation tag.
pub fn exif_orientation(value: u16) -> Vec<u8> {
    let mut v = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    v.extend_from_slice(&1u16.to_be_bytes()); // one entry
    v.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    v.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    v.extend_from_slice(&1u32.to_be_bytes()); // count
    v.extend_from_slice(&value.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    v
}

/// A PNG header that claims `w`×`h` pixels, followed by a tiny image data chunk.
pub fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[0, 0, 0, 0]);
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00]);
    chunk(b"IEND", &[]);
    v
}

/// A transparent PNG (RGBA) with an opaque red disc in the middle; the corners are fully clear.
pub fn write_transparent_logo(path: &Path, w: u32, h: u32) {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
        if (dx * dx + dy * dy).sqrt() < h as f32 / 3.0 {
            image::Rgba([220, 20, 30, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    img.save(path).unwrap();
}

/// Runs ImageMagick `identify -format FMT FILE` and returns its output.
pub fn identify(file: &Path, fmt: &str) -> String {
    let out = Command::new("identify").args(["-format", fmt]).arg(file).output().expect("run identify");
    assert!(out.status.success(), "identify {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `identify -verbose` output.
pub fn identify_verbose(file: &Path) -> String {
    let out = Command::new("identify").arg("-verbose").arg(file).output().expect("run identify");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The sRGB colour of pixel (x, y) as ImageMagick decodes it.
pub fn pixel(file: &Path, x: u32, y: u32) -> [u8; 3] {
    let out = Command::new("convert")
        .arg(file)
        .args([
            "-colorspace",
            "sRGB",
            "-depth",
            "8",
            "-format",
            &format!("%[fx:int(255*p{{{x},{y}}}.r)],%[fx:int(255*p{{{x},{y}}}.g)],%[fx:int(255*p{{{x},{y}}}.b)]"),
            "info:",
        ])
        .output()
        .expect("run convert");
    assert!(out.status.success(), "convert: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<u8> = text.trim().split(',').map(|n| n.trim().parse::<f64>().unwrap().round() as u8).collect();
    [v[0], v[1], v[2]]
}

/// Whether two colours differ by at most `tol` in every channel.
pub fn near(a: [u8; 3], b: [u8; 3], tol: u8) -> bool {
    a.iter().zip(b.iter()).all(|(x, y)| x.abs_diff(*y) <= tol)
}

/// Extracts the tar into `dir` with GNU tar.
pub fn untar(tar: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let st = Command::new("tar").arg("-xf").arg(tar).arg("-C").arg(dir).status().expect("run tar");
    assert!(st.success());
}

/// `tar -tvf` lines.
pub fn tar_tv(tar: &Path) -> Vec<String> {
    let out = Command::new("tar").arg("-tvf").arg(tar).env("TZ", "UTC").output().expect("run tar");
    assert!(out.status.success(), "tar -tvf: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// `tar -tf` names.
pub fn tar_names(tar: &Path) -> Vec<String> {
    let out = Command::new("tar").arg("-tf").arg(tar).output().expect("run tar");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}
