//! A vendor bundler has no built-in rules for, added with `--layouts DIR` only: its release builds
//! and verifies with its own ring, asset and config rules, and what it lacks is "not supported".

use crate::common::*;
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
fn a_vendor_without_a_config_format_gets_not_supported_from_resolve_and_phone() {
    let dir = tempfile::tempdir().unwrap();
    layouts_dir(dir.path(), &[("acme.toml", &ACME.replace("config_format = \"htek-xml\"\n", ""))]);
    std::fs::create_dir(dir.path().join("tftp")).unwrap();
    let mac = ["--mac", "0a0b0c000001"];
    let out = run_in(
        dir.path(),
        &[&["--layouts", "layouts", "config", "resolve", "tftp", "--model", "AC1"][..], &mac].concat(),
    );
    assert_one_line_error(&out, &["configs are not supported for vendor acme"]);
    let out = run_in(dir.path(), &[&["--layouts", "layouts", "phone", "tftp", "--model", "AC1"][..], &mac].concat());
    assert_one_line_error(&out, &["--model AC1:", "configs are not supported for vendor acme"]);
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

/// A made-up vendor with Flyingvoice-style configs: its own MAC prefix, no example setting.
const ZETA: &str = r#"
vendor = "zeta"
family = "Zeta Desk"
ouis = ["0c0e0f"]
config_format = "flyingvoice-cfg"

[defaults.ringtone]
slots = [1]
file = "r{slot}.wav"
container = "g711-wav"
codec = "ulaw"
sample_rate = 8000
max_seconds = 5.0
max_bytes = 50000

[models.Z1]
"#;

fn layouts_dir(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir.join("layouts")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join("layouts").join(name), text).unwrap();
    }
}

#[test]
fn init_writes_the_vendors_own_prefix_and_example_setting_from_its_layout() {
    let dir = tempfile::tempdir().unwrap();
    let example = "\n[config_example]\nsetting = \"account1.outbound_proxy\"\nvalue = \"proxy.acme.example\"\n";
    let acme = ACME.replace("\n[models.AC1]", &format!("{example}\n[models.AC1]"));
    layouts_dir(dir.path(), &[("acme.toml", &acme), ("zeta.toml", ZETA)]);
    let out = run_in(dir.path(), &["--layouts", "layouts", "init", "a", "--vendor", "acme", "--model", "AC1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.path().join("a/phones.csv")).unwrap();
    assert_eq!(csv, "mac,model,account1.outbound_proxy\n0a0b0c000001,AC1,proxy.acme.example\n");
    let release = std::fs::read_to_string(dir.path().join("a/release.toml")).unwrap();
    assert!(release.contains("aes_key_env"), "Htek XML config options for an htek-xml vendor: {release}");

    // zeta gives no example: no Htek or Flyingvoice setting is made up for it.
    let out = run_in(dir.path(), &["--layouts", "layouts", "init", "z", "--vendor", "zeta", "--model", "Z1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = std::fs::read_to_string(dir.path().join("z/phones.csv")).unwrap();
    assert_eq!(csv, "mac,model\n0c0e0f000001,Z1\n");
    let release = std::fs::read_to_string(dir.path().join("z/release.toml")).unwrap();
    assert!(release.contains("phonebook") && !release.contains("aes_key_env"), "{release}");

    // Without a config format there are no config files to start, and release.toml says why.
    layouts_dir(dir.path(), &[("acme.toml", &ACME.replace("config_format = \"htek-xml\"\n", ""))]);
    let out = run_in(dir.path(), &["--layouts", "layouts", "init", "n", "--vendor", "acme", "--model", "AC1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&dir.path().join("n")), ["audio", "img", "lang", "release.toml", "vendor"]);
    let release = std::fs::read_to_string(dir.path().join("n/release.toml")).unwrap();
    assert!(release.contains("configs are not supported for vendor acme") && !release.contains("\n[config]"));
}

#[test]
fn config_pcodes_lists_the_named_vendors_resources_and_asks_when_several_take_htek_xml() {
    let dir = tempfile::tempdir().unwrap();
    layouts_dir(dir.path(), &[("acme.toml", ACME)]);
    let out = run_in(dir.path(), &["--layouts", "layouts", "config", "pcodes", "--json", "--vendor", "acme"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ring = v["resources"].as_array().unwrap().iter().find(|r| r["setting"] == "P20174").unwrap();
    assert_eq!(ring["value"], "{url}/acme-tones");

    let out = run_in(dir.path(), &["--layouts", "layouts", "config", "pcodes"]);
    assert_one_line_error(&out, &["vendors htek, acme all take htek-xml configs", "--vendor"]);
    let out = run_in(dir.path(), &["--layouts", "layouts", "config", "pcodes", "--vendor", "flyingvoice"]);
    assert_one_line_error(&out, &["vendor flyingvoice does not take htek-xml configs"]);
}

#[test]
fn config_flyingvoice_checks_a_made_up_vendors_macs_against_its_own_prefix() {
    let dir = tempfile::tempdir().unwrap();
    layouts_dir(dir.path(), &[("zeta.toml", ZETA)]);
    std::fs::write(dir.path().join("phones.csv"), "mac,model\n0c0e0f000001,Z1\n0021f2000002,Z1\n").unwrap();
    let args = ["--layouts", "layouts", "config", "flyingvoice", "--phones", "phones.csv", "--out", "fv"];
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("phones.csv:3:1: warning: MAC 0021f2000002 does not start with Zeta Desk's prefix 0c:0e:0f"));
    assert!(!err.contains("0c0e0f000001"), "its own prefix is not warned about: {err}");

    std::fs::write(dir.path().join("phones.csv"), "mac,model\n0c0e0f000001,\n").unwrap();
    let args = ["--layouts", "layouts", "config", "flyingvoice", "--phones", "phones.csv", "--out", "fv2"];
    let out = run_in(dir.path(), &args);
    let err = stderr(&out);
    assert!(
        !out.status.success() && err.contains("vendors flyingvoice, zeta all take flyingvoice-cfg configs"),
        "{err}"
    );
    assert!(!dir.path().join("fv2").exists());
}

#[test]
fn a_config_name_setting_that_disagrees_with_its_one_source_is_a_load_error_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    layouts_dir(dir.path(), &[("acme.toml", &ACME.replace("config_prefix = \"P234\"", "config_prefix = \"P999\""))]);
    let out = run_in(dir.path(), &["--layouts", "layouts", "models"]);
    assert_one_line_error(&out, &["acme.toml:55:17:", "P999", "htek-config.toml [settings] config_prefix = \"P234\""]);
}
