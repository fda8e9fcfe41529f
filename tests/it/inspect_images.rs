//! `bundler inspect` on images and hlpres tars: our own tar passes, a vendor-style tar with a
//! wrong-size, over-cap, progressive wallpaper fails with each violation named.

use crate::common::images::*;
use crate::common::*;
use std::process::Command;

#[test]
fn our_tar_passes_and_lists_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_photo(&d.join("photo.jpg"), 1600, 1200, 4);
    write_transparent_logo(&d.join("logo.png"), 300, 200);
    let out = run_in(d, &["hlpres", "--model", "UC924", "--wallpaper", "photo.jpg", "--weblogo", "logo.png"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(d, &["inspect", "hlpres.tar", "--model", "UC924", "--json"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let entries = v[0]["entries"].as_array().unwrap();
    let field = |e: &serde_json::Value, name: &str| {
        e["fields"].as_array().unwrap().iter().find(|f| f[0] == name).map(|f| f[1].clone()).unwrap_or_default()
    };
    let wp = entries.iter().find(|e| e["file"] == "hlpres/wallpaper4.jpg").unwrap();
    assert_eq!((field(wp, "width"), field(wp, "height")), (480.into(), 320.into()));
    assert_eq!(field(wp, "coding"), "baseline");
    assert_eq!(field(wp, "cap"), 100_000);
    assert!(field(wp, "bytes").as_u64().unwrap() <= 100_000);
}

#[test]
fn vendor_tar_violations_are_each_flagged() {
    if !(require_tool("tar") && require_tool("convert")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let h = d.join("src/hlpres");
    std::fs::create_dir_all(&h).unwrap();
    write_photo(&d.join("big.jpg"), 1000, 700, 5);
    // A progressive JPEG at the wrong size and over 100 KB, a PNG named .jpg, a fine icon.
    let st = Command::new("convert")
        .arg(d.join("big.jpg"))
        .args(["-resize", "1000x700!", "-quality", "98", "-interlace", "JPEG"])
        .arg(h.join("wallpaper4.jpg"))
        .status()
        .unwrap();
    assert!(st.success());
    write_transparent_logo(&h.join("weblogo.png"), 225, 93);
    std::fs::rename(h.join("weblogo.png"), h.join("weblogo.jpg")).unwrap();
    write_transparent_logo(&h.join("MenuIcon.png"), 65, 65);
    let st = Command::new("tar")
        .args(["--format=ustar", "-cf"])
        .arg(d.join("vendor.tar"))
        .args(["-C", d.join("src").to_str().unwrap(), "hlpres"])
        .status()
        .unwrap();
    assert!(st.success());
    let out = run_in(d, &["inspect", "vendor.tar", "--model", "UC924"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("1000×700, but UC924 shows wallpaper4.jpg at 480×320"), "{text}");
    assert!(text.contains("over UC924's cap of 100000 bytes"), "{text}");
    assert!(text.contains("warning: progressive JPEG"), "{text}");
    assert!(text.contains("PNG data, but UC924 takes jpg for weblogo.jpg"), "{text}");
    assert!(text.contains("named .jpg but holds PNG data"), "{text}");
    // The icon is fine: no diagnostic on its entry.
    assert!(!text.lines().any(|l| l.contains("MenuIcon.png: error")), "{text}");
    // Without a model it only lists, and passes.
    let out = run_in(d, &["inspect", "vendor.tar"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("1000") && stdout(&out).contains("progressive"));
}

#[test]
fn standalone_download_images_are_checked_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_photo(&d.join("wallpaper.jpg"), 500, 320, 6);
    let out = run_in(d, &["inspect", "wallpaper.jpg", "--model", "UC924"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("500×320, but UC924 shows wallpaper.jpg at 480×320"), "{}", stdout(&out));
    let out =
        run_in(d, &["image", "--model", "UC924", "--as", "wallpaper", "wallpaper.jpg", "-o", "fixed/wallpaper.jpg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(d, &["inspect", "fixed/wallpaper.jpg", "--model", "UC924"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // A corrupt image is a finding, not a crash.
    std::fs::write(d.join("broken.png"), b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
    let out = run_in(d, &["inspect", "broken.png"]);
    assert!(!stderr(&out).contains("panicked"));
    assert_eq!(out.status.code(), Some(1));
}
