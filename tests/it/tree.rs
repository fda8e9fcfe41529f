//! A release tree is consistent with itself: the examples build trees whose configs carry every
//! setting the tree needs, each pointing at a file the tree has, and `verify` (run by `release` on
//! the staged tree too) catches configs that point at missing files, firmware a phone would not
//! find under its prefix/postfix, and common files that shadow per-phone settings.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const BASE: &str = "http://prov.example.com/htek/";

fn tools() -> bool {
    require_tool("sox") && require_tool("python3")
}

/// Python's XML parser's view of a Htek config: P-code → value, as JSON.
fn read_xml(path: &Path) -> serde_json::Value {
    let script = "import sys, json, xml.etree.ElementTree as ET\n\
                  root = ET.parse(sys.argv[1]).getroot()\n\
                  print(json.dumps({e.tag: (e.text or '') for e in root.iter() if e.tag.startswith('P')}))";
    let out = Command::new("python3").args(["-c", script]).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn error_lines(out: &std::process::Output, file: &str) -> Vec<String> {
    stdout(out)
        .lines()
        .chain(stderr(out).lines())
        .filter(|l| l.trim_start().starts_with(file))
        .map(String::from)
        .collect()
}

#[test]
fn htek_example_builds_a_tree_whose_configs_point_only_at_files_it_has() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("htek-office");
    let out = release_build(&root);
    assert!(out.status.success(), "{}", stderr(&out));
    let build = root.join("build");
    let out = run_in(&root, &["verify", "build"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // Phones may stop after cfg<code>.xml (after_common = "unknown"): no common file by default.
    let names = files_in(&build.join("config"));
    assert_eq!(names, ["cfg001fc110d3a9.xml", "cfg001fc1aabbcc.xml"]);
    for (file, model, user) in [("cfg001fc110d3a9.xml", "UC924", "1001"), ("cfg001fc1aabbcc.xml", "UC926", "1002")] {
        let s = read_xml(&build.join("config").join(file));
        assert_eq!(s["P35"], user, "{s}");
        assert_eq!(s["P47"], "sip.example.com", "{s}");
        assert_eq!(s["P192"], format!("{BASE}firmware"));
        let fw = format!("{}fw{}.rom{}", s["P232"].as_str().unwrap(), &model[2..], s["P233"].as_str().unwrap());
        assert!(build.join("firmware").join(&fw).is_file(), "{fw}");
        assert_eq!(s["P20176"], format!("{BASE}{model}/hlpres.tar"));
        assert!(s.get("P20051").is_none(), "no screensaver is built: {s}");
        for (code, value) in s.as_object().unwrap() {
            let Some(rel) = value.as_str().unwrap().strip_prefix(BASE) else { continue };
            let target = build.join(rel);
            let ok = match code.as_str() {
                "P20174" | "P192" | "P237" => target.is_dir(),
                _ => target.is_file(),
            };
            assert!(ok, "{file}: {code} = {value} points at nothing in the tree");
        }
    }
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(build.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format_version"], 2);
    let record = |path: &str| {
        let a = m["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == path).unwrap();
        a["settings"][0].clone()
    };
    assert_eq!(record("UC924/hlpres.tar")["scope"], "config");
    assert_eq!(record("UC923/hlpres.tar")["scope"], "set_on_phone", "no UC923 phone in phones.csv");
    let fw = record("firmware/hl_fw924.rom_2.0.4.6.41");
    assert_eq!((fw["code"].as_str(), fw["model"].as_str()), (Some("P192"), Some("UC924")));
}

#[test]
fn a_common_value_pointing_at_a_missing_file_stops_the_release() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("htek-office");
    let common = std::fs::read_to_string(root.join("common.toml")).unwrap();
    let shot = format!("{BASE}UC924/screensaver.jpg");
    std::fs::write(root.join("common.toml"), common.replace("[all]\n", &format!("[all]\nP20051 = \"{shot}\"\n")))
        .unwrap();
    let out = release_build(&root);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        error_lines(&out, "config/cfg001fc110d3a9.xml")
            .iter()
            .any(|l| l.contains("P20051") && l.contains("the tree has no UC924/screensaver.jpg")),
        "{err}"
    );
    assert!(!root.join("build").exists(), "nothing is written");

    // A value the user sets for a setting the tree fills is kept, with a warning.
    let hl = format!("{BASE}UC924/hlpres.tar");
    let other = common.replace("[all]\n", "[models.UC924]\nP20176 = \"http://cdn.example.com/hlpres.tar\"\n[all]\n");
    std::fs::write(root.join("common.toml"), other).unwrap();
    let out = release_build(&root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning") && stderr(&out).contains(&hl), "{}", stderr(&out));
    let s = read_xml(&root.join("build/config/cfg001fc110d3a9.xml"));
    assert_eq!(s["P20176"], "http://cdn.example.com/hlpres.tar");
}

#[test]
fn verify_names_the_config_whose_firmware_postfix_matches_no_file() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("htek-office");
    assert!(release_build(&root).status.success());
    let file = root.join("build/config/cfg001fc110d3a9.xml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace(">_2.0.4.6.41</P233>", ">_2.0.4.7</P233>")).unwrap();
    let out = run_in(&root, &["verify", "build"]);
    assert!(!out.status.success());
    let lines = error_lines(&out, "config/cfg001fc110d3a9.xml");
    assert!(
        lines.iter().any(|l| l.contains("P192") && l.contains("P233") && l.contains("firmware/hl_fw924.rom_2.0.4.7")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_common_file_shadowing_per_phone_settings_fails_verify_unless_kept_on_purpose() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("htek-office");
    assert!(release_build(&root).status.success());
    // Configs regenerated by hand into the tree, with common files.
    let out = run_in(
        &root,
        &["config", "htek", "--phones", "phones.csv", "--common", "common.toml", "--out", "build/config"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(&root, &["verify", "build"]);
    assert!(!out.status.success());
    let lines = error_lines(&out, "config/cfg001fc110d3a9.xml");
    assert!(
        lines.iter().any(|l| l.contains("error") && l.contains("P35") && l.contains("config/cfg0012.xml")),
        "{}",
        stdout(&out)
    );

    // merge_common = false keeps the common files on purpose: a warning naming what a stopping
    // phone would miss, at release and in verify, and the tree passes.
    let manifest = std::fs::read_to_string(root.join("release.toml")).unwrap();
    std::fs::write(root.join("release.toml"), format!("{manifest}merge_common = false\n")).unwrap();
    let out = run_in(&root, &["release", "release.toml", "--out", "build2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("warning") && stderr(&out).contains("P34"), "{}", stderr(&out));
    assert!(root.join("build2/config/cfg0012.xml").is_file());
    let out = run_in(&root, &["verify", "build2"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(error_lines(&out, "config/cfg001fc110d3a9.xml").iter().any(|l| l.contains("warning")), "{}", stdout(&out));
}

#[test]
fn encrypted_configs_are_checked_with_the_key_and_noted_without_it() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("htek-office");
    let manifest = std::fs::read_to_string(root.join("release.toml")).unwrap();
    std::fs::write(root.join("release.toml"), format!("{manifest}aes_key_env = \"TREE_TEST_KEY\"\n")).unwrap();
    let out = bundler()
        .current_dir(&root)
        .env("TREE_TEST_KEY", "001FC1BC")
        .args(["release", "release.toml", "--out", "build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_in(&root, &["verify", "build", "--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("encrypted: the settings it points phones with were not checked"),
        "{}",
        stdout(&out)
    );
    let out = run_in(&root, &["verify", "build", "--aes-key", "001FC1BC", "--json"]);
    assert!(out.status.success() && !stdout(&out).contains("were not checked"), "{}", stdout(&out));
    let out = bundler().current_dir(&root).env("BUNDLER_AES_KEY", "1234").args(["verify", "build"]).output().unwrap();
    assert!(!out.status.success());
    assert!(
        error_lines(&out, "config/cfg001fc110d3a9.xml").iter().any(|l| l.contains("cannot decrypt")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn flyingvoice_example_points_boot_cfg_ring_and_firmware_at_the_tree() {
    if !tools() {
        return;
    }
    let (_dir, root) = copy_example("fip-office");
    let out = release_build(&root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run_in(&root, &["verify", "build"]).status.success());
    let build = root.join("build");
    let cfg = std::fs::read_to_string(build.join("config/y000000000000.cfg")).unwrap();
    let base = "http://prov.example.com/fip/";
    for key in ["ringtone.url", "static.firmware.url"] {
        let line = cfg.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("{key} missing: {cfg}"));
        let value = line.split_once('=').unwrap().1.trim();
        let rel = value.strip_prefix(base).unwrap();
        assert!(build.join(rel).is_file(), "{key} = {value}");
    }
    let boot = std::fs::read_to_string(build.join("config/0021f222aef1.boot")).unwrap();
    assert!(boot.contains("include:config \"y000000000000.cfg\"") && boot.contains("0021f222aef1.cfg"), "{boot}");
    // The firmware gone from the tree: the common cfg now points at nothing.
    let fw = files_in(&build.join("firmware"));
    std::fs::remove_file(build.join("firmware").join(&fw[0])).unwrap();
    let out = run_in(&root, &["verify", "build"]);
    assert!(!out.status.success());
    assert!(
        error_lines(&out, "config/y000000000000.cfg").iter().any(|l| l.contains("static.firmware.url")),
        "{}",
        stdout(&out)
    );
}
