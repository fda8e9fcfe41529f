//! `bundler models`: the table, one model's rules, JSON, unknown names, layout overrides.

use crate::common::*;

#[test]
fn table_lists_both_families() {
    let out = bundler().arg("models").output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    for m in ["UC924", "UC926", "UC912", "FIP13G", "FIP16"] {
        assert!(text.lines().any(|l| l.starts_with(m)), "{m} missing:\n{text}");
    }
    let uc924 = text.lines().find(|l| l.starts_with("UC924 ")).unwrap();
    assert!(uc924.contains("0012") && uc924.contains("480x320") && uc924.contains("fw924.rom"), "{uc924}");
}

#[test]
fn one_model_by_alias_in_json() {
    let out = bundler().args(["models", "uc912e", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "UC912");
    assert_eq!(v["device_code"], "0019");
    let kinds: Vec<&str> = v["asset_rules"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"lcdlogo") && !kinds.contains(&"wallpaper"), "{kinds:?}");
}

#[test]
fn vendor_filter_json() {
    let out = bundler().args(["models", "--vendor", "flyingvoice", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["FIP10", "FIP11C", "FIP13G", "FIP14G", "FIP15G", "FIP16"]);
}

#[test]
fn unknown_model_suggests() {
    let out = bundler().args(["models", "UC942"]).output().unwrap();
    assert_one_line_error(&out, &["UC942", "UC924"]);
}

#[test]
fn override_folder_and_broken_layout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = \"0099\"\n").unwrap();
    let out = bundler().args(["models", "UC901", "--json"]).env("BUNDLER_LAYOUTS", dir.path()).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["device_code"], "0099");

    std::fs::write(dir.path().join("htek.toml"), "[models.UC901]\ndevice_code = [\n").unwrap();
    let out = bundler().args(["models", "--layouts"]).arg(dir.path()).output().unwrap();
    assert_one_line_error(&out, &["htek.toml:2:", "unclosed array"]);
}
