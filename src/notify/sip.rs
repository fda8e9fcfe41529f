//! The SIP messages of `bundler notify`, built and read with the `rsip` crate: the check-sync
//! NOTIFY, the responses to it, and the digest answer to a 401/407 challenge (RFC 2617/7616).

use anyhow::{bail, Result};
use rsip::headers::auth::{Algorithm, AuthQop, Qop, Scheme};
use rsip::headers::UntypedHeader;
use rsip::message::HeadersExt;
use rsip::param::{Branch, OtherParam, Tag};
use rsip::typed;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;

/// The event both guides name (Htek guide §8, Flyingvoice guide "SIP NOTIFY Message").
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

/// Checks a `--from` URI.
pub fn parse_from(text: &str) -> Result<rsip::Uri> {
    let uri = rsip::Uri::try_from(text).map_err(|e| anyhow::anyhow!("--from '{text}': not a SIP URI: {e}"))?;
    if !matches!(uri.scheme, Some(rsip::Scheme::Sip) | Some(rsip::Scheme::Sips)) {
        bail!("--from '{text}': must be a sip: URI, e.g. sip:provisioning@example.com");
    }
    Ok(uri)
}

/// A random token for tags, branches and Call-IDs (std's per-process random hash keys, mixed with
/// the time and a counter: unique, not secret).
pub fn token() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{:016x}", h.finish())
}

/// The fixed parts of one phone's dialog: every request of it shares them.
pub struct Dialog {
    pub uri: rsip::Uri,
    pub from: rsip::Uri,
    pub from_tag: String,
    pub call_id: String,
    pub local: SocketAddr,
    pub transport: rsip::Transport,
    pub event: String,
}

/// A NOTIFY with sequence number `cseq` and Via branch `branch`, plus an authorization header.
pub fn notify(d: &Dialog, cseq: u32, branch: &str, auth: Option<rsip::Header>) -> rsip::Request {
    let local = rsip::HostWithPort::from(d.local);
    let via = typed::Via {
        version: rsip::Version::V2,
        transport: d.transport,
        uri: rsip::Uri { host_with_port: local.clone(), ..Default::default() },
        params: vec![rsip::Param::Branch(Branch::new(branch)), rsip::Param::Other(OtherParam::new("rport"), None)],
    };
    let contact_params = match d.transport {
        rsip::Transport::Tcp => vec![rsip::Param::Transport(rsip::Transport::Tcp)],
        _ => vec![],
    };
    let mut headers: Vec<rsip::Header> = vec![
        via.into(),
        rsip::headers::MaxForwards::new("70").into(),
        typed::From { display_name: None, uri: d.from.clone(), params: vec![rsip::Param::Tag(Tag::new(&d.from_tag))] }
            .into(),
        typed::To { display_name: None, uri: d.uri.clone(), params: vec![] }.into(),
        rsip::headers::CallId::new(&d.call_id).into(),
        typed::CSeq { seq: cseq, method: rsip::Method::Notify }.into(),
        typed::Contact {
            display_name: None,
            uri: rsip::Uri {
                scheme: Some(rsip::Scheme::Sip),
                auth: Some(rsip::Auth { user: "bundler".into(), password: None }),
                host_with_port: local,
                params: contact_params,
                ..Default::default()
            },
            params: vec![],
        }
        .into(),
        rsip::headers::Event::new(&d.event).into(),
        rsip::Header::Other("Subscription-State".into(), "terminated".into()),
        rsip::headers::UserAgent::new(concat!("bundler/", env!("CARGO_PKG_VERSION"))).into(),
    ];
    headers.extend(auth);
    headers.push(rsip::headers::ContentLength::default().into());
    rsip::Request {
        method: rsip::Method::Notify,
        uri: d.uri.clone(),
        version: rsip::Version::V2,
        headers: rsip::Headers::from(headers),
        body: vec![],
    }
}

/// Parses a datagram or stream frame as a response; anything else is `None`.
pub fn response(bytes: &[u8]) -> Option<rsip::Response> {
    match rsip::SipMessage::try_from(bytes) {
        Ok(rsip::SipMessage::Response(r)) => Some(r),
        _ => None,
    }
}

/// Whether `r` answers the request sent with `branch` and `cseq` (RFC 3261 §17.1.3).
pub fn answers(r: &rsip::Response, branch: &str, cseq: u32) -> bool {
    use rsip::headers::ToTypedHeader;
    let via = r.via_header().ok().and_then(|v| v.typed().ok());
    let same_branch = via.as_ref().and_then(|v| v.branch()).is_some_and(|b| b.to_string() == branch);
    let c = r.cseq_header().ok().and_then(|c| c.typed().ok());
    same_branch && c.is_some_and(|c| c.seq == cseq && c.method == rsip::Method::Notify)
}

/// The Authorization (for 401) or Proxy-Authorization (for 407) header answering `challenge`.
pub fn authorize(challenge: &rsip::Response, d: &Dialog, user: &str, password: &str) -> Result<rsip::Header> {
    let code = challenge.status_code.code();
    let raw = challenge.headers.iter().find_map(|h| match (code, h) {
        (401, rsip::Header::WwwAuthenticate(w)) => Some(w.value().to_string()),
        (407, rsip::Header::ProxyAuthenticate(p)) => Some(p.value().to_string()),
        _ => None,
    });
    let header = if code == 401 { "WWW-Authenticate" } else { "Proxy-Authenticate" };
    let Some(raw) = raw else { bail!("{code} without a {header} header") };
    let www = typed::WwwAuthenticate::try_from(rsip::headers::WwwAuthenticate::new(raw.as_str()))
        .map_err(|e| anyhow::anyhow!("cannot read the {header} challenge '{raw}': {e}"))?;
    if www.scheme != Scheme::Digest {
        bail!("the phone asks for '{}' authentication; only Digest is supported", www.scheme);
    }
    let algorithm = www.algorithm.unwrap_or(Algorithm::Md5);
    if matches!(algorithm, Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512Sess) {
        bail!("the phone asks for {algorithm} digest, which is not supported (MD5, SHA-256 and SHA-512 are)");
    }
    let qop = match www.qop {
        None => None,
        Some(Qop::Auth) => Some(AuthQop::Auth { cnonce: token(), nc: 1 }),
        Some(Qop::AuthInt) => Some(AuthQop::AuthInt { cnonce: token(), nc: 1 }),
    };
    let method = rsip::Method::Notify;
    let generator = rsip::services::DigestGenerator {
        username: user,
        password,
        nonce: &www.nonce,
        uri: &d.uri,
        realm: &www.realm,
        method: &method,
        qop: qop.as_ref(),
        algorithm,
    };
    let auth = typed::Authorization {
        scheme: Scheme::Digest,
        username: user.to_string(),
        realm: www.realm.clone(),
        nonce: www.nonce.clone(),
        uri: d.uri.clone(),
        response: generator.compute(),
        algorithm: www.algorithm,
        opaque: www.opaque.clone(),
        qop,
    };
    Ok(if code == 401 {
        auth.into()
    } else {
        rsip::Header::ProxyAuthorization(rsip::headers::ProxyAuthorization::new(auth.to_string()))
    })
}
