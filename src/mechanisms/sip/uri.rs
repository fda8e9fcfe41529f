//! `sip:` URIs (RFC 3261 §19.1), read strictly: the whole text must be one URI. Text after it, a
//! space, a control character or one of `"<>` is refused rather than cut off or sent.

use anyhow::{bail, Context, Result};
use std::fmt;

/// A `sip:` URI: `sip:user@host:port;params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub user: Option<String>,
    /// A host name, an IPv4 address, or an IPv6 address in brackets.
    pub host: String,
    pub port: Option<u16>,
    /// Everything from the first `;` (URI parameters and `?` headers), as written.
    pub rest: String,
}

/// Characters a SIP URI may hold besides letters and digits (RFC 3261 §25.1: unreserved, reserved,
/// `%` escapes). Everything else (space, `"`, `<`, `>`, `\`, control characters) ends a URI.
const URI_MARKS: &str = "-_.!~*'()%&=+$,;?/:@[]";

impl Uri {
    /// Reads `text` as one whole `sip:` URI.
    pub fn parse(text: &str) -> Result<Uri> {
        if let Some(c) = text.chars().find(|c| !c.is_ascii_alphanumeric() && !URI_MARKS.contains(*c)) {
            bail!("{c:?} cannot appear in a SIP URI (text after the URI, a space, a quote or a control character?)");
        }
        let scheme_len = 4;
        if text.len() < scheme_len || !text[..scheme_len].eq_ignore_ascii_case("sip:") {
            bail!("not a sip: URI");
        }
        let body = &text[scheme_len..];
        let (before, rest) = match body.find([';', '?']) {
            Some(i) => (&body[..i], &body[i..]),
            None => (body, ""),
        };
        let (user, hostport) = match before.rsplit_once('@') {
            Some((u, h)) if !u.is_empty() => (Some(u.to_string()), h),
            Some(_) => bail!("an empty user part before '@'"),
            None => (None, before),
        };
        let (host, port) = split_host_port(hostport)?;
        Ok(Uri { user, host, port, rest: rest.to_string() })
    }

    /// `sip:host:port` (an IPv6 host bracketed).
    pub fn of_addr(addr: std::net::SocketAddr, user: Option<&str>) -> Uri {
        let host = match addr.ip() {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        Uri { user: user.map(str::to_string), host, port: Some(addr.port()), rest: String::new() }
    }

    /// The host without IPv6 brackets, for resolving.
    pub fn host_name(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The port, 5060 when none is written.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(super::DEFAULT_PORT)
    }
}

fn split_host_port(text: &str) -> Result<(String, Option<u16>)> {
    let port = |p: &str| -> Result<Option<u16>> {
        match p.parse::<u16>() {
            Ok(0) | Err(_) => bail!("'{p}' is not a port number (1-65535)"),
            Ok(n) => Ok(Some(n)),
        }
    };
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').context("an unclosed '[' in the host")?;
        addr.parse::<std::net::Ipv6Addr>().map_err(|_| anyhow::anyhow!("'{addr}' is not an IPv6 address"))?;
        let p = match after.strip_prefix(':') {
            Some(p) => port(p)?,
            None if after.is_empty() => None,
            None => bail!("unexpected '{after}' after the host"),
        };
        (format!("[{addr}]"), p)
    } else {
        match text.split_once(':') {
            Some((h, p)) => (h.to_string(), port(p)?),
            None => (text.to_string(), None),
        }
    };
    let name_ok = host.starts_with('[')
        || (!host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'));
    if !name_ok {
        bail!("'{host}' is not a host name or address");
    }
    Ok((host, port))
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sip:")?;
        if let Some(u) = &self.user {
            write!(f, "{u}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(&self.rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_uris_only() {
        let u = Uri::parse("sip:1001@192.0.2.7:5062;transport=udp").unwrap();
        assert_eq!((u.user.as_deref(), u.host.as_str(), u.port), (Some("1001"), "192.0.2.7", Some(5062)));
        assert_eq!(u.to_string(), "sip:1001@192.0.2.7:5062;transport=udp");
        let v6 = Uri::parse("sip:[2001:db8::1]:5080").unwrap();
        assert_eq!((v6.host_name(), v6.port_or_default()), ("2001:db8::1", 5080));
        for bad in [
            "sip:1@h:5060 trailing",
            "sip:1@h>x",
            "sip:1\r\n@h",
            "sip:a\"b@h",
            "sip:",
            "sip:@h",
            "sip:h:0",
            "sip:h:99999",
            "mailto:a@b",
            "sip:[::1",
            "sip:h_x",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
