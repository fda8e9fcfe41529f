//! `bundler config`: Htek and Flyingvoice config generation checked with independent readers
//! (`openssl enc -d` for the AES files, `xmllint` for the XML), every bad CSV input refused with its
//! line and nothing written, `lint` findings for each listed problem, and `resolve`.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const IV: &str = "0B1E1D000F0B07091D1F04071F1E0407";

/// A temporary folder holding `phones.csv` with these bytes.
fn with_phones(csv: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("phones.csv"), csv).unwrap();
    dir
}

/// `bundler config htek --phones phones.csv ARGS` in `dir`.
fn htek_config(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["config", "htek", "--phones", "phones.csv"];
    all.extend(args);
    run_in(dir, &all)
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "failed: {}\n{}", stderr(out), stdout(out));
}

/// Decrypts with OpenSSL, the independent reader of the AES files.
fn openssl_decrypt(file: &Path, key: &str) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(["enc", "-d", "-aes-128-cbc", "-K", key, "-iv", IV, "-in"])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl could not decrypt {}: {}", file.display(), stderr(&out));
    out.stdout
}

/// `xmllint --noout` (well-formedness by an independent parser) and, with an XPath, the value read.
fn xmllint(file: &Path, xpath: Option<&str>) -> String {
    let mut cmd = Command::new("xmllint");
    match xpath {
        Some(x) => cmd.args(["--xpath", x]),
        None => cmd.arg("--noout"),
    };
    let out = cmd.arg(file).output().unwrap();
    assert!(out.status.success(), "xmllint refused {}: {}", file.display(), stderr(&out));
    let text = stdout(&out);
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

const PHONES: &str = "mac,model,account1.sip_server,P35,ring.tone\n\
00:1F:C1:10:D3:A9,UC924,pbx.example.com:5060,1001,8\n\
00-1f-c1-10-d3-aa,uc924,\"pbx, with a comma & <markup>\",1002,\n\
001FC110D3AB,UC926,pbx.example.com,\"Ünïcødé 1003\",3\n";

const COMMON: &str = "[all]\nprovision.check_interval = 10080\nP192 = \"fw.example.com/htek\"\n\n[models.UC924]\naccount1.sip_server = \"default.example.com\"\n";

fn htek_inputs() -> tempfile::TempDir {
    let dir = with_phones(PHONES);
    write_file(dir.path(), "common.toml", COMMON);
    dir
}

#[test]
fn htek_writes_the_guide_shape_that_xmllint_reads_back() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = htek_inputs();
    let out = htek_config(dir.path(), &["--common", "common.toml", "--out", "tftp"]);
    ok(&out);
    let tftp = dir.path().join("tftp");
    assert_eq!(
        files_in(&tftp),
        ["cfg0010.xml", "cfg0012.xml", "cfg001fc110d3a9.xml", "cfg001fc110d3aa.xml", "cfg001fc110d3ab.xml"]
    );
    for f in files_in(&tftp) {
        xmllint(&tftp.join(&f), None);
    }
    let a9 = std::fs::read_to_string(tftp.join("cfg001fc110d3a9.xml")).unwrap();
    assert!(
        a9.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n"
        ),
        "{a9}"
    );
    assert!(a9.contains("<P47 para=\"Account1_Sipserver\">pbx.example.com:5060</P47>\n"), "{a9}");
    assert!(a9.contains("<P8721 para=\"RingTone\">8</P8721>"), "{a9}");
    // The quoted comma and the markup come back exactly through an independent parser.
    let v = xmllint(&tftp.join("cfg001fc110d3aa.xml"), Some("string(/hl_provision/config/P47)"));
    assert_eq!(v, "pbx, with a comma & <markup>");
    assert_eq!(xmllint(&tftp.join("cfg001fc110d3ab.xml"), Some("string(//P35)")), "Ünïcødé 1003");
    // An empty cell leaves the setting out.
    assert_eq!(xmllint(&tftp.join("cfg001fc110d3aa.xml"), Some("count(//P8721)")), "0");
    // The common file per device code: [all] + [models.UC924], and UC926's without the UC924 table.
    let c12 = tftp.join("cfg0012.xml");
    assert_eq!(xmllint(&c12, Some("string(//P47)")), "default.example.com");
    assert_eq!(xmllint(&c12, Some("string(//P193/@para)")), "AutoUpgradeInterval");
    assert_eq!(xmllint(&tftp.join("cfg0010.xml"), Some("count(//P47)")), "0");
    assert_eq!(xmllint(&tftp.join("cfg0010.xml"), Some("string(//P192)")), "fw.example.com/htek");
}

#[test]
fn htek_aes_files_decrypt_with_openssl_to_the_exact_plaintext() {
    if !require_tool("openssl") {
        return;
    }
    let dir = htek_inputs();
    ok(&htek_config(dir.path(), &["--common", "common.toml", "--out", "plain"]));
    for key in ["001FC1BC", "123", "0123456789abcdef", "7"] {
        let out_dir = format!("enc-{key}");
        let out = htek_config(dir.path(), &["--common", "common.toml", "--aes-key", key, "--out", &out_dir]);
        ok(&out);
        let enc = dir.path().join(&out_dir);
        let names = files_in(&enc);
        assert_eq!(names, files_in(&dir.path().join("plain")));
        for name in names {
            let plain = std::fs::read(dir.path().join("plain").join(&name)).unwrap();
            let got = std::fs::read(enc.join(&name)).unwrap();
            if name.len() == "cfg0012.xml".len() {
                assert_eq!(got, plain, "{name}: common files stay plaintext");
                continue;
            }
            assert_ne!(got, plain, "{name} is not encrypted");
            assert_eq!(openssl_decrypt(&enc.join(&name), key), plain, "{name} with key {key}");
        }
        // The key never lands in the output tree unless asked for: not in the plaintext common files,
        // and (by the equality above) not inside the encrypted ones.
        for common in ["cfg0010.xml", "cfg0012.xml"] {
            let text = std::fs::read_to_string(enc.join(common)).unwrap();
            assert!(!text.contains("P8631"), "{common} names the key setting:\n{text}");
            assert!(
                key.len() < 4 || !text.to_ascii_uppercase().contains(&key.to_ascii_uppercase()),
                "{common} holds the key"
            );
        }
    }
}

#[test]
fn htek_key_in_common_only_when_asked_with_a_warning() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = htek_inputs();
    let out = htek_config(dir.path(), &["--aes-key", "001fc1bc", "--write-key-to-common", "--out", "t"]);
    ok(&out);
    assert!(stderr(&out).contains("warning:") && stderr(&out).contains("decrypt every phone"), "{}", stderr(&out));
    let c = dir.path().join("t/cfg0012.xml");
    assert_eq!(xmllint(&c, Some("string(//P8631)")), "001FC1BC");
    assert_eq!(xmllint(&c, Some("string(//P240)")), "1");
}

#[test]
fn decrypt_prints_the_plaintext_and_a_wrong_key_is_a_clear_error() {
    let dir = htek_inputs();
    ok(&htek_config(dir.path(), &["--out", "plain"]));
    ok(&htek_config(dir.path(), &["--aes-key", "001FC1BC", "--out", "enc"]));
    let out = run_in(dir.path(), &["config", "decrypt", "enc/cfg001fc110d3a9.xml", "--aes-key", "001fc1bc"]);
    ok(&out);
    assert_eq!(out.stdout, std::fs::read(dir.path().join("plain/cfg001fc110d3a9.xml")).unwrap());
    let out = run_in(dir.path(), &["config", "decrypt", "enc/cfg001fc110d3a9.xml", "--aes-key", "001FC1BD"]);
    assert_one_line_error(&out, &["enc/cfg001fc110d3a9.xml", "padding invalid: wrong key?"]);
    assert!(out.stdout.is_empty(), "garbage printed");
    let out = run_in(dir.path(), &["config", "decrypt", "plain/cfg0012.xml", "--aes-key", "1"]);
    assert_one_line_error(&out, &["plain/cfg0012.xml", "not an encrypted config"]);
    for bad in ["", "12345678901234567", "00:1F", "0x1F", "GG"] {
        let out = htek_config(dir.path(), &["--aes-key", bad, "--out", "x"]);
        assert_one_line_error(&out, &["AES key"]);
    }
    assert!(!dir.path().join("x").exists());
}

#[test]
fn htek_output_is_byte_identical_run_to_run() {
    let dir = htek_inputs();
    let args = |o: &'static str| {
        vec!["config", "htek", "--phones", "phones.csv", "--common", "common.toml", "--aes-key", "1234", "--out", o]
    };
    ok(&run_in(dir.path(), &args("a")));
    ok(&run_in(dir.path(), &args("b")));
    for f in files_in(&dir.path().join("a")) {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(&f)).unwrap(),
            std::fs::read(dir.path().join("b").join(&f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn htek_prefix_postfix_resources_and_merge() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = htek_inputs();
    let out = htek_config(
        dir.path(),
        &["--prefix", "hl_", "--postfix", "_v2", "--resources-url", "http://prov.example.com/htek/", "--out", "t"],
    );
    ok(&out);
    let t = dir.path().join("t");
    assert!(files_in(&t).contains(&"hl_cfg0012.xml_v2".to_string()), "{:?}", files_in(&t));
    assert!(files_in(&t).contains(&"hl_cfg001fc110d3a9.xml_v2".to_string()));
    let c = t.join("hl_cfg0012.xml_v2");
    assert_eq!(xmllint(&c, Some("string(//P234)")), "hl_");
    assert_eq!(xmllint(&c, Some("string(//P235)")), "_v2");
    assert_eq!(xmllint(&c, Some("string(//P20176)")), "http://prov.example.com/htek/UC924/hlpres.tar");
    assert_eq!(xmllint(&c, Some("string(//P20174)")), "http://prov.example.com/htek/ring");
    // A model without screen assets gets no wallpaper URL: none here, UC924 has one.
    assert_eq!(xmllint(&c, Some("count(//P20052)")), "1");

    // --merge-common: every setting in each phone's file, no common file.
    let out = htek_config(dir.path(), &["--common", "common.toml", "--merge-common", "--out", "m"]);
    ok(&out);
    let m = dir.path().join("m");
    assert_eq!(files_in(&m), ["cfg001fc110d3a9.xml", "cfg001fc110d3aa.xml", "cfg001fc110d3ab.xml"]);
    let a9 = m.join("cfg001fc110d3a9.xml");
    assert_eq!(xmllint(&a9, Some("string(//P47)")), "pbx.example.com:5060", "the phone's own value wins");
    assert_eq!(xmllint(&a9, Some("string(//P193)")), "10080");

    // common.toml asking for a prefix the files would not carry is refused.
    write_file(dir.path(), "prefixed.toml", "[all]\nprovision.config_prefix = \"hl_\"\n");
    let out = htek_config(dir.path(), &["--common", "prefixed.toml", "--out", "p"]);
    assert_one_line_error(&out, &["prefixed.toml", "P234", "--prefix"]);
}

/// Runs `config htek` on a CSV into an existing output folder and checks it failed with one error
/// line holding every needle, and that the folder is exactly as before.
fn refused(csv: &[u8], needles: &[&str]) {
    let dir = with_phones(csv);
    write_file(dir.path(), "tftp/keep.txt", "before");
    let out = htek_config(dir.path(), &["--out", "tftp"]);
    assert_one_line_error(&out, needles);
    assert!(stderr(&out).contains("nothing written"), "{}", stderr(&out));
    assert_eq!(files_in(&dir.path().join("tftp")), ["keep.txt"], "something was written");
    let hidden: Vec<_> = std::fs::read_dir(dir.path().join("tftp")).unwrap().collect();
    assert_eq!(hidden.len(), 1, "staging left behind");
    let out = htek_config(dir.path(), &["--out", "new"]);
    assert!(!out.status.success());
    assert!(!dir.path().join("new").exists(), "a new output folder was created");
}

#[test]
fn csv_missing_mac_column() {
    refused(b"model,P47\nUC924,a\n", &["phones.csv:1:", "no 'mac' column", "model, P47"]);
    refused(b"mac;model;P47\n001fc110d3a9;UC924;a\n", &["no 'mac' column", "';'"]);
}

#[test]
fn csv_ragged_row() {
    refused(
        b"mac,model,P47\n001fc110d3a9,UC924,a\n001fc110d3aa,UC924\n",
        &["phones.csv:3:", "2 fields but the header has 3"],
    );
    refused(b"mac,model,P47\n001fc110d3a9,UC924,a,extra\n", &["phones.csv:2:", "4 fields"]);
}

#[test]
fn csv_with_a_bom_is_read() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = with_phones(b"\xEF\xBB\xBFmac,model,P47\r\n001fc110d3a9,UC924,pbx\r\n");
    ok(&htek_config(dir.path(), &["--out", "t"]));
    assert_eq!(xmllint(&dir.path().join("t/cfg001fc110d3a9.xml"), Some("string(//P47)")), "pbx");
}

#[test]
fn csv_quoted_newline_is_refused_with_its_line_and_later_lines_stay_right() {
    refused(
        b"mac,model,P47\n001fc110d3a9,UC924,\"two\nlines\"\n001fc110d3aa,UC924,ok\n",
        &["phones.csv:2:", "column 'P47'", "line break"],
    );
    // After a quoted field spanning lines, a later bad row is reported at its real line (4, not 3).
    refused(b"mac,model,P47\n001fc110d3a9,UC924,\"a,\nb\"\n001fc110d3z,UC924,x\n", &["phones.csv:2:", "(and 1 more"]);
    let dir = with_phones("mac,model,P47\n001fc110d3a9,UC924,\"a, b\"\n\"001fc110d3a\",UC924,x\n");
    let out = htek_config(dir.path(), &["--out", "t"]);
    assert_one_line_error(&out, &["phones.csv:3:", "11 hex digits"]);
}

#[test]
fn csv_unknown_model_and_alias() {
    refused(
        b"mac,model,P47\n001fc110d3a9,UC924,a\n001fc110d3aa,UC942,b\n",
        &["phones.csv:3:", "unknown model 'UC942'", "UC924"],
    );
    refused(b"mac,model,P47\n001fc110d3a9,FIP13G,a\n", &["phones.csv:2:", "flyingvoice", "config flyingvoice"]);
    refused(
        b"mac,model,acount1.sip_server\n001fc110d3a9,UC924,a\n",
        &["phones.csv:1:", "acount1.sip_server", "did you mean account1.sip_server"],
    );
    refused(b"mac,model,P47,account1.sip_server\n001fc110d3a9,UC924,a,b\n", &["phones.csv:1:", "both set P47"]);
}

#[test]
fn csv_bad_and_duplicate_macs_name_their_lines() {
    refused(b"mac,model\n001fc110d3a9,UC924\n001fc110d3a,UC924\n", &["phones.csv:3:", "11 hex digits"]);
    refused(b"mac,model\n001fc110d3ag,UC924\n", &["phones.csv:2:", "not a hex digit: 'g'"]);
    refused(
        b"mac,model\n00:1F:C1:10:D3:A9,UC924\n001fc110d3aa,UC924\n001fc110d3a9,UC924\n",
        &["phones.csv:4:", "appears twice", "line 2"],
    );
    refused(b"mac,model\n001fc110d3a9,UC9\xff24\n", &["phones.csv:2:", "UTF-8"]);
    refused(b"mac,model\n", &["no phones"]);
    refused(b"mac,model,P8631\n001fc110d3a9,UC924,12G\n", &["phones.csv:2:", "P8631", "hex digits"]);
    refused(b"mac,model\n001fc110d3a9,UC901\n", &["UC901", "device code", "--layouts"]);
}

#[test]
fn macs_no_phone_has_are_refused_with_their_csv_line() {
    refused(b"mac,model\n001fc110d3a9,UC924\nffffffffffff,UC924\n", &["phones.csv:3:", "broadcast"]);
    refused(b"mac,model\n00:00:00:00:00:00,UC924\n", &["phones.csv:2:", "all zeros"]);
    refused(b"mac,model\n01:1f:c1:10:d3:a9,UC924\n", &["phones.csv:2:", "multicast"]);
    let dir = with_phones("mac,model\n001fc110d3a9,UC924\n00:0b:82:10:d3:a9,UC924\n");
    let out = htek_config(dir.path(), &["--out", "t"]);
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("phones.csv:3:1: warning: MAC 000b8210d3a9 does not start with Htek UC900's prefix 00:1f:c1"),
        "{err}"
    );
    assert!(!err.contains("phones.csv:2:"), "{err}");
    write_file(dir.path(), "fv.csv", "mac\n0021f2000001\n001fc1000002\n");
    let out = run_in(dir.path(), &["config", "flyingvoice", "--phones", "fv.csv", "--out", "fv"]);
    ok(&out);
    assert!(
        stderr(&out)
            .contains("fv.csv:3:1: warning: MAC 001fc1000002 does not start with Flyingvoice FIP's prefix 00:21:f2"),
        "{}",
        stderr(&out)
    );
    // Another OUI is added as layout data.
    write_file(dir.path(), "lay/htek.toml", "ouis = [\"001fc1\", \"000b82\"]\n");
    let out = run_in(dir.path(), &["--layouts", "lay", "config", "htek", "--phones", "phones.csv", "--out", "t2"]);
    ok(&out);
    assert!(!stderr(&out).contains("does not start with"), "{}", stderr(&out));
    let out = run_in(dir.path(), &["config", "resolve", "t", "--mac", "ff:ff:ff:ff:ff:ff", "--model", "UC924"]);
    assert_one_line_error(&out, &["--mac", "broadcast"]);
}

#[test]
fn prefixes_a_url_would_need_escaped_are_refused_naming_flag_and_character() {
    let dir = htek_inputs();
    for (value, bad) in [("hl_ ", "a space"), ("a/b", "'/'"), ("x%20", "'%'"), ("é", "'\\u{e9}'"), ("a?b", "'?'")] {
        let out = htek_config(dir.path(), &["--prefix", value, "--out", "t"]);
        assert_one_line_error(&out, &["--prefix", bad, "-._~"]);
        assert!(!dir.path().join("t").exists());
    }
    let out = htek_config(dir.path(), &["--postfix", " _1.0.3.70", "--out", "t"]);
    assert_one_line_error(&out, &["--postfix", "a space"]);
    ok(&htek_config(dir.path(), &["--prefix", "hl-A.9_~", "--out", "t"]));
    assert!(dir.path().join("t/hl-A.9_~cfg001fc110d3a9.xml").is_file());
    let out = run_in(
        dir.path(),
        &["firmware", "fw926.rom", "--model", "UC926", "--version", "2.0.4.6.41", "--prefix", "hl_ "],
    );
    assert_one_line_error(&out, &["--prefix", "a space"]);
}

#[test]
fn many_errors_are_all_listed_before_the_summary() {
    let dir = with_phones("mac,model\n1,UC924\n2,UC924\n001fc110d3a9,UC999\n");
    let out = htek_config(dir.path(), &["--out", "t"]);
    assert_one_line_error(&out, &["phones.csv:2:", "(and 2 more problems), listed above; nothing written"]);
    let err = stderr(&out);
    for l in ["phones.csv:2:1: error:", "phones.csv:3:1: error:", "phones.csv:4:1: error: unknown model 'UC999'"] {
        assert!(err.contains(l), "{l} missing in {err}");
    }
}

#[test]
fn layouts_override_supplies_a_device_code_and_a_pcode() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "layouts/htek.toml", "[models.UC901]\ndevice_code = \"0099\"\n");
    write_file(
        dir.path(),
        "layouts/htek-config.toml",
        "[pcodes.P270]\npara = \"Account1_Name\"\nalias = \"account1.name\"\nsource = \"mine\"\n",
    );
    write_file(dir.path(), "phones.csv", "mac,model,account1.name,#room\n001fc110d3a9,UC901,Front desk,B12\n");
    ok(&run_in(dir.path(), &["--layouts", "layouts", "config", "htek", "--phones", "phones.csv", "--out", "t"]));
    assert_eq!(files_in(&dir.path().join("t")), ["cfg001fc110d3a9.xml", "cfg0099.xml"]);
    let f = dir.path().join("t/cfg001fc110d3a9.xml");
    assert_eq!(xmllint(&f, Some("string(//P270/@para)")), "Account1_Name");
    assert_eq!(xmllint(&f, Some("string(//P270)")), "Front desk");
    assert_eq!(xmllint(&f, Some("count(/hl_provision/config/*)")), "1", "the #room note column is ignored");
}

// ---------------------------------------------------------------------------------------------
// Flyingvoice

const FV_PHONES: &str = "mac,model,account.1.user_name,account.1.password,account.1.sip_server.1.address\n\
00:1F:C1:10:D3:A9,FIP13G,1001,secret,pbx.example.com\n\
001fc110d3aa,,1002,\"pa,ss\",pbx.example.com\n";

#[test]
fn flyingvoice_boot_and_cfg_files_and_phonebook() {
    if !require_tool("xmllint") {
        return;
    }
    let dir = with_phones(FV_PHONES);
    write_file(
        dir.path(),
        "common.toml",
        "static.auto_provision.server.url = \"http://prov.example.com/fv\"\n[lang]\ngui = \"English\"\n",
    );
    write_file(
        dir.path(),
        "contacts.csv",
        "name,numbers,group\nAlice Example,1001;+15550100,Sales\nBob & Co,1002,\n\"Carol \"\"CJ\"\"\",1003,Sales\n",
    );
    let out = run_in(
        dir.path(),
        &[
            "config",
            "flyingvoice",
            "--phones",
            "phones.csv",
            "--common",
            "common.toml",
            "--phonebook",
            "contacts.csv",
            "--resources-url",
            "http://prov.example.com/fv",
            "--out",
            "fv",
        ],
    );
    ok(&out);
    assert!(stdout(&out).contains("assumed"), "the phonebook format must be marked assumed: {}", stdout(&out));
    let fv = dir.path().join("fv");
    assert_eq!(
        files_in(&fv),
        [
            "001fc110d3a9.boot",
            "001fc110d3a9.cfg",
            "001fc110d3aa.boot",
            "001fc110d3aa.cfg",
            "phonebook.xml",
            "y000000000000.boot",
            "y000000000000.cfg"
        ]
    );
    let read = |n: &str| std::fs::read_to_string(fv.join(n)).unwrap();
    assert_eq!(
        read("001fc110d3a9.boot"),
        "#!version:1.0.0.1\ninclude:config \"y000000000000.cfg\"\ninclude:config \"001fc110d3a9.cfg\"\n"
    );
    assert_eq!(read("y000000000000.boot"), "#!version:1.0.0.1\ninclude:config \"y000000000000.cfg\"\n");
    assert_eq!(
        read("001fc110d3aa.cfg"),
        "#!version:1.0.0.1\naccount.1.user_name = 1002\naccount.1.password = pa,ss\naccount.1.sip_server.1.address = pbx.example.com\n"
    );
    let common = read("y000000000000.cfg");
    assert!(common.starts_with("#!version:1.0.0.1\n"), "{common}");
    for line in [
        "lang.gui = English",
        "static.auto_provision.server.url = http://prov.example.com/fv",
        "remote_phonebook.data.1.url = http://prov.example.com/fv/phonebook.xml",
    ] {
        assert!(common.lines().any(|l| l == line), "{line} missing:\n{common}");
    }
    let pb = fv.join("phonebook.xml");
    xmllint(&pb, None);
    assert_eq!(xmllint(&pb, Some("count(//Menu[@Name='Sales']/Unit)")), "2");
    assert_eq!(xmllint(&pb, Some("string(//Unit[@Phone1='1003']/@Name)")), "Carol \"CJ\"");
    assert_eq!(xmllint(&pb, Some("string(//Menu[@Name='Contacts']/Unit/@Name)")), "Bob & Co");
    assert_eq!(xmllint(&pb, Some("string(//Unit[@Name='Alice Example']/@Phone2)")), "+15550100");

    // What it wrote lints clean.
    let out = run_in(dir.path(), &["config", "lint", "fv"]);
    ok(&out);
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn flyingvoice_refuses_line_breaks_and_bad_inputs_writing_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        ("mac,account.1.user_name\n001fc110d3a9,1001\n001fc110d3aa,\"10\n02\"\n", "", &["phones.csv:3:", "line break"]),
        ("mac,account.1.user_name\n001fc110d3a9,1001\n001fc110d3a9,1002\n", "", &["phones.csv:3:", "appears twice"]),
        ("mac,model\n001fc110d3a9,UC924\n", "", &["phones.csv:2:", "htek phone"]),
        ("mac,account 1\n001fc110d3a9,1001\n", "", &["phones.csv:1:", "contains a space"]),
        ("mac,a\n001fc110d3a9,1\n", "#!version:1.0.0.1\nno equals\n", &["common.cfg:2", "no '='"]),
    ];
    for (csv, common, needles) in cases {
        write_file(dir.path(), "phones.csv", csv);
        let mut args = vec!["config", "flyingvoice", "--phones", "phones.csv", "--out", "fv"];
        if !common.is_empty() {
            write_file(dir.path(), "common.cfg", common);
            args.extend(["--common", "common.cfg"]);
        }
        let out = run_in(dir.path(), &args);
        assert_one_line_error(&out, needles);
        assert!(!dir.path().join("fv").exists(), "written despite {needles:?}");
    }
    write_file(dir.path(), "phones.csv", "mac,a\n001fc110d3a9,1\n");
    write_file(dir.path(), "contacts.csv", "name,numbers\nAlice,1;2;3;4\n");
    let out = run_in(
        dir.path(),
        &["config", "flyingvoice", "--phones", "phones.csv", "--phonebook", "contacts.csv", "--out", "fv"],
    );
    assert_one_line_error(&out, &["contacts.csv:2:", "4 numbers", "at most 3"]);
    assert!(!dir.path().join("fv").exists());
}

// ---------------------------------------------------------------------------------------------
// lint

const GOOD_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n<P47 para=\"Account1_Sipserver\">pbx</P47>\n</config>\n</hl_provision>\n";

fn lint(dir: &Path, args: &[&str]) -> (bool, Vec<String>) {
    let mut all = vec!["config", "lint"];
    all.extend(args);
    let out = run_in(dir, &all);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    (out.status.success(), stdout(&out).lines().map(str::to_string).collect())
}

fn has(lines: &[String], needle: &str) {
    assert!(lines.iter().any(|l| l.contains(needle)), "'{needle}' not found in:\n{}", lines.join("\n"));
}

#[test]
fn lint_htek_finds_each_listed_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(
        d,
        "malformed/cfg0012.xml",
        "<hl_provision version=\"1\"><config version=\"1\">\n<P47>a</P48>\n</config></hl_provision>\n",
    );
    write_file(
        d,
        "unclosed/cfg0012.xml",
        "<hl_provision version=\"1\"><config version=\"1\">\n<P47>a</P47>\n</config>\n",
    );
    write_file(d, "root/cfg0012.xml", "<?xml version=\"1.0\"?>\n<provision><config/></provision>\n");
    write_file(d, "shape/cfg0012.xml", "<hl_provision version=\"1\">\n<P47>a</P47>\n</hl_provision>\n");
    write_file(
        d,
        "codes/cfg0012.xml",
        "<hl_provision version=\"1\">\n<config version=\"1\">\n<P47>a</P47>\n<p48>b</p48>\n<P47>c</P47>\n<P8631>12G</P8631>\n<P20176>ftp://x/hlpres.tar</P20176>\n<Pabc/>\n</config>\n</hl_provision>\n",
    );
    write_file(d, "upper/cfg001FC110D3A9.xml", GOOD_XML);
    write_file(d, "both/cfg0012.xml", GOOD_XML);
    write_file(d, "both/cfg001fc110d3a9.xml", GOOD_XML);

    let (ok_, l) = lint(d, &["malformed/cfg0012.xml"]);
    assert!(!ok_);
    has(&l, "malformed/cfg0012.xml:2:");
    has(&l, "error: not well-formed XML");
    let (ok_, l) = lint(d, &["unclosed/cfg0012.xml"]);
    assert!(!ok_);
    has(&l, "unclosed/cfg0012.xml:1:1: error: not well-formed XML: <hl_provision> is not closed");
    let (_, l) = lint(d, &["root/cfg0012.xml"]);
    has(&l, "root/cfg0012.xml:2:1: error: the root element is <provision>");
    let (_, l) = lint(d, &["shape/cfg0012.xml"]);
    has(&l, "shape/cfg0012.xml:2:1: error: <P47> directly inside <hl_provision>");
    let (_, l) = lint(d, &["codes/cfg0012.xml"]);
    has(&l, "codes/cfg0012.xml:4:1: error: <p48> is not a P-code");
    has(&l, "codes/cfg0012.xml:5:1: error: P47 is set twice: 'c' here and 'a' at line 3");
    has(&l, "codes/cfg0012.xml:6:1: error: P8631 (CommonAESKey) must be 1 to 16 hex digits");
    has(&l, "codes/cfg0012.xml:7:1: error: P20176 (HlpresServerURL) must be an http:// or https:// URL");
    has(&l, "codes/cfg0012.xml:8:1: error: <Pabc> is not a P-code");
    let (ok_, l) = lint(d, &["upper"]);
    assert!(!ok_);
    has(&l, "upper/cfg001FC110D3A9.xml: error: upper-case MAC in the file name: phones request cfg001fc110d3a9.xml");
    let (ok_, l) = lint(d, &["both"]);
    assert!(ok_, "a warning only: {l:?}");
    has(&l, "both: warning: both cfg<code>.xml and cfg<mac>.xml are here");
}

#[test]
fn lint_recognises_encrypted_files_and_checks_them_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "phones.csv", "mac,model,P8721\n001fc110d3a9,UC924,8\n");
    ok(&htek_config(d, &["--aes-key", "ABC", "--out", "t"]));
    let (ok_, l) = lint(d, &["t"]);
    assert!(ok_, "{l:?}");
    has(&l, "t/cfg001fc110d3a9.xml: note: AES-encrypted");
    assert!(!l.iter().any(|x| x.contains("well-formed")), "{l:?}");
    let (ok_, l) = lint(d, &["t", "--aes-key", "ABC"]);
    assert!(ok_ && !l.iter().any(|x| x.contains("cfg001fc110d3a9.xml:")), "{l:?}");
    let (ok_, l) = lint(d, &["t", "--aes-key", "ABD"]);
    assert!(!ok_);
    has(&l, "t/cfg001fc110d3a9.xml: error: AES-encrypted, but it does not decrypt with the given key");
}

#[test]
fn lint_flyingvoice_finds_each_listed_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "fv/y000000000000.boot", "#!version:1.0.0.1\ninclude:config <y000000000000.cfg>\ninclude:config missing.cfg\ninclude:config \"gone.cfg\"\ninclude:config <x.txt>\n");
    write_file(d, "fv/y000000000000.cfg", "\u{FEFF}#!version:1.0.0.1\na = 1\nno equals sign\na = 2\n<<<<<<< HEAD\nb = 1\n=======\nb = 2\n>>>>>>> theirs\n");
    write_file(d, "fv/001fc110d3a9.cfg", "account.1.user_name = 1001\n");
    write_file(d, "fv/001FC110D3AA.boot", "#!version:1.0.0.1\n");
    let (ok_, l) = lint(d, &["fv"]);
    assert!(!ok_);
    // A bare include is read as the phones in the field are given it, with a warning.
    has(&l, "fv/y000000000000.boot:3:1: warning: include without <> or \"\": read as 'missing.cfg'");
    has(&l, "fv/y000000000000.boot:3:1: error: includes 'missing.cfg', which is not there");
    has(&l, "fv/y000000000000.boot:4:1: error: includes 'gone.cfg', which is not there");
    has(&l, "fv/y000000000000.boot:5:1: error: bad include: 'x.txt' is not a *.cfg file");
    has(&l, "fv/y000000000000.cfg:1:1: warning: the file starts with a UTF-8 byte-order mark");
    has(&l, "fv/y000000000000.cfg:3:1: error: no '='");
    has(&l, "fv/y000000000000.cfg:4:1: warning: 'a' is set twice in this file: '2' here, '1' on line 2");
    has(&l, "fv/y000000000000.cfg:5:1: error: leftover merge-conflict marker");
    has(&l, "fv/y000000000000.cfg:7:1: error: leftover merge-conflict marker");
    has(&l, "fv/y000000000000.cfg:9:1: error: leftover merge-conflict marker");
    has(&l, "fv/001fc110d3a9.cfg:1:1: warning: the first line is not '#!version:1.0.0.1'");
    has(&l, "fv/001FC110D3AA.boot: error: upper-case MAC in the file name");
    assert!(!l.iter().any(|x| x.contains("y000000000000.boot:2:")), "the good include was flagged: {l:?}");

    let out = run_in(d, &["config", "lint", "fv", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v.as_array().unwrap()[0];
    assert!(first["file"].is_string() && first["severity"].is_string() && first["message"].is_string(), "{first}");
    assert!(!out.status.success());
}

// ---------------------------------------------------------------------------------------------
// resolve

#[test]
fn resolve_follows_a_three_level_include_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 001fc110d3a9.boot → level1.cfg → sub/level2.cfg → sub/deeper/level3.cfg (each include relative
    // to the file that names it), then the phone's own cfg last.
    write_file(
        d,
        "fv/001fc110d3a9.boot",
        "#!version:1.0.0.1\ninclude:config \"level1.cfg\"\ninclude:config <001fc110d3a9.cfg>\n",
    );
    write_file(
        d,
        "fv/level1.cfg",
        "#!version:1.0.0.1\nlang.gui = English\nx = level1\ninclude:config \"sub/level2.cfg\"\ny = level1\n",
    );
    write_file(
        d,
        "fv/sub/level2.cfg",
        "#!version:1.0.0.1\nx = level2\ny = level2\nz = level2\ninclude:config \"deeper/level3.cfg\"\n",
    );
    write_file(d, "fv/sub/deeper/level3.cfg", "#!version:1.0.0.1\nz = level3\nw = level3\n");
    write_file(d, "fv/001fc110d3a9.cfg", "#!version:1.0.0.1\nw = phone\n");
    write_file(d, "fv/y000000000000.boot", "#!version:1.0.0.1\ninclude:config \"level1.cfg\"\n");
    let out = run_in(d, &["config", "resolve", "fv", "--mac", "00:1F:C1:10:D3:A9", "--json"]);
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = v["files"].as_array().unwrap().iter().map(|f| f["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        ["001fc110d3a9.boot", "level1.cfg", "sub/level2.cfg", "sub/deeper/level3.cfg", "001fc110d3a9.cfg"]
    );
    let depth: Vec<u64> = v["files"].as_array().unwrap().iter().map(|f| f["depth"].as_u64().unwrap()).collect();
    assert_eq!(depth, [0, 1, 2, 3, 1]);
    let get = |k: &str| {
        let s =
            v["settings"].as_array().unwrap().iter().find(|s| s["key"] == k).unwrap_or_else(|| panic!("{k} missing"));
        (s["value"].as_str().unwrap().to_string(), s["file"].as_str().unwrap().to_string(), s["line"].as_u64().unwrap())
    };
    assert_eq!(get("lang.gui"), ("English".into(), "level1.cfg".into(), 2));
    assert_eq!(get("x"), ("level2".into(), "sub/level2.cfg".into(), 2));
    assert_eq!(get("y"), ("level1".into(), "level1.cfg".into(), 5), "set after the include: later wins");
    assert_eq!(get("z"), ("level3".into(), "sub/deeper/level3.cfg".into(), 2));
    assert_eq!(get("w"), ("phone".into(), "001fc110d3a9.cfg".into(), 2));

    let text = run_in(d, &["config", "resolve", "fv", "--mac", "001fc110d3a9"]);
    ok(&text);
    assert!(
        stdout(&text).lines().any(|l| l.starts_with("z = level3") && l.ends_with("# sub/deeper/level3.cfg:2")),
        "{}",
        stdout(&text)
    );

    // Another phone has no boot file of its own: the common boot file applies.
    let out = run_in(d, &["config", "resolve", "fv", "--mac", "001fc110d3aa", "--json"]);
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["file"], "y000000000000.boot");
    assert!(!v["settings"].as_array().unwrap().iter().any(|s| s["key"] == "w" && s["value"] == "phone"));

    // A cycle is an error, not a hang.
    write_file(d, "loop/001fc110d3a9.boot", "#!version:1.0.0.1\ninclude:config \"a.cfg\"\n");
    write_file(d, "loop/a.cfg", "#!version:1.0.0.1\ninclude:config \"a.cfg\"\n");
    let out = run_in(d, &["config", "resolve", "loop", "--mac", "001fc110d3a9"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "a.cfg:2:1: error: includes 'a.cfg', which is already being read: an include cycle (a.cfg → a.cfg)"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn resolve_exits_1_on_errors_and_lint_finds_the_same_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "fv/001fc110d3a9.boot", "#!version:1.0.0.1\ninclude:config \"a.cfg\"\n");
    write_file(d, "fv/a.cfg", "#!version:1.0.0.1\nx = 1\ninclude:config \"b.cfg\"\n");
    write_file(d, "fv/b.cfg", "#!version:1.0.0.1\ninclude:config \"a.cfg\"\n");
    let out = run_in(d, &["config", "resolve", "fv", "--mac", "001fc110d3a9", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let msgs: Vec<&str> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(msgs.iter().any(|m| m.contains("include cycle (a.cfg → b.cfg → a.cfg)")), "{msgs:?}");
    let (ok_, lines) = lint(d, &["fv"]);
    assert!(!ok_, "{lines:?}");
    has(
        &lines,
        "fv/b.cfg:2:1: error: includes 'a.cfg', which is already being read: an include cycle (a.cfg → b.cfg → a.cfg)",
    );
    assert_eq!(lines.iter().filter(|l| l.contains("(a.cfg → b.cfg → a.cfg)")).count(), 1, "listed once: {lines:?}");

    // A missing include is an error too: exit 1.
    write_file(d, "miss/001fc110d3a9.boot", "#!version:1.0.0.1\ninclude:config \"gone.cfg\"\n");
    let out = run_in(d, &["config", "resolve", "miss", "--mac", "001fc110d3a9"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("001fc110d3a9.boot:2:1: error: includes 'gone.cfg', which is not there"),
        "{}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn resolve_and_lint_refuse_an_include_that_is_a_symlink_out_of_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "secret.cfg", "#!version:1.0.0.1\nsecret = 42\n");
    write_file(d, "fv/001fc110d3a9.boot", "#!version:1.0.0.1\ninclude:config \"link.cfg\"\n");
    std::os::unix::fs::symlink(d.join("secret.cfg"), d.join("fv/link.cfg")).unwrap();
    let out = run_in(d, &["config", "resolve", "fv", "--mac", "001fc110d3a9"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("includes 'link.cfg', which is a symlink to outside the provisioning folder"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("secret = 42"), "{}", stdout(&out));
    let (ok_, lines) = lint(d, &["fv/001fc110d3a9.boot"]);
    assert!(!ok_);
    has(&lines, "symlink to outside the provisioning folder");

    // Htek: a cfg<mac>.xml that is a symlink out is not read either.
    write_file(
        d,
        "other/cfg001fc110d3a9.xml",
        "<hl_provision version=\"1\"><config version=\"1\"><P47>x</P47></config></hl_provision>",
    );
    std::fs::create_dir_all(d.join("t")).unwrap();
    std::os::unix::fs::symlink(d.join("other/cfg001fc110d3a9.xml"), d.join("t/cfg001fc110d3a9.xml")).unwrap();
    let out = run_in(d, &["config", "resolve", "t", "--mac", "001fc110d3a9", "--model", "UC924", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][2]["status"], "outside");
    assert!(v["settings"].as_array().unwrap().is_empty());
    // Linting the folder names the link and never shows what it leads to (P47 has no para).
    let (ok_, lines) = lint(d, &["t"]);
    assert!(!ok_);
    has(&lines, "t/cfg001fc110d3a9.xml: error: leads outside the tree (a symbolic link?); not read");
    assert!(!lines.iter().any(|l| l.contains("P47")), "{}", lines.join("\n"));
}

#[test]
fn resolve_htek_lists_requests_and_what_the_phone_takes() {
    let dir = htek_inputs();
    let d = dir.path();
    ok(&htek_config(d, &["--common", "common.toml", "--aes-key", "1234", "--out", "t"]));
    let out = run_in(
        d,
        &["config", "resolve", "t", "--mac", "00:1f:c1:10:d3:a9", "--model", "UC924", "--aes-key", "1234", "--json"],
    );
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<(&str, &str)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        files,
        [("cfg0012.xml", "present"), ("cfg001fc110d3a9", "missing"), ("cfg001fc110d3a9.xml", "encrypted")]
    );
    let takes = v["takes"].as_array().unwrap();
    assert!(takes[0].as_str().unwrap().contains("cfg0012.xml, then cfg001fc110d3a9.xml"), "{takes:?}");
    assert!(takes[1].as_str().unwrap().contains("cfg0012.xml only"), "{takes:?}");
    let p47 = v["settings"].as_array().unwrap().iter().find(|s| s["key"] == "P47").unwrap();
    assert_eq!(p47["value"], "pbx.example.com:5060");
    assert_eq!(p47["file"], "cfg001fc110d3a9.xml", "the MAC file overrides the common one");
    let p193 = v["settings"].as_array().unwrap().iter().find(|s| s["key"] == "P193").unwrap();
    assert_eq!(p193["file"], "cfg0012.xml");

    let out = run_in(d, &["config", "resolve", "t", "--mac", "001fc110d3a9"]);
    assert_one_line_error(&out, &["--model"]);
}

#[test]
fn inspect_recognises_config_files_and_shows_lint_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "cfg0012.xml", GOOD_XML);
    write_file(
        d,
        "bad/cfg0012.xml",
        "<hl_provision version=\"1\"><config version=\"1\">\n<P8631>xyz</P8631>\n</config></hl_provision>\n",
    );
    write_file(d, "y000000000000.boot", "#!version:1.0.0.1\ninclude:config \"y000000000000.cfg\"\n");
    write_file(d, "y000000000000.cfg", "#!version:1.0.0.1\na = 1\n");
    let out = run_in(d, &["inspect", "cfg0012.xml", "y000000000000.boot", "--json"]);
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["kind"], "Htek config XML");
    assert_eq!(v[0]["fields"][0], serde_json::json!(["settings", 1]));
    assert_eq!(v[1]["kind"], "Flyingvoice boot file");
    assert_eq!(v[1]["fields"][1], serde_json::json!(["includes", "y000000000000.cfg"]));
    let out = run_in(d, &["inspect", "bad/cfg0012.xml"]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("bad/cfg0012.xml:2:1: error: P8631"), "{}", stdout(&out));
}

#[test]
fn pcodes_lists_accounts_1_to_16_and_the_basics() {
    let out = run_in(Path::new("."), &["config", "pcodes", "--json"]);
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let find = |code: &str| v["pcodes"].as_array().unwrap().iter().find(|p| p["code"] == code).cloned();
    for (code, alias) in [
        ("P3", "account1.display_name"),
        ("P34", "account1.password"),
        ("P35", "account1.sip_user_id"),
        ("P36", "account1.auth_id"),
        ("P734", "account2.password"),
        ("P20361", "account6.active"),
        ("P24090", "account7.active"),
        ("P24139", "account16.password"),
        ("P24179", "account16.voicemail"),
        ("P30", "time.ntp_server"),
        ("P2", "web.admin_password"),
        ("P4405", "phonebook.remote5_url"),
        ("P20072", "ring.file10"),
    ] {
        let p = find(code).unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(p["alias"], alias, "{p}");
        assert!(!p["source"].as_str().unwrap().is_empty(), "{p}");
    }
    let accounts = v["pcodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["alias"].as_str().is_some_and(|a| a.starts_with("account") && a.ends_with(".password")))
        .count();
    assert_eq!(accounts, 16);
    assert_eq!(v["names"]["FirmwareUpGrade_HlpresUrl"]["pcode"], "P20176");
    let text = run_in(Path::new("."), &["config", "pcodes"]);
    assert!(
        stdout(&text).lines().any(|l| l.starts_with("P24149") && l.contains("account16.display_name")),
        "{}",
        stdout(&text)
    );

    // Generated files now carry the para text of P35 and friends.
    if !require_tool("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "phones.csv",
        "mac,model,account1.password,account12.sip_user_id,P3\n001fc110d3a9,UC924,s3cret,2012,Alice\n",
    );
    ok(&htek_config(dir.path(), &["--out", "t"]));
    let f = dir.path().join("t/cfg001fc110d3a9.xml");
    assert_eq!(xmllint(&f, Some("string(//P34/@para)")), "Account1_AuthenticatePassword");
    assert_eq!(xmllint(&f, Some("string(//P34)")), "s3cret");
    assert_eq!(xmllint(&f, Some("string(//P24115)")), "2012");
    assert_eq!(xmllint(&f, Some("string(//P3/@para)")), "Account1_DisplayName");
}

const NAMED: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n\
<Profile1_Sipserver>pbx.example.com</Profile1_Sipserver>\n\
<FirmwareUpGrade_HlpresUrl>http://prov/UC926/hlpres.tar</FirmwareUpGrade_HlpresUrl>\n\
<FirmwareUpGrade_SetCommonAESKey>1234</FirmwareUpGrade_SetCommonAESKey>\n\
<FirmwareUpGrade_APOnlyGetCfgMacXML>1</FirmwareUpGrade_APOnlyGetCfgMacXML>\n\
<Made_Up_Name>x</Made_Up_Name>\n\
<P20176 para=\"HlpresServerURL\">http://other/hlpres.tar</P20176>\n\
</config>\n</hl_provision>\n";

#[test]
fn the_named_dialect_is_read_by_lint_resolve_and_decrypt_and_written_on_request() {
    if !require_tool("xmllint") || !require_tool("openssl") || !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "t/cfg001fc110d3a9.xml", NAMED);
    xmllint(&d.join("t/cfg001fc110d3a9.xml"), None);
    let (ok_, lines) = lint(d, &["t"]);
    assert!(!ok_, "{lines:?}");
    has(&lines, "t/cfg001fc110d3a9.xml:8:1: warning: <Made_Up_Name> is neither a P-code nor a named-dialect element");
    has(&lines, "t/cfg001fc110d3a9.xml:9:1: error: P20176 is set twice: 'http://other/hlpres.tar' here and 'http://prov/UC926/hlpres.tar' at line 5");
    assert!(
        !lines.iter().any(|l| l.contains("APOnlyGetCfgMacXML")),
        "a known name without a code is not warned: {lines:?}"
    );

    let out = run_in(d, &["config", "resolve", "t", "--mac", "001fc110d3a9", "--model", "UC924", "--json"]);
    assert_eq!(out.status.code(), Some(1), "the duplicate is an error");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |k: &str| {
        v["settings"].as_array().unwrap().iter().find(|s| s["key"] == k).cloned().unwrap_or_else(|| panic!("{k}: {v}"))
    };
    assert_eq!(get("P47")["value"], "pbx.example.com");
    assert_eq!(get("P47")["para"], "Profile1_Sipserver");
    assert_eq!(get("P8631")["value"], "1234");
    assert_eq!(get("Made_Up_Name")["value"], "x");
    assert_eq!(get("P20176")["line"], 9);

    // decrypt of a named-dialect file OpenSSL encrypted: the plaintext back, the reader's findings on stderr.
    let status = Command::new("openssl")
        .args(["enc", "-aes-128-cbc", "-K", "1234", "-iv", IV, "-in"])
        .arg(d.join("t/cfg001fc110d3a9.xml"))
        .arg("-out")
        .arg(d.join("enc.xml"))
        .status()
        .unwrap();
    assert!(status.success());
    let out = run_in(d, &["config", "decrypt", "enc.xml", "--aes-key", "1234"]);
    ok(&out);
    assert_eq!(stdout(&out), NAMED);
    assert!(stderr(&out).contains("<Made_Up_Name> is neither"), "{}", stderr(&out));
    assert!(stderr(&out).contains("6 setting(s)"), "{}", stderr(&out));

    // Writing: --dialect named uses the element names; python's XML parser reads them back.
    write_file(d, "phones.csv", "mac,model,account1.sip_user_id,P47\n001fc110d3a9,UC926,1001,pbx\n");
    write_file(d, "common.toml", "[all]\nresources.hlpres_url = \"http://prov/hlpres.tar\"\n");
    ok(&htek_config(d, &["--common", "common.toml", "--dialect", "named", "--out", "n"]));
    let py = "import sys,xml.etree.ElementTree as E\nfor f in sys.argv[1:]:\n  r=E.parse(f).getroot()\n  print(' '.join(c.tag+'='+(c.text or '') for c in r.find('config')))";
    let out = Command::new("python3")
        .args(["-c", py])
        .arg(d.join("n/cfg001fc110d3a9.xml"))
        .arg(d.join("n/cfg0010.xml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "Account1_SipUserId=1001 Profile1_Sipserver=pbx\nFirmwareUpGrade_HlpresUrl=http://prov/hlpres.tar\n"
    );
    let (ok_, lines) = lint(d, &["n"]);
    assert!(ok_, "{lines:?}");
    // The default stays P-codes; a setting without an element name is refused for named.
    ok(&htek_config(d, &["--out", "p"]));
    assert_eq!(xmllint(&d.join("p/cfg001fc110d3a9.xml"), Some("string(//P35)")), "1001");
    write_file(d, "more.csv", "mac,model,account2.password\n001fc110d3a9,UC926,x\n");
    let out = run_in(d, &["config", "htek", "--phones", "more.csv", "--dialect", "named", "--out", "m"]);
    assert_one_line_error(&out, &["cfg001fc110d3a9.xml", "P734", "--dialect pcode"]);
    assert!(!d.join("m").exists());
    // A model's layout value picks named by default.
    write_file(d, "lay/htek.toml", "[models.UC926]\nconfig_dialect = \"named\"\n");
    ok(&run_in(d, &["--layouts", "lay", "config", "htek", "--phones", "phones.csv", "--out", "l"]));
    assert_eq!(xmllint(&d.join("l/cfg001fc110d3a9.xml"), Some("string(//Account1_SipUserId)")), "1001");
}

#[test]
fn the_flyingvoice_include_directive_is_layout_data() {
    let dir = with_phones(FV_PHONES);
    write_file(dir.path(), "layouts/flyingvoice-config.toml", "[syntax]\ninclude = \"include:file\"\n");
    let args = ["--layouts", "layouts", "config", "flyingvoice", "--phones", "phones.csv", "--out", "fv"];
    let out = run_in(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let boot = std::fs::read_to_string(dir.path().join("fv/y000000000000.boot")).unwrap();
    assert_eq!(boot.lines().nth(1), Some("include:file \"y000000000000.cfg\""), "{boot}");
    let out = run_in(dir.path(), &["--layouts", "layouts", "config", "lint", "fv"]);
    assert!(out.status.success(), "{}", stdout(&out));
    // Under the built-in syntax the same line is a bad include.
    let out = run_in(dir.path(), &["config", "lint", "fv/y000000000000.boot"]);
    assert!(stdout(&out).contains("bad include: expected include:config <file.cfg>"), "{}", stdout(&out));
}

#[test]
fn htek_common_values_outside_an_assumed_range_are_warned_about_not_dropped() {
    let dir = htek_inputs();
    // P8721's range 1–8 is assumed (layouts/htek-config.toml), so 9 is a warning, not an error.
    write_file(dir.path(), "common.toml", "[all]\nP8721 = \"9\"\n");
    let out = htek_config(dir.path(), &["--common", "common.toml", "--out", "tftp"]);
    ok(&out);
    let err = stderr(&out);
    assert!(err.contains("P8721") && err.contains("outside 1–8"), "the common.toml warning was lost: {err}");
}
