//! `bundler phone`: its arguments, what the walk found printed (text or JSON) and the exit status
//! (0 only when the phone would end up fully provisioned). The walk is [`bundler::ops::phone`].

use anyhow::Result;
use bundler::mechanisms::report::print_json;
use bundler::ops::phone::{Report, Walk};
use bundler::Context;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(after_help = "URL is what the phone is given (DHCP option 66, PnP, or typed in): http://, https://, tftp://,
ftp://[user:password@]host/path (Htek guide §22.3) or a local folder.

Limits: each file's whole transfer ends within --timeout; a config may have at most 4 MiB, a ring
tone, image or tar the model's cap from its layout, firmware the model's firmware cap. Nothing is
written to disk. See docs/fetch-limits.md.

Examples:
  bundler phone http://10.0.0.5/htek/config --model UC924 --mac 00:1f:c1:10:d3:a9 --aes-key 001FC1BC
  bundler phone tftp://10.0.0.5/ --model FIP13G --mac 00:21:f2:22:ae:f1 --firmware-version 0.6.24.0 --json
  bundler phone ftp://prov:secret@10.0.0.5/htek --model UC924 --mac 00:1f:c1:10:d3:a9
  bundler phone https://prov.lan/htek --ca lab-ca.pem --model UC924 --mac 00:1f:c1:10:d3:a9")]
pub struct Args {
    /// The provisioning server URL (or folder) the phone is given.
    #[arg(required_unless_present = "pnp", conflicts_with = "pnp")]
    pub url: Option<String>,
    /// Find the URL as the phone does first: multicast its PnP SUBSCRIBE to 224.0.1.75:5060 and take
    /// the URL of the NOTIFY that answers (within --timeout). IFACE: the IPv4 address of the
    /// interface to send from (default: the interface the kernel routes 224.0.1.75 to).
    #[arg(long, value_name = "IFACE", num_args = 0..=1, default_missing_value = "0.0.0.0")]
    pub pnp: Option<String>,
    /// The phone's model.
    #[arg(long)]
    pub model: String,
    /// The phone's MAC address (any usual spelling).
    #[arg(long)]
    pub mac: String,
    /// Htek: the AES key for encrypted config files (1–16 hex digits).
    #[arg(long, value_name = "HEX")]
    pub aes_key: Option<String>,
    /// The firmware version the phone runs now (4 or 5 numbers), to compare with the served firmware.
    #[arg(long, value_name = "V")]
    pub firmware_version: Option<String>,
    /// User for HTTP digest (or, with --allow-basic, basic) authentication.
    #[arg(long, requires = "password")]
    pub user: Option<String>,
    /// Password for HTTP digest (or, with --allow-basic, basic) authentication.
    #[arg(long, requires = "user")]
    pub password: Option<String>,
    /// Answer an HTTP Basic challenge (the password in clear), only from the server of URL.
    #[arg(long, requires = "user")]
    pub allow_basic: bool,
    /// https://: trust only the CA certificate(s) in this PEM file (a private CA).
    #[arg(long, value_name = "FILE")]
    pub ca: Option<std::path::PathBuf>,
    /// Htek: the config file name prefix the phone has now (P234).
    #[arg(long, value_name = "P", default_value = "")]
    pub config_prefix: String,
    /// Htek: the config file name postfix the phone has now (P235).
    #[arg(long, value_name = "S", default_value = "")]
    pub config_postfix: String,
    /// Seconds each file's whole transfer may take (each redirect hop its own).
    #[arg(long, value_name = "S", default_value_t = 10)]
    pub timeout: u64,
    /// Print one JSON object (`requests`, `settings`, `diagnostics`) instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let walk = Walk {
        url: args.url.clone(),
        pnp: args.pnp.clone(),
        model: args.model.clone(),
        mac: args.mac.clone(),
        aes_key: args.aes_key.clone(),
        firmware_version: args.firmware_version.clone(),
        user: args.user.clone(),
        password: args.password.clone(),
        allow_basic: args.allow_basic,
        ca: args.ca.clone(),
        config_prefix: args.config_prefix.clone(),
        config_postfix: args.config_postfix.clone(),
        timeout: args.timeout,
    };
    // The server PnP found, before the walk: on standard error with --json (standard output is
    // the one JSON object).
    let discovered = |server: &str, url: &str| {
        let line = format!("PnP: {server} answered with {url}");
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let report = bundler::ops::phone::walk(&walk, ctx, &discovered)?;
    print(&report, args.json)?;
    Ok(if report.provisioned { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print(r: &Report, json: bool) -> Result<()> {
    if json {
        return print_json(r);
    }
    if bundler::quiet() {
        // -q: only the findings (the exit status says whether the phone is provisioned).
        r.diagnostics.iter().for_each(|d| println!("{d}"));
    } else {
        print_text(r);
    }
    Ok(())
}

fn print_text(r: &Report) {
    println!("{} {} {} (User-Agent: {})", r.vendor, r.model, r.mac, r.user_agent);
    println!("requests, in order:");
    for q in &r.requests {
        let status = q.status.as_str().map_or(q.status.to_string(), str::to_string);
        let note = q.note.as_deref().map(|n| format!("  ({n})")).unwrap_or_default();
        println!("  {} {status} {} bytes {} ms{note}", q.url, q.bytes, q.millis);
    }
    println!("effective settings ({}):", r.settings.all().len());
    for s in r.settings.all() {
        println!("  {} = {}  # {}", s.key, s.value.replace('\n', "\\n"), s.file);
    }
    println!("findings ({}):", r.diagnostics.len());
    for d in &r.diagnostics {
        println!("{d}");
    }
    match (&r.stop_rule, r.provisioned) {
        (Some(rule), true) => {
            println!(
                "the phone would end up fully provisioned if it goes on to {} (as {} say)",
                rule.later.join(", "),
                rule.says_continues
            );
            println!(
                "if it stops at {} ({} say it does), it misses {} setting(s)",
                rule.first,
                rule.says_stops,
                rule.missed.len()
            );
        }
        (_, true) => println!("the phone would end up fully provisioned"),
        (_, false) => println!("the phone would NOT end up fully provisioned"),
    }
}
