//! Entry points for the fuzz targets in `fuzz/` (not part of bundler's interface).
//!
//! Each `parse_*` function feeds untrusted bytes to one parser the way the CLI does, with the
//! CLI's limits. Errors are expected and ignored; a panic, hang or runaway allocation is a bug.
//! Parsers that read a path get the bytes through a file in a per-process temporary folder.

use crate::kinds::config::aes::AesKey;
use crate::kinds::config::{csv_input::CsvFile, lint::Linter, mac::Mac};
use crate::kinds::language::{encoding, js_items, xml_items, LanguageRules};
use crate::rules::layout::Layouts;
use crate::Context;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The AES key the Htek target decrypts with (any fixed key: the fuzzer finds its ciphertexts).
pub const FUZZ_AES_KEY: &str = "001FC1BC";

fn context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| Context { layouts: Layouts::builtin().expect("built-in layouts load") })
}

/// Writes `bytes` to `name` in this process's temporary folder and returns the path.
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temporary folder"));
    let sub = dir.path().join(name.split('/').next().unwrap_or(name));
    if name.contains('/') {
        std::fs::create_dir_all(&sub).expect("temporary sub-folder");
    }
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write temporary file");
    path
}

/// WAV, raw PCM and compressed audio: detection, opening and reading as far as a 16 s tone needs.
/// The first byte chooses between detection by content and one of the raw PCM layouts.
pub fn parse_audio(bytes: &[u8]) {
    use ringtool::input::{open, Stream};
    use ringtool::{RawEncoding, RawFormat};
    let Some((&choice, data)) = bytes.split_first() else { return };
    let encodings = [
        RawEncoding::S16Le,
        RawEncoding::S16Be,
        RawEncoding::U8,
        RawEncoding::S8,
        RawEncoding::Ulaw,
        RawEncoding::Alaw,
    ];
    let raw = (choice >= 0x80).then(|| RawFormat {
        encoding: encodings[usize::from(choice & 7) % encodings.len()],
        rate: [8_000, 16_000, 44_100, 7_999][usize::from((choice >> 2) & 3)],
        channels: u16::from((choice >> 4) & 7),
    });
    let stream: Stream = Box::new(Cursor::new(data.to_vec()));
    let Ok(mut source) = open(stream, raw) else { return };
    let budget = source.spec().rate as usize * 16;
    let (mut read, mut out) = (0usize, Vec::new());
    while read < budget {
        out.clear();
        match source.read_frames(&mut out, 4096) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    let _ = source.warnings();
}

/// The gsrt ring-tone and G.711 / PCM WAV container reader (`inspect`, `ringtone --check`).
pub fn parse_ring_container(bytes: &[u8]) {
    let _ = ringtool::sniff(bytes);
    let _ = ringtool::decode(bytes);
}

/// The strict tar reader with the default limits.
pub fn parse_tar(bytes: &[u8]) {
    let _ = crate::mechanisms::archive::read_tar(bytes, crate::mechanisms::archive::TarLimits::default());
}

/// Firmware zip extraction: open, check every name, read every member under the layouts' cap.
pub fn parse_firmware_zip(bytes: &[u8]) {
    let path = temp_file("firmware.zip", bytes);
    let Ok(mut zip) = crate::kinds::firmware::vendor_zip::VendorZip::open(&path) else { return };
    for member in zip.members.clone() {
        let _ = zip.read(&member, 256 * 1024 * 1024);
    }
}

/// Image header probing.
pub fn parse_image_probe(bytes: &[u8]) {
    if let Ok(info) = crate::mechanisms::image::probe(bytes) {
        let _ = info.is_bilevel_gray();
    }
}

/// Image decoding under the CLI's limits, reduced for a 480×272 screen as `hlpres` does.
pub fn parse_image_decode(bytes: &[u8]) {
    use crate::mechanisms::image::{resize::min_source_size, DecodeLimits, Fit};
    let wanted = |w: u32, h: u32| min_source_size(w, h, Fit::Cover, 480, 272);
    let _ = crate::mechanisms::image::decode(bytes, &DecodeLimits::default(), Some(&wanted));
}

fn language_text(bytes: &[u8], f: impl FnOnce(&str)) {
    if let Ok(decoded) = encoding::decode("fuzz", bytes, Some(encoding_rs::GBK)) {
        f(&decoded.text);
    }
}

/// Language XML items, after the encoding step, with the built-in attribute rules.
pub fn parse_language_xml(bytes: &[u8]) {
    static RULES: OnceLock<LanguageRules> = OnceLock::new();
    let rules = RULES.get_or_init(|| LanguageRules::from_layouts(&context().layouts, None).expect("language rules"));
    let attrs = xml_items::AttributeRules {
        id_attributes: &rules.files.id_attributes,
        ignored_attributes: &rules.files.ignored_attributes,
    };
    language_text(bytes, |text| {
        let _ = xml_items::parse(text, &attrs);
    });
}

/// Language JS items, after the encoding step.
pub fn parse_language_js(bytes: &[u8]) {
    language_text(bytes, |text| {
        let _ = js_items::parse(text);
    });
}

fn linter() -> &'static Linter<'static> {
    static LINTER: OnceLock<Linter<'static>> = OnceLock::new();
    LINTER.get_or_init(|| {
        let ctx = context();
        Linter {
            htek: ctx.layouts.htek.clone(),
            fv: ctx.layouts.flyingvoice.clone(),
            key: Some(AesKey::parse(FUZZ_AES_KEY, &ctx.layouts.htek).expect("key")),
            ctx,
            follow_includes: false,
        }
    })
}

/// Htek config XML (P-code and named dialects), plain or AES-encrypted, as `config lint` reads it.
pub fn parse_htek_xml(bytes: &[u8]) {
    let path = PathBuf::from("cfg001fc1000001.xml");
    let mut out = Vec::new();
    linter().lint_bytes(&path, bytes, &mut out);
}

/// The recovering XML reader on its own (declared encoding, BOM, lenient references, resuming after
/// syntax errors), as every reader of files bundler did not write uses it.
pub fn read_xml_recovering(bytes: &[u8]) {
    if let Ok(text) = crate::mechanisms::xml::decode::decode(bytes) {
        let _ = crate::mechanisms::xml::recover::read(&text.text);
    }
}

/// Flyingvoice boot and cfg files as `config lint` reads them; the first byte picks the kind.
pub fn parse_flyingvoice(bytes: &[u8]) {
    let Some((&choice, data)) = bytes.split_first() else { return };
    let name = if choice & 1 == 0 { "fv/y000000000000.boot" } else { "fv/y000000000000.cfg" };
    let path = temp_file(name, data);
    let mut out = Vec::new();
    linter().lint_bytes(&path, data, &mut out);
}

/// phones.csv: every row, with the `mac` column parsed.
pub fn parse_phones_csv(bytes: &[u8]) {
    let path = temp_file("phones.csv", bytes);
    let Ok(mut csv) = CsvFile::open(&path) else { return };
    let mac = csv.column("mac");
    while let Ok(Some(row)) = csv.next_row() {
        if let Some(text) = mac.and_then(|i| row.fields.get(i)) {
            let _ = Mac::parse(text);
        }
    }
}

/// A release manifest checked against the built-in layouts.
pub fn parse_manifest(bytes: &[u8]) {
    let path = temp_file("release/release.toml", bytes);
    let _ = crate::ops::release::manifest::load(&path, &context().layouts);
}

/// A layout override file; the first byte picks which built-in file it overrides (or a new one).
pub fn parse_layout(bytes: &[u8]) {
    const NAMES: [&str; 5] =
        ["htek.toml", "flyingvoice.toml", "htek-config.toml", "flyingvoice-config.toml", "extra.toml"];
    let Some((&choice, data)) = bytes.split_first() else { return };
    let pick = usize::from(choice) % NAMES.len();
    let path = temp_file(&format!("layouts{pick}/{}", NAMES[pick]), data);
    let _ = Context::load(path.parent());
}
