//! The check-sync NOTIFY of `bundler notify` (Htek guide §8 "SIP NOTIFY Message", Flyingvoice guide
//! "SIP NOTIFY Message") and the digest answer to a 401/407, built on the SIP mechanism.

use crate::mechanisms::sip::{self, Message, Uri};
use anyhow::{bail, Result};
use std::net::SocketAddr;

/// The event both guides name.
const EVENT: &str = "check-sync";
/// Added to the event to make the phone reboot first (same sections).
const REBOOT: &str = "reboot=true";

/// The Event header value.
pub fn event(reboot: bool) -> String {
    if reboot {
        format!("{EVENT};{REBOOT}")
    } else {
        EVENT.to_string()
    }
}

/// Checks a `--from` URI: one whole `sip:` URI.
pub fn parse_from(text: &str) -> Result<Uri> {
    Uri::parse(text).map_err(|e| {
        anyhow::anyhow!(
            "--from '{}': {e} (give a sip: URI, e.g. sip:provisioning@example.com)",
            crate::mechanisms::printable::shown(text)
        )
    })
}

/// The fixed parts of one phone's dialog: every request of it shares them.
pub struct Dialog {
    pub uri: Uri,
    pub from: Uri,
    pub from_tag: String,
    pub call_id: String,
    pub local: SocketAddr,
    pub tcp: bool,
    pub event: String,
}

/// A NOTIFY with sequence number `cseq`, a new branch, plus an authorization header.
pub fn notify(d: &Dialog, cseq: u32, auth: Option<(&str, String)>) -> Message {
    let local = Uri::of_addr(d.local, None);
    let transport = if d.tcp { "TCP" } else { "UDP" };
    let contact_params = if d.tcp { ";transport=tcp" } else { "" };
    let mut m = Message::request("NOTIFY", &d.uri.to_string());
    m.push("Via", format!("SIP/2.0/{transport} {}:{};branch={};rport", local.host, d.local.port(), sip::branch()))
        .push("Max-Forwards", "70")
        .push("From", format!("<{}>;tag={}", d.from, d.from_tag))
        .push("To", format!("<{}>", d.uri))
        .push("Call-ID", d.call_id.clone())
        .push("CSeq", format!("{cseq} NOTIFY"))
        .push("Contact", format!("<sip:bundler@{}:{}{contact_params}>", local.host, d.local.port()))
        .push("Event", d.event.clone())
        .push("Subscription-State", "terminated")
        .push("User-Agent", sip::user_agent());
    if let Some((name, value)) = auth {
        m.push(name, value);
    }
    m
}

/// The Authorization (for 401) or Proxy-Authorization (for 407) header answering `challenge`.
pub fn authorize(challenge: &Message, d: &Dialog, user: &str, password: &str) -> Result<(&'static str, String)> {
    let code = challenge.code().unwrap_or(0);
    let (asks, answer) =
        if code == 401 { ("WWW-Authenticate", "Authorization") } else { ("Proxy-Authenticate", "Proxy-Authorization") };
    let Some(raw) = challenge.header(asks) else { bail!("{code} without a {asks} header") };
    if !crate::mechanisms::digest::is_digest(raw) {
        bail!(
            "the phone asks for '{}' authentication; only Digest is supported",
            crate::mechanisms::printable::shown(raw)
        );
    }
    let parsed = crate::mechanisms::digest::parse(raw).map_err(anyhow::Error::msg)?;
    let uri = d.uri.to_string();
    let cnonce = sip::token();
    let r = crate::mechanisms::digest::Request { method: "NOTIFY", uri: &uri, user, password, cnonce: &cnonce };
    Ok((answer, crate::mechanisms::digest::authorization(&parsed, &r).map_err(anyhow::Error::msg)?))
}
