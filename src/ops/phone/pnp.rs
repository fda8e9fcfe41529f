//! `bundler phone --pnp`: the phone's first way to find its provisioning server (Htek guide §7,
//! Flyingvoice guide "Plug and Play (PnP) Server"). It multicasts the SUBSCRIBE a phone of this
//! vendor sends (the layout's `[pnp]`: vendor word, profile type, MAC spelling) to 224.0.1.75:5060
//! as an RFC 3261 non-INVITE transaction, waits for the NOTIFY of the same dialog, answers it 200
//! and returns its URL; the whole exchange is bounded by `--timeout`.

use crate::kinds::config::mac::Mac;
use crate::mechanisms::sip::profile::{self, Phone};
use crate::mechanisms::sip::transaction::{transact, Link};
use crate::mechanisms::sip::{self, Message};
use crate::rules::layout::Vendor;
use anyhow::{bail, Context, Result};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// Who asks.
pub struct Asking<'a> {
    pub vendor: &'a Vendor,
    pub model: &'a str,
    pub mac: Mac,
    pub firmware: Option<&'a str>,
    pub user_agent: &'a str,
    pub timeout: Duration,
}

/// What the PnP server said.
pub struct Found {
    pub url: String,
    /// Where the NOTIFY came from.
    pub server: String,
}

/// Sends the SUBSCRIBE from the interface with address `iface` and returns the URL of the NOTIFY.
pub fn discover(iface: &str, a: &Asking) -> Result<Found> {
    let Some(form) = &a.vendor.pnp else {
        bail!("--pnp: {} phones do not use PnP (layouts/{}.toml has no [pnp])", a.vendor.vendor, a.vendor.vendor);
    };
    let iface: Ipv4Addr = iface.parse().map_err(|_| anyhow::anyhow!("--pnp {iface}: not an IPv4 interface address"))?;
    let group = SocketAddr::from((profile::GROUP, sip::DEFAULT_PORT));
    let socket = open(iface, group)?;
    let local = local_address(&socket, iface, group)?;
    let call_id = format!("{}@{}", sip::token(), local.ip());
    let user = form.user_for(a.mac.as_str());
    let version = a.firmware.unwrap_or("0.0.0.0");
    let phone = Phone {
        vendor: &form.vendor,
        profile_type: &form.profile_type,
        model: a.model,
        version,
        user: &user,
        local,
        user_agent: a.user_agent,
    };
    let subscribe = profile::subscribe(&phone, &call_id, &sip::token());
    let deadline = Instant::now() + a.timeout;
    let mut link = Link::multicast(socket, group);
    // Timer F (64×T1) within --timeout: T1 = timeout / 64, at most RFC 3261's 500 ms.
    let t1 = (a.timeout / 64).clamp(Duration::from_millis(10), Duration::from_millis(500));
    let mut sends = 0;
    let answer = transact(&mut link, &subscribe, t1, &mut sends).with_context(|| {
        format!("--pnp: no PnP server answered the SUBSCRIBE to {group} from {local} ({sends} sends)")
    })?;
    let code = answer.code().unwrap_or(0);
    if !(200..300).contains(&code) {
        bail!("--pnp: the PnP server answered {code} {}", crate::mechanisms::printable::shown(answer.reason()));
    }
    wait_notify(&mut link, &call_id, deadline)
}

fn open(iface: Ipv4Addr, group: SocketAddr) -> Result<UdpSocket> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    if !iface.is_unspecified() {
        socket.set_multicast_if_v4(&iface).with_context(|| format!("--pnp {iface}: not an interface address"))?;
    }
    socket.set_multicast_loop_v4(true)?;
    socket
        .bind(&SocketAddr::from((iface, 0)).into())
        .with_context(|| format!("--pnp {iface}: cannot bind (not an address of this machine?)"))?;
    let _ = group;
    Ok(socket.into())
}

/// The address the phone names in Via and Contact: the interface given, else the route's source.
fn local_address(socket: &UdpSocket, iface: Ipv4Addr, group: SocketAddr) -> Result<SocketAddr> {
    let port = socket.local_addr()?.port();
    if !iface.is_unspecified() {
        return Ok(SocketAddr::from((iface, port)));
    }
    let probe = UdpSocket::bind(("0.0.0.0", 0))?;
    probe.connect(group).with_context(|| format!("--pnp: no route to {group} (no multicast route?)"))?;
    Ok(SocketAddr::new(probe.local_addr()?.ip(), port))
}

/// Waits for the NOTIFY of the dialog `call_id`, answers it 200 and reads its URL.
fn wait_notify(link: &mut Link, call_id: &str, deadline: Instant) -> Result<Found> {
    let mut waiting = link.take_kept();
    loop {
        while let Some((m, from)) = (!waiting.is_empty()).then(|| waiting.remove(0)) {
            if m.method() != Some("NOTIFY") || m.header("Call-ID") != Some(call_id) {
                continue;
            }
            let ok = Message::response_to(&m, 200, "OK", &sip::token());
            link.send(&ok.to_bytes()?, from)?;
            let url = profile::url_of(&m).context("--pnp")?;
            let server = from.map_or_else(|| "the PnP server".to_string(), |f| f.to_string());
            return Ok(Found { url, server });
        }
        if Instant::now() >= deadline {
            bail!("--pnp: the PnP server answered 200 but sent no NOTIFY in time (--timeout)");
        }
        if let Some((m, from)) = link.recv(deadline)? {
            if m.method().is_some() {
                waiting.push((m, from));
            }
        }
    }
}
