//! One phone's NOTIFY as an RFC 3261 non-INVITE client transaction ([`crate::mechanisms::sip::transaction`]); a
//! 401/407 is answered once with a new transaction carrying the digest, in the same dialog (same
//! Call-ID and From tag, CSeq + 1).

use super::request::{self, Dialog};
use super::target::Target;
use super::{Outcome, Settings, Transport};
use crate::mechanisms::sip::transaction::{transact, Link};
use crate::mechanisms::sip::{self, Message, Uri};
use anyhow::{Context, Result};
use std::net::{SocketAddr, ToSocketAddrs};

/// Notifies one phone; never fails, every problem ends up in the outcome.
pub fn notify(t: &Target, s: &Settings) -> Outcome {
    let mut sends = 0;
    let result = exchange(t, s, &mut sends);
    let mut o = Outcome {
        target: t.shown.clone(),
        uri: t.uri.to_string(),
        ok: false,
        status: None,
        detail: String::new(),
        sends,
    };
    match result {
        Ok(r) => {
            let code = r.code().unwrap_or(0);
            o.ok = (200..300).contains(&code);
            o.status = Some(code);
            o.detail = crate::mechanisms::printable::shown(r.reason()).into_owned();
            if matches!(code, 401 | 407) {
                let why = if s.credentials.is_some() {
                    "the phone refused --user/--password"
                } else {
                    "give --user and --password"
                };
                o.detail = format!("{} ({why})", o.detail);
            }
        }
        Err(e) => o.detail = crate::mechanisms::printable::shown(&format!("{e:#}")).into_owned(),
    }
    o
}

/// Sends the NOTIFY, answers one challenge, and returns the final response.
fn exchange(t: &Target, s: &Settings, sends: &mut u32) -> Result<Message> {
    let peer = (t.uri.host_name(), t.uri.port_or_default())
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", t.uri.host_name()))?
        .next()
        .with_context(|| format!("{} has no address", t.uri.host_name()))?;
    let mut link = match s.transport {
        Transport::Tcp => Link::tcp(peer, s.t1 * 64)?,
        Transport::Udp => Link::udp(peer)?,
    };
    let local = link.local()?;
    let dialog = Dialog {
        uri: t.uri.clone(),
        from: s.from.clone().unwrap_or_else(|| default_from(local)),
        from_tag: sip::token(),
        call_id: format!("{}@bundler", sip::token()),
        local,
        tcp: s.transport == Transport::Tcp,
        event: s.event.clone(),
    };
    let first = transact(&mut link, &request::notify(&dialog, 1, None), s.t1, sends)?;
    let code = first.code().unwrap_or(0);
    let (Some((user, password)), 401 | 407) = (&s.credentials, code) else { return Ok(first) };
    let auth = request::authorize(&first, &dialog, user, password)
        .with_context(|| format!("{code} {}", crate::mechanisms::printable::shown(first.reason())))?;
    transact(&mut link, &request::notify(&dialog, 2, Some((auth.0, auth.1))), s.t1, sends)
}

fn default_from(local: SocketAddr) -> Uri {
    let mut uri = Uri::of_addr(local, Some("bundler"));
    uri.port = None;
    uri
}
