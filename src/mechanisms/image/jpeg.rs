//! JPEG decoding through libjpeg-turbo's decoder, which the `mozjpeg` crate builds statically from
//! its own sources (SIMD included, with `nasm`). Chosen over the pure-Rust `jpeg-decoder` for
//! speed: on 8–12 MP photos decoded at a quarter of their size it takes about 0.6 of the time
//! (entropy decoding dominates there; zune-jpeg was no faster than jpeg-decoder), and it scales
//! by any eighth inside the inverse DCT (1/8, 2/8, 3/8 … 8/8), not only by powers of two, so a
//! photo is decoded closer to the size its target needs.
//!
//! libjpeg reports a fatal error by calling `error_exit`, which must not return. Ours unwinds
//! (`resume_unwind`: no panic message is printed) through the C code, built to allow it, and
//! [`decode`] and [`header`] catch it at this module's edge, so a bad file is an error like any
//! other. Warnings that mean pixels were lost (the image data ends early, a bad Huffman code,
//! scans out of order) are made fatal the same way; harmless ones (junk bytes between markers, an
//! unknown JFIF version or Adobe transform, a missing end marker) are ignored, as viewers ignore
//! them. A file may have at most [`MAX_SCANS`] scans (each one is a pass over the whole image: a
//! small hostile file could otherwise keep the decoder busy for hours), and one that could need
//! more memory than the limit is refused before decoding ([`check_memory`]).

use super::limits::DecodeLimits;
use super::probe::ImageInfo;
use anyhow::{bail, Result};
use image::metadata::Orientation;
use mozjpeg::{ColorSpace, Decompress, Marker};
use mozjpeg_sys as ffi;
use std::os::raw::c_int;

/// Most scans a file may have (libjpeg-turbo's own tools suggest 500 as a limit; cameras and
/// encoders write 1 to about 12).
pub const MAX_SCANS: i32 = 500;

/// What a decoding error starts with.
const DAMAGED: &str = "corrupt or truncated JPEG";

/// The markers whose contents are kept: EXIF, ICC profile chunks, Adobe's.
const KEPT: [Marker; 3] = [Marker::APP(1), Marker::APP(2), Marker::APP(14)];

/// What a JPEG's headers say that decoding needs.
#[derive(Debug, Clone)]
pub struct Header {
    /// The stored size, before orientation.
    pub width: u32,
    pub height: u32,
    pub orientation: Orientation,
}

/// Decoded samples as libjpeg delivers them.
pub enum Pixels {
    Gray(Vec<u8>),
    Rgb(Vec<u8>),
    /// 0 = no ink (Adobe's inverted samples put back).
    Cmyk(Vec<u8>),
}

/// A decoded JPEG.
pub struct Jpeg {
    pub width: u32,
    pub height: u32,
    pub pixels: Pixels,
    pub orientation: Orientation,
    /// The embedded ICC profile, when all its chunks are there.
    pub icc: Option<Vec<u8>>,
}

/// The headers of `bytes`, without decoding a pixel.
pub fn header(bytes: &[u8]) -> Result<Header> {
    guarded(DAMAGED, || {
        let d = open(bytes)?;
        let (width, height) = d.size();
        Ok(Header { width: width as u32, height: height as u32, orientation: orientation(&d) })
    })
}

/// The eighths (1 to 8) to scale a `width`×`height` image by so that it is at least
/// `wanted_w`×`wanted_h`, or as large as it is when it is smaller than that.
pub fn eighths_for(width: u32, height: u32, wanted_w: u32, wanted_h: u32) -> u8 {
    (1..8).find(|&n| scaled(width, n) >= wanted_w && scaled(height, n) >= wanted_h).unwrap_or(8)
}

/// A side of `n`/8 of `side`, as libjpeg rounds it (up).
pub fn scaled(side: u32, n: u8) -> u32 {
    (side as u64 * n as u64).div_ceil(8) as u32
}

/// Decodes `bytes` (whose probe is `info`) at `eighths`/8 of its size.
pub fn decode(bytes: &[u8], info: &ImageInfo, limits: &DecodeLimits, eighths: u8) -> Result<Jpeg> {
    check_memory(info, limits, eighths)?;
    guarded(DAMAGED, || {
        let mut d = open(bytes)?;
        d.scale(eighths);
        let (orientation, icc, adobe) = (orientation(&d), icc_profile(&d), is_adobe(&d));
        let (width, height, pixels) = match d.components().len() {
            1 => read(d.grayscale()?, Pixels::Gray)?,
            3 => read(d.rgb()?, Pixels::Rgb)?,
            4 => read(d.to_colorspace(ColorSpace::JCS_CMYK)?, |mut cmyk| {
                if adobe {
                    cmyk.iter_mut().for_each(|v| *v = 255 - *v);
                }
                Pixels::Cmyk(cmyk)
            })?,
            n => bail!("unsupported JPEG with {n} colour components"),
        };
        Ok(Jpeg { width, height, pixels, orientation, icc })
    })
}

/// Encodes `rgb` (`width`×`height`, 3 bytes a pixel) as a baseline JPEG at `quality` (1–100):
/// 4:2:0 with box-averaged chroma, optimised Huffman tables, the JFIF header and nothing else.
/// libjpeg-turbo's own settings (`JCP_FASTEST`), none of mozjpeg's trellis or progression: phones
/// may decode only baseline. About 4× faster than `jpeg-encoder`, which it replaced (6.5 against
/// 1.5 ms for four 480×300 encodes; without nasm's SIMD it is slower than that crate).
pub fn encode_rgb(rgb: &[u8], width: u32, height: u32, quality: u8) -> Result<Vec<u8>> {
    if rgb.len() as u64 != u64::from(width) * u64::from(height) * 3 {
        bail!("JPEG encoding: {} bytes for {width}×{height} RGB pixels", rgb.len());
    }
    guarded("JPEG encoding failed", || {
        let mut c = mozjpeg::Compress::new_err(Box::new(error_manager()), ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        c.set_size(width as usize, height as usize);
        c.set_quality(f32::from(quality.clamp(1, 100)));
        c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        c.set_optimize_coding(true);
        let mut started = c.start_compress(Vec::new())?;
        started.write_scanlines(rgb)?;
        Ok(started.finish()?)
    })
}

/// Whether an end-of-image marker follows the image data (which cannot hold one: a 0xFF there is
/// followed by 0x00). Data after it (a phone's motion-photo video) does not matter.
pub fn has_end_marker(bytes: &[u8]) -> bool {
    let Some(sos) = bytes.windows(2).position(|w| w == [0xFF, 0xDA]) else { return false };
    // From the end: where the marker nearly always is.
    bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]).is_some_and(|eoi| eoi > sos)
}

/// The bytes libjpeg may hold: a file of several scans (progressive, or sequential with its
/// components in separate scans; the frame header does not say which) keeps every coefficient of
/// the whole image (2 bytes a sample, at full size), then the output. Refused when over the limit,
/// before any is allocated.
fn check_memory(info: &ImageInfo, limits: &DecodeLimits, eighths: u8) -> Result<()> {
    let components = u64::from(info.components.unwrap_or(4));
    let coefficients = u64::from(info.width) * u64::from(info.height) * components * 2;
    let out = u64::from(scaled(info.width, eighths)) * u64::from(scaled(info.height, eighths)) * components;
    let need = coefficients + out;
    if need > limits.max_alloc {
        bail!("JPEG needs {} MiB to decode, more than the {} MiB limit", need >> 20, limits.max_alloc >> 20);
    }
    Ok(())
}

fn open(bytes: &[u8]) -> Result<Decompress<&[u8]>> {
    Ok(Decompress::with_markers(&KEPT).with_err(error_manager()).from_mem(bytes)?)
}

fn read<R: std::io::BufRead>(
    mut started: mozjpeg::decompress::DecompressStarted<R>,
    wrap: impl FnOnce(Vec<u8>) -> Pixels,
) -> Result<(u32, u32, Pixels)> {
    let (w, h) = (started.width() as u32, started.height() as u32);
    let samples: Vec<u8> = started.read_scanlines()?;
    started.finish()?;
    Ok((w, h, wrap(samples)))
}

/// Runs `work`, turning libjpeg's unwinding errors into errors that start with `what`.
fn guarded<T>(what: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result.map_err(|e| anyhow::anyhow!("{what}: {e}")),
        Err(payload) => {
            let message = payload.downcast_ref::<String>().cloned();
            match message {
                Some(m) => bail!("{what}: {m}"),
                // Not ours: a real panic, which must stay one.
                None => std::panic::resume_unwind(payload),
            }
        }
    }
}

fn orientation<R>(d: &Decompress<R>) -> Orientation {
    let exif = d.markers().find(|m| m.marker == Marker::APP(1) && m.data.starts_with(b"Exif\0\0"));
    exif.and_then(|m| Orientation::from_exif_chunk(&m.data[6..])).unwrap_or(Orientation::NoTransforms)
}

fn is_adobe<R>(d: &Decompress<R>) -> bool {
    d.markers().any(|m| m.marker == Marker::APP(14) && m.data.starts_with(b"Adobe"))
}

/// The ICC profile spread over `ICC_PROFILE` chunks (each numbered n of N), when every chunk is
/// there once.
fn icc_profile<R>(d: &Decompress<R>) -> Option<Vec<u8>> {
    const TAG: &[u8] = b"ICC_PROFILE\0";
    let mut chunks: Vec<(u8, u8, &[u8])> = d
        .markers()
        .filter(|m| m.marker == Marker::APP(2) && m.data.len() >= TAG.len() + 2 && m.data.starts_with(TAG))
        .map(|m| (m.data[TAG.len()], m.data[TAG.len() + 1], &m.data[TAG.len() + 2..]))
        .collect();
    chunks.sort_by_key(|c| c.0);
    let count = chunks.first()?.1;
    let complete =
        chunks.len() == count as usize && chunks.iter().enumerate().all(|(i, c)| c.0 as usize == i + 1 && c.1 == count);
    complete.then(|| chunks.iter().flat_map(|c| c.2.iter().copied()).collect())
}

/// libjpeg's standard error manager with our exits: fatal errors and data-losing warnings unwind,
/// and every scan's trace message is counted against [`MAX_SCANS`].
fn error_manager() -> ffi::jpeg_error_mgr {
    /// The callbacks' type in the binding, which passes libjpeg's pointer as a reference to the
    /// common fields only; ours take it as the raw pointer it is (same ABI), so reading the
    /// decompressor's own fields through it is sound.
    type Exit = unsafe extern "C-unwind" fn(&mut ffi::jpeg_common_struct);
    type Emit = unsafe extern "C-unwind" fn(&mut ffi::jpeg_common_struct, c_int);
    // SAFETY: an all-zero jpeg_error_mgr is valid (null pointers, no handlers), and
    // jpeg_std_error only fills in its fields. A reference and a raw pointer are passed alike.
    let mut err: ffi::jpeg_error_mgr = unsafe { std::mem::zeroed() };
    unsafe {
        ffi::jpeg_std_error(&mut err);
        err.error_exit = Some(std::mem::transmute::<unsafe extern "C-unwind" fn(Common), Exit>(fail));
        err.emit_message = Some(std::mem::transmute::<unsafe extern "C-unwind" fn(Common, c_int), Emit>(message));
    }
    err.trace_level = 1; // so each scan's JTRC_SOS reaches `message`
    err
}

/// libjpeg's object as it hands it to the error manager: a compressor's or decompressor's.
type Common = *mut ffi::jpeg_common_struct;

/// Warnings after which the picture is still whole. The end of the data (`JWRN_JPEG_EOF`) is
/// one: a file that only lacks its end marker decodes whole, while one cut inside a scan also
/// runs out of image data (`JWRN_HIT_MARKER`, fatal). A progressive file cut between two scans
/// decodes with less detail; [`decode`]'s caller notes a missing end marker.
const HARMLESS: [i32; 5] =
    [ffi::JWRN_EXTRANEOUS_DATA, ffi::JWRN_JFIF_MAJOR, ffi::JWRN_ADOBE_XFORM, ffi::JWRN_BOGUS_ICC, ffi::JWRN_JPEG_EOF];

/// libjpeg's `emit_message`: a warning (`level` -1) or a trace message (1 and up).
///
/// # Safety
/// `cinfo` is libjpeg's live object, whose `err` is a manager from [`error_manager`].
unsafe extern "C-unwind" fn message(cinfo: Common, level: c_int) {
    let code = unsafe { (*(*cinfo).err).msg_code };
    if level < 0 && !HARMLESS.contains(&code) {
        unsafe { fail(cinfo) };
    }
    // SAFETY: a decompressor's common fields are the first of its jpeg_decompress_struct.
    if level == 1 && code == ffi::JTRC_SOS && unsafe { (*cinfo).is_decompressor } != 0 {
        let scans = unsafe { (*cinfo.cast::<ffi::jpeg_decompress_struct>()).input_scan_number };
        if scans >= MAX_SCANS {
            std::panic::resume_unwind(Box::new(format!("more than {MAX_SCANS} scans")));
        }
    }
}

/// libjpeg's `error_exit`, which must not return: unwinds with libjpeg's message.
///
/// # Safety
/// As for [`message`].
unsafe extern "C-unwind" fn fail(cinfo: Common) {
    let mut buffer = [0u8; 80]; // JMSG_LENGTH_MAX
                                // SAFETY: format_message writes at most JMSG_LENGTH_MAX bytes, NUL-terminated, into the
                                // buffer (the binding declares it shared; libjpeg's C signature takes `char *`).
    unsafe {
        if let Some(format) = (*(*cinfo).err).format_message {
            let format: unsafe extern "C-unwind" fn(Common, *mut u8) = std::mem::transmute(format);
            format(cinfo, buffer.as_mut_ptr());
        }
    }
    let text = buffer.split(|&b| b == 0).next().unwrap_or_default();
    std::panic::resume_unwind(Box::new(String::from_utf8_lossy(text).into_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanisms::image::{encode::encode_jpeg, probe};

    /// A `w`×`h` JPEG with a gradient and a few edges.
    fn photo(w: u32, h: u32) -> Vec<u8> {
        let ramp = |v: u32, n: u32| (v * 255 / (n - 1)) as u8;
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([ramp(x, w), ramp(y, h), ((x / 16 + y / 16) % 2 * 200) as u8])
        });
        encode_jpeg(&img, 90).unwrap()
    }

    fn decode_all(bytes: &[u8], eighths: u8) -> Result<Jpeg> {
        decode(bytes, &probe(bytes)?, &DecodeLimits::default(), eighths)
    }

    /// An 8×8 grey progressive JPEG (one block, every coefficient 0: mid grey) of a DC scan and,
    /// for each of the 63 AC coefficients, a first scan at point transform `al` and `al`
    /// refinement scans: `1 + 63 × (al + 1)` scans, a valid progression.
    fn many_scans(al: u8) -> Vec<u8> {
        let mut f = vec![0xFF, 0xD8];
        f.extend([0xFF, 0xDB, 0, 67, 0]); // DQT: table 0, all 1
        f.extend([1u8; 64]);
        f.extend([0xFF, 0xC2, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]); // SOF2: 8×8, 1 component
        for class in [0x00, 0x10] {
            // DHT: one code of length 1 (`0`) for symbol 0 (DC: no difference; AC: end of band)
            f.extend([0xFF, 0xC4, 0, 20, class, 1]);
            f.extend([0u8; 15]);
            f.push(0);
        }
        let mut scan = |ss: u8, se: u8, ah: u8, al: u8| {
            f.extend([0xFF, 0xDA, 0, 8, 1, 1, 0x00, ss, se, ah << 4 | al]);
            f.push(0x7F); // the code `0`, padded with ones
        };
        scan(0, 0, 0, 0);
        for k in 1..64 {
            scan(k, k, 0, al);
            for a in (1..=al).rev() {
                scan(k, k, a, a - 1);
            }
        }
        f.extend([0xFF, 0xD9]);
        f
    }

    #[test]
    fn encoding_round_trips_at_any_size_and_gives_the_same_bytes_twice() {
        for (w, h) in [(1, 1), (17, 9), (480, 320)] {
            let bytes = photo(w.max(2), h.max(2));
            let Pixels::Rgb(rgb) = decode_all(&bytes, 8).unwrap().pixels else { panic!("RGB") };
            let (w, h) = (w.max(2), h.max(2));
            let again = encode_rgb(&rgb, w, h, 95).unwrap();
            assert_eq!(again, encode_rgb(&rgb, w, h, 95).unwrap(), "{w}×{h}: deterministic");
            let decoded = decode_all(&again, 8).unwrap();
            assert_eq!((decoded.width, decoded.height), (w, h));
            let Pixels::Rgb(back) = decoded.pixels else { panic!("RGB") };
            let diff = rgb.iter().zip(&back).map(|(a, b)| a.abs_diff(*b) as u64).sum::<u64>() / rgb.len() as u64;
            // A tiny picture's red ramp is all chroma detail, which 4:2:0 halves.
            assert!(diff <= if w < 32 { 12 } else { 4 }, "{w}×{h}: mean difference {diff}");
        }
        assert!(encode_rgb(&[0; 5], 2, 2, 90).is_err(), "too few bytes for the size");
    }

    #[test]
    fn the_fewest_eighths_that_still_give_the_wanted_size() {
        assert_eq!(eighths_for(4000, 3000, 816, 544), 2, "1000×750");
        assert_eq!(eighths_for(4000, 3000, 1001, 10), 3, "1500×1125");
        assert_eq!(eighths_for(4000, 3000, 4000, 3000), 8);
        assert_eq!(eighths_for(100, 100, 400, 400), 8, "never enlarged");
        assert_eq!(scaled(4001, 1), 501, "libjpeg rounds up");
    }

    #[test]
    fn decodes_at_the_eighths_asked_with_the_picture_intact() {
        let bytes = photo(800, 600);
        let j = decode_all(&bytes, 3).unwrap();
        assert_eq!((j.width, j.height), (300, 225));
        let Pixels::Rgb(p) = j.pixels else { panic!("an RGB photo") };
        assert_eq!(p.len(), 300 * 225 * 3);
        // The top-left corner has no red, the right edge all of it: the gradient survived.
        assert!(p[0] < 8 && p[(300 - 1) * 3] > 247, "{:?} {:?}", &p[..3], &p[897..900]);
        let h = header(&bytes).unwrap();
        assert_eq!((h.width, h.height, h.orientation), (800, 600, Orientation::NoTransforms));
    }

    #[test]
    fn a_missing_end_marker_is_forgiven_and_a_file_cut_short_is_not() {
        let bytes = photo(320, 240);
        assert!(bytes.ends_with(&[0xFF, 0xD9]));
        let no_eoi = &bytes[..bytes.len() - 2];
        assert_eq!(decode_all(no_eoi, 8).unwrap().width, 320);
        assert!(!has_end_marker(no_eoi) && has_end_marker(&bytes));
        let mut motion_photo = bytes.clone();
        motion_photo.extend(b"\0\0\0\x18ftypmp42 and a video");
        assert!(has_end_marker(&motion_photo), "data after the end marker");
        let cut = &bytes[..bytes.len() * 2 / 3];
        let e = decode_all(cut, 8).err().expect("a file cut short").to_string();
        assert!(e.starts_with("corrupt or truncated JPEG: "), "{e}");
    }

    #[test]
    fn junk_between_markers_is_ignored_and_damaged_image_data_refused() {
        let bytes = photo(320, 240);
        let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let mut junk = bytes[..sos].to_vec();
        junk.extend([0x00, 0x11, 0x22]);
        junk.extend(&bytes[sos..]);
        assert_eq!(decode_all(&junk, 8).unwrap().height, 240, "extraneous bytes before a marker");
        let mut damaged = bytes.clone();
        let mid = bytes.len() / 2;
        damaged[mid..mid + 200].fill(0xFF);
        let e = decode_all(&damaged, 8).err().expect("damaged data").to_string();
        assert!(e.contains("corrupt or truncated JPEG"), "{e}");
    }

    #[test]
    fn a_progressive_file_may_have_at_most_max_scans() {
        let ok = many_scans(2);
        let j = decode_all(&ok, 8).expect("190 scans");
        let Pixels::Gray(p) = j.pixels else { panic!("grey") };
        assert!(p.iter().all(|&v| v == 128), "mid grey: {p:?}");
        let bomb = many_scans(8);
        let e = decode_all(&bomb, 8).err().expect("568 scans").to_string();
        assert_eq!(e, format!("corrupt or truncated JPEG: more than {MAX_SCANS} scans"));
    }

    #[test]
    fn a_file_too_large_to_hold_is_refused_before_decoding() {
        let mut info = probe(&photo(64, 64)).unwrap();
        let limits = DecodeLimits { max_pixels: u64::MAX, max_side: u32::MAX, ..Default::default() };
        (info.width, info.height) = (20_000, 20_000);
        let e = check_memory(&info, &limits, 1).unwrap_err().to_string();
        assert!(e.contains("more than the 512 MiB limit"), "{e}");
        (info.width, info.height) = (8_000, 6_000);
        assert!(check_memory(&info, &limits, 8).is_ok(), "48 MP: 288 MiB of coefficients, 144 MiB out");
    }

    /// `bytes` with `segments` (marker, body) put right after SOI.
    fn with_segments(bytes: &[u8], segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = bytes[..2].to_vec();
        for (marker, body) in segments {
            out.extend([0xFF, *marker]);
            out.extend(((body.len() + 2) as u16).to_be_bytes());
            out.extend(body);
        }
        out.extend(&bytes[2..]);
        out
    }

    fn icc_chunk(n: u8, of: u8, data: &[u8]) -> (u8, Vec<u8>) {
        (0xE2, [b"ICC_PROFILE\0".as_slice(), &[n, of], data].concat())
    }

    #[test]
    fn icc_chunks_are_joined_in_their_order_and_an_incomplete_profile_is_none() {
        let bytes = photo(16, 16);
        let d = open(&bytes).unwrap();
        assert!(!is_adobe(&d) && icc_profile(&d).is_none());
        let joined = with_segments(
            &bytes,
            &[icc_chunk(2, 2, b"def"), icc_chunk(1, 2, b"abc"), (0xEE, b"Adobe\0\x64\0\0\0\0\x01".to_vec())],
        );
        let d = open(&joined).unwrap();
        assert_eq!(icc_profile(&d).as_deref(), Some(b"abcdef".as_slice()));
        assert!(is_adobe(&d));
        let missing = with_segments(&bytes, &[icc_chunk(1, 3, b"abc"), icc_chunk(3, 3, b"ghi")]);
        assert_eq!(icc_profile(&open(&missing).unwrap()), None);
        let twice = with_segments(&bytes, &[icc_chunk(1, 2, b"abc"), icc_chunk(1, 2, b"abc")]);
        assert_eq!(icc_profile(&open(&twice).unwrap()), None);
    }
}
