//! `bundler hlpres` and `bundler image` on generated images, checked with GNU tar and ImageMagick.

use crate::common::images::*;
use crate::common::*;
use std::path::{Path, PathBuf};

/// A temporary folder with a 12-megapixel photo (`photo.jpg`) and a transparent logo (`logo.png`).
fn workspace() -> tempfile::TempDir {
    static PHOTO: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let dir = tempfile::tempdir().unwrap();
    let photo = PHOTO.get_or_init(|| jpeg_bytes(&photo_pixels(4000, 3000, 1)));
    std::fs::write(dir.path().join("photo.jpg"), photo).unwrap();
    write_transparent_logo(&dir.path().join("logo.png"), 300, 200);
    dir
}

fn tools() -> bool {
    require_tool("tar") && require_tool("identify") && require_tool("convert")
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "bundler failed: {}{}", stderr(out), stdout(out));
}

#[test]
fn uc924_tar_from_a_12mp_photo_and_a_transparent_logo() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let out = run_in(
        d,
        &[
            "hlpres",
            "--model",
            "UC924",
            "--wallpaper",
            "photo.jpg",
            "--wallpaper",
            "photo.jpg",
            "--wallpaper",
            "photo.jpg",
            "--screensaver",
            "photo.jpg",
            "--weblogo",
            "logo.png",
            "--lcdlogo",
            "logo.png",
        ],
    );
    ok(&out);
    let tar = d.join("hlpres.tar");
    // GNU tar lists the folder first, then the entries sorted, owned by 0/0 at the epoch.
    let listing = tar_tv(&tar);
    let names: Vec<&str> = listing.iter().map(|l| l.rsplit(' ').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "hlpres/",
            "hlpres/lcdlogo_color.png",
            "hlpres/screensaver1.jpg",
            "hlpres/wallpaper4.jpg",
            "hlpres/wallpaper5.jpg",
            "hlpres/wallpaper6.jpg",
            "hlpres/weblogo.jpg"
        ]
    );
    assert!(listing[0].starts_with("drwxr-xr-x 0/0"), "{}", listing[0]);
    assert!(listing[1].starts_with("-rw-r--r-- 0/0") && listing[1].contains("1970-01-01 00:00"), "{}", listing[1]);
    assert!(std::fs::metadata(&tar).unwrap().len() <= 2_000_000);

    let x = d.join("x");
    untar(&tar, &x);
    for (name, w, h, cap) in [
        ("wallpaper4.jpg", 480, 320, 100_000),
        ("wallpaper6.jpg", 480, 320, 100_000),
        ("screensaver1.jpg", 480, 320, 100_000),
        ("weblogo.jpg", 225, 93, 2_000_000),
    ] {
        let f = x.join("hlpres").join(name);
        assert_eq!(identify(&f, "%m %w %h"), format!("JPEG {w} {h}"), "{name}");
        assert_eq!(identify(&f, "%[jpeg:sampling-factor]"), "2x2,1x1,1x1", "{name}");
        let verbose = identify_verbose(&f);
        assert!(verbose.contains("Interlace: None"), "{name} is not baseline");
        assert!(!verbose.contains("Profile-"), "{name} carries metadata");
        assert!(std::fs::metadata(&f).unwrap().len() <= cap, "{name} over cap");
    }
    // A photo-like wallpaper uses most of its 100 KB: the quality was searched, not guessed low.
    let wp = std::fs::metadata(x.join("hlpres/wallpaper4.jpg")).unwrap().len();
    assert!(wp > 60_000, "wallpaper is only {wp} bytes");
    // The quality bundler reports is the one ImageMagick reads from the quantisation tables.
    let json = run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "photo.jpg", "--json", "-o", "one.jpg"]);
    ok(&json);
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let q = v["quality"].as_u64().unwrap();
    assert!((30..=100).contains(&q), "{v}");
    assert_eq!(identify(&d.join("one.jpg"), "%Q"), q.to_string());
    assert_eq!(std::fs::read(d.join("one.jpg")).unwrap(), std::fs::read(x.join("hlpres/wallpaper4.jpg")).unwrap());
    // The transparent corner of the logo is white in the JPEG, the disc stays red.
    let weblogo = x.join("hlpres/weblogo.jpg");
    assert!(near(pixel(&weblogo, 0, 0), [255, 255, 255], 6), "{:?}", pixel(&weblogo, 0, 0));
    assert!(near(pixel(&weblogo, 112, 46), [220, 20, 30], 12), "{:?}", pixel(&weblogo, 112, 46));
    // The colour LCD logo is a PNG that keeps its transparency.
    let lcd = x.join("hlpres/lcdlogo_color.png");
    assert_eq!(identify(&lcd, "%m %w %h"), "PNG 400 42");
    assert_eq!(identify(&lcd, "%[fx:int(255*p{0,0}.a)]"), "0");
}

#[test]
fn rebuild_gives_identical_bytes_and_source_date_epoch_sets_times() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let args = ["hlpres", "--model", "UC926", "--wallpaper", "photo.jpg", "--weblogo", "logo.png"];
    ok(&run_in(d, &[&args[..], &["-o", "a.tar"]].concat()));
    ok(&run_in(d, &[&args[..], &["-o", "b.tar"]].concat()));
    assert_eq!(std::fs::read(d.join("a.tar")).unwrap(), std::fs::read(d.join("b.tar")).unwrap());
    let out = bundler()
        .current_dir(d)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(args)
        .args(["-o", "c.tar"])
        .output()
        .unwrap();
    ok(&out);
    assert!(tar_tv(&d.join("c.tar"))[1].contains("2023-11-14 22:13"), "{:?}", tar_tv(&d.join("c.tar")));
    // UC926 wallpapers are 480×272.
    let x = d.join("x");
    untar(&d.join("a.tar"), &x);
    assert_eq!(identify(&x.join("hlpres/wallpaper4.jpg"), "%w %h"), "480 272");
}

#[test]
fn exif_orientation_is_applied() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Stored upside: top half red, bottom half blue; EXIF 6 says "turn 90° clockwise to view",
    // so the viewer sees blue on the left and red on the right.
    let stored =
        image::RgbImage::from_fn(
            600,
            400,
            |_, y| if y < 200 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) },
        );
    let jpeg = with_segments(&jpeg_bytes(&stored), &[(0xE1, exif_orientation(6))]);
    std::fs::write(d.join("rotated.jpg"), jpeg).unwrap();
    assert_eq!(identify(&d.join("rotated.jpg"), "%[orientation]"), "RightTop");
    ok(&run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "--fit", "stretch", "rotated.jpg"]));
    let out = d.join("wallpaper.jpg");
    assert_eq!(identify(&out, "%w %h"), "480 320");
    assert!(near(pixel(&out, 40, 160), [0, 0, 255], 20), "left {:?}", pixel(&out, 40, 160));
    assert!(near(pixel(&out, 440, 160), [255, 0, 0], 20), "right {:?}", pixel(&out, 440, 160));
    // No orientation tag is left behind to turn it again.
    assert_eq!(identify(&out, "%[orientation]"), "Undefined");
}

#[test]
fn cmyk_jpeg_keeps_its_colours() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let st = std::process::Command::new("convert")
        .args(["-size", "300x200", "xc:rgb(200,30,60)", "-colorspace", "CMYK", "cmyk.jpg"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(identify(&d.join("cmyk.jpg"), "%[colorspace]"), "CMYK");
    ok(&run_in(d, &["image", "--model", "UC924", "--as", "weblogo", "cmyk.jpg", "-o", "w.jpg"]));
    let px = pixel(&d.join("w.jpg"), 100, 40);
    assert!(near(px, [200, 30, 60], 12), "{px:?}");
    assert_eq!(identify(&d.join("w.jpg"), "%[colorspace]"), "sRGB");
}

#[test]
fn a_megabyte_of_metadata_is_dropped() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut segments = vec![(0xE1, exif_orientation(1))];
    for i in 0..16u8 {
        segments.push((if i % 2 == 0 { 0xED } else { 0xFE }, vec![b'x'; 65_000]));
    }
    let jpeg = with_segments(&jpeg_bytes(&photo_pixels(1200, 900, 3)), &segments);
    assert!(jpeg.len() > 1_000_000);
    std::fs::write(d.join("heavy.jpg"), jpeg).unwrap();
    ok(&run_in(d, &["image", "--model", "UC923", "--as", "screensaver", "heavy.jpg", "-o", "s.jpg"]));
    let out = d.join("s.jpg");
    assert_eq!(identify(&out, "%w %h"), "320 240");
    assert!(std::fs::metadata(&out).unwrap().len() <= 100_000);
    let verbose = identify_verbose(&out);
    assert!(!verbose.contains("Profile-") && !verbose.contains("exif:"), "metadata left");
}

#[test]
fn mono_logo_is_one_bit_grayscale_at_100x11() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    for dither in [false, true] {
        let mut args = vec!["image", "--model", "UC903", "--as", "lcdlogo", "logo.png", "-o", "bw.png"];
        if dither {
            args.push("--dither");
        }
        ok(&run_in(d, &args));
        let f = d.join("bw.png");
        assert_eq!(identify(&f, "%m %w %h"), "PNG 100 11");
        let verbose = identify_verbose(&f);
        assert!(verbose.contains("png:IHDR.bit-depth-orig: 1"), "{verbose}");
        assert!(verbose.contains("png:IHDR.color-type-orig: 0"), "not grayscale: {verbose}");
        assert!(verbose.contains("Type: Bilevel"), "{verbose}");
        // Centre of the disc is black (dark red on white), the transparent corner white.
        assert_eq!(pixel(&f, 50, 5), [0, 0, 0]);
        assert_eq!(pixel(&f, 0, 0), [255, 255, 255]);
    }
    // The mono model's hlpres.tar takes it under its own name.
    ok(&run_in(d, &["hlpres", "--model", "UC903", "--lcdlogo", "logo.png", "--weblogo", "logo.png"]));
    assert_eq!(tar_names(&d.join("hlpres.tar")), ["hlpres/", "hlpres/lcdlogo_bw.png", "hlpres/weblogo.jpg"]);
}

#[test]
fn assets_folder_maps_files_by_name() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let assets = d.join("assets");
    std::fs::create_dir(&assets).unwrap();
    std::fs::copy(d.join("logo.png"), assets.join("weblogo.png")).unwrap();
    write_photo(&assets.join("wallpaper5.jpeg"), 800, 600, 2);
    std::fs::copy(d.join("logo.png"), assets.join("MenuIcon.png")).unwrap();
    ok(&run_in(d, &["hlpres", "--model", "UC924", "--assets", "assets", "--preview", "sheet.png"]));
    assert_eq!(
        tar_names(&d.join("hlpres.tar")),
        ["hlpres/", "hlpres/MenuIcon.png", "hlpres/wallpaper5.jpg", "hlpres/weblogo.jpg"]
    );
    let x = d.join("x");
    untar(&d.join("hlpres.tar"), &x);
    assert_eq!(identify(&x.join("hlpres/MenuIcon.png"), "%m %w %h"), "PNG 65 65");
    assert_eq!(identify(&x.join("hlpres/weblogo.jpg"), "%m %w %h"), "JPEG 225 93");
    // The contact sheet is a PNG wide enough for a wallpaper at 1:1.
    let sheet = d.join("sheet.png");
    let dims = identify(&sheet, "%m %w %h");
    let v: Vec<&str> = dims.split(' ').collect();
    assert_eq!(v[0], "PNG");
    assert!(v[1].parse::<u32>().unwrap() >= 480 && v[2].parse::<u32>().unwrap() >= 320 + 93, "{dims}");
}

/// A vendor-style base tar made by GNU tar: hlpres/ with wallpapers, an icon, a text file, and
/// a wallpaper at a size other than the layout's.
fn vendor_base(d: &Path) -> PathBuf {
    let src = d.join("vendor");
    let h = src.join("hlpres");
    std::fs::create_dir_all(&h).unwrap();
    write_photo(&h.join("wallpaper4.jpg"), 480, 320, 7);
    write_photo(&h.join("wallpaper5.jpg"), 800, 480, 8);
    write_photo(&h.join("wallpaper1.jpg"), 480, 320, 9);
    write_transparent_logo(&h.join("MenuIcon.png"), 65, 65);
    std::fs::write(h.join("readme.txt"), "vendor notes\n").unwrap();
    let base = d.join("base.tar");
    let st = std::process::Command::new("tar")
        .args(["--format=ustar", "--owner=1000", "--group=1000", "--mtime=2020-02-02 02:02:02", "-cf"])
        .arg(&base)
        .args([
            "-C",
            src.to_str().unwrap(),
            "hlpres/readme.txt",
            "hlpres/wallpaper5.jpg",
            "hlpres/MenuIcon.png",
            "hlpres/wallpaper1.jpg",
            "hlpres/wallpaper4.jpg",
        ])
        .status()
        .unwrap();
    assert!(st.success());
    base
}

#[test]
fn base_overlay_replaces_named_entries_and_keeps_the_rest_byte_for_byte() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let base = vendor_base(d);
    let out = run_in(
        d,
        &[
            "hlpres",
            "--model",
            "UC924",
            "--base",
            "base.tar",
            "--wallpaper",
            "photo.jpg",
            "--wallpaper",
            "photo.jpg",
            "-o",
            "out.tar",
        ],
    );
    ok(&out);
    // The base's 800×480 wallpaper5 is replaced at the layout's 480×320, with a warning.
    assert!(stderr(&out).contains("warning:") && stderr(&out).contains("800×480"), "{}", stderr(&out));
    let result = d.join("out.tar");
    assert_eq!(tar_names(&result), tar_names(&base), "order changed");
    let (before, after) = (tar_tv(&base), tar_tv(&result));
    for (b, a) in before.iter().zip(&after) {
        if b.contains("wallpaper4") || b.contains("wallpaper5") {
            assert!(a.contains("0/0"), "{a}");
        } else {
            let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            assert_eq!(words(a), words(b), "kept entry's header changed");
        }
    }
    let (xb, xa) = (d.join("xb"), d.join("xa"));
    untar(&base, &xb);
    untar(&result, &xa);
    for kept in ["readme.txt", "MenuIcon.png", "wallpaper1.jpg"] {
        assert_eq!(
            std::fs::read(xb.join("hlpres").join(kept)).unwrap(),
            std::fs::read(xa.join("hlpres").join(kept)).unwrap(),
            "{kept}"
        );
    }
    assert_ne!(
        std::fs::read(xb.join("hlpres/wallpaper4.jpg")).unwrap(),
        std::fs::read(xa.join("hlpres/wallpaper4.jpg")).unwrap()
    );
    assert_eq!(identify(&xa.join("hlpres/wallpaper4.jpg"), "%w %h"), "480 320");
    assert_eq!(identify(&xa.join("hlpres/wallpaper5.jpg"), "%w %h"), "480 320");
    ok(&run_in(d, &["inspect", "out.tar", "--model", "UC924"]));
    // The kept raw bytes are identical too: every kept entry's header+data blocks appear unchanged.
    let (rb, ra) = (std::fs::read(&base).unwrap(), std::fs::read(&result).unwrap());
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let readme_header = &rb[..1024];
    assert!(find(&ra, readme_header), "readme.txt entry not kept byte for byte");
}

#[test]
fn over_the_tar_cap_quality_is_lowered_or_the_sizes_are_listed() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let layouts = d.join("layouts");
    std::fs::create_dir(&layouts).unwrap();
    let three = [
        "hlpres",
        "--model",
        "UC924",
        "--wallpaper",
        "photo.jpg",
        "--wallpaper",
        "photo.jpg",
        "--wallpaper",
        "photo.jpg",
    ];
    std::fs::write(layouts.join("htek.toml"), "[models.UC924.hlpres]\nmax_bytes = 150000\n").unwrap();
    let out = run_in(d, &[&three[..], &["--layouts", "layouts"]].concat());
    ok(&out);
    assert!(stderr(&out).contains("lowered JPEG quality"), "{}", stderr(&out));
    assert!(std::fs::metadata(d.join("hlpres.tar")).unwrap().len() <= 150_000);
    std::fs::remove_file(d.join("hlpres.tar")).unwrap();

    std::fs::write(layouts.join("htek.toml"), "[models.UC924.hlpres]\nmax_bytes = 12000\n").unwrap();
    let out = run_in(d, &[&three[..], &["--layouts", "layouts"]].concat());
    assert_one_line_error(&out, &["hlpres.tar would be", "12000", "quality 30"]);
    assert!(stderr(&out).contains("hlpres/wallpaper6.jpg (from photo.jpg)"), "{}", stderr(&out));
    assert!(!d.join("hlpres.tar").exists());
}

#[test]
fn image_command_names_and_formats() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    ok(&run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "photo.jpg"]));
    assert_eq!(identify(&d.join("wallpaper.jpg"), "%m %w %h"), "JPEG 480 320");
    // A 24-bit BMP never fits the guide's 100 KB; with a larger cap from --layouts it is written.
    let out = run_in(d, &["image", "--model", "UC923", "--as", "wallpaper", "logo.png", "-o", "w.bmp"]);
    assert_one_line_error(&out, &["logo.png", "BMP is uncompressed"]);
    std::fs::create_dir(d.join("layouts")).unwrap();
    std::fs::write(d.join("layouts/htek.toml"), "[assets.wallpaper_320x240]\nmax_bytes = 300000\n").unwrap();
    ok(&run_in(
        d,
        &["image", "--layouts", "layouts", "--model", "UC923", "--as", "wallpaper", "logo.png", "-o", "w.bmp"],
    ));
    assert_eq!(identify(&d.join("w.bmp"), "%m %w %h"), "BMP3 320 240");
    let out = run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "photo.jpg", "-o", "w.png"]);
    assert_one_line_error(&out, &["w.png", "jpg or bmp", "not png"]);
    // 480×320 BMP is 460 KB: over the 100 KB cap, said plainly.
    let out = run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "photo.jpg", "-o", "big.bmp"]);
    assert_one_line_error(&out, &["photo.jpg", "over the cap of 100000", "BMP"]);
    assert!(!d.join("big.bmp").exists());
}

// ---- bad input: one-line error naming the file, non-zero exit, nothing written ----

fn assert_refused(d: &Path, args: &[&str], needles: &[&str]) {
    let out = run_in(d, args);
    assert_one_line_error(&out, needles);
    assert!(!d.join("hlpres.tar").exists(), "partial output written");
    let leftovers: Vec<String> = files_in(d).into_iter().filter(|n| n.starts_with(".bundler-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn decompression_bomb_is_refused_at_once() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("bomb.png"), bomb_png(100_000, 100_000)).unwrap();
    let started = std::time::Instant::now();
    assert_refused(
        d,
        &["hlpres", "--model", "UC924", "--weblogo", "bomb.png"],
        &["bomb.png", "100000×100000", "limit"],
    );
    // Not a timing assertion on speed, only a guard that nothing tried to allocate 30 GB.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn corrupt_truncated_and_unsupported_images_are_refused() {
    let dir = workspace();
    let d = dir.path();
    let photo = std::fs::read(d.join("photo.jpg")).unwrap();
    std::fs::write(d.join("half.jpg"), &photo[..photo.len() / 2]).unwrap();
    std::fs::write(d.join("header.jpg"), &photo[..300]).unwrap();
    let mut damaged = photo.clone();
    damaged[photo.len() / 2..photo.len() / 2 + 200].fill(0xFF);
    std::fs::write(d.join("damaged.jpg"), damaged).unwrap();
    std::fs::write(d.join("junk.jpg"), b"this is not a picture at all").unwrap();
    std::fs::write(d.join("scan.tif"), b"II*\0\x08\0\0\0rest").unwrap();
    let mut png = std::fs::read(d.join("logo.png")).unwrap();
    png.truncate(png.len() - 40);
    std::fs::write(d.join("cut.png"), png).unwrap();
    assert_refused(d, &["hlpres", "--model", "UC924", "--wallpaper", "half.jpg"], &["half.jpg", "JPEG"]);
    assert_refused(d, &["hlpres", "--model", "UC924", "--wallpaper", "header.jpg"], &["header.jpg", "truncated"]);
    assert_refused(
        d,
        &["hlpres", "--model", "UC924", "--wallpaper", "damaged.jpg"],
        &["damaged.jpg", "Corrupt JPEG data"],
    );
    assert_refused(d, &["hlpres", "--model", "UC924", "--wallpaper", "junk.jpg"], &["junk.jpg", "not an image"]);
    assert_refused(d, &["hlpres", "--model", "UC924", "--weblogo", "scan.tif"], &["scan.tif", "TIFF"]);
    assert_refused(d, &["hlpres", "--model", "UC924", "--weblogo", "cut.png"], &["cut.png", "PNG"]);
    assert_refused(d, &["hlpres", "--model", "UC924", "--weblogo", "missing.png"], &["missing.png"]);
}

#[test]
fn a_jpeg_without_its_end_marker_is_built_with_a_note_and_a_progressive_one_like_any_other() {
    let dir = workspace();
    let d = dir.path();
    let photo = std::fs::read(d.join("photo.jpg")).unwrap();
    assert!(photo.ends_with(&[0xFF, 0xD9]));
    std::fs::write(d.join("no-end.jpg"), &photo[..photo.len() - 2]).unwrap();
    let out = run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "no-end.jpg", "-o", "w.jpg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning: no-end.jpg: the JPEG has no end marker"), "{}", stderr(&out));
    assert_eq!(identify(&d.join("w.jpg"), "%wx%h"), "480x320");
    // A progressive file (ImageMagick writes 10 scans) is built like any other: the limit of 500
    // scans (src/mechanisms/image/jpeg.rs) is far above what encoders write.
    let status = std::process::Command::new("convert")
        .current_dir(d)
        .args(["photo.jpg", "-interlace", "JPEG", "progressive.jpg"])
        .status()
        .expect("ImageMagick's convert");
    assert!(status.success());
    assert_eq!(identify(&d.join("progressive.jpg"), "%[interlace]"), "JPEG");
    ok(&run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "progressive.jpg", "-o", "p.jpg"]));
}

#[test]
fn slots_the_model_lacks_are_refused() {
    let dir = workspace();
    let d = dir.path();
    let four = [
        "hlpres",
        "--model",
        "UC924",
        "--wallpaper",
        "photo.jpg",
        "--wallpaper",
        "photo.jpg",
        "--wallpaper",
        "photo.jpg",
        "--wallpaper",
        "photo.jpg",
    ];
    assert_refused(d, &four, &["UC924 has 3 wallpaper slots", "4"]);
    assert_refused(d, &["hlpres", "--model", "UC903", "--wallpaper", "photo.jpg"], &["UC903 has no wallpaper", "mono"]);
    assert_refused(d, &["hlpres", "--model", "UC924"], &["nothing to build"]);
    let assets = d.join("assets");
    std::fs::create_dir(&assets).unwrap();
    std::fs::copy(d.join("photo.jpg"), assets.join("wallpaper9.jpg")).unwrap();
    assert_refused(d, &["hlpres", "--model", "UC924", "--assets", "assets"], &["wallpaper9.jpg", "unknown asset name"]);
}

#[test]
fn unwritable_output_is_an_error_naming_it() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("afile"), b"x").unwrap();
    let out = run_in(d, &["hlpres", "--model", "UC924", "--weblogo", "logo.png", "-o", "afile/hlpres.tar"]);
    assert_one_line_error(&out, &["afile"]);
    assert_eq!(std::fs::read(d.join("afile")).unwrap(), b"x");
}

#[test]
fn hostile_base_tars_are_refused_with_the_entry_name() {
    let dir = workspace();
    let d = dir.path();
    let evil = |name: &str, kind: u8, size: u64| {
        let mut h = tar::Header::new_ustar();
        h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_entry_type(tar::EntryType::new(kind));
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        let mut v = h.as_bytes().to_vec();
        v.resize(512 + (size as usize).div_ceil(512) * 512, 0);
        v.extend_from_slice(&[0; 1024]);
        v
    };
    for (file, bytes, needle) in [
        ("dotdot.tar", evil("hlpres/../../etc/passwd", b'0', 0), "hlpres/../../etc/passwd"),
        ("abs.tar", evil("/etc/hlpres.jpg", b'0', 0), "/etc/hlpres.jpg"),
        ("link.tar", evil("hlpres/wallpaper4.jpg", b'2', 0), "link"),
        ("dev.tar", evil("hlpres/zero", b'3', 0), "device"),
        ("huge.tar", evil("hlpres/big.jpg", b'0', 2_100_000), "hlpres/big.jpg"),
    ] {
        std::fs::write(d.join(file), bytes).unwrap();
        assert_refused(d, &["hlpres", "--model", "UC924", "--base", file, "--weblogo", "logo.png"], &[file, needle]);
    }
}

#[test]
fn display_p3_photo_is_converted_to_srgb_like_lcms_does() {
    let srgb_icc = Path::new("/usr/share/color/icc/ghostscript/srgb.icc");
    if !tools() {
        return;
    }
    // Installed by scripts/test (Debian package libgs-common).
    if !require_file(srgb_icc, "libgs-common") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A flat P3 colour that sRGB can show: converting changes the numbers noticeably.
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let img = image::RgbImage::from_pixel(300, 200, image::Rgb([200, 100, 100]));
    let mut jpeg = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, 95);
    enc.add_icc_profile(&p3).unwrap();
    enc.encode(img.as_raw(), 300, 200, jpeg_encoder::ColorType::Rgb).unwrap();
    std::fs::write(d.join("p3.jpg"), jpeg).unwrap();
    ok(&run_in(d, &["image", "--model", "UC924", "--as", "weblogo", "p3.jpg", "-o", "w.jpg"]));
    // ImageMagick (lcms) converts the same file to sRGB for comparison.
    let st = std::process::Command::new("convert")
        .arg(d.join("p3.jpg"))
        .arg("-profile")
        .arg(srgb_icc)
        .arg(d.join("lcms.png"))
        .status()
        .unwrap();
    assert!(st.success());
    let (ours, theirs) = (pixel(&d.join("w.jpg"), 100, 40), pixel(&d.join("lcms.png"), 100, 40));
    assert!(near(ours, theirs, 6), "bundler {ours:?} vs lcms {theirs:?}");
    assert!(!near(ours, [200, 100, 100], 6), "not converted: {ours:?}");
}

#[test]
fn every_input_format_is_read() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    // GIF, WebP and BMP made by ImageMagick from the transparent logo, and a grayscale JPEG.
    for (file, extra) in [
        ("logo.gif", vec![]),
        ("logo.webp", vec!["-define", "webp:lossless=true"]),
        ("logo.bmp", vec![]),
        ("gray.jpg", vec!["-colorspace", "Gray"]),
    ] {
        let st = std::process::Command::new("convert")
            .arg("logo.png")
            .args(&extra)
            .arg(file)
            .current_dir(d)
            .status()
            .unwrap();
        assert!(st.success(), "{file}");
        let out = format!("{file}.out.jpg");
        ok(&run_in(d, &["image", "--model", "UC924", "--as", "weblogo", file, "-o", &out]));
        let o = d.join(&out);
        assert_eq!(identify(&o, "%m %w %h"), "JPEG 225 93", "{file}");
        let centre = pixel(&o, 112, 46);
        if file == "gray.jpg" {
            // A gray JPEG of the disc on black (ImageMagick flattens the PNG onto black): gray, not colour.
            assert!(centre[0].abs_diff(centre[1]) <= 4 && centre[1].abs_diff(centre[2]) <= 4, "{file} {centre:?}");
        } else {
            assert!(near(centre, [220, 20, 30], 14), "{file} {centre:?}");
        }
    }
}

#[test]
fn a_base_whose_images_do_not_fit_the_model_or_that_holds_an_entry_twice_is_refused() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    // vendor_base's wallpapers are 480×320 and 800×480: a UC923 shows 320×240.
    vendor_base(d);
    let args = ["hlpres", "--model", "UC923", "--base", "base.tar", "--weblogo", "logo.png"];
    assert_refused(d, &args, &["hlpres.tar", "UC923", "hlpres/wallpaper4.jpg", "320×240", "hlpres/wallpaper5.jpg"]);
    // inspect says the same of the base itself.
    let inspect = run_in(d, &["inspect", "base.tar", "--model", "UC923"]);
    assert!(!inspect.status.success() && stdout(&inspect).contains("at 320×240"), "{}", stdout(&inspect));
    // An entry appended a second time: extracted, the last copy would win.
    let st = std::process::Command::new("tar")
        .args(["--format=ustar", "-rf", "base.tar", "-C", "vendor", "hlpres/MenuIcon.png"])
        .current_dir(d)
        .status()
        .unwrap();
    assert!(st.success());
    let args = ["hlpres", "--model", "UC924", "--base", "base.tar", "--weblogo", "logo.png"];
    assert_refused(d, &args, &["base.tar", "'hlpres/MenuIcon.png' is in the archive twice"]);
}

#[test]
fn assets_folder_warns_about_links_fifos_and_folders_and_never_follows_links() {
    let Some(dir) = tools().then(workspace) else { return };
    let d = dir.path();
    let assets = d.join("assets");
    std::fs::create_dir_all(assets.join("old")).unwrap();
    std::fs::copy(d.join("logo.png"), assets.join("weblogo.png")).unwrap();
    std::os::unix::fs::symlink(d.join("photo.jpg"), assets.join("wallpaper4.jpg")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(assets.join("wallpaper5.jpg")).status().unwrap().success());
    let out = run_in(d, &["hlpres", "--model", "UC924", "--assets", "assets"]);
    ok(&out);
    let err = stderr(&out);
    for (name, why) in [("wallpaper4.jpg", "symbolic link"), ("wallpaper5.jpg", "FIFO"), ("old", "folder")] {
        let line = err.lines().find(|l| l.starts_with("warning:") && l.contains(&format!("assets/{name}")));
        assert!(line.is_some_and(|l| l.contains(why)), "{name}: {err}");
    }
    assert_eq!(tar_names(&d.join("hlpres.tar")), ["hlpres/", "hlpres/weblogo.jpg"]);
}

/// Logos are shown whole by default (`--fit auto` contains them; photos are still covered): a
/// 300×200 logo, red left half and blue right, in UC926's 400×42 LCD logo keeps both halves with
/// transparency beside them. `--fit cover` still crops, and says by how much; a blank or fully
/// transparent input is warned about.
#[test]
fn logos_are_shown_whole_by_default_and_crops_and_blank_inputs_warn() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let halves = image::RgbImage::from_fn(300, 200, |x, _| image::Rgb(if x < 150 { [255, 0, 0] } else { [0, 0, 255] }));
    halves.save(d.join("halves.png")).unwrap();
    image::RgbaImage::new(120, 80).save(d.join("clear.png")).unwrap();
    image::RgbImage::from_pixel(120, 80, image::Rgb([255, 255, 255])).save(d.join("white.png")).unwrap();

    let out = run_in(d, &["image", "--model", "UC926", "--as", "lcdlogo", "halves.png", "-o", "lcd.png"]);
    ok(&out);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let lcd = d.join("lcd.png");
    assert_eq!(identify(&lcd, "%w %h"), "400 42");
    // Contained: 63×42 in the middle (x 168 ..= 230), transparent beside it.
    assert!(near(pixel(&lcd, 175, 21), [255, 0, 0], 8), "{:?}", pixel(&lcd, 175, 21));
    assert!(near(pixel(&lcd, 224, 21), [0, 0, 255], 8), "{:?}", pixel(&lcd, 224, 21));
    assert_eq!(identify(&lcd, "%[fx:int(255*p{10,21}.a)] %[fx:int(255*p{200,21}.a)]"), "0 255");

    let out =
        run_in(d, &["image", "--model", "UC926", "--as", "lcdlogo", "halves.png", "--fit", "cover", "-o", "c.png"]);
    ok(&out);
    assert!(stderr(&out).contains("--fit cover crops 84 % of the 300×200 picture"), "{}", stderr(&out));
    assert!(
        near(pixel(&d.join("c.png"), 100, 21), [255, 0, 0], 8)
            && near(pixel(&d.join("c.png"), 300, 21), [0, 0, 255], 8)
    );

    for (file, needle) in [("clear.png", "fully transparent"), ("white.png", "one colour throughout")] {
        let out = run_in(d, &["image", "--model", "UC924", "--as", "weblogo", file, "-o", "w.jpg"]);
        ok(&out);
        assert!(stderr(&out).contains(needle) && stderr(&out).contains(file), "{file}: {}", stderr(&out));
        let out = run_in(d, &["hlpres", "--model", "UC924", "--weblogo", file, "-o", "h.tar"]);
        ok(&out);
        assert!(stderr(&out).contains(needle), "hlpres, {file}: {}", stderr(&out));
    }
}
