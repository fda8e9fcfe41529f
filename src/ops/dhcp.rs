//! The DHCP server configuration that points phones at the provisioning tree (`bundler dhcp`).
//!
//! Phones are matched by MAC prefix (the vendor's `ouis` in layouts/*.toml) and get the tree's URL in
//! each DHCP option the vendor reads (`dhcp_options`: Htek 66, 128 and 150, guide §7 and §14;
//! Flyingvoice 66). Option 66 is the standard TFTP server name; the others are site-specific options
//! defined here as text. Formats: dnsmasq, ISC dhcpd and Kea (JSON); each is checked by its own
//! server's config test in tests/it/dhcp.rs.
//!
//! With `--tree`, the URL handed out is where the tree's configs are (the vendor's `config` entry of
//! the `[[fetch]]` table, `{url}/config`), not the tree's root: a phone asks for its config files in
//! the folder it is given. The scheme is the one the tree is served over (`--base-url`, else the
//! manifest's `base_url`): tftp, ftp (with `user:password@` as the guides write it), http or https.

use crate::rules::layout::{FetchKind, Vendor};
use crate::rules::names::named_values;
use crate::Context;
use anyhow::{bail, Result};
use serde::Deserialize;
use std::path::Path;

/// A DHCP option holds at most 255 bytes (RFC 2132 §2); longer needs RFC 3396 splitting.
const MAX_OPTION_BYTES: usize = 255;
/// URL schemes the phones fetch with (Htek guide §7, §9: TFTP, FTP, HTTP, HTTPS).
const SCHEMES: &[&str] = &["tftp", "ftp", "http", "https"];
/// Options dnsmasq reads only as IP addresses, so they cannot carry a URL there (verified with
/// dnsmasq 2.90: `dhcp-option=150,"http://…"` is "bad IP address"; 150 is Cisco's TFTP server address).
const DNSMASQ_ADDRESS_ONLY: &[u8] = &[150];

/// Which DHCP server a configuration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dnsmasq,
    Isc,
    Kea,
}

named_values!(Format { Dnsmasq = "dnsmasq": "", Isc = "isc": "", Kea = "kea": "" });

/// Where the phones are sent: a URL as given, or a tree built by `bundler release` (served at its
/// manifest's base_url, or at `base_url` when given).
pub enum Target<'a> {
    Url(&'a str),
    Tree { dir: &'a Path, base_url: Option<&'a str> },
}

/// The fields of the tree's manifest.json this command reads.
#[derive(Deserialize)]
struct TreeManifest {
    vendor: String,
    base_url: Option<String>,
}

/// The `format` configuration that points the phones of `vendor` (default: the tree's vendor, or
/// every vendor) at `target`.
pub fn config(target: Target, vendor: Option<&str>, format: Format, ctx: &Context) -> Result<String> {
    let (url, shown, tree_vendor) = match target {
        Target::Url(url) => (url.to_string(), "--url".to_string(), None),
        Target::Tree { dir, base_url } => read_tree(dir, base_url, ctx)?,
    };
    check_url(&url, &shown)?;
    let vendors = pick_vendors(vendor, tree_vendor.as_deref(), ctx)?;
    Ok(render(format, &vendors, &url))
}

/// The URL of a release tree's configs (`base`, else the manifest's base_url, + the vendor's
/// config folder) and its vendor, with how errors name where the URL came from.
fn read_tree(dir: &Path, base: Option<&str>, ctx: &Context) -> Result<(String, String, Option<String>)> {
    let path = dir.join(crate::mechanisms::tree_manifest::MANIFEST_JSON);
    let shown = path.display().to_string();
    let m: TreeManifest = crate::mechanisms::tree_manifest::read(&path, "not a bundler release manifest")?;
    let (url, from) = match (base, m.base_url) {
        (Some(b), _) => (b.to_string(), "--base-url".to_string()),
        (None, Some(u)) => (u, format!("{shown}: base_url")),
        (None, None) => bail!("{shown}: no base_url (set base_url in the release manifest, or give --base-url)"),
    };
    check_url(&url, &from)?;
    Ok((config_url(ctx.layouts.vendor(&m.vendor)?, &url), from, Some(m.vendor)))
}

/// Where a vendor's phones find their configs in a tree served at `base`: the value of the
/// vendor's `config` fetch setting (Htek P237 = `{url}/config`), else the tree's root.
fn config_url(vendor: &Vendor, base: &str) -> String {
    let base = base.trim_end_matches('/');
    vendor.fetch(FetchKind::Config).map_or_else(|| base.to_string(), |f| f.value_for(base, "", ""))
}

/// Refuses a URL a phone cannot use or a config file cannot hold as one quoted string.
fn check_url(url: &str, shown: &str) -> Result<()> {
    let Some((scheme, rest)) = url.split_once("://") else {
        bail!("{shown} '{url}': not a URL (expected e.g. http://192.0.2.10/htek)");
    };
    if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
        bail!("{shown} '{url}': scheme '{scheme}' is not one the phones fetch with ({})", SCHEMES.join(", "));
    }
    if rest.is_empty() || rest.starts_with('/') {
        bail!("{shown} '{url}': no server named");
    }
    if let Some(c) = url.chars().find(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\\' | ',' | '\'')) {
        bail!("{shown} '{url}': the character {c:?} cannot go into every DHCP server's config; percent-encode it");
    }
    if url.len() > MAX_OPTION_BYTES {
        bail!("{shown}: the URL is {} bytes, more than the {MAX_OPTION_BYTES} a DHCP option holds", url.len());
    }
    Ok(())
}

fn pick_vendors<'a>(asked: Option<&str>, tree: Option<&str>, ctx: &'a Context) -> Result<Vec<&'a Vendor>> {
    if let (Some(a), Some(t)) = (asked, tree) {
        if !a.eq_ignore_ascii_case(t) {
            bail!("--vendor {a}: the tree is for {t}");
        }
    }
    let vendors = match asked.or(tree) {
        Some(name) => vec![ctx.layouts.vendor(name)?],
        None => ctx.layouts.vendors.iter().filter(|v| !v.ouis.is_empty()).collect(),
    };
    for v in &vendors {
        if v.ouis.is_empty() || v.dhcp_options.is_empty() {
            bail!("layouts: vendor {} needs `ouis` and `dhcp_options` for bundler dhcp", v.vendor);
        }
        if let Some(bad) = v.dhcp_options.iter().find(|&&o| o != 66 && o < 128) {
            bail!("layouts: vendor {}: dhcp_options {bad}: only 66 and the site options 128-254 are written", v.vendor);
        }
    }
    Ok(vendors)
}

fn render(format: Format, vendors: &[&Vendor], url: &str) -> String {
    let header = format!("# Generated by bundler dhcp: points {} phones at {url}\n", names(vendors));
    match format {
        Format::Dnsmasq => header + &dnsmasq(vendors, url),
        Format::Isc => header + &isc(vendors, url),
        // Plain JSON: Kea takes comments, other JSON readers do not.
        Format::Kea => kea(vendors, url),
    }
}

fn names(vendors: &[&Vendor]) -> String {
    vendors.iter().map(|v| v.family.as_str()).collect::<Vec<_>>().join(" and ")
}

/// `00:1f:c1` from `001fc1`.
fn colons(oui: &str) -> String {
    oui.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(":")
}

/// The site-specific option codes (not 66) any vendor uses, sorted, once each.
fn site_options(vendors: &[&Vendor]) -> Vec<u8> {
    let mut codes: Vec<u8> = vendors.iter().flat_map(|v| v.dhcp_options.iter().copied()).filter(|&c| c != 66).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn option_name(code: u8) -> String {
    if code == 66 {
        "tftp-server-name".to_string()
    } else {
        format!("provisioning-url-{code}")
    }
}

fn dnsmasq(vendors: &[&Vendor], url: &str) -> String {
    let mut out = String::new();
    for v in vendors {
        out += &format!("# {}: matched by MAC prefix\n", v.family);
        for oui in &v.ouis {
            out += &format!("dhcp-mac=set:{},{}:*:*:*\n", v.vendor, colons(oui));
        }
        for code in &v.dhcp_options {
            if DNSMASQ_ADDRESS_ONLY.contains(code) {
                out += &format!("# option {code} left out: dnsmasq takes it as IP addresses only, not a URL\n");
            } else {
                out += &format!("dhcp-option=tag:{},{code},\"{url}\"\n", v.vendor);
            }
        }
    }
    out
}

fn isc(vendors: &[&Vendor], url: &str) -> String {
    let mut out = String::new();
    for code in site_options(vendors) {
        out += &format!("option {} code {code} = text;\n", option_name(code));
    }
    for v in vendors {
        let tests: Vec<String> = v.ouis.iter().map(|o| format!("substring(hardware, 1, 3) = {}", colons(o))).collect();
        out += &format!("\n# {}: matched by MAC prefix\nclass \"{}\" {{\n", v.family, v.vendor);
        out += &format!("  match if {};\n", tests.join(" or "));
        for code in &v.dhcp_options {
            out += &format!("  option {} \"{url}\";\n", option_name(*code));
        }
        out += "}\n";
    }
    out
}

fn kea(vendors: &[&Vendor], url: &str) -> String {
    let defs: Vec<serde_json::Value> = site_options(vendors)
        .into_iter()
        .map(|code| serde_json::json!({ "name": option_name(code), "code": code, "type": "string", "space": "dhcp4" }))
        .collect();
    let classes: Vec<serde_json::Value> = vendors
        .iter()
        .map(|v| {
            let test: Vec<String> = v.ouis.iter().map(|o| format!("substring(pkt4.mac,0,3) == 0x{o}")).collect();
            let data: Vec<serde_json::Value> = v
                .dhcp_options
                .iter()
                .map(|&code| serde_json::json!({ "name": option_name(code), "code": code, "data": url }))
                .collect();
            serde_json::json!({ "name": v.vendor, "test": test.join(" or "), "option-data": data })
        })
        .collect();
    let config = serde_json::json!({ "Dhcp4": { "option-def": defs, "client-classes": classes } });
    serde_json::to_string_pretty(&config).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        check_url("http://192.0.2.10/htek", "--url").unwrap();
        check_url("tftp://prov.example/cfg", "--url").unwrap();
        for bad in ["192.0.2.10/htek", "gopher://x/y", "http:///x", "http://a/b c", "http://a/\"x", "http://a/b,c"] {
            assert!(check_url(bad, "--url").is_err(), "{bad}");
        }
        let long = format!("http://a/{}", "x".repeat(250));
        assert!(check_url(&long, "--url").unwrap_err().to_string().contains("255"));
    }

    #[test]
    fn the_config_folder_is_appended_for_every_scheme() {
        let layouts = crate::rules::layout::Layouts::builtin().unwrap();
        let htek = layouts.vendor("htek").unwrap();
        for base in ["http://a/htek", "https://a/htek/", "tftp://a", "ftp://u:p@a/htek"] {
            assert_eq!(config_url(htek, base), format!("{}/config", base.trim_end_matches('/')));
        }
    }

    #[test]
    fn oui_with_colons() {
        assert_eq!(colons("001fc1"), "00:1f:c1");
    }
}
