//! A vendor bundler has no built-in rules for, added with `--layouts DIR` only: its release builds
//! and verifies with its own ring, asset and config rules, and what it lacks is "not supported".

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// A made-up vendor: gsrt A-law rings in slots 1–2, one wallpaper in hlpres.tar, Htek-style configs.
const ACME: &str = r#"
vendor = "acme"
family = "Acme Desk"
ouis = ["0a0b0c"]
config_format = "htek-xml"

[defaults]
screen = "color"
assets = ["wallpaper"]

[defaults.ringtone]
slots = [1, 2]
file = "tone{slot}.bin"
container = "gsrt"
codec = "alaw"
sample_rate = 8000
max_seconds = 4.0
max_bytes = 40000

[defaults.hlpres]
file = "hlpres.tar"
folder = "hlpres"
max_bytes = 500000

[assets.wallpaper]
kind = "wallpaper"
names = ["bg1.jpg"]
width = 320
height = 200
formats = ["jpg"]
max_bytes = 60000

[[fetch]]
kind = "ring"
setting = "P20174"
value = "{url}/acme-tones"
path = "acme-tones/{file}"
request = "folder"

[[fetch]]
kind = "hlpres"
setting = "P20176"
value = "{url}/{model}/hlpres.tar"
path = "{model}/hlpres.tar"
request = "file"

[[fetch]]
kind = "config"
setting = "P237"
value = "{url}/config"
path = "config/{file}"
request = "folder"

[provisioning]
config_prefix = "P234"
config_postfix = "P235"
after_common = "continues"

[models.AC1]
device_code = "0901"

[models.AC2]
device_code = "0902"
"#;

/// A project for the acme vendor: layouts, audio, an image, phones and a manifest.
fn project(dir: &Path, layout: &str) {
    std::fs::create_dir_all(dir.join("layouts")).unwrap();
    std::fs::write(dir.join("layouts/acme.toml"), layout).unwrap();
    let wav = dir.join("tone.wav");
    synth(&["-r", "22050", "-c", "1"], wav, &["6", "sine", "660", "vol", "0.5"]);
    tool("convert", &["-size", "900x600", "gradient:teal-white", dir.join("bg.jpg").to_str().unwrap()]);
    std::fs::write(dir.join("phones.csv"), "mac,model,account1.sip_server\n0a0b0c000001,AC1,sip.example.com\n")
        .unwrap();
    std::fs::write(
        dir.join("release.toml"),
        "vendor = \"acme\"\nmodels = [\"AC1\", \"AC2\"]\nbase_url = \"http://prov.example.com/acme\"\n\
         [ringtones]\n1 = \"tone.wav\"\n[branding]\nwallpapers = [\"bg.jpg\"]\n[config]\nphones = \"phones.csv\"\n",
    )
    .unwrap();
}

fn release(dir: &Path) -> std::process::Output {
    run_in(dir, &["--layouts", "layouts", "release", "release.toml", "--out", "build"])
}

#[test]
fn a_vendor_added_with_layouts_builds_and_verifies_a_release() {
    if !require_tool("sox") || !require_tool("convert") || !require_tool("tar") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), ACME);
    let out = release(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let build = dir.path().join("build");
    // The ring tone follows acme's rules: its file name, slot and codec, the 4 s cap.
    let stat =
        Command::new("sox").args(["-t", "gsrt"]).arg(build.join("acme-tones/tone1.bin")).args(["-n", "stat"]).output();
    let stat = String::from_utf8_lossy(&stat.unwrap().stderr).into_owned();
    assert!(stat.contains("Length (seconds):      4.000000"), "{stat}");
    let ring = std::fs::read(build.join("acme-tones/tone1.bin")).unwrap();
    assert_eq!(ring[0x21], 8, "payload type 8 (PCMA) in the gsrt header");
    // The hlpres.tar holds acme's one wallpaper name; the configs use acme's device codes.
    let list = Command::new("tar").arg("-tf").arg(build.join("AC1/hlpres.tar")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout), "hlpres/\nhlpres/bg1.jpg\n");
    let configs = files_in(&build.join("config"));
    assert_eq!(configs, ["cfg0901.xml", "cfg0a0b0c000001.xml"]);

    let out = run_in(dir.path(), &["--layouts", "layouts", "verify", "build"]);
    assert!(out.status.success(), "verify: {}{}", stdout(&out), stderr(&out));
}

#[test]
fn a_vendor_without_a_config_format_gets_not_supported_never_another_vendors_configs() {
    if !require_tool("sox") || !require_tool("convert") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), &ACME.replace("config_format = \"htek-xml\"\n", ""));
    let out = release(dir.path());
    assert_one_line_error(&out, &["release.toml:", "[config]", "configs are not supported for vendor acme"]);
    assert!(!dir.path().join("build").exists());

    let csv = dir.path().join("phones.csv");
    let out = run_in(
        dir.path(),
        &["--layouts", "layouts", "config", "htek", "--phones", csv.to_str().unwrap(), "--out", "cfg"],
    );
    let err = stderr(&out);
    assert!(!out.status.success() && err.contains("configs are not supported for vendor acme"), "{err}");
    assert!(!dir.path().join("cfg").exists());
}

#[test]
fn an_unknown_config_format_is_a_load_error_with_its_position_and_the_supported_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("layouts")).unwrap();
    std::fs::write(dir.path().join("layouts/acme.toml"), ACME.replace("\"htek-xml\"", "\"acme-ini\"")).unwrap();
    let out = run_in(dir.path(), &["--layouts", "layouts", "models"]);
    assert_one_line_error(&out, &["acme.toml:5:17:", "acme-ini", "htek-xml", "flyingvoice-cfg"]);
}

#[test]
fn config_htek_fills_resource_urls_from_the_models_own_vendor() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("layouts")).unwrap();
    std::fs::write(dir.path().join("layouts/acme.toml"), ACME).unwrap();
    std::fs::write(dir.path().join("phones.csv"), "mac,model\n0a0b0c000001,AC1\n").unwrap();
    let args = ["--layouts", "layouts", "config", "htek", "--phones", "phones.csv", "--out", "cfg"];
    let out = run_in(dir.path(), &[&args[..], &["--resources-url", "http://p.example.com"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let common = std::fs::read_to_string(dir.path().join("cfg/cfg0901.xml")).unwrap();
    assert!(common.contains("http://p.example.com/acme-tones</P20174>"), "{common}");
    assert!(!common.contains("/ring<"), "Htek's ring folder leaked into acme's config: {common}");
}
