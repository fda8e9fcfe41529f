//! The phones to notify: TARGET arguments (`host`, `host:port`, `sip:user@host:port`) and the rows of
//! a `--phones` CSV with an `address` (or `ip`) column.

use crate::kinds::config::csv_input::CsvFile;
use crate::mechanisms::printable::shown;
use crate::mechanisms::sip::Uri;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// One phone: how the user named it, and where its NOTIFY goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub shown: String,
    /// The Request-URI: the user's `sip:` URI, or `sip:HOST:PORT`.
    pub uri: Uri,
}

/// The targets from the command line, then those of the CSV, in order.
pub fn collect(args: &[String], csv: Option<&Path>) -> Result<Vec<Target>> {
    let mut targets: Vec<Target> =
        args.iter().map(|a| parse(a).with_context(|| format!("TARGET '{}'", shown(a)))).collect::<Result<_>>()?;
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
        targets.push(parse(value).with_context(|| {
            format!("{shown}:{}: address '{}'", row.line, crate::mechanisms::printable::shown(value))
        })?);
    }
    Ok(targets)
}

/// Parses one target in any of its forms; the whole text must be the target (nothing after it,
/// no control characters, spaces or `"<>`).
pub fn parse(text: &str) -> Result<Target> {
    let shown = crate::mechanisms::printable::shown(text).into_owned();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("sips:") {
        bail!("sips: (SIP over TLS) is not supported; use sip: with --transport udp or tcp");
    }
    let uri = if lower.starts_with("sip:") {
        Uri::parse(text).map_err(|e| anyhow::anyhow!("not a SIP URI: {e}"))?
    } else {
        if text.contains(['@', '/', ';', '?']) {
            bail!("expected host, host:port or sip:user@host:port");
        }
        let bare_v6 = text.parse::<std::net::Ipv6Addr>().is_ok();
        let host_port = if bare_v6 { format!("[{text}]") } else { text.to_string() };
        let mut uri =
            Uri::parse(&format!("sip:{host_port}")).map_err(|e| anyhow::anyhow!("not a host or host:port: {e}"))?;
        uri.port.get_or_insert(crate::mechanisms::sip::DEFAULT_PORT);
        uri
    };
    Ok(Target { shown, uri })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_forms() {
        let t = parse("192.0.2.7").unwrap();
        assert_eq!((t.uri.host_name(), t.uri.to_string().as_str()), ("192.0.2.7", "sip:192.0.2.7:5060"));
        let t = parse("phone1.example:5070").unwrap();
        assert_eq!((t.uri.host_name(), t.uri.port), ("phone1.example", Some(5070)));
        let t = parse("sip:1001@192.0.2.7:5062").unwrap();
        assert_eq!((t.uri.host_name(), t.uri.port, t.uri.user.as_deref()), ("192.0.2.7", Some(5062), Some("1001")));
        assert_eq!(parse("[2001:db8::1]:5080").unwrap().uri.to_string(), "sip:[2001:db8::1]:5080");
        assert_eq!(parse("2001:db8::1").unwrap().uri.to_string(), "sip:[2001:db8::1]:5060");
        for bad in ["host:99999", "host:", "a@b", "sips:1@h", "sip:", ":5060", "[::1", "sip:1@h:5060 x", "h\r\nX: y"] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
