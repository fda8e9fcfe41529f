//! SIP PnP profile delivery (RFC 6080), the messages both sides exchange: a phone multicasts a
//! SUBSCRIBE with `Event: ua-profile;profile-type=…;vendor=…;model=…;version=…` to 224.0.1.75:5060,
//! the server answers 200 and sends a NOTIFY (`Content-Type: application/url`) whose body is the
//! provisioning URL. `serve --pnp` and `phone --pnp` use these; which vendor spells what is layout
//! data, passed in.

use super::message::{name_addr, param, Message};
use super::Uri;
use anyhow::{bail, Context, Result};
use std::net::{Ipv4Addr, SocketAddr};

/// The SIP multicast group (IANA "SIP", RFC 3261 §10.3 names it for registrations; RFC 6080 §4.1).
pub const GROUP: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 75);
/// The event package.
pub const EVENT: &str = "ua-profile";
/// The body type of the NOTIFY.
pub const URL_TYPE: &str = "application/url";
/// The longest URL accepted in a NOTIFY body.
pub const MAX_URL: usize = 2048;

/// What a phone puts in its SUBSCRIBE.
pub struct Phone<'a> {
    pub vendor: &'a str,
    pub profile_type: &'a str,
    pub model: &'a str,
    pub version: &'a str,
    /// The user part of the Request-URI, From and To (the MAC in the vendor's spelling).
    pub user: &'a str,
    /// The phone's own address (Via, Contact).
    pub local: SocketAddr,
    pub user_agent: &'a str,
}

/// The SUBSCRIBE a phone multicasts.
pub fn subscribe(p: &Phone, call_id: &str, tag: &str) -> Message {
    let group = format!("sip:{}@{GROUP}", p.user);
    let local = Uri::of_addr(p.local, None);
    let mut m = Message::request("SUBSCRIBE", &group);
    m.push("Via", format!("SIP/2.0/UDP {}:{};branch={};rport", local.host, p.local.port(), super::branch()))
        .push("Max-Forwards", "70")
        .push("From", format!("<{group}>;tag={tag}"))
        .push("To", format!("<{group}>"))
        .push("Call-ID", call_id)
        .push("CSeq", "1 SUBSCRIBE")
        .push("Contact", format!("<{}>", Uri::of_addr(p.local, None)))
        .push(
            "Event",
            format!(
                "{EVENT};profile-type=\"{}\";vendor=\"{}\";model=\"{}\";version=\"{}\"",
                p.profile_type, p.vendor, p.model, p.version
            ),
        )
        .push("Expires", "0")
        .push("Accept", URL_TYPE)
        .push("User-Agent", p.user_agent);
    m
}

/// What a ua-profile SUBSCRIBE says about the phone (empty where it says nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub vendor: String,
    pub model: String,
    pub version: String,
    pub profile_type: String,
    /// The user parts of the Request-URI and From, where the phone's MAC is.
    pub users: Vec<String>,
}

/// Reads a request as a ua-profile SUBSCRIBE; anything else is `None` (and gets no answer).
pub fn read_subscribe(m: &Message) -> Option<Asked> {
    if m.method() != Some("SUBSCRIBE") {
        return None;
    }
    let event = m.header("Event")?;
    let (package, params) = event.split_once(';').unwrap_or((event, ""));
    if !package.trim().eq_ignore_ascii_case(EVENT) {
        return None;
    }
    let get = |name: &str| param(params, name).unwrap_or_default();
    let mut users = Vec::new();
    if let super::message::Start::Request { uri, .. } = &m.start {
        users.extend(user_of(uri));
    }
    if let Some(from) = m.header("From") {
        users.extend(user_of(name_addr(from).0));
    }
    let asked = Asked {
        vendor: get("vendor"),
        model: get("model"),
        version: get("version"),
        profile_type: get("profile-type"),
        users,
    };
    Some(asked)
}

fn user_of(uri: &str) -> Option<String> {
    let body = uri.get(4..).filter(|_| uri.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("sip:")))?;
    let (user, _) = body.split_once('@')?;
    Some(user.split(';').next().unwrap_or(user).to_string())
}

/// The NOTIFY carrying `url` for the phone that sent `sub`, from `local`, within the dialog the
/// SUBSCRIBE opened (our From is its To with `tag`, our To its From), to `target`.
pub fn notify(sub: &Message, target: &Uri, local: SocketAddr, url: &str, tag: &str) -> Result<Message> {
    let (Some(from), Some(to), Some(call_id)) = (sub.header("From"), sub.header("To"), sub.header("Call-ID")) else {
        bail!("the SUBSCRIBE lacks From, To or Call-ID");
    };
    let event = sub.header("Event").unwrap_or(EVENT);
    let us = Uri::of_addr(local, None);
    let mut m = Message::request("NOTIFY", &target.to_string());
    m.push("Via", format!("SIP/2.0/UDP {}:{};branch={};rport", us.host, local.port(), super::branch()))
        .push("Max-Forwards", "70")
        .push("From", format!("{to};tag={tag}"))
        .push("To", from.to_string())
        .push("Call-ID", call_id.to_string())
        .push("CSeq", "1 NOTIFY")
        .push("Contact", format!("<{us}>"))
        .push("Event", event.to_string())
        .push("Subscription-State", "terminated;reason=timeout")
        .push("Content-Type", URL_TYPE)
        .push("User-Agent", super::user_agent());
    m.body = url.as_bytes().to_vec();
    Ok(m)
}

/// The URL a ua-profile NOTIFY carries.
pub fn url_of(m: &Message) -> Result<String> {
    let kind = m.header("Content-Type").unwrap_or("");
    if !kind.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case(URL_TYPE) {
        bail!("the NOTIFY's body is '{}', not {URL_TYPE}", crate::mechanisms::printable::shown(kind));
    }
    if m.body.len() > MAX_URL {
        bail!("the NOTIFY's URL is {} bytes, more than {MAX_URL}", m.body.len());
    }
    let url = std::str::from_utf8(&m.body).context("the NOTIFY's URL is not UTF-8")?.trim();
    if url.is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        bail!("the NOTIFY's body '{}' is not one URL", crate::mechanisms::printable::shown(url));
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_notify_round_trip() {
        let local: SocketAddr = "10.0.0.2:5062".parse().unwrap();
        let phone = Phone {
            vendor: "Htek",
            profile_type: "device",
            model: "UC924",
            version: "2.0.4.6.41",
            user: "001fc110d3a9",
            local,
            user_agent: "Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9",
        };
        let sub = Message::parse(&subscribe(&phone, "c1", "t1").to_bytes().unwrap()).unwrap();
        let asked = read_subscribe(&sub).unwrap();
        assert_eq!(
            (asked.vendor.as_str(), asked.model.as_str(), asked.version.as_str()),
            ("Htek", "UC924", "2.0.4.6.41")
        );
        assert_eq!(asked.users, ["001fc110d3a9", "001fc110d3a9"]);
        let target = Uri::parse("sip:10.0.0.2:5062").unwrap();
        let n = notify(&sub, &target, "10.0.0.1:40000".parse().unwrap(), "http://10.0.0.1/config", "s1").unwrap();
        let n = Message::parse(&n.to_bytes().unwrap()).unwrap();
        assert_eq!(url_of(&n).unwrap(), "http://10.0.0.1/config");
        assert_eq!(n.header("To"), Some("<sip:001fc110d3a9@224.0.1.75>;tag=t1"));
        let mut other = sub.clone();
        other.headers.retain(|(n, _)| n != "Event");
        other.push("Event", "presence");
        assert!(read_subscribe(&other).is_none());
    }
}
