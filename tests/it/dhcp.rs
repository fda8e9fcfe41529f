//! `bundler dhcp`: each format is checked by its own server's config test (`dnsmasq --test`,
//! `dhcpd -t`, `kea-dhcp4 -t`), and the options and MAC matches are read back from what it printed.

use crate::common::{self, assert_one_line_error, bundler, servers, stdout};
use std::path::Path;
use std::process::Command;

const URL: &str = "http://192.0.2.10/prov/htek";

fn dhcp(args: &[&str]) -> std::process::Output {
    bundler().arg("dhcp").args(args).output().unwrap()
}

/// Writes `text` to DIR/NAME and runs `tool` on it with `args` (the file path replaces `{}`).
fn server_accepts(tool: &str, args: &[&str], text: &str, dir: &Path, name: &str) {
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let args: Vec<String> = args.iter().map(|a| a.replace("{}", file.to_str().unwrap())).collect();
    let out = Command::new(tool).args(&args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} refused the config:\n{text}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn printed(args: &[&str]) -> String {
    let out = dhcp(args);
    assert!(out.status.success(), "{}", common::stderr(&out));
    stdout(&out)
}

#[test]
fn dnsmasq_config_passes_dnsmasq_test() {
    if !common::require_tool("dnsmasq") {
        return;
    }
    let text = printed(&["--url", URL, "--format", "dnsmasq"]);
    let dir = tempfile::tempdir().unwrap();
    server_accepts("dnsmasq", &["--test", "--conf-file={}"], &text, dir.path(), "phones.conf");
    assert!(text.contains("dhcp-mac=set:htek,00:1f:c1:*:*:*\n"), "{text}");
    assert!(text.contains(&format!("dhcp-option=tag:htek,66,\"{URL}\"\n")), "{text}");
    assert!(text.contains(&format!("dhcp-option=tag:htek,128,\"{URL}\"\n")), "{text}");
    assert!(text.contains("dhcp-mac=set:flyingvoice,00:21:f2:*:*:*\n"), "{text}");
    assert!(text.contains(&format!("dhcp-option=tag:flyingvoice,66,\"{URL}\"\n")), "{text}");
}

#[test]
fn isc_config_passes_dhcpd_test() {
    if !common::require_tool("dhcpd") {
        return;
    }
    let text = printed(&["--url", URL, "--format", "isc", "--vendor", "htek"]);
    let dir = tempfile::tempdir().unwrap();
    server_accepts("dhcpd", &["-t", "-cf", "{}"], &text, dir.path(), "dhcpd.conf");
    assert!(text.contains("match if substring(hardware, 1, 3) = 00:1f:c1;"), "{text}");
    assert!(text.contains(&format!("option tftp-server-name \"{URL}\";")), "{text}");
    for code in [128, 150] {
        assert!(text.contains(&format!("code {code} = text;")), "{text}");
        assert!(text.contains(&format!("option provisioning-url-{code} \"{URL}\";")), "{text}");
    }
    assert!(!text.contains("00:21:f2"), "--vendor htek must leave Flyingvoice out: {text}");
}

#[test]
fn kea_config_passes_kea_test_and_names_every_option() {
    if !common::require_tool("kea-dhcp4") {
        return;
    }
    let text = printed(&["--url", URL, "--format", "kea"]);
    let dir = tempfile::tempdir().unwrap();
    server_accepts("kea-dhcp4", &["-t", "{}"], &text, dir.path(), "kea-dhcp4.conf");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let classes = json["Dhcp4"]["client-classes"].as_array().unwrap();
    let htek = classes.iter().find(|c| c["name"] == "htek").unwrap();
    assert_eq!(htek["test"], "substring(pkt4.mac,0,3) == 0x001fc1");
    let codes: Vec<u64> = htek["option-data"].as_array().unwrap().iter().map(|o| o["code"].as_u64().unwrap()).collect();
    assert_eq!(codes, [66, 128, 150]);
    assert!(htek["option-data"].as_array().unwrap().iter().all(|o| o["data"] == URL));
    let fv = classes.iter().find(|c| c["name"] == "flyingvoice").unwrap();
    assert_eq!(fv["test"], "substring(pkt4.mac,0,3) == 0x0021f2");
    assert_eq!(fv["option-data"].as_array().unwrap().len(), 1);
}

#[test]
fn tree_gives_url_and_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = serde_json::json!({
        "bundler": "0.1.0", "vendor": "flyingvoice", "models": ["FIP13G"],
        "base_url": "tftp://192.0.2.20/fip", "artifacts": []
    });
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
    let tree = dir.path().to_str().unwrap();
    let text = printed(&["--tree", tree, "--format", "dnsmasq"]);
    assert!(text.contains("dhcp-option=tag:flyingvoice,66,\"tftp://192.0.2.20/fip/config\"\n"), "{text}");
    assert!(!text.contains("htek"), "{text}");
    assert_eq!(text, printed(&["--tree", tree, "--format", "dnsmasq"]), "same inputs, same output");

    let out = dhcp(&["--tree", tree, "--vendor", "htek", "--format", "isc"]);
    assert_one_line_error(&out, &["--vendor htek", "flyingvoice"]);
    std::fs::write(dir.path().join("manifest.json"), r#"{"vendor":"htek","base_url":null}"#).unwrap();
    let out = dhcp(&["--tree", tree, "--format", "kea"]);
    assert_one_line_error(&out, &["manifest.json", "no base_url"]);
    let out = dhcp(&["--tree", "/nonexistent/tree", "--format", "kea"]);
    assert_one_line_error(&out, &["/nonexistent/tree/manifest.json"]);
}

#[test]
fn bad_url_or_vendor_is_one_error_line() {
    let out = dhcp(&["--url", "192.0.2.10/htek", "--format", "isc"]);
    assert_one_line_error(&out, &["--url '192.0.2.10/htek'", "not a URL"]);
    let out = dhcp(&["--url", "http://192.0.2.10/a b", "--format", "isc"]);
    assert_one_line_error(&out, &["--url", "percent-encode"]);
    let out = dhcp(&["--url", URL, "--vendor", "yealink", "--format", "isc"]);
    assert_one_line_error(&out, &["unknown vendor 'yealink'"]);
    assert!(!dhcp(&["--url", URL]).status.success(), "--format is required");
}

/// The URL a dnsmasq config hands Htek phones in option 66.
fn option_66(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("dhcp-option=tag:htek,66,")).unwrap_or_else(|| panic!("{text}"));
    line.trim_start_matches("dhcp-option=tag:htek,66,").trim_matches('"').to_string()
}

/// The whole chain a new user runs: build the example release for a lab server, serve it, and give
/// a phone the URL `dhcp --tree` hands out. The phone must end up provisioned: the URL is the
/// tree's config folder, not its root (where the phone finds none of its files).
#[test]
fn a_phone_given_the_tree_url_finds_its_configs() {
    let (_dir, example) = common::copy_example("htek-office");
    let (http, tftp) = (servers::free_port(), servers::free_port());
    let base = format!("http://127.0.0.1:{http}");
    let build = example.parent().unwrap().join("build");
    let manifest = example.join("release.toml");
    let out =
        bundler().arg("release").arg(&manifest).arg("--out").arg(&build).args(["--base-url", &base]).output().unwrap();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = printed(&["--tree", build.to_str().unwrap(), "--format", "dnsmasq"]);
    let url = option_66(&text);
    assert_eq!(url, format!("{base}/config"), "{text}");
    let _server = servers::bundler_serve(&build, http, tftp);
    let out = bundler().args(["phone", &url, "--model", "UC924", "--mac", "001fc110d3a9"]).output().unwrap();
    assert!(out.status.success(), "phone at {url}: {}{}", stdout(&out), common::stderr(&out));
    assert!(stdout(&out).contains("fully provisioned"), "{}", stdout(&out));

    // Served elsewhere, over each scheme the phones fetch with: the config folder of that URL.
    for other in ["tftp://192.0.2.5", "ftp://prov:secret@192.0.2.5/htek", "https://prov.example.com/htek/"] {
        let text = printed(&["--tree", build.to_str().unwrap(), "--base-url", other, "--format", "dnsmasq"]);
        assert_eq!(option_66(&text), format!("{}/config", other.trim_end_matches('/')), "{text}");
    }
    let out = dhcp(&["--tree", build.to_str().unwrap(), "--base-url", "gopher://x/y", "--format", "isc"]);
    assert_one_line_error(&out, &["--base-url 'gopher://x/y'", "scheme"]);
}
