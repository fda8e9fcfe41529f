//! `bundler release` and `bundler verify`: the whole tree from one manifest, checked with
//! independent readers (sha256sum, sox) and by re-reading what was built.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A zip of placeholder roms, written by Python's zipfile.
fn make_firmware_zip(path: &Path, models: &[&str], size: usize) {
    let script = format!(
        "import zipfile,sys\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_STORED)\n\
         for m in {models:?}:\n    z.writestr('fw/fw'+m[2:]+'.rom', (m.encode()*{size})[:{size}])\n\
         z.writestr('ReleaseNotes.txt','notes')\nz.close()\n"
    );
    assert!(Command::new("python3").arg("-c").arg(&script).arg(path).status().unwrap().success());
}

/// A project folder with audio, firmware and a manifest; returns the manifest path.
fn project(dir: &Path, extra: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("vendor")).unwrap();
    synth(&["-r", "44100", "-c", "2"], dir.join("src/jingle.wav"), &["20", "sine", "440", "vol", "0.5"]);
    synth(&["-r", "16000", "-c", "1"], dir.join("src/bell.flac"), &["3", "sine", "880", "vol", "0.5"]);
    make_firmware_zip(&dir.join("vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"), &["UC923", "UC924", "UC926"], 4096);
    let manifest = dir.join("release.toml");
    std::fs::write(
        &manifest,
        format!(
            "vendor = \"htek\"\nmodels = [\"UC923\", \"UC924\", \"UC926\"]\nbase_url = \"http://prov.example.com/htek\"\n\
             [ringtones]\n5 = \"src/jingle.wav\"\n6 = {{ file = \"src/bell.flac\", max_seconds = 2 }}\n\
             [firmware]\nfiles = [\"vendor/Firmware_Htek_2.0.4.6.41_20191104.zip\"]\nprefix = \"hl_\"\npostfix = \"_2.0.4.6.41\"\n{extra}"
        ),
    )
    .unwrap();
    manifest
}

/// A temporary folder holding [`project`] without extra manifest text, and the manifest's path.
fn new_project() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = project(dir.path(), "");
    (dir, manifest)
}

/// [`new_project`] released once into `build` (the release must succeed).
fn released_project() -> tempfile::TempDir {
    let (dir, _) = new_project();
    assert!(release_build(dir.path()).status.success());
    dir
}

/// Every file of a tree with its digest.
fn tree_digest(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, format!("{:x}", fingerprint(&bytes)));
            }
        }
    }
    out
}

fn fingerprint(bytes: &[u8]) -> u64 {
    // A cheap stable fingerprint for comparing trees (not a security check).
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}

/// No staging folder (`.build.bundler-…`) is left beside the tree.
fn assert_no_staging_left(dir: &Path) {
    // The input cache `.build.bundler-cache` is meant to stay.
    let stray: Vec<String> =
        files_in(dir).into_iter().filter(|f| f.contains("bundler-") && !f.ends_with(".bundler-cache")).collect();
    assert!(stray.is_empty(), "stale staging folders: {stray:?}");
}

fn tools() -> bool {
    require_tool("sox") && require_tool("python3") && require_tool("sha256sum")
}

#[test]
fn builds_the_tree_with_sums_manifest_and_report_and_verify_passes() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let build = dir.path().join("build");
    let files: Vec<String> = tree_digest(&build).into_keys().collect();
    for f in [
        "ring/ring5.bin",
        "ring/ring6.bin",
        "firmware/hl_fw924.rom_2.0.4.6.41",
        "firmware/hl_fw923.rom_2.0.4.6.41",
        "SHA256SUMS",
        "manifest.json",
        "report.html",
    ] {
        assert!(files.contains(&f.to_string()), "{f} missing from {files:?}");
    }
    let check = Command::new("sha256sum").args(["-c", "--quiet", "SHA256SUMS"]).current_dir(&build).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let stat = Command::new("sox")
        .args(["-t", "gsrt"])
        .arg(build.join("ring/ring5.bin"))
        .args(["-n", "stat"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&stat.stderr).contains("16.000000"), "{}", String::from_utf8_lossy(&stat.stderr));
    // 20 s and 3 s inputs, cut at 16 s and 2 s: faded in, and faded out at the cut.
    assert_clean_edges(&build.join("ring/ring5.bin"), 5, 50);
    assert_clean_edges(&build.join("ring/ring6.bin"), 5, 50);

    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(build.join("manifest.json")).unwrap()).unwrap();
    let ring = m["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == "ring/ring5.bin").unwrap();
    assert_eq!(m["format_version"], 2);
    assert_eq!(ring["settings"][0]["code"], "P20174");
    assert_eq!(ring["settings"][0]["value"], "http://prov.example.com/htek/ring");
    assert_eq!(ring["settings"][0]["scope"], "set_on_phone", "no [config]: the settings are to be set on the phone");
    assert_eq!(ring["sources"][0]["path"], "src/jingle.wav");
    assert_eq!(ring["sources"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(ring["models"], serde_json::json!(["UC923", "UC924", "UC926"]));
    let html = std::fs::read_to_string(build.join("report.html")).unwrap();
    assert!(html.contains("UC924") && html.contains("P192") && !html.contains("http://cdn"), "report lacks content");

    let out = run_in(dir.path(), &["verify", "build"]);
    assert!(out.status.success(), "verify: {}", stdout(&out));
}

#[test]
fn dry_run_writes_nothing_and_lists_every_output() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "build", "--dry-run", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.path().join("build").exists());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["outputs"].as_array().unwrap())
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(
        outputs.contains(&"ring/ring6.bin") && outputs.contains(&"firmware/hl_fw926.rom_2.0.4.6.41"),
        "{outputs:?}"
    );
}

#[test]
fn manifest_errors_carry_line_and_column() {
    if !tools() {
        return;
    }
    let (dir, manifest) = new_project();
    let text = std::fs::read_to_string(&manifest).unwrap();
    for (broken, needles) in [
        (text.replace("\"UC924\"", "\"UC942\""), vec!["release.toml:2:", "UC942", "UC924"]),
        (text.replace("src/bell.flac", "src/nope.flac"), vec!["release.toml:6:", "nope.flac"]),
        (text.replace("5 = ", "3 = "), vec!["release.toml:5:1", "4, 5, 6, 7, 8"]),
        (text.replace("prefix = ", "prefx = "), vec!["release.toml:", "prefx"]),
        (format!("{text}\nsurprise = 1\n"), vec!["release.toml:", "surprise"]),
    ] {
        std::fs::write(&manifest, broken).unwrap();
        let out = release_build(dir.path());
        assert_one_line_error(&out, &needles);
        assert!(!dir.path().join("build").exists());
    }
}

#[cfg(unix)]
#[test]
fn reproducible_and_an_unchanged_rebuild_reuses_everything() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    for out_dir in ["a", "b"] {
        let out = run_in(dir.path(), &["release", "release.toml", "--out", out_dir]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let a = tree_digest(&dir.path().join("a"));
    assert_eq!(a, tree_digest(&dir.path().join("b")), "two builds differ");

    let inode = |p: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(dir.path().join(p)).unwrap());
    let before = (inode("a"), inode("a/manifest.json"));
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "a"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(" bytes ")).collect();
    assert!(!lines.is_empty() && lines.iter().all(|l| l.ends_with("(reused)")), "{text}");
    assert_eq!(a, tree_digest(&dir.path().join("a")), "a rebuild changed the tree");
    // The tree in place was already the one to build: nothing was written or swapped.
    assert_eq!(before, (inode("a"), inode("a/manifest.json")), "an unchanged tree was written again");
    // A tree that is not exactly the one to build is built (from reused files) and swapped in.
    let sums = dir.path().join("a/SHA256SUMS");
    std::fs::write(&sums, std::fs::read_to_string(&sums).unwrap().replace("ring", "rang")).unwrap();
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(a, tree_digest(&dir.path().join("a")), "SHA256SUMS was not put right");
    assert_ne!(before.0, inode("a"));
    // A served file edited in place (same size) is built again, also once the tree's files are
    // trusted by their recorded size, mtime and ctime (records made a second after the writes).
    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert!(run_in(dir.path(), &["release", "release.toml", "--out", "a"]).status.success());
    }
    let ring5 = dir.path().join("a/ring/ring5.bin");
    let mut bytes = std::fs::read(&ring5).unwrap();
    bytes[100] ^= 1;
    std::fs::write(&ring5, &bytes).unwrap();
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).lines().any(|l| l.starts_with("ring/ring5.bin") && !l.ends_with("(reused)")));
    assert_eq!(a, tree_digest(&dir.path().join("a")), "the edited file was not built again");

    // Changing one input rebuilds only what uses it.
    synth(&["-r", "16000", "-c", "1"], dir.path().join("src/bell.flac"), &["3", "sine", "660"]);
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "a"]);
    let text = stdout(&out);
    let ring6 = text.lines().find(|l| l.starts_with("ring/ring6.bin")).unwrap();
    let ring5 = text.lines().find(|l| l.starts_with("ring/ring5.bin")).unwrap();
    assert!(!ring6.ends_with("(reused)") && ring5.ends_with("(reused)"), "{text}");
    // The report shows the reused file as well as the rebuilt one (its bytes were read for it).
    let report = std::fs::read_to_string(dir.path().join("a/report.html")).unwrap();
    for ring in ["ring5.bin", "ring6.bin"] {
        assert!(report.contains(&format!("data-file=\"{ring}\"")), "no player for {ring}");
    }
}

#[cfg(unix)]
#[test]
fn a_reused_file_comes_into_the_new_tree_as_a_plain_file_even_if_it_was_a_symlink() {
    if !tools() {
        return;
    }
    let dir = released_project();
    let before = tree_digest(&dir.path().join("build"));
    // Someone replaced a served file by a symlink to an identical copy outside the tree.
    let ring = dir.path().join("build/ring/ring5.bin");
    let outside = dir.path().join("ring5-copy.bin");
    std::fs::copy(&ring, &outside).unwrap();
    std::fs::remove_file(&ring).unwrap();
    std::os::unix::fs::symlink(&outside, &ring).unwrap();

    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // The previous tree's files are read as tree files: a link out of the tree is not followed,
    // so ring5.bin is built again (same bytes) rather than reused through the link.
    assert!(stdout(&out).lines().any(|l| l.starts_with("ring/ring5.bin") && !l.ends_with("(reused)")));
    assert!(std::fs::symlink_metadata(&ring).unwrap().file_type().is_file(), "ring5.bin is still a symlink");
    assert_eq!(before, tree_digest(&dir.path().join("build")));
    assert_eq!(std::fs::read(&outside).unwrap(), std::fs::read(&ring).unwrap());
}

#[test]
fn a_failed_build_leaves_the_previous_tree_untouched() {
    if !tools() {
        return;
    }
    let dir = released_project();
    let before = tree_digest(&dir.path().join("build"));
    std::fs::write(dir.path().join("src/bell.flac"), b"fLaC but not really").unwrap();
    let out = release_build(dir.path());
    assert_one_line_error(&out, &["bell.flac"]);
    assert_eq!(before, tree_digest(&dir.path().join("build")));
    assert_no_staging_left(dir.path());
}

#[test]
fn a_killed_build_leaves_the_old_tree_or_the_whole_new_one() {
    if !tools() {
        return;
    }
    let dir = released_project();
    let old = tree_digest(&dir.path().join("build"));
    // A bigger firmware makes the next build long enough to be killed part-way.
    make_firmware_zip(
        &dir.path().join("vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"),
        &["UC923", "UC924", "UC926"],
        15_000_000,
    );
    for delay_ms in [20, 80, 200, 500] {
        let mut child =
            bundler().current_dir(dir.path()).args(["release", "release.toml", "--out", "build"]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = tree_digest(&dir.path().join("build"));
        if now != old {
            let out = run_in(dir.path(), &["verify", "build"]);
            assert!(
                out.status.success(),
                "after a kill at {delay_ms} ms the tree is neither old nor complete: {}",
                stdout(&out)
            );
        }
    }
    assert!(release_build(dir.path()).status.success());
    assert_no_staging_left(dir.path());
}

#[test]
fn verify_catches_flipped_bytes_bad_ring_checksums_and_factory_files() {
    if !tools() {
        return;
    }
    let dir = released_project();
    let build = dir.path().join("build");
    let ring = build.join("ring/ring5.bin");
    let mut bytes = std::fs::read(&ring).unwrap();
    bytes[0x400] ^= 0x01;
    std::fs::write(&ring, &bytes).unwrap();
    let fw = build.join("firmware/hl_fw924.rom_2.0.4.6.41");
    let mut fw_bytes = std::fs::read(&fw).unwrap();
    fw_bytes[10] ^= 0x80;
    std::fs::write(&fw, &fw_bytes).unwrap();
    std::fs::write(build.join("factory0012.bin"), b"x").unwrap();
    let out = run_in(dir.path(), &["verify", "build", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| format!("{}: {}", d["file"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    let has = |file: &str, word: &str| errors.iter().any(|e| e.starts_with(file) && e.contains(word));
    assert!(has("ring/ring5.bin", "checksum is wrong"), "{errors:#?}");
    assert!(has("ring/ring5.bin", "SHA256SUMS"), "{errors:#?}");
    assert!(has("firmware/hl_fw924.rom_2.0.4.6.41", "manifest.json"), "{errors:#?}");
    assert!(has("factory0012.bin", "never be served"), "{errors:#?}");
}

#[test]
fn report_renders_in_headless_chromium_without_network() {
    if !tools() || !require_tool("chromium") {
        return;
    }
    let dir = released_project();
    let html = std::fs::read_to_string(dir.path().join("build/report.html")).unwrap();
    for remote in ["http://", "https://"] {
        // The only URLs in the page are the ones to configure, shown as text, never loaded.
        assert!(
            !html.contains(&format!("src=\"{remote}")) && !html.contains(&format!("href=\"{remote}")),
            "page loads from the network"
        );
    }
    screenshot(dir.path(), &dir.path().join("build/report.html"), "report.png", "1200,1600");
}

/// Headless Chromium on a local page, with no network and a profile of its own.
fn chromium(dir: &Path, page: &Path, args: &[&str]) -> std::process::Output {
    let profile = dir.join("chromium-profile");
    Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap()
}

/// A screenshot of `page`, checked to be a real PNG and kept in the target folder for people.
fn screenshot(dir: &Path, page: &Path, name: &str, size: &str) {
    let shot = dir.join(name);
    let out = chromium(dir, page, &[&format!("--screenshot={}", shot.display()), &format!("--window-size={size}")]);
    assert!(shot.exists(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "screenshot is {} bytes", png.len());
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::copy(&shot, &keep).unwrap();
    println!("report screenshot: {}", keep.display());
}

/// The page's DOM after every `<audio>` has loaded its metadata: a small script writes each
/// element's duration into a `data-duration` attribute.
fn audio_durations(dir: &Path, report: &Path) -> Vec<(String, f64)> {
    let probe = dir.join("probe.html");
    let script = "<script>document.querySelectorAll('audio').forEach(a=>{a.addEventListener('loadedmetadata',\
                  ()=>a.setAttribute('data-duration',a.duration));a.load();});</script></body>";
    std::fs::write(&probe, std::fs::read_to_string(report).unwrap().replace("</body>", script)).unwrap();
    let out = chromium(
        dir,
        &probe,
        &["--dump-dom", "--virtual-time-budget=10000", "--autoplay-policy=no-user-gesture-required"],
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut found = Vec::new();
    for tag in dom.split("<audio").skip(1) {
        let tag = &tag[..tag.find('>').unwrap()];
        let attr = |name: &str| tag.split(&format!("{name}=\"")).nth(1).map(|v| v[..v.find('"').unwrap()].to_string());
        let duration = attr("data-duration").and_then(|d| d.parse().ok()).unwrap_or(f64::NAN);
        found.push((attr("data-file").unwrap_or_default(), duration));
    }
    found
}

#[test]
fn the_sign_off_report_plays_ring_tones_shows_images_at_size_and_lists_changes() {
    if !tools() || !require_tool("chromium") || !require_tool("convert") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    let wallpaper = dir.path().join("img/a.jpg");
    convert(&["-size", "1600x1000", "plasma:fractal", "-seed", "5", wallpaper.to_str().unwrap()]);
    project(dir.path(), "[branding]\nwallpapers = [\"img/a.jpg\"]\n");
    assert!(release_build(dir.path()).status.success());
    let first = std::fs::read_to_string(dir.path().join("build/report.html")).unwrap();
    assert!(first.contains("First build of this tree"), "a first build has no previous tree");
    // Change one ring tone's length and rebuild: the report lists exactly that change.
    let manifest = dir.path().join("release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace("max_seconds = 2 }", "max_seconds = 1 }");
    std::fs::write(&manifest, text).unwrap();
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let report = dir.path().join("build/report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("<p id=\"changes\">0 added, 1 changed, 0 removed</p>"), "change summary");
    assert!(
        html.contains("<tr class=\"changed\"><td>changed</td><td><code>ring/ring6.bin</code></td><td>16,512 bytes</td><td>8,512 bytes</td></tr>"),
        "change row with old and new size"
    );
    for model in ["UC923", "UC924", "UC926"] {
        assert!(html.contains(&format!("<div class=\"model green\" id=\"summary-{model}\">")), "{model} summary");
    }
    assert!(html.contains("<code>P20174</code> = <code>http://prov.example.com/htek/ring</code>"), "setting to make");
    // UC924's wallpaper at its real 480×320 pixels inside a 480×320 screen frame.
    assert!(html.contains("style=\"width:480px;height:320px\" title=\"480×320 screen\"><img alt=\"wallpaper4.jpg\" width=\"480\" height=\"320\""));
    assert!(html.contains("<img class=\"wave\""), "waveform image");

    // Chromium decodes the embedded tones: the durations it reads are the tones' lengths.
    let durations = audio_durations(dir.path(), &report);
    let seconds = |name: &str| durations.iter().find(|(n, _)| n == name).map(|(_, d)| *d).unwrap();
    assert!(durations.len() >= 2, "{durations:?}");
    assert!((seconds("ring5.bin") - 16.0).abs() < 0.01, "ring5: {durations:?}");
    assert!((seconds("ring6.bin") - 1.0).abs() < 0.01, "ring6: {durations:?}");
    screenshot(dir.path(), &report, "report-sign-off.png", "1300,2200");
}

/// One model's summary block of report.html.
fn summary_block<'a>(html: &'a str, model: &str) -> &'a str {
    let start = html.find(&format!("id=\"summary-{model}\"")).unwrap_or_else(|| panic!("no {model} block"));
    let len = html[start..].find("</div>").unwrap();
    &html[start..start + len]
}

/// In the example, UC923 has no phone in phones.csv: no config carries its settings, so its block
/// lists every setting to make by hand (ring path, Language.tar, firmware name parts), while UC924,
/// whose phone has a config, has nothing to set. Each file appears once: shared files in one table,
/// configs in their own table, sizes grouped as the command line prints them.
#[test]
fn the_report_decides_per_model_what_the_configs_carry() {
    let (dir, example) = copy_example("htek-office");
    let out = run_in(dir.path(), &["release", example.join("release.toml").to_str().unwrap(), "--out", "build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let build = dir.path().join("build");
    let html = std::fs::read_to_string(build.join("report.html")).unwrap();
    let uc923 = summary_block(&html, "UC923");
    assert!(uc923.contains("Set on the phone"), "{uc923}");
    for code in ["P20174", "P20175", "P20176", "P192", "P232", "P233"] {
        assert!(uc923.contains(&format!("<code>{code}</code>")), "UC923 must be told to set {code}: {uc923}");
    }
    assert!(!uc923.contains("carried by"), "no config is for a UC923: {uc923}");
    let uc924 = summary_block(&html, "UC924");
    assert!(uc924.contains("nothing to set by hand") && !uc924.contains("Set on the phone"), "{uc924}");

    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(build.join("manifest.json")).unwrap()).unwrap();
    let lang = m["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == "Language.tar").unwrap();
    let scope_of = |model: &str| {
        lang["settings"].as_array().unwrap().iter().find(|s| s["model"] == model).map(|s| s["scope"].clone())
    };
    assert_eq!(scope_of("UC923"), Some(serde_json::json!("set_on_phone")), "{lang}");
    assert_eq!(scope_of("UC924"), Some(serde_json::json!("config")), "{lang}");

    for once in ["<code>config/cfg001fc110d3a9.xml</code>", "<code>Language.tar</code>", "<code>ring/ring5.bin</code>"]
    {
        assert_eq!(html.matches(once).count(), 1, "{once} is listed more than once");
    }
    assert!(html.contains("3,584 / 20,000,000") && !html.contains("20000000"), "sizes are grouped");
    let out = run_in(dir.path(), &["verify", "build"]);
    assert!(out.status.success(), "verify: {}{}", stdout(&out), stderr(&out));
}

fn convert(args: &[&str]) {
    tool("convert", args);
}

/// `identify -format '%w %h'` of a file.
fn dimensions(path: &Path) -> (u32, u32) {
    let out = Command::new("identify").args(["-format", "%w %h"]).arg(path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut it = text.split_whitespace().map(|n| n.parse().unwrap());
    (it.next().unwrap(), it.next().unwrap())
}

#[test]
fn branding_makes_per_model_tars_and_direct_files_and_verify_catches_a_wrong_size_wallpaper() {
    if !tools() || !require_tool("convert") || !require_tool("tar") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    let img = |n: &str| dir.path().join("img").join(n).to_str().unwrap().to_string();
    convert(&["-size", "1600x1000", "gradient:navy-gold", &img("a.jpg")]);
    convert(&["-size", "800x800", "plasma:fractal", "-seed", "3", &img("b.png")]);
    convert(&["-size", "500x200", "xc:none", "-fill", "red", "-draw", "circle 250,100 250,10", &img("logo.png")]);
    project(
        dir.path(),
        "[branding]\nwallpapers = [\"img/a.jpg\", \"img/b.png\"]\nscreensavers = [\"img/b.png\"]\nweblogo = \"img/logo.png\"\n\
         lcdlogo = \"img/logo.png\"\ndirect_wallpaper = \"img/a.jpg\"\n",
    );
    let manifest = dir.path().join("release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap().replace("\"UC926\"]", "\"UC926\", \"UC903\"]");
    std::fs::write(&manifest, text).unwrap();
    make_firmware_zip(
        &dir.path().join("vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"),
        &["UC903", "UC923", "UC924", "UC926"],
        4096,
    );
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let build = dir.path().join("build");
    for (model, w, h) in [("UC923", 320, 240), ("UC924", 480, 320), ("UC926", 480, 272)] {
        assert_eq!(dimensions(&build.join(model).join("wallpaper.jpg")), (w, h), "{model}");
        let list = Command::new("tar").arg("-tf").arg(build.join(model).join("hlpres.tar")).output().unwrap();
        let names = String::from_utf8_lossy(&list.stdout).into_owned();
        for entry in [
            "hlpres/wallpaper4.jpg",
            "hlpres/wallpaper5.jpg",
            "hlpres/screensaver1.jpg",
            "hlpres/weblogo.jpg",
            "hlpres/lcdlogo_color.png",
        ] {
            assert!(names.lines().any(|l| l == entry), "{model}: {entry} missing from {names}");
        }
    }
    // The mono-screen UC903 gets the logos but no wallpapers, and no direct wallpaper.
    let list = Command::new("tar").arg("-tf").arg(build.join("UC903/hlpres.tar")).output().unwrap();
    let names = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(names.contains("hlpres/lcdlogo_bw.png") && !names.contains("wallpaper"), "{names}");
    assert!(!build.join("UC903/wallpaper.jpg").exists());
    let out = run_in(dir.path(), &["verify", "build"]);
    assert!(out.status.success(), "verify: {}", stdout(&out));

    // A hand-edited wallpaper of the wrong size is caught, as is its stale checksum.
    convert(&["-size", "100x100", "xc:gray", build.join("UC924/wallpaper.jpg").to_str().unwrap()]);
    let out = run_in(dir.path(), &["verify", "build"]);
    assert!(!out.status.success());
    let report = stdout(&out);
    assert!(report.lines().any(|l| l.starts_with("UC924/wallpaper.jpg") && l.contains("100")), "{report}");
}

#[test]
fn verify_checks_language_packs_against_templates_when_given() {
    let dir = tempfile::tempdir().unwrap();
    let lang = dir.path().join("lang");
    std::fs::create_dir_all(&lang).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/htek-office/lang");
    for name in ["LCD_English_Template.xml", "Web_English_Template.js"] {
        std::fs::copy(example.join(name), dir.path().join(name)).unwrap();
    }
    std::fs::copy(example.join("1_French.js"), lang.join("1_French.js")).unwrap();
    let french = std::fs::read_to_string(example.join("1_Français(French).xml")).unwrap();
    let without_one = french.lines().filter(|l| !l.contains("Menu_History")).collect::<Vec<_>>().join("\n");
    std::fs::write(lang.join("1_Français(French).xml"), without_one).unwrap();
    // Packed without templates, the missing item goes unnoticed ...
    let out = run_in(dir.path(), &["language", "pack", "lang", "-o", "tree/Language.tar"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(run_in(dir.path(), &["verify", "tree"]).status.success());
    // ... and verify finds it once it has the templates.
    let out = run_in(
        dir.path(),
        &["verify", "tree", "--lcd-template", "LCD_English_Template.xml", "--web-template", "Web_English_Template.js"],
    );
    assert!(!out.status.success());
    assert!(stdout(&out).contains("Menu_History"), "{}", stdout(&out));
}

#[test]
fn config_section_builds_encrypted_phone_files_pointing_at_the_tree() {
    if !tools() || !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("phones.csv"),
        "mac,model,account1.sip_server\n00:1F:C1:10:D3:A9,UC924,sip.example.com\n001fc1aabbcc,UC926,sip.example.com\n",
    )
    .unwrap();
    project(dir.path(), "[config]\nphones = \"phones.csv\"\naes_key_env = \"TEST_HTEK_KEY\"\n");
    let out = bundler()
        .current_dir(dir.path())
        .env("TEST_HTEK_KEY", "001FC1BC")
        .args(["release", "release.toml", "--out", "build"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let config = dir.path().join("build/config");
    let names = files_in(&config);
    // Phones may stop after cfg<code>.xml (layouts: after_common = "unknown"), so by default every
    // setting goes into the per-phone files and there is no common file.
    assert!(
        names.contains(&"cfg001fc110d3a9.xml".to_string()) && !names.iter().any(|n| n == "cfg0012.xml"),
        "{names:?}"
    );
    let plain = Command::new("openssl")
        .args(["enc", "-d", "-aes-128-cbc", "-K", "001FC1BC", "-iv", "0B1E1D000F0B07091D1F04071F1E0407", "-in"])
        .arg(config.join("cfg001fc110d3a9.xml"))
        .output()
        .unwrap();
    assert!(plain.status.success());
    std::fs::write(dir.path().join("plain.xml"), &plain.stdout).unwrap();
    // An independent reader: python's XML parser lists the settings; each URL into the tree must
    // name a file the tree has (a folder setting: the files the phone appends).
    let script = r#"
import sys, os, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = {e.tag: (e.text or '') for e in root.iter() if e.tag.startswith('P')}
base, tree = 'http://prov.example.com/htek/', sys.argv[2]
assert s['P47'] == 'sip.example.com', s
assert s['P192'] == base + 'firmware' and s['P232'] == 'hl_' and s['P233'] == '_2.0.4.6.41', s
assert os.path.isfile(os.path.join(tree, 'firmware', s['P232'] + 'fw924.rom' + s['P233']))
assert s['P20174'] == base + 'ring' and os.path.isfile(os.path.join(tree, 'ring', 'ring5.bin')), s
assert s['P237'] == base + 'config', s
for code, value in s.items():
    if value.startswith(base) and code not in ('P192', 'P20174', 'P237'):
        assert os.path.isfile(os.path.join(tree, value[len(base):])), (code, value)
print('ok', len(s))
"#;
    let check = Command::new("python3")
        .args(["-c", script])
        .arg(dir.path().join("plain.xml"))
        .arg(dir.path().join("build"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("build/manifest.json")).unwrap()).unwrap();
    let ring = m["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == "ring/ring5.bin").unwrap();
    // Scope is per model: the UC924 phone's config carries the ring path.
    let uc924 = ring["settings"].as_array().unwrap().iter().find(|s| s["model"] == "UC924" || s["model"].is_null());
    assert_eq!(uc924.unwrap()["scope"], "config", "{ring}");
    for name in &names {
        let bytes = std::fs::read(config.join(name)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("001FC1BC"), "the key must not be in the tree: {name}");
    }
    let manifest = std::fs::read_to_string(dir.path().join("build/manifest.json")).unwrap();
    assert!(!manifest.contains("001FC1BC"), "the key must not be in manifest.json");

    // Without the key in the environment the build stops before anything is replaced.
    let out = release_build(dir.path());
    assert_one_line_error(&out, &["TEST_HTEK_KEY"]);
}

#[test]
fn legacy_firmware_target_names_rings_and_tars_like_the_firmware_and_exp_pres_passes_through() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    // A legacy (1.0.3.70) firmware set as plain files, and an expansion-module tar.
    for f in ["boot_924.bin", "img_924.bin"] {
        std::fs::write(dir.path().join("vendor").join(f), f.as_bytes().repeat(100)).unwrap();
    }
    let tar = Command::new("tar")
        .args(["-cf", "vendor/exp_pres.tar", "src/bell.flac"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(tar.success());
    std::fs::write(
        dir.path().join("release.toml"),
        "vendor = \"htek\"\nmodels = [\"UC924\"]\nbase_url = \"http://prov/htek\"\n[ringtones]\n5 = \"src/bell.flac\"\n\
         [branding]\nexp_pres = \"vendor/exp_pres.tar\"\n\
         [firmware]\nfiles = [\"vendor/boot_924.bin\", \"vendor/img_924.bin\"]\nversion = \"1.0.3.70\"\nprefix = \"hl_\"\npostfix = \"_1.0.3.70\"\n",
    )
    .unwrap();
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let fw = dir.path().join("build/firmware/UC924");
    assert_eq!(files_in(&fw), ["hl_boot_924.bin_1.0.3.70", "hl_img_924.bin_1.0.3.70", "hl_ring5.bin_1.0.3.70"]);
    let stat = Command::new("sox")
        .args(["-t", "gsrt"])
        .arg(fw.join("hl_ring5.bin_1.0.3.70"))
        .args(["-n", "stat"])
        .output()
        .unwrap();
    assert!(stat.status.success(), "sox cannot read the renamed ring file");
    assert_eq!(
        std::fs::read(dir.path().join("build/exp_pres.tar")).unwrap(),
        std::fs::read(dir.path().join("vendor/exp_pres.tar")).unwrap()
    );
    assert!(run_in(dir.path(), &["verify", "build"]).status.success());
}

/// Runs `bundler ARGS` in `dir`, failing the test (instead of blocking it) after `secs` seconds.
fn run_with_timeout(dir: &Path, args: &[&str], secs: u64) -> std::process::Output {
    use std::process::Stdio;
    let mut child =
        bundler().current_dir(dir).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bundler {args:?} still running after {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_folder_holding_other_files_is_refused_and_kept_unless_forced() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let tftp = dir.path().join("srv/tftp");
    std::fs::create_dir_all(tftp.join("old")).unwrap();
    std::fs::write(tftp.join("old/phone.cfg"), b"mine").unwrap();
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "srv/tftp"]);
    assert_one_line_error(&out, &["--out srv/tftp", "old/", "--force"]);
    assert_eq!(files_in(&tftp), ["old"]);
    assert_eq!(std::fs::read(tftp.join("old/phone.cfg")).unwrap(), b"mine");
    assert_no_staging_left(&dir.path().join("srv"));

    // A tree bundler built, plus one file of the user's: refused, naming that file.
    assert!(release_build(dir.path()).status.success());
    std::fs::write(dir.path().join("build/ring/notes.txt"), b"mine").unwrap();
    let out = release_build(dir.path());
    assert_one_line_error(&out, &["ring/notes.txt", "manifest.json"]);
    assert!(dir.path().join("build/ring/notes.txt").exists());
    // An explicit --force replaces it.
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "build", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!dir.path().join("build/ring/notes.txt").exists());
    assert!(dir.path().join("build/ring/ring5.bin").exists());

    // An empty existing folder is filled.
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let out = run_in(dir.path(), &["release", "release.toml", "--out", "empty"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("empty/manifest.json").exists());
}

#[test]
fn out_holding_the_manifest_an_input_or_the_current_folder_is_refused_even_with_force() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let before = tree_digest(dir.path());
    for (out_dir, needle) in [(".", "release.toml"), ("src", "jingle.wav"), ("..", "release.toml")] {
        let out = run_in(dir.path(), &["release", "release.toml", "--out", out_dir, "--force"]);
        assert_one_line_error(&out, &[&format!("--out {out_dir}"), needle]);
    }
    // The manifest's folder through another spelling of its path.
    let again = format!("../{}", dir.path().file_name().unwrap().to_str().unwrap());
    let out = run_in(dir.path(), &["release", "release.toml", "--out", &again, "--force"]);
    assert_one_line_error(&out, &["release.toml"]);
    // `--out .` from an empty folder elsewhere: refused before any work, nothing left behind.
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let manifest = dir.path().join("release.toml");
    let out = run_in(&elsewhere, &["release", manifest.to_str().unwrap(), "--out", "."]);
    assert_one_line_error(&out, &["--out .", "current folder"]);
    assert!(files_in(&elsewhere).is_empty());
    std::fs::remove_dir(&elsewhere).unwrap();
    assert_eq!(before, tree_digest(dir.path()));
    assert_no_staging_left(dir.path());
}

#[test]
fn leftovers_of_killed_runs_are_removed_but_other_folders_beside_out_are_not() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    std::fs::create_dir_all(dir.path().join(".build.bundler-staging-x1/ring")).unwrap();
    std::fs::create_dir_all(dir.path().join(".build.bundler-mine")).unwrap();
    std::fs::write(dir.path().join(".build.bundler-mine/notes"), b"mine").unwrap();
    assert!(release_build(dir.path()).status.success());
    assert!(!dir.path().join(".build.bundler-staging-x1").exists());
    assert_eq!(std::fs::read(dir.path().join(".build.bundler-mine/notes")).unwrap(), b"mine");
}

#[test]
fn a_second_release_into_the_same_folder_fails_while_the_first_runs() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    // A big firmware keeps the first run busy long enough.
    make_firmware_zip(
        &dir.path().join("vendor/Firmware_Htek_2.0.4.6.41_20191104.zip"),
        &["UC923", "UC924", "UC926"],
        15_000_000,
    );
    let lock = dir.path().join(".build.bundler-lock");
    let first = bundler()
        .current_dir(dir.path())
        .args(["release", "release.toml", "--out", "build"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&lock).is_ok_and(|t| t.starts_with("pid")) {
        assert!(start.elapsed().as_secs() < 60, "the first run never took the lock");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let second = release_build(dir.path());
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert_one_line_error(&second, &["build", "another bundler run", &format!("pid {}", first_pid(&second))]);
    assert!(run_in(dir.path(), &["verify", "build"]).status.success());
    assert!(!lock.exists(), "the lock file is removed when the run ends");
    assert_no_staging_left(dir.path());
}

/// The process id a refused run names as the lock holder.
fn first_pid(out: &std::process::Output) -> String {
    let err = stderr(out);
    let rest = err.split("pid ").nth(1).unwrap_or_else(|| panic!("no pid in: {err}"));
    rest.chars().take_while(char::is_ascii_digit).collect()
}

#[test]
fn inputs_that_never_end_are_refused_naming_the_manifest_key() {
    if !tools() || !require_tool("mkfifo") {
        return;
    }
    let (dir, _) = new_project();
    tool("mkfifo", &[dir.path().join("pipe").to_str().unwrap()]);
    let manifest = dir.path().join("release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for (from, to, key) in [
        ("5 = \"src/jingle.wav\"", "5 = \"/dev/zero\"", "ringtones.5"),
        ("5 = \"src/jingle.wav\"", "5 = \"pipe\"", "ringtones.5"),
        ("files = [\"vendor/Firmware_Htek_2.0.4.6.41_20191104.zip\"]", "files = [\"/dev/urandom\"]", "firmware.files"),
        ("[firmware]", "[branding]\nexp_pres = \"pipe\"\n[firmware]", "branding.exp_pres"),
        ("[firmware]", "[branding]\nexp_pres = \"/dev/zero\"\n[firmware]", "branding.exp_pres"),
    ] {
        std::fs::write(&manifest, text.replace(from, to)).unwrap();
        let out = run_with_timeout(dir.path(), &["release", "release.toml", "--out", "build"], 60);
        let file = to.split('"').nth(1).unwrap();
        assert_one_line_error(&out, &["release.toml:", key, file, "not a regular file"]);
    }
    // A FIFO inside an input folder is refused too, not waited on.
    std::fs::create_dir_all(dir.path().join("lang")).unwrap();
    tool("mkfifo", &[dir.path().join("lang/pipe").to_str().unwrap()]);
    std::fs::write(&manifest, format!("{text}[languages]\ndir = \"lang\"\n")).unwrap();
    let out = run_with_timeout(dir.path(), &["release", "release.toml", "--out", "build"], 60);
    assert_one_line_error(&out, &["lang/pipe", "not a regular file"]);
    assert!(!dir.path().join("build").exists());
}

#[test]
fn a_ring_entry_of_the_wrong_shape_says_what_a_slot_takes() {
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let manifest = dir.path().join("release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    for (bad, needle) in [("5 = 3", "a file path"), ("5 = { file = \"src/jingle.wav\", volume = 2 }", "volume")] {
        std::fs::write(&manifest, text.replace("5 = \"src/jingle.wav\"", bad)).unwrap();
        let out = run_in(dir.path(), &["release", "release.toml", "--dry-run"]);
        assert_one_line_error(&out, &["release.toml:5:", needle]);
        assert!(!stderr(&out).contains("untagged") && !stderr(&out).contains("RawRing"), "{}", stderr(&out));
    }
}

#[test]
fn dry_run_fails_when_the_aes_key_variable_is_missing() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("phones.csv"), "mac,model\n001fc1aabbcc,UC924\n").unwrap();
    project(dir.path(), "[config]\nphones = \"phones.csv\"\naes_key_env = \"TEST_MISSING_KEY\"\n");
    let out = bundler()
        .current_dir(dir.path())
        .env_remove("TEST_MISSING_KEY")
        .args(["release", "release.toml", "--dry-run"])
        .output()
        .unwrap();
    assert_one_line_error(&out, &["aes_key_env", "TEST_MISSING_KEY"]);
    let out = bundler()
        .current_dir(dir.path())
        .env("TEST_MISSING_KEY", "001FC1BC")
        .args(["release", "release.toml", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn jobs_is_capped() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["100000", "0", "257"] {
        let out = run_in(dir.path(), &["release", "release.toml", "--jobs", bad]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("--jobs") && stderr(&out).contains("1..=256"), "{}", stderr(&out));
    }
}

#[test]
fn a_base_belongs_to_one_model_and_a_tree_its_own_verify_rejects_is_never_swapped_in() {
    if !tools() || !require_tool("convert") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("img")).unwrap();
    let img = |n: &str| dir.path().join("img").join(n).to_str().unwrap().to_string();
    convert(&["-size", "1600x1000", "gradient:navy-gold", &img("a.jpg")]);
    convert(&["-size", "500x200", "xc:red", &img("logo.png")]);
    project(dir.path(), "[branding]\nweblogo = \"img/logo.png\"\nbase = \"vendor/hlpres-924.tar\"\n");
    let out =
        run_in(dir.path(), &["hlpres", "--model", "UC924", "--wallpaper", "img/a.jpg", "-o", "vendor/hlpres-924.tar"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // One base for three models: a positioned error saying how to write it.
    let out = release_build(dir.path());
    assert_one_line_error(&out, &["release.toml:13:", "base = { UC923 = ", "UC926 = "]);

    let manifest = dir.path().join("release.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let per_model = text.replace("base = \"vendor/hlpres-924.tar\"", "base = { UC924 = \"vendor/hlpres-924.tar\" }");
    std::fs::write(&manifest, &per_model).unwrap();
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(run_in(dir.path(), &["verify", "build"]).status.success());
    let before = tree_digest(&dir.path().join("build"));

    // UC924's base given to UC923 keeps 480×320 images on a 320×240 phone: the hlpres build
    // checks its tar as `inspect` would and refuses it (verify of the staged tree is the second
    // line, tested in src/ops/release/mod.rs), and the previous tree stays.
    std::fs::write(&manifest, per_model.replace("UC924 = \"vendor", "UC923 = \"vendor")).unwrap();
    let out = release_build(dir.path());
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("UC923") && err.contains("320×240") && err.contains("wallpaper4.jpg"), "{err}");
    assert_eq!(before, tree_digest(&dir.path().join("build")));
    assert_no_staging_left(dir.path());

    // A base for a model the release does not have.
    std::fs::write(&manifest, per_model.replace("UC924 = \"vendor", "UC903 = \"vendor")).unwrap();
    let out = run_in(dir.path(), &["release", "release.toml", "--dry-run"]);
    assert_one_line_error(&out, &["release.toml:13:", "UC903 is not one of this release's models"]);
}

/// Releases a Flyingvoice FIP13G project in `p` into `build`, checks that nothing was warned about
/// on stderr (the config core does not print), and returns the config item's warnings from
/// manifest.json. `head` goes before `[config]`, `config` into it.
fn flyingvoice_config_warnings(p: &Path, phones_csv: &str, head: &str, config: &str) -> String {
    std::fs::write(p.join("phones.csv"), phones_csv).unwrap();
    let manifest =
        format!("vendor = \"flyingvoice\"\nmodels = [\"FIP13G\"]\n{head}[config]\nphones = \"phones.csv\"\n{config}");
    std::fs::write(p.join("release.toml"), manifest).unwrap();
    let out = release_build(p);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "the config core printed: {}", stderr(&out));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(p.join("build/manifest.json")).unwrap()).unwrap();
    let cfg = m["artifacts"].as_array().unwrap().iter().find(|a| a["path"] == "config/y000000000000.cfg").unwrap();
    cfg["details"]["warnings"].to_string()
}

/// A phone's own value for a setting the tree sets (here the ring tone URL) is kept, and the
/// Flyingvoice core says so in the manifest, at the CSV row.
#[test]
fn a_flyingvoice_row_overriding_a_tree_setting_is_warned_about_in_the_manifest() {
    if !require_tool("sox") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    synth(&["-r", "8000", "-c", "1"], p.join("bell.wav"), &["1", "sine", "660"]);
    let csv = "mac,model,ringtone.url\n001fc1000001,FIP13G,http://other/x.wav\n";
    let warnings =
        flyingvoice_config_warnings(p, csv, "base_url = \"http://prov\"\n[ringtones]\n4 = \"bell.wav\"\n", "");
    assert!(
        warnings.contains("phones.csv:2:1: warning: ringtone.url = 'http://other/x.wav' is kept, but the tree built by this release has it at 'http://prov/"),
        "{warnings}"
    );
    let own = std::fs::read_to_string(p.join("build/config/001fc1000001.cfg")).unwrap();
    assert!(own.contains("http://other/x.wav"), "{own}");
}

#[test]
fn flyingvoice_config_warnings_go_into_the_manifest_not_out_of_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("common.cfg"), "account.1.enable = 1\n").unwrap();
    let csv = "mac,model,account.1.user_name\n001fc1000001,FIP13G,100\n";
    let warnings = flyingvoice_config_warnings(p, csv, "", "common = \"common.cfg\"\n");
    assert!(warnings.contains("phones.csv:2:1: warning: MAC 001fc1000001"), "{warnings}");
    assert!(warnings.contains("common.cfg:1:1: warning:"), "the missing version line: {warnings}");
    // verify follows the boot files' includes inside the tree, wherever it is run from.
    let out = run_in(p, &["verify", "build"]);
    assert!(out.status.success(), "verify: {}", stdout(&out));
    std::fs::remove_file(p.join("build/config/y000000000000.cfg")).unwrap();
    let out = run_in(p, &["verify", "build"]);
    assert!(
        stdout(&out)
            .contains("config/001fc1000001.boot:2:1: error: includes y000000000000.cfg, which the tree does not have"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn refused_phone_rows_in_a_release_are_one_error_line_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("phones.csv"), "mac,model\n1,FIP13G\n2,FIP13G\n").unwrap();
    std::fs::write(
        p.join("release.toml"),
        "vendor = \"flyingvoice\"\nmodels = [\"FIP13G\"]\n[config]\nphones = \"phones.csv\"\n",
    )
    .unwrap();
    let out = release_build(p);
    assert_one_line_error(&out, &["phones.csv:2:", "(and 1 more problems)"]);
    assert!(!stderr(&out).contains("listed above") && !p.join("build").exists(), "{}", stderr(&out));
}

/// A web or TFTP server running as another user must read the tree: a release run under a private
/// umask (077) still writes files 0644 and folders 0755, and a served file someone made private is
/// written again, readable, by the next (otherwise unchanged) release instead of being kept.
#[test]
fn the_tree_is_readable_by_a_server_whatever_the_umask_and_a_private_file_is_set_right() {
    use std::os::unix::fs::PermissionsExt;
    if !tools() {
        return;
    }
    let (dir, _) = new_project();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 077 && exec \"$0\" release release.toml --out build")
        .arg(env!("CARGO_BIN_EXE_bundler"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let modes = |root: &Path| -> Vec<(String, u32)> {
        let mut all = Vec::new();
        for e in walkdir::WalkDir::new(root).min_depth(1) {
            let e = e.unwrap();
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            all.push((e.path().strip_prefix(root).unwrap().display().to_string(), mode));
        }
        all
    };
    let build = dir.path().join("build");
    for (rel, mode) in modes(&build) {
        let want = if build.join(&rel).is_dir() { 0o755 } else { 0o644 };
        assert_eq!(mode, want, "{rel}: {mode:o} under umask 077");
    }
    let ring = build.join("ring/ring5.bin");
    std::fs::set_permissions(&ring, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = release_build(dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&ring).unwrap().permissions().mode() & 0o777, 0o644, "made readable again");
}
