//! The compatibility corpus (issue 23): files in the forms that FusionPBX's and Wazo's templates
//! produce, each with the verdict a user needs. The fixtures are written here; they reproduce the
//! forms (a raw `&`, `&copy;`, a declared encoding, padded values, a BOM, a common + per-MAC tree,
//! named elements, DNS SRV, a Grandstream-style ring header, a stash marker, a duplicate setting)
//! and name the public file each stands for. No template text is copied.
use crate::common::*;
use std::path::Path;
use std::process::Output;

const MAC: &str = "00:1f:c1:00:00:01";

/// An Htek config holding `settings` (lines of elements).
fn htek(settings: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n{settings}</config>\n</hl_provision>\n")
}

fn lines_with(out: &Output, needle: &str) -> Vec<String> {
    stdout(out).lines().filter(|l| l.contains(needle)).map(str::to_string).collect()
}

fn assert_has(out: &Output, needle: &str) {
    assert!(!lines_with(out, needle).is_empty(), "'{needle}' not in:\n{}{}", stdout(out), stderr(out));
}

fn lint(dir: &Path, file: &str) -> Output {
    let out = run_in(dir, &["config", "lint", file]);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    out
}

fn resolve(dir: &Path, folder: &str) -> Output {
    run_in(dir, &["config", "resolve", folder, "--mac", MAC, "--json"])
}

/// The effective value of `key` in `config resolve --json` output.
fn resolved(out: &Output, key: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    v["settings"].as_array()?.iter().find(|s| s["key"] == key).map(|s| s["value"].as_str().unwrap().to_string())
}

#[test]
fn a_raw_ampersand_is_a_warning_and_every_setting_is_still_read() {
    // Stands for FusionPBX resources/templates/provision/htek/uc926/{$mac}.cfg: a phonebook URL with
    // a query of two parameters, and a para name with '&' in it, both unescaped.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "<P47 para=\"Account1.Sipserver\">pbx.example.com</P47>\n\
                <P4401 para=\"RemotePhoneBook1.Url\">https://pbx.example.com/p/?file=book.xml&list=users</P4401>\n\
                <P24064 para=\"Setting.Date&Time.Option\">0</P24064>\n\
                <P35 para=\"Account1.SipUserId\">1001</P35>\n";
    write_file(d, "t/cfg001fc1000001.xml", htek(body));
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(out.status.success(), "warnings only: {}", stdout(&out));
    assert_has(&out, "t/cfg001fc1000001.xml:5:76: warning: '&' that starts no XML reference");
    assert_has(&out, "t/cfg001fc1000001.xml:6:27: warning: '&'");
    assert_has(&out, "phones accept it; an XML parser does not");
    let r = resolve(d, "t");
    assert_eq!(resolved(&r, "P4401").as_deref(), Some("https://pbx.example.com/p/?file=book.xml&list=users"));
    assert_eq!(resolved(&r, "P35").as_deref(), Some("1001"), "the settings after the '&' are read");
}

#[test]
fn html_entities_are_read_as_their_characters_with_a_warning() {
    // Stands for FusionPBX resources/templates/provision/htek/uc926u/{$mac}.cfg: a copyright text
    // written with an HTML entity.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(
        d,
        "t/cfg001fc1000001.xml",
        htek("<GlobalConfig_CopyRight>(c) &copy; 2024 Example</GlobalConfig_CopyRight>\n"),
    );
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(out.status.success(), "{}", stdout(&out));
    assert_has(&out, ":4:29: warning: &copy; is an HTML entity, not XML: read as '©'");
    // The element is tied to its P-code by FusionPBX's paired templates; either way the value is read.
    let r = resolve(d, "t");
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    let values: Vec<&str> = v["settings"].as_array().unwrap().iter().filter_map(|s| s["value"].as_str()).collect();
    assert_eq!(values, ["(c) © 2024 Example"], "{v}");
}

#[test]
fn a_declared_encoding_is_honoured() {
    // Stands for a hand-edited copy of FusionPBX's uc924 template saved by a Latin-1 editor, as the
    // declaration says.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bytes =
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n"
            .to_vec();
    bytes.extend_from_slice(b"<P3 para=\"Account1.DisplayName\">Ren\xE9</P3>\n</config>\n</hl_provision>\n");
    write_file(d, "t/cfg001fc1000001.xml", &bytes);
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(out.status.success(), "{}", stdout(&out));
    assert_has(&out, "warning: the XML declaration names encoding=\"ISO-8859-1\"");
    assert_has(&out, "not verified");
    assert_eq!(resolved(&resolve(d, "t"), "P3").as_deref(), Some("René"));
    // Without a declaration the same bytes are not UTF-8: an error naming the byte.
    write_file(d, "u/cfg001fc1000001.xml", &bytes[bytes.iter().position(|b| *b == b'\n').unwrap() + 1..]);
    let out = lint(d, "u/cfg001fc1000001.xml");
    assert!(!out.status.success());
    assert_has(&out, "error: not UTF-8 text: byte 0xE9");
}

#[test]
fn padded_values_follow_one_rule_on_every_setting() {
    // Stands for a pretty-printed tree (an XML formatter run over FusionPBX's uc924 output).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "<P47 para=\"Account1.Sipserver\">\n   pbx.example.com\n</P47>\n\
                <P20174 para=\"RingServerPath\">\n  http://pbx.example.com/ring/\n</P20174>\n\
                <P35 para=\"Account1.SipUserId\">&#32;1001&#32;</P35>\n";
    write_file(d, "t/cfg001fc1000001.xml", htek(body));
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(out.status.success(), "padding is layout, not an error: {}", stdout(&out));
    assert_eq!(lines_with(&out, "whitespace around the value is layout").len(), 2, "{}", stdout(&out));
    let r = resolve(d, "t");
    assert_eq!(resolved(&r, "P47").as_deref(), Some("pbx.example.com"));
    assert_eq!(resolved(&r, "P20174").as_deref(), Some("http://pbx.example.com/ring/"));
    assert_eq!(resolved(&r, "P35").as_deref(), Some(" 1001 "), "whitespace written as references is kept");
}

#[test]
fn a_broken_setting_costs_that_setting_not_the_file() {
    // Stands for a hand edit of FusionPBX's uc903 output with an unquoted attribute.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "<P47 para=\"Account1.Sipserver\">pbx</P47>\n<P48 para=Account1.Proxy>x</P48>\n<P35 para=\"Account1.SipUserId\">1001</P35>\n";
    write_file(d, "t/cfg001fc1000001.xml", htek(body));
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(!out.status.success());
    assert_has(&out, "t/cfg001fc1000001.xml:5:5: error: not well-formed XML");
    assert_has(&out, "<P48> is not read");
    let r = resolve(d, "t");
    assert_eq!(resolved(&r, "P47").as_deref(), Some("pbx"));
    assert_eq!(resolved(&r, "P35").as_deref(), Some("1001"));
    assert_eq!(resolved(&r, "P48"), None);
}

#[test]
fn named_elements_map_to_p_codes_from_public_evidence() {
    // Stands for FusionPBX resources/templates/provision/htek/uc926u/{$mac}.cfg (named dialect).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "<Profile1_Sipserver>pbx.example.com:5060</Profile1_Sipserver>\n\
                <Profile1_SipTransport>3</Profile1_SipTransport>\n\
                <FirmwareUpGrade_FilePrefix>hl_</FirmwareUpGrade_FilePrefix>\n\
                <ActionUrl_Registered />\n\
                <Made_Up_Name>1</Made_Up_Name>\n";
    write_file(d, "t/cfg001fc1000001.xml", htek(body));
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(out.status.success(), "{}", stdout(&out));
    let warnings = lines_with(&out, "neither a P-code nor a named-dialect element");
    assert_eq!(warnings.len(), 1, "only the made-up name is unknown: {}", stdout(&out));
    assert!(warnings[0].contains("<Made_Up_Name>"));
    let r = resolve(d, "t");
    assert_eq!(resolved(&r, "P47").as_deref(), Some("pbx.example.com:5060"));
    assert_eq!(resolved(&r, "P130").as_deref(), Some("3"));
    assert_eq!(resolved(&r, "P232").as_deref(), Some("hl_"), "FirmwareUpGrade_FilePrefix is P232");
    let out = run_in(d, &["config", "pcodes", "--search", "UserIdIsPhoneNumber"]);
    assert!(out.status.success());
    assert!(stdout(&out).lines().any(|l| l.starts_with("P63 ")), "{}", stdout(&out));
}

#[test]
fn dns_srv_transport_is_accepted_and_the_sources_disagreement_is_said() {
    // Stands for FusionPBX resources/templates/provision/htek/uc926/{$mac}.cfg rendered for a
    // 'dns srv' account (its comment documents 0 UDP, 1 TCP, 2 TLS, 3 DNS SRV).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "t/cfg001fc1000001.xml", htek("<P130 para=\"Account1.SipTransport\">3</P130>\n"));
    let out = run_in(d, &["config", "lint", "t/cfg001fc1000001.xml", "--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let notes: Vec<&serde_json::Value> = v.as_array().unwrap().iter().filter(|d| d["severity"] == "note").collect();
    assert!(notes.iter().any(|n| n["message"].as_str().unwrap().contains("sources disagree")), "{v}");
    write_file(d, "t/cfg001fc1000001.xml", htek("<P130 para=\"Account1.SipTransport\">7</P130>\n"));
    assert!(!lint(d, "t/cfg001fc1000001.xml").status.success(), "a value no source documents stays an error");
}

#[test]
fn a_duplicate_setting_stays_an_error() {
    // Stands for Wazo plugins/wazo_htek/v2_0_4_6_41/templates/base.tpl rendered with 10 lines
    // (accounts 9 and 10 write P24090/P24091 again), and FusionPBX's uc924u
    // (FirmwareUpGrade_AllowDHCPOption twice).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let body = "<P24090 para=\"Account7_Active\">1</P24090>\n<P24090 para=\"Account9_Profile\">0</P24090>\n\
                <FirmwareUpGrade_AllowDHCPOption>66</FirmwareUpGrade_AllowDHCPOption>\n\
                <FirmwareUpGrade_AllowDHCPOption>1</FirmwareUpGrade_AllowDHCPOption>\n";
    write_file(d, "t/cfg001fc1000001.xml", htek(body));
    let out = lint(d, "t/cfg001fc1000001.xml");
    assert!(!out.status.success());
    assert_has(&out, ":5:1: error: P24090 is set twice: '0' here and '1' at line 4");
    assert_has(&out, ":7:1: error: FirmwareUpGrade_AllowDHCPOption (P1145) is set twice");
}

/// A Wazo-style tree: model-wide settings in cfg0012.xml, the account in cfg<mac>.xml. Stands for
/// Wazo plugins/wazo_htek/v2_0_4_6_41 (entry.py COMMON_FILES, templates/common/model.tpl, base.tpl).
fn wazo_tree(d: &Path, duplicate: bool) {
    let common = "<P8681 para=\"LogUser_Admin\">admin</P8681>\n<P2 para=\"AdminPassword\">secret</P2>\n\
                  <P237 para=\"ConfigServerPath\">http://127.0.0.1:9/</P237>\n";
    write_file(d, "wazo/cfg0012.xml", htek(common));
    let mut own =
        "<P47 para=\"Profile1_Sipserver\">127.0.0.1:5060</P47>\n<P35 para=\"Account1_SipUserId\">1001</P35>\n\
                   <P34 para=\"Account1_AuthenticatePassword\">pw</P34>\n<P271 para=\"Account1_Active\">1</P271>\n"
            .to_string();
    if duplicate {
        own.push_str("<P24090 para=\"Account7_Active\">1</P24090>\n<P24090 para=\"Account9_Profile\">0</P24090>\n");
    }
    write_file(d, "wazo/cfg001fc1000001.xml", htek(&own));
}

#[test]
fn a_common_and_per_mac_tree_gets_the_two_rule_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    wazo_tree(d, false);
    let out = run_in(d, &["phone", "wazo", "--model", "UC924", "--mac", MAC, "--timeout", "2"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert_has(&out, "cfg0012.xml: warning: shadows");
    assert_has(&out, "says it stops: guide §2.1 note 2");
    assert_has(&out, "says it goes on: guide §9.1; Wazo's Htek plugin");
    assert_has(&out, "fully provisioned if it goes on to");
    assert_has(&out, "it misses 4 setting(s)");
    let out = run_in(d, &["verify", "wazo"]);
    assert!(out.status.success(), "a warning for a tree bundler did not write: {}", stdout(&out));
    assert_has(&out, "cfg001fc1000001.xml: warning: 4 setting(s) only in this file");
    // The variant with the duplicated account codes still fails on them.
    wazo_tree(d, true);
    let out = run_in(d, &["phone", "wazo", "--model", "UC924", "--mac", MAC, "--timeout", "2"]);
    assert!(!out.status.success());
    assert_has(&out, "error: P24090 is set twice");
    assert_has(&out, "NOT end up fully provisioned");
}

#[test]
fn resolve_needs_no_model_for_a_folder_of_per_phone_files() {
    // Stands for a FusionPBX provisioning folder: per-MAC files only.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "t/cfg001fc1000001.xml", htek("<P47 para=\"Account1.Sipserver\">pbx</P47>\n"));
    let out = run_in(d, &["config", "resolve", "t", "--mac", MAC]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_has(&out, "P47 = pbx");
    wazo_tree(d, false);
    let out = run_in(d, &["config", "resolve", "wazo", "--mac", MAC]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_has(&out, "cfg0012.xml");
    write_file(d, "wazo/cfg0010.xml", htek(""));
    let out = run_in(d, &["config", "resolve", "wazo", "--mac", MAC]);
    assert_one_line_error(&out, &["cfg0010.xml, cfg0012.xml", "give --model"]);
}

#[test]
fn flyingvoice_forms_from_the_field() {
    // Stands for FusionPBX resources/templates/provision/flyingvoice/fip*/{$mac}.cfg: saved with a
    // BOM, a bare include, a stash marker left in, URLs with no server.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "fv/001fc1000001.cfg", "\u{FEFF}#!version:1.0.0.1\naccount.1.user_name = 1001\n");
    let out = lint(d, "fv/001fc1000001.cfg");
    assert!(out.status.success(), "a BOM is a warning: {}", stdout(&out));
    assert_has(&out, "fv/001fc1000001.cfg:1:1: warning: the file starts with a UTF-8 byte-order mark");
    write_file(d, "fv/y000000000000.boot", "#!version:1.0.0.1\ninclude:config y000000000000.cfg\n");
    write_file(d, "fv/y000000000000.cfg", "#!version:1.0.0.1\na = 1\n");
    let out = lint(d, "fv/y000000000000.boot");
    assert!(out.status.success(), "{}", stdout(&out));
    assert_has(&out, "warning: include without <> or \"\": read as 'y000000000000.cfg'");
    write_file(
        d,
        "stash/001fc1000001.cfg",
        "#!version:1.0.0.1\n<<<<<<< Updated upstream\na = 1\n=======\na = 2\n>>>>>>> Stashed changes\n",
    );
    let out = lint(d, "stash/001fc1000001.cfg");
    assert!(!out.status.success());
    assert_eq!(lines_with(&out, "error: leftover merge-conflict marker").len(), 3, "{}", stdout(&out));
    // Stands for FusionPBX resources/templates/provision/flyingvoice/fip16/directory.xml: the
    // phonebook as a flat directory, a name with a raw '&'.
    write_file(d, "fv/directory.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<YealinkIPPhoneDirectory>\n<DirectoryEntry>\n<Name>Sales & Support</Name>\n<Telephone>1001</Telephone>\n</DirectoryEntry>\n</YealinkIPPhoneDirectory>\n");
    let out = run_in(d, &["inspect", "fv/directory.xml"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert_has(&out, "phonebook XML (<YealinkIPPhoneDirectory>)");
    assert_has(&out, "fv/directory.xml:4:13: warning: '&'");
    write_file(
        d,
        "url/001fc1000001.cfg",
        "#!version:1.0.0.1\nremote_phonebook.data.1.url = phonebook.xml\nstatic.firmware.url = /\n",
    );
    let out = lint(d, "url/001fc1000001.cfg");
    assert!(!out.status.success());
    assert_has(&out, ":2:1: error: remote_phonebook.data.1.url: 'phonebook.xml' is a file name, not a URL");
    assert_has(&out, ":3:1: error: static.firmware.url: '/' names no server");
}

/// A gsrt ring file (FORMATS.md §1) with Grandstream's extra header fields: 0x026, 0x100, 0x102
/// and a description at 0x128, checksum and length valid. Stands for a ring file exported by
/// Grandstream's own tools.
fn grandstream_ring() -> Vec<u8> {
    let audio: Vec<u8> = (0..1600u32).map(|i| if i % 16 < 8 { 0x80 } else { 0x00 }).collect();
    let mut f = vec![0u8; 0x200];
    f.extend(&audio);
    let words = (f.len() / 2) as u32;
    f[0..4].copy_from_slice(&words.to_be_bytes());
    f[6..10].copy_from_slice(&0x0100_0000u32.to_be_bytes());
    f[10..16].copy_from_slice(&[0x07, 0xE8, 5, 17, 13, 45]);
    f[16..24].copy_from_slice(b"ring.bin");
    f[0x26..0x28].copy_from_slice(&[0x00, 0x01]);
    f[0x100..0x104].copy_from_slice(&[0x00, 0x02, 0x00, 0x03]);
    f[0x128..0x130].copy_from_slice(b"Doorbell");
    let sum = f.chunks(2).fold(0u16, |s, w| s.wrapping_add(u16::from_be_bytes([w[0], w[1]])));
    f[4..6].copy_from_slice(&0u16.wrapping_sub(sum).to_be_bytes());
    f
}

#[test]
fn a_ring_file_with_grandstream_header_fields_is_a_note() {
    if !require_tool("sox") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_file(d, "ring5.bin", grandstream_ring());
    // SoX reads it: the file is valid, its extra fields are someone else's.
    sox(&["-t", "gsrt", &d.join("ring5.bin").to_string_lossy(), "-n", "stat"]);
    let out = run_in(d, &["inspect", "ring5.bin", "--model", "UC924", "--json"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("\"error\""), "{text}");
    assert!(
        text.contains("reserved header area") && text.contains("0x026 = 0x0001") && text.contains("Doorbell"),
        "{text}"
    );
}
/// The row of a repeated group a named element belongs to (`Account2_…` → 2, `LineKey12_…` → 12),
/// None for other names.
fn row_of(name: &str) -> Option<u32> {
    ["Account", "Profile", "LineKey"].iter().find_map(|group| {
        let rest = name.strip_prefix(group)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || !rest[digits.len()..].starts_with('_') {
            return None;
        }
        digits.parse().ok()
    })
}

#[test]
fn the_named_dialect_of_uc926u_leaves_few_names_without_a_code() {
    // Stands for FusionPBX resources/templates/provision/htek/uc926u/{$mac}.cfg rendered with one
    // account and one line key (tools/public-dictionary/render.py): its element names as the
    // built-in dictionary lists them, rows 2 and on of the repeated groups left out as that render
    // leaves them. docs/files-from-others.md counts the same 413 with `config resolve`.
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["config", "pcodes", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = v["names"].as_object().expect("a names object");
    let rendered: Vec<(&String, &serde_json::Value)> = names
        .iter()
        .filter(|(name, e)| e["source"].as_str().unwrap_or("").contains("uc926u") && row_of(name).unwrap_or(1) == 1)
        .collect();
    assert!(rendered.len() > 2000, "the uc926u names are in the dictionary: {}", rendered.len());
    let untied: Vec<&String> = rendered.iter().filter(|(_, e)| e["pcode"].is_null()).map(|(name, _)| *name).collect();
    assert!(
        untied.len() <= 413,
        "{} uc926u names without a code (413 when tools/public-dictionary/pairing.py landed): {untied:?}",
        untied.len()
    );
    // One pair of each rule (the one-to-one match through Wazo's line-key numbering, rule-pickup,
    // rule-group, inferred-aligned-uc926u, rule-exact) ...
    for (name, code) in [
        ("LineKey13_Type", "P20240"),
        ("Exp1_1_1_Extension", "P60004"),
        ("IPv4_IpAddrFirst8Bit", "P9"),
        ("NW_VPN_Active", "P8629"),
        ("Profile1_AccountRingTone", "P104"),
    ] {
        assert_eq!(names[name]["pcode"], code, "{name}: {}", names[name]);
    }
    // ... and pairs the checks keep out: by position only (PPPoEPassword), outside bundler's own
    // range (P8721 1–8, the template writes 0), defaults that differ (0 against 8.8.8.8).
    for name in ["IPv6_StaticAddr", "Preference_RingTones", "IPv4_PrimaryDnsFirst8Bit"] {
        assert!(names[name]["pcode"].is_null(), "{name} stays without a code: {}", names[name]);
    }
}
