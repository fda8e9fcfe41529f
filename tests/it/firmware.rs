//! `bundler firmware`: zips and plain files, names, the two-step rule, legacy sets, hostile zips.
//! Zips are made with Python's zipfile (an independent writer); SHA256SUMS is checked by `sha256sum -c`.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// Writes a zip with Python's zipfile: (name, bytes, is_symlink). Stored (uncompressed) entries.
fn make_zip(path: &Path, entries: &[(&str, &[u8], bool)]) {
    let mut script = String::from("import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_STORED)\n");
    for (name, data, link) in entries {
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        script.push_str(&format!(
            "i=zipfile.ZipInfo({name:?})\ni.external_attr=({mode}<<16)\nz.writestr(i,bytes.fromhex('{hex}'))\n",
            mode = if *link { "0o120777" } else { "0o100644" }
        ));
    }
    script.push_str("z.close()\n");
    let ok = Command::new("python3").arg("-c").arg(&script).arg(path).status().unwrap().success();
    assert!(ok, "python3 could not write the zip");
}

fn rom(tag: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(tag)).collect()
}

#[test]
fn vendor_zip_to_prefixed_names_with_sums() {
    if !require_tool("python3") || !require_tool("sha256sum") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("Firmware_Htek_2.0.4.6.41_20191104.zip");
    let (r924, r926) = (rom(1, 5000), rom(2, 7000));
    make_zip(
        &zip,
        &[
            ("Firmware/UC924/fw924.rom", &r924, false),
            ("Firmware/UC926/fw926.rom", &r926, false),
            ("ReleaseNotes.pdf", b"%PDF", false),
        ],
    );
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            zip.to_str().unwrap(),
            "--model",
            "uc924",
            "--prefix",
            "hl_",
            "--postfix",
            "_2.0.4.6.41",
            "--out",
            "srv",
            "--server-url",
            "http://prov.example.com/fw",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let srv = dir.path().join("srv");
    assert_eq!(files_in(&srv), ["SHA256SUMS", "hl_fw924.rom_2.0.4.6.41"]);
    assert_eq!(std::fs::read(srv.join("hl_fw924.rom_2.0.4.6.41")).unwrap(), r924);
    let check = Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(&srv).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let text = stdout(&out);
    assert!(text.contains("<P192 para=") && text.contains(">http://prov.example.com/fw</P192>"), "{text}");
    assert!(
        text.contains(">hl_</P232>") && text.contains(">_2.0.4.6.41</P233>") && text.contains(">1</P238>"),
        "{text}"
    );
    assert!(stderr(&out).contains("ReleaseNotes.pdf"), "the ignored entries are noted");

    // A second model added later keeps the first file's line in SHA256SUMS.
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            zip.to_str().unwrap(),
            "--model",
            "UC926",
            "--prefix",
            "hl_",
            "--postfix",
            "_2.0.4.6.41",
            "--out",
            "srv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let sums = std::fs::read_to_string(srv.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "{sums}");
}

#[test]
fn all_models_share_one_rom_file() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("Firmware_Htek_2.0.4.6.41.zip");
    make_zip(&zip, &[("fw926.rom", &rom(3, 100), false), ("fw924.rom", &rom(4, 100), false)]);
    let out = run_in(dir.path(), &["firmware", zip.to_str().unwrap(), "--all", "--out", "o", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let fw926 = files.iter().find(|f| f["name"] == "fw926.rom").unwrap();
    assert_eq!(fw926["models"], serde_json::json!(["UC926", "UC926E"]));
    assert_eq!(v["version"], "2.0.4.6.41");
}

#[test]
fn zip_slip_and_links_are_refused_and_nothing_is_written() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (entry, link, why) in [
        ("../../evil/fw924.rom", false, "zip-slip"),
        ("/abs/fw924.rom", false, "absolute"),
        ("fw924.rom", true, "link"),
    ] {
        let zip = dir.path().join("Firmware_Htek_2.0.4.6.41.zip");
        make_zip(&zip, &[(entry, b"payload", link)]);
        let out = run_in(dir.path(), &["firmware", zip.to_str().unwrap(), "--model", "UC924", "--out", "srv"]);
        assert_one_line_error(&out, &[entry, why]);
        assert!(!dir.path().join("srv").exists());
        assert!(!dir.path().join("evil").exists() && !dir.path().parent().unwrap().join("evil").exists());
    }
}

#[test]
fn damaged_entry_fails_its_crc() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("Firmware_Htek_2.0.4.6.41.zip");
    let data = rom(9, 4000);
    make_zip(&zip, &[("fw924.rom", &data, false)]);
    let mut bytes = std::fs::read(&zip).unwrap();
    let at = bytes.windows(16).position(|w| w == &data[100..116]).unwrap();
    bytes[at] ^= 0xff;
    std::fs::write(&zip, bytes).unwrap();
    let out = run_in(dir.path(), &["firmware", zip.to_str().unwrap(), "--model", "UC924", "--out", "srv"]);
    assert_one_line_error(&out, &["fw924.rom", "damaged"]);
    assert!(!dir.path().join("srv").exists());
}

#[test]
fn entry_over_the_layout_cap_is_refused() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("layouts")).unwrap();
    std::fs::write(dir.path().join("layouts/htek.toml"), "[models.UC924]\nfirmware_max_bytes = 1000\n").unwrap();
    let zip = dir.path().join("Firmware_Htek_2.0.4.6.41.zip");
    make_zip(&zip, &[("fw924.rom", &rom(1, 5000), false)]);
    let out = run_in(
        dir.path(),
        &["--layouts", "layouts", "firmware", zip.to_str().unwrap(), "--model", "UC924", "--out", "srv"],
    );
    assert_one_line_error(&out, &["fw924.rom", "1000"]);
}

#[test]
fn two_step_upgrade_needs_the_legacy_image() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fw924.rom"), rom(1, 300)).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            "fw924.rom",
            "--model",
            "UC924",
            "--version",
            "1.0.3.73",
            "--from-version",
            "1.0.3.70",
            "--out",
            "srv",
        ],
    );
    assert_one_line_error(&out, &["two-step", "img_924.bin"]);
    assert!(!dir.path().join("srv").exists());

    std::fs::write(dir.path().join("img_924.bin"), rom(2, 300)).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            "fw924.rom",
            "img_924.bin",
            "--model",
            "UC924",
            "--version",
            "1.0.3.73",
            "--from-version",
            "1.0.3.70",
            "--postfix",
            "_1.0.3.73",
            "--out",
            "srv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&dir.path().join("srv")), ["SHA256SUMS", "fw924.rom_1.0.3.73", "img_924.bin_1.0.3.73"]);

    // From 1.0.3.72 the rom alone is enough.
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            "fw924.rom",
            "--model",
            "UC924",
            "--version",
            "1.0.3.73",
            "--from-version",
            "1.0.3.72",
            "--out",
            "srv2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn legacy_target_lays_out_boot_and_img() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("boot_924.bin"), rom(1, 10)).unwrap();
    std::fs::write(dir.path().join("img_924.bin"), rom(2, 10)).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "firmware",
            "boot_924.bin",
            "img_924.bin",
            "--model",
            "UC924",
            "--version",
            "1.0.3.70",
            "--prefix",
            "hl_",
            "--postfix",
            "_1.0.3.70",
            "--out",
            "srv",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        files_in(&dir.path().join("srv")),
        ["SHA256SUMS", "hl_boot_924.bin_1.0.3.70", "hl_img_924.bin_1.0.3.70"]
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["legacy"], true);
}

#[test]
fn plain_file_must_match_the_model_and_version_must_be_known() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fw926.rom"), rom(1, 10)).unwrap();
    let out = run_in(dir.path(), &["firmware", "fw926.rom", "--model", "UC924", "--version", "2.0.4.6.41"]);
    assert_one_line_error(&out, &["fw924.rom", "UC924"]);
    let out = run_in(dir.path(), &["firmware", "fw926.rom", "--model", "UC926"]);
    assert_one_line_error(&out, &["--version"]);
    let out = run_in(dir.path(), &["firmware", "fw926.rom", "--model", "UC926", "--version", "2.0.4"]);
    assert!(!out.status.success() && stderr(&out).contains("4 or 5 dotted numbers"), "{}", stderr(&out));
    let out = run_in(
        dir.path(),
        &["firmware", "fw926.rom", "--model", "UC926", "--version", "2.0.4.6.41", "--prefix", "../"],
    );
    assert_one_line_error(&out, &["--prefix", "'../'"]);
    assert!(!dir.path().parent().unwrap().join("fw926.rom").exists());
    let out = run_in(dir.path(), &["firmware", "missing.zip", "--model", "UC926", "--version", "2.0.4.6.41"]);
    assert_one_line_error(&out, &["missing.zip"]);
}

#[test]
fn flyingvoice_firmware_keeps_its_versioned_name() {
    let dir = tempfile::tempdir().unwrap();
    let name = "FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin";
    std::fs::write(dir.path().join(name), rom(5, 64)).unwrap();
    let out =
        run_in(dir.path(), &["firmware", name, "--model", "FIP13G", "--out", "fw", "--server-url", "http://prov/fv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&dir.path().join("fw")), ["FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin", "SHA256SUMS"]);
    assert!(stdout(&out).contains(&format!("static.firmware.url = http://prov/fv/{name}")), "{}", stdout(&out));
}

#[test]
fn a_zip_holding_one_firmware_name_twice_is_an_error_naming_both_entries() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("Firmware_Htek_2.0.4.6.41.zip");
    make_zip(&zip, &[("new/fw924.rom", &rom(1, 900), false), ("old/FW924.rom", &rom(2, 800), false)]);
    let out = run_in(dir.path(), &["firmware", zip.to_str().unwrap(), "--model", "UC924", "--out", "srv"]);
    assert_one_line_error(
        &out,
        &["Firmware_Htek_2.0.4.6.41.zip", "fw924.rom twice", "'new/fw924.rom'", "'old/FW924.rom'"],
    );
    assert!(!dir.path().join("srv").exists());
}
