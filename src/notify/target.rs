//! The phones to notify: TARGET arguments (`host`, `host:port`, `sip:user@host:port`) and the rows of
//! a `--phones` CSV with an `address` (or `ip`) column.

use crate::config::csv_input::CsvFile;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// The SIP port when a target names none (RFC 3261 §19.1.2).
pub const DEFAULT_PORT: u16 = 5060;

/// One phone: how the user named it, and where its NOTIFY goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub shown: String,
    /// The Request-URI: the user's `sip:` URI, or `sip:HOST:PORT`.
    pub uri: rsip::Uri,
    /// Host name or address to resolve.
    pub host: String,
    pub port: u16,
}

/// The targets from the command line, then those of the CSV, in order.
pub fn collect(args: &[String], csv: Option<&Path>) -> Result<Vec<Target>> {
    let mut targets: Vec<Target> =
        args.iter().map(|a| parse(a).with_context(|| format!("TARGET '{a}'"))).collect::<Result<_>>()?;
    if let Some(path) = csv {
        targets.extend(from_csv(path)?);
    }
    Ok(targets)
}

fn from_csv(path: &Path) -> Result<Vec<Target>> {
    let mut csv = CsvFile::open(path)?;
    let column = match csv.column("address").or_else(|| csv.column("ip")) {
        Some(c) => c,
        None => csv.require_column("address")?,
    };
    let shown = csv.shown.clone();
    let mut targets = Vec::new();
    while let Some(row) = csv.next_row()? {
        let value = row.fields.get(column).unwrap_or_default().trim();
        if value.is_empty() {
            bail!("{shown}:{}: the address is empty", row.line);
        }
        targets.push(parse(value).with_context(|| format!("{shown}:{}: address '{value}'", row.line))?);
    }
    Ok(targets)
}

/// Parses one target in any of its forms.
pub fn parse(text: &str) -> Result<Target> {
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("sips:") {
        bail!("sips: (SIP over TLS) is not supported; use sip: with --transport udp or tcp");
    }
    if lower.starts_with("sip:") {
        let uri = rsip::Uri::try_from(text).map_err(|e| anyhow::anyhow!("not a SIP URI: {e}"))?;
        let host = host_text(uri.host());
        let port = uri.port().map_or(DEFAULT_PORT, |p| *p.value());
        return checked(Target { shown: text.to_string(), uri, host, port });
    }
    if text.contains(['@', '/', ' ', ';', '?']) {
        bail!("expected host, host:port or sip:user@host:port");
    }
    let (host, port) = split_host_port(text)?;
    if host.contains(':') {
        // rsip 0.4 neither reads nor writes bracketed IPv6 hosts in SIP URIs.
        bail!("IPv6 addresses are not supported; give the phone's IPv4 address or host name");
    }
    let uri = rsip::Uri::try_from(format!("sip:{host}:{port}").as_str())
        .map_err(|e| anyhow::anyhow!("not a host name or address: {e}"))?;
    checked(Target { shown: text.to_string(), uri, host, port })
}

fn checked(t: Target) -> Result<Target> {
    if t.host.is_empty() {
        bail!("no host");
    }
    if t.port == 0 {
        bail!("port 0 is not a port");
    }
    Ok(t)
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`, or a bare IPv6 address.
fn split_host_port(text: &str) -> Result<(String, u16)> {
    let port = |p: &str| p.parse::<u16>().map_err(|_| anyhow::anyhow!("'{p}' is not a port number (1-65535)"));
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').context("unclosed '['")?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host.to_string(), port(p)?)),
            None if after.is_empty() => Ok((host.to_string(), DEFAULT_PORT)),
            None => bail!("unexpected '{after}' after ']'"),
        };
    }
    if text.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((text.to_string(), DEFAULT_PORT));
    }
    match text.rsplit_once(':') {
        Some((host, p)) => Ok((host.to_string(), port(p)?)),
        None => Ok((text.to_string(), DEFAULT_PORT)),
    }
}

fn host_text(host: &rsip::Host) -> String {
    match host {
        rsip::Host::Domain(d) => d.to_string(),
        rsip::Host::IpAddr(ip) => ip.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms() {
        let t = parse("192.0.2.7").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.uri.to_string().as_str()), ("192.0.2.7", 5060, "sip:192.0.2.7:5060"));
        let t = parse("phone1.example:5070").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("phone1.example", 5070));
        let t = parse("sip:1001@192.0.2.7:5062").unwrap();
        assert_eq!((t.host.as_str(), t.port, t.uri.user()), ("192.0.2.7", 5062, Some("1001")));
        assert!(parse("[2001:db8::1]:5080").unwrap_err().to_string().contains("IPv6"));
        assert!(parse("2001:db8::1").unwrap_err().to_string().contains("IPv6"));
        for bad in ["host:99999", "host:", "a@b", "sips:1@h", "sip:", ":5060", "[::1"] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
