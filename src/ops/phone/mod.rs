//! `bundler phone URL --model M --mac MAC`: acts as one phone pointed at a provisioning server. It
//! makes the requests that phone makes, in its order and with its User-Agent, reads the settings it
//! gets, fetches every resource and the firmware those settings point at (the setting ↔ file table
//! is the layouts' `[[fetch]]`), checks each file with the rules of `verify`, and says whether the
//! phone would end up fully provisioned.

mod fetch;
mod fetcher;
mod flyingvoice;
mod ftp;
mod htek;
mod http;
mod pnp;
mod resources;
mod tftp;
mod url;

use crate::kinds::config::choose;
use crate::kinds::config::format::{PhoneWalk, VendorConfig};
use crate::kinds::config::mac::Mac;
use crate::kinds::firmware::version::Version;
use crate::mechanisms::report::{has_errors, Diagnostic};
use crate::rules::layout::Model;
use crate::Context;
use anyhow::{anyhow, bail, Result};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// The phone to act as and the server it is given.
pub struct Walk {
    /// The provisioning server URL (or folder) the phone is given; `None`: found by PnP.
    pub url: Option<String>,
    /// With no URL: the IPv4 address of the interface to multicast the PnP SUBSCRIBE from.
    pub pnp: Option<String>,
    pub model: String,
    /// The phone's MAC address (any usual spelling).
    pub mac: String,
    /// Htek: the AES key for encrypted config files (1–16 hex digits).
    pub aes_key: Option<String>,
    /// The firmware version the phone runs now.
    pub firmware_version: Option<String>,
    /// User and password for HTTP digest (or, with `allow_basic`, basic) authentication.
    pub user: Option<String>,
    pub password: Option<String>,
    pub allow_basic: bool,
    /// https://: trust only the CA certificate(s) in this PEM file.
    pub ca: Option<std::path::PathBuf>,
    /// Htek: the config file name prefix and postfix the phone has now (P234, P235).
    pub config_prefix: String,
    pub config_postfix: String,
    /// Seconds each file's whole transfer may take.
    pub timeout: u64,
}

/// One effective setting and the URL of the file it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub file: String,
}

/// The settings a phone ends up with, later files overriding earlier ones.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Settings(Vec<Setting>);

impl Settings {
    /// Every setting, in the order first set.
    pub fn all(&self) -> &[Setting] {
        &self.0
    }

    pub fn set(&mut self, key: String, value: String, file: &str) {
        let s = Setting { key, value, file: file.to_string() };
        match self.0.iter_mut().find(|o| o.key.eq_ignore_ascii_case(&s.key)) {
            Some(slot) => *slot = s,
            None => self.0.push(s),
        }
    }

    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.0.iter().find(|s| s.key.eq_ignore_ascii_case(key))
    }

    /// A non-empty value of `key`.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).map(|s| s.value.trim()).filter(|v| !v.is_empty())
    }
}

/// What one phone run found, printed as text or JSON.
#[derive(Serialize)]
pub struct Report {
    pub vendor: String,
    pub model: String,
    pub mac: String,
    pub user_agent: String,
    pub requests: Vec<fetch::Request>,
    pub settings: Settings,
    pub diagnostics: Vec<Diagnostic>,
    pub provisioned: bool,
    /// The verdict under each reading of the stop rule, when they differ (a common file shadows
    /// settings of later files and the layouts do not know whether the phone goes on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_rule: Option<StopRule>,
}

/// What a phone misses if it stops at the first config file it gets, and who says what.
#[derive(Debug, Clone, Serialize)]
pub struct StopRule {
    /// The file it would stop at and the files it would not read.
    pub first: String,
    pub later: Vec<String>,
    /// Settings of the later files it would miss.
    pub missed: Vec<String>,
    pub says_continues: String,
    pub says_stops: String,
}

/// Everything the vendor walks need.
pub struct Phone<'a> {
    pub ctx: &'a Context,
    pub model: &'a Model,
    pub vendor: &'a crate::rules::layout::Vendor,
    pub mac: Mac,
    pub current: Option<Version>,
    pub client: fetch::Client,
    pub findings: Vec<Diagnostic>,
    /// Set by a walk whose verdict depends on the stop rule.
    pub stop_rule: Option<StopRule>,
}

/// Walks the server as the phone of `args` does and checks all it gets. `discovered` hears of a
/// server found by PnP (its address and the URL it answered with) before the walk starts.
pub fn walk(args: &Walk, ctx: &Context, discovered: &dyn Fn(&str, &str)) -> Result<Report> {
    let mac = Mac::parse(&args.mac).map_err(|e| anyhow!("--mac: {e}"))?;
    let model = ctx.layouts.model(&args.model)?;
    let vendor = ctx.layouts.vendor(&model.vendor)?;
    let current = args
        .firmware_version
        .as_deref()
        .map(|v| v.parse::<Version>().map_err(|e| anyhow!("--firmware-version: {e}")))
        .transpose()?;
    if args.timeout == 0 {
        bail!("--timeout: give at least 1 second");
    }
    let config = choose::for_vendor(vendor).map_err(|e| anyhow!("--model {}: {e:#}", model.name))?;
    let user_agent = user_agent(config, &model.vendor, &model.name, args.firmware_version.as_deref(), mac);
    let url = phone_url(args, model, vendor, mac, &user_agent, discovered)?;
    check_url(&url)?;
    let auth = args.user.clone().zip(args.password.clone()).map(|(user, password)| fetch::Credentials {
        user,
        password,
        allow_basic: args.allow_basic,
    });
    let timeout = Duration::from_secs(args.timeout);
    let mut client = fetch::Client::new(user_agent.clone(), auth, timeout, args.ca.as_deref(), &url)?;
    if fetch::scheme(&url).is_none() {
        client = client.in_folder(Path::new(&url))?;
    }
    let mut phone = Phone { ctx, model, vendor, mac, current, client, findings: Vec::new(), stop_rule: None };
    let base = url.trim_end_matches('/').to_string();
    let settings = match config.phone_walk() {
        PhoneWalk::Requests => htek::provision(&mut phone, &base, args)?,
        PhoneWalk::Includes => flyingvoice::provision(&mut phone, &base)?,
    };
    if !settings.0.is_empty() {
        resources::fetch_all(&mut phone, &settings)?;
    }
    Ok(Report {
        vendor: model.vendor.clone(),
        model: model.name.clone(),
        mac: mac.to_string(),
        user_agent,
        requests: std::mem::take(&mut phone.client.requests),
        settings,
        provisioned: !has_errors(&phone.findings),
        diagnostics: phone.findings,
        stop_rule: phone.stop_rule,
    })
}

/// The URL the phone is given, or (`--pnp`) the one a PnP server answers its SUBSCRIBE with.
fn phone_url(
    args: &Walk,
    model: &Model,
    vendor: &crate::rules::layout::Vendor,
    mac: Mac,
    user_agent: &str,
    discovered: &dyn Fn(&str, &str),
) -> Result<String> {
    let Some(iface) = args.url.is_none().then_some(&args.pnp) else {
        return Ok(args.url.clone().unwrap_or_default());
    };
    let found = pnp::discover(iface.as_deref().unwrap_or("0.0.0.0"), &phone_of(model, vendor, mac, args, user_agent))?;
    discovered(&found.server, &found.url);
    Ok(found.url)
}

/// Refuses a URL of a scheme the phone has no fetcher for, or a path that is not a folder.
fn check_url(url: &str) -> Result<()> {
    match fetch::scheme(url) {
        Some("http" | "https" | "tftp" | "ftp") => Ok(()),
        Some(other) => bail!("{url}: the phone fetches over http://, https://, tftp:// or ftp://, not {other}://"),
        None if !std::path::Path::new(url).is_dir() => {
            bail!("{url}: not a folder, and not an http://, https://, tftp:// or ftp:// URL")
        }
        None => Ok(()),
    }
}

/// What `--pnp` sends: the phone's SUBSCRIBE in its vendor's form (the layout's `[pnp]`).
fn phone_of<'a>(
    model: &'a Model,
    vendor: &'a crate::rules::layout::Vendor,
    mac: Mac,
    args: &'a Walk,
    user_agent: &'a str,
) -> pnp::Asking<'a> {
    pnp::Asking {
        vendor,
        model: &model.name,
        mac,
        firmware: args.firmware_version.as_deref(),
        user_agent,
        timeout: Duration::from_secs(args.timeout),
    }
}

/// The User-Agent each vendor's phones send (FORMATS.md §3 "How phones identify themselves"):
/// `Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9`, `Flyingvoice FIP13G V0.6.24 00:21:F2:22:AE:F1`: the
/// shape follows the phones' config format, the first word is the vendor's name.
fn user_agent(config: &dyn VendorConfig, vendor: &str, model: &str, firmware: Option<&str>, mac: Mac) -> String {
    let pairs: Vec<String> =
        mac.as_str().as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let colons = pairs.join(":");
    let mut name: Vec<char> = vendor.chars().collect();
    if let Some(first) = name.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    let name: String = name.into_iter().collect();
    config.user_agent(&name, model, firmware, &colons)
}

impl Phone<'_> {
    /// When none of the phone's config files is at `base`: whether `file` is in the vendor's config
    /// folder beneath it (a bundler tree given by its root; `config/` in the layouts' `[[fetch]]`),
    /// as a hint naming the URL to give the phone. The probe is not one of the phone's requests, so
    /// it is not listed.
    pub fn configs_one_level_down(&mut self, base: &str, file: &str) -> Option<String> {
        let folder = self.vendor.fetch(crate::rules::layout::FetchKind::Config)?.value_for("", "", "");
        let suggested = format!("{}{folder}", base.trim_end_matches('/'));
        if folder.is_empty() || base.trim_end_matches('/').ends_with(&folder) {
            return None;
        }
        let found = self.client.get(&fetch::in_folder(&suggested, file), fetch::CONFIG_MAX).is_ok();
        self.client.requests.pop();
        found.then(|| {
            format!("; {file} is one level down: give the phone {suggested} (what `bundler dhcp --tree` hands out)")
        })
    }
}
