//! `bundler publish` against a real S3 server on loopback (SeaweedFS), read back with an independent
//! client (the AWS CLI), and walked by `bundler phone` over the server's own HTTP endpoint; and the
//! same rules against a folder destination, without a server.

use crate::common::s3::{self, Seaweed, BUCKET, KEY_ID};
use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

const MAC: &str = "00:1f:c1:10:d3:a9";
const PREFIX: &str = "htek";
/// The files of the example tree: 14 artifacts plus manifest.json, SHA256SUMS and report.html.
const TREE_FILES: usize = 17;

/// The htek-office example released for phones that fetch from `base` (the bucket's HTTP address).
fn release(base: &str) -> (tempfile::TempDir, PathBuf) {
    let (dir, p) = copy_example("htek-office");
    let out = run_in(&p, &["release", "release.toml", "--out", "build", &format!("--base-url={base}")]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, p)
}

fn rebuild(p: &Path, base: &str) {
    let out = run_in(p, &["release", "release.toml", "--out", "build", &format!("--base-url={base}")]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Ring slot 5 from the other sound: ring/ring5.bin changes, nothing the configs say does.
fn change_ring5(p: &Path) {
    let toml = std::fs::read_to_string(p.join("release.toml")).unwrap();
    let changed = toml.replace("5 = \"audio/jingle.wav\"", "5 = \"audio/bell.flac\"");
    assert_ne!(toml, changed);
    std::fs::write(p.join("release.toml"), changed).unwrap();
}

fn publish(s: &Seaweed, p: &Path, extra: &[&str]) -> Output {
    let to = format!("s3://{BUCKET}/{PREFIX}");
    bundler()
        .current_dir(p)
        .args(["publish", "build", &to, "--endpoint", &s.endpoint])
        .args(extra)
        .envs(s.env())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}\n{}\n{}", out.status.code(), stdout(out), stderr(out));
    stdout(out)
}

fn base(s: &Seaweed) -> String {
    format!("{}/{BUCKET}/{PREFIX}/", s.endpoint)
}

fn phone_walk(s: &Seaweed) -> Output {
    let url = format!("{}/{BUCKET}/{PREFIX}/config", s.endpoint);
    bundler().args(["phone", &url, "--model", "UC924", "--mac", MAC]).output().unwrap()
}

#[test]
fn first_publish_unchanged_republish_and_one_changed_ring_tone() {
    let Some(s) = Seaweed::start() else { return };
    let (_dir, p) = release(&base(&s));
    let text = ok(&publish(&s, &p, &[]));
    assert!(text.contains(&format!("uploaded {TREE_FILES}, unchanged 0, deleted 0,")), "{text}");
    // Read back with the AWS CLI: every object, its bytes, its headers and bundler's stamp.
    let listed = s.listing(PREFIX);
    let build = p.join("build");
    for key in ["config/cfg001fc110d3a9.xml", "ring/ring5.bin", "firmware/hl_fw924.rom_2.0.4.6.41", "manifest.json"] {
        assert_eq!(s.download(&format!("{PREFIX}/{key}")), std::fs::read(build.join(key)).unwrap(), "{key}");
        assert!(listed.contains_key(key), "{key} not listed: {listed:?}");
    }
    let head = |key: &str| s.api(&["head-object", "--bucket", BUCKET, "--key", &format!("{PREFIX}/{key}")]);
    let cfg = head("config/cfg001fc110d3a9.xml");
    assert_eq!(cfg["ContentType"], "application/xml");
    assert_eq!(cfg["CacheControl"], "no-cache");
    let sha = sha256_of(&build.join("config/cfg001fc110d3a9.xml"));
    assert_eq!(cfg["Metadata"]["sha256"], sha.as_str());
    let fw = head("firmware/hl_fw924.rom_2.0.4.6.41");
    assert_eq!(fw["CacheControl"], "public, max-age=31536000, immutable", "versioned firmware is long-lived");
    assert_eq!(fw["ContentType"], "application/octet-stream");
    // The phone, over the server's own HTTP endpoint.
    let walk = phone_walk(&s);
    assert!(walk.status.success() && stdout(&walk).contains("fully provisioned"), "{}", stdout(&walk));

    // Unchanged: no PUT at all (every object keeps its ETag and LastModified).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let text = ok(&publish(&s, &p, &["--json"]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["outcome"]["uploaded"].as_array().unwrap().len(), 0, "{text}");
    assert_eq!(json["outcome"]["unchanged"], TREE_FILES);
    assert_eq!(json["outcome"]["record_writes"], 0, "not even the record is written again");
    assert_eq!(s.listing(PREFIX), listed, "an unchanged tree publishes with zero PUTs");

    // One ring tone changed: among the tree's files only ring5.bin (and the description files that
    // list it) are sent.
    change_ring5(&p);
    rebuild(&p, &base(&s));
    let text = ok(&publish(&s, &p, &[]));
    assert!(text.contains("uploaded 4, unchanged 13,"), "{text}");
    let after = s.listing(PREFIX);
    let changed: Vec<&String> = after.keys().filter(|k| after[*k] != listed[*k]).collect();
    // (and bundler's record of what it wrote, .bundler-publish.json)
    assert_eq!(changed, [".bundler-publish.json", "SHA256SUMS", "manifest.json", "report.html", "ring/ring5.bin"]);
    // Proof: --check and verify s3:// compare every object with the manifest.
    let text = ok(&publish(&s, &p, &["--check"]));
    assert!(text.contains(&format!("{TREE_FILES} files checked, 0 missing, 0 differ")), "{text}");
    let out = bundler()
        .args(["verify", &format!("s3://{BUCKET}/{PREFIX}"), "--endpoint", &s.endpoint])
        .envs(s.env())
        .output()
        .unwrap();
    assert!(ok(&out).contains("14 files checked, 0 missing, 0 differ, 0 extra"), "{}", stdout(&out));
}

fn sha256_of(path: &Path) -> String {
    let out = std::process::Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_string()
}

#[test]
fn a_publish_killed_after_the_resources_leaves_complete_configs_and_a_rerun_finishes() {
    let Some(s) = Seaweed::start() else { return };
    let (_dir, p) = release(&base(&s));
    let old_cfg = std::fs::read(p.join("build/config/cfg001fc110d3a9.xml")).unwrap();
    ok(&publish(&s, &p, &[]));
    // The next tree: another ring tone and one more phone (a new config).
    change_ring5(&p);
    let mut csv = std::fs::read_to_string(p.join("phones.csv")).unwrap();
    csv.push_str("00:1F:C1:00:00:07,UC923,1007,1007,change-me-1007,Lab,bench\n");
    std::fs::write(p.join("phones.csv"), csv).unwrap();
    rebuild(&p, &base(&s));
    let killed = bundler()
        .current_dir(&p)
        .args(["publish", "build", &format!("s3://{BUCKET}/{PREFIX}"), "--endpoint", &s.endpoint])
        .envs(s.env())
        .env("BUNDLER_PUBLISH_DIE_AFTER", "resources")
        .output()
        .unwrap();
    assert!(!killed.status.success(), "the publish was to die: {}", stdout(&killed));
    // The new ring tone is there, the configs are the old ones, the new phone's config is not yet.
    assert_eq!(s.download(&format!("{PREFIX}/ring/ring5.bin")), std::fs::read(p.join("build/ring/ring5.bin")).unwrap());
    assert_eq!(s.download(&format!("{PREFIX}/config/cfg001fc110d3a9.xml")), old_cfg);
    assert!(!s.listing(PREFIX).contains_key("config/cfg001fc1000007.xml"));
    let walk = phone_walk(&s);
    assert!(walk.status.success() && stdout(&walk).contains("fully provisioned"), "{}", stdout(&walk));
    // The re-run sends only what is missing: the resources are recognised by bundler's stamp.
    let text = ok(&publish(&s, &p, &["--json"]));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sent: Vec<&str> = json["outcome"]["uploaded"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(sent.contains(&"config/cfg001fc1000007.xml") && !sent.contains(&"ring/ring5.bin"), "{sent:?}");
    assert!(
        sent.iter().all(|k| k.starts_with("config/") || !k.contains('/')),
        "only configs and the description: {sent:?}"
    );
    let text = ok(&publish(&s, &p, &["--check"]));
    assert!(text.contains("0 missing, 0 differ"), "{text}");
}

#[test]
fn stale_objects_go_only_with_delete_stale_and_a_foreign_object_stays() {
    let Some(s) = Seaweed::start() else { return };
    let (_dir, p) = release(&base(&s));
    let foreign = s.dir().join("foreign.txt");
    std::fs::write(&foreign, "not bundler's").unwrap();
    let key = format!("{PREFIX}/notes/foreign.txt");
    s.api(&["put-object", "--bucket", BUCKET, "--key", &key, "--body", foreign.to_str().unwrap()]);
    ok(&publish(&s, &p, &[]));
    // The next tree has no firmware: its three files are stale.
    let toml = std::fs::read_to_string(p.join("release.toml")).unwrap();
    let start = toml.find("[firmware]").unwrap();
    let end = toml[start..].find("\n\n").unwrap() + start;
    std::fs::write(p.join("release.toml"), format!("{}{}", &toml[..start], &toml[end..])).unwrap();
    rebuild(&p, &base(&s));
    let dry = ok(&publish(&s, &p, &["--dry-run", "--delete-stale"]));
    assert_eq!(dry.lines().filter(|l| l.starts_with("delete ") && l.contains("/firmware/")).count(), 3, "{dry}");
    assert!(!dry.contains("foreign.txt"), "{dry}");
    assert!(s.listing(PREFIX).contains_key("firmware/hl_fw924.rom_2.0.4.6.41"), "a dry run deletes nothing");
    let text = ok(&publish(&s, &p, &[]));
    assert!(text.contains("3 stale object(s) bundler wrote are left"), "{text}");
    assert!(text.contains("1 object(s) under the prefix that bundler did not write: left alone"), "{text}");
    let text = ok(&publish(&s, &p, &["--delete-stale"]));
    assert!(text.contains("deleted 3,"), "{text}");
    let after = s.listing(PREFIX);
    assert!(!after.keys().any(|k| k.starts_with("firmware/")), "{after:?}");
    assert_eq!(s.download(&key), b"not bundler's", "the foreign object stays");
    // An object bundler did not write is never replaced either.
    s.api(&[
        "put-object",
        "--bucket",
        BUCKET,
        "--key",
        &format!("{PREFIX}/Language.tar"),
        "--body",
        foreign.to_str().unwrap(),
    ]);
    let out = publish(&s, &p, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("Language.tar: an object bundler did not write is there"), "{}", stderr(&out));
    assert_eq!(s.download(&format!("{PREFIX}/Language.tar")), b"not bundler's");
}

#[test]
fn wrong_credentials_no_bucket_and_no_server_are_one_clear_line() {
    let Some(s) = Seaweed::start() else { return };
    let (_dir, p) = release("http://127.0.0.1:9/");
    let to = format!("s3://{BUCKET}/{PREFIX}");
    let run = |to: &str, endpoint: &str, env: &[(&str, &str)]| {
        bundler()
            .current_dir(&p)
            .args(["publish", "build", to, "--endpoint", endpoint])
            .envs(s.env())
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    let out = run(&to, &s.endpoint, &[("AWS_SECRET_ACCESS_KEY", "wrong")]);
    assert_one_line_error(&out, &["access denied", KEY_ID, "AWS_ACCESS_KEY_ID"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&to, &s.endpoint, &[("AWS_ACCESS_KEY_ID", "AKIDNOBODY")]);
    assert_one_line_error(&out, &["access denied", "AKIDNOBODY"]);
    let out = run("s3://no-such-bucket/x", &s.endpoint, &[]);
    assert_one_line_error(&out, &["no-such-bucket", "no such bucket"]);
    assert_eq!(out.status.code(), Some(2));
    let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = run(&to, &format!("http://127.0.0.1:{nobody}"), &[]);
    assert_one_line_error(&out, &["unreachable", &nobody.to_string()]);
    let out = run(&to, &s.endpoint, &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")]);
    assert_one_line_error(&out, &["no AWS credentials"]);
    // A clock three hours slow (libfaketime): the server finds the signed request expired.
    if require_tool("faketime") {
        let out = std::process::Command::new("faketime")
            .args(["-f", "-3h", env!("CARGO_BIN_EXE_bundler"), "publish", "build", &to, "--endpoint", &s.endpoint])
            .current_dir(&p)
            .envs(s.env())
            .output()
            .unwrap();
        assert_one_line_error(&out, &["clock skew", "check this machine's clock"]);
    }
    assert!(s.listing(PREFIX).is_empty(), "nothing was written");
}

#[test]
fn profile_credentials_and_a_large_file_in_parts() {
    let Some(s) = Seaweed::start() else { return };
    let (_dir, p) = release("http://127.0.0.1:9/");
    // A tree whose Language.tar is 11 MiB: with 5 MiB parts it goes up in three.
    let build = p.join("build");
    let big: Vec<u8> = (0..11u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    std::fs::write(build.join("Language.tar"), &big).unwrap();
    let sha = sha256_of(&build.join("Language.tar"));
    let manifest = std::fs::read_to_string(build.join("manifest.json")).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for a in m["artifacts"].as_array_mut().unwrap().iter_mut().filter(|a| a["path"] == "Language.tar") {
        a["sha256"] = sha.clone().into();
        a["bytes"] = big.len().into();
    }
    std::fs::write(build.join("manifest.json"), m.to_string()).unwrap();
    let creds = s.dir().join("credentials");
    std::fs::write(&creds, format!("[default]\naws_access_key_id = nobody\n\n[lab]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {}\n", s3::SECRET)).unwrap();
    let out = bundler()
        .current_dir(&p)
        .args(["publish", "build", &format!("s3://{BUCKET}/{PREFIX}"), "--endpoint", &s.endpoint, "--part-size", "5"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_PROFILE", "lab")
        .output()
        .unwrap();
    ok(&out);
    assert!(
        stderr(&out).contains(&format!("key id {KEY_ID} from profile 'lab' in {}", creds.display())),
        "{}",
        stderr(&out)
    );
    let head = s.api(&["head-object", "--bucket", BUCKET, "--key", &format!("{PREFIX}/Language.tar")]);
    assert!(head["ETag"].as_str().unwrap().ends_with("-3\""), "three parts: {head}");
    assert_eq!(head["Metadata"]["sha256"], sha.as_str());
    assert_eq!(s.download(&format!("{PREFIX}/Language.tar")), big);
    let text = ok(&publish(&s, &p, &["--check", "--part-size", "5"]));
    assert!(text.contains("0 missing, 0 differ"), "{text}");
}

/// The same rules without a server: a folder as the destination.
#[test]
fn a_folder_destination_follows_the_same_rules() {
    let (_dir, p) = release("http://127.0.0.1:9/");
    let dest = p.join("www");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("index.html"), "the site's own page").unwrap();
    let run = |extra: &[&str]| run_in(&p, &[&["publish", "build", "www"], extra].concat());
    let text = ok(&run(&[]));
    assert!(text.contains(&format!("uploaded {TREE_FILES}, unchanged 0")), "{text}");
    assert_eq!(
        std::fs::read(dest.join("ring/ring5.bin")).unwrap(),
        std::fs::read(p.join("build/ring/ring5.bin")).unwrap()
    );
    let text = ok(&run(&[]));
    assert!(text.contains(&format!("uploaded 0, unchanged {TREE_FILES}")), "{text}");
    assert!(text.contains("1 object(s) under the prefix that bundler did not write"), "{text}");
    // A file bundler did not write is not replaced: nothing is sent, exit 2.
    std::fs::write(dest.join("ring/ring5.bin"), "edited by hand").unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ring/ring5.bin: an object bundler did not write is there"), "{}", stderr(&out));
    assert_eq!(std::fs::read(dest.join("ring/ring5.bin")).unwrap(), b"edited by hand");
    // A tree file that differs from its manifest is refused before anything is sent.
    std::fs::write(p.join("build/ring/ring6.bin"), "corrupt").unwrap();
    assert_one_line_error(&run(&[]), &["ring6.bin", "differs from manifest.json"]);
    assert_eq!(std::fs::read(dest.join("index.html")).unwrap(), b"the site's own page");
}
