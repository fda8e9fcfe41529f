//! `bundler serve --pnp`: the SIP PnP responder (RFC 6080) both guides' phones ask first (Htek guide
//! §7, Flyingvoice guide "Plug and Play (PnP) Server"). It joins 224.0.1.75 on UDP 5060, answers
//! each ua-profile SUBSCRIBE of a vendor and model the tree serves with 200 OK, then sends the phone a
//! NOTIFY whose body is the tree's config URL, retransmitted per RFC 3261 (Timers E/F) until the
//! phone answers. It answers nothing else; a phone of another vendor or model gets nothing (another
//! PnP server on the LAN may serve it) and the log says so.
//!
//! Bounds: a SUBSCRIBE retransmitted (same Call-ID) is answered again but never NOTIFYd twice; each
//! peer address has at most [`PER_PEER_PENDING`] NOTIFYs outstanding and [`PER_PEER_PER_SECOND`] new
//! SUBSCRIBEs a second; the responder as a whole [`MAX_PENDING`] and [`MAX_NEW_PER_SECOND`]. What is
//! over a bound is dropped unanswered (the phone asks again) and counted in one log line every
//! [`DROP_REPORT`]. The NOTIFY goes to the SUBSCRIBE's source address at its Contact's port, never
//! to another host the Contact names (no reflection).

use super::log::Log;
use super::{Listener, Serving};
use crate::kinds::config::mac::Mac;
use crate::mechanisms::sip::profile::{self, Asked};
use crate::mechanisms::sip::transaction::Timers;
use crate::mechanisms::sip::{message::MAX_MESSAGE, Message, Uri};
use crate::rules::layout::Layouts;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// NOTIFYs outstanding (sent, not yet answered or timed out), in all.
pub const MAX_PENDING: usize = 256;
/// NOTIFYs outstanding to one peer address.
pub const PER_PEER_PENDING: usize = 4;
/// New SUBSCRIBEs (Call-IDs not seen lately) taken from one peer address a second.
pub const PER_PEER_PER_SECOND: u32 = 5;
/// New SUBSCRIBEs taken a second, in all.
pub const MAX_NEW_PER_SECOND: u32 = 200;
/// Call-IDs remembered (for retransmitted SUBSCRIBEs), each for 64×T1.
const MAX_SEEN: usize = 4096;
/// How often dropped requests are reported.
const DROP_REPORT: Duration = Duration::from_secs(10);
/// RFC 3261 T1.
const T1: Duration = Duration::from_millis(500);

/// Which phones get which URL: the tree's vendor and models (its manifest.json), the URL of its
/// configs, or `--pnp-url` for every phone the tree serves.
pub struct Offer {
    /// (layout vendor id, models; empty: every model of the vendor).
    vendors: Vec<(String, Vec<String>)>,
    url: Option<String>,
    /// Models the tree has config files for (their URL is `base/config`).
    configs: Vec<String>,
    base: Option<String>,
}

impl Offer {
    /// From the served tree's manifest.json (or, without one, every vendor with PnP and `--pnp-url`).
    pub fn from_tree(root: &Path, layouts: &Layouts, pnp_url: Option<&str>) -> Result<Offer> {
        let path = root.join(crate::mechanisms::tree_manifest::MANIFEST_JSON);
        if !path.exists() {
            let url = pnp_url.with_context(|| {
                format!("--pnp: {} is missing (not a bundler release tree): give --pnp-url URL", path.display())
            })?;
            let vendors = layouts.vendors.iter().filter(|v| v.pnp.is_some()).map(|v| (v.vendor.clone(), vec![]));
            return Ok(Offer { vendors: vendors.collect(), url: Some(url.into()), configs: vec![], base: None });
        }
        let m: crate::mechanisms::tree_manifest::TreeManifest =
            crate::mechanisms::tree_manifest::read(&path, "not a bundler release manifest")?;
        if pnp_url.is_none() && m.base_url.is_none() {
            anyhow::bail!("--pnp: {}: no base_url to hand out; give --pnp-url URL", path.display());
        }
        let configs = m
            .artifacts
            .iter()
            .filter(|a| a.path.starts_with(crate::mechanisms::tree_manifest::CONFIG_DIR))
            .flat_map(|a| a.models.iter().cloned())
            .collect();
        let base = m.base_url.map(|b| b.trim_end_matches('/').to_string());
        Ok(Offer { vendors: vec![(m.vendor, m.models)], url: pnp_url.map(str::to_string), configs, base })
    }

    /// Whom the responder answers with what, for the start-up line.
    pub fn describe(&self) -> String {
        let whom: Vec<String> = self
            .vendors
            .iter()
            .map(|(v, models)| if models.is_empty() { v.clone() } else { format!("{v} {}", models.join(", ")) })
            .collect();
        let url = match (&self.url, &self.base) {
            (Some(u), _) => u.clone(),
            (None, Some(b)) if !self.configs.is_empty() => {
                format!("{b}/{}", crate::mechanisms::tree_manifest::CONFIG_DIR)
            }
            (None, b) => b.clone().unwrap_or_default(),
        };
        format!("{} phones get {}", whom.join("; "), url.trim_end_matches('/'))
    }

    /// The vendor id, model name and URL for a phone, or why it gets none.
    fn url_for(&self, asked: &Asked, layouts: &Layouts) -> Result<(String, String, String), String> {
        let says = format!("vendor '{}' model '{}'", asked.vendor, asked.model);
        let vendor = layouts.vendors.iter().find(|v| {
            v.pnp.as_ref().is_some_and(|p| p.vendor.eq_ignore_ascii_case(&asked.vendor))
                || v.vendor.eq_ignore_ascii_case(&asked.vendor)
        });
        let Some(vendor) = vendor else { return Err(format!("{says}: not a vendor bundler knows")) };
        let Some((_, models)) = self.vendors.iter().find(|(v, _)| *v == vendor.vendor) else {
            return Err(format!("{says}: the tree does not serve {} phones", vendor.vendor));
        };
        let model = match layouts.model(&asked.model) {
            Ok(m) if m.vendor == vendor.vendor => m.name.clone(),
            _ => return Err(format!("{says}: not a {} model", vendor.vendor)),
        };
        if !models.is_empty() && !models.contains(&model) {
            return Err(format!("{says}: the tree does not serve {model}"));
        }
        let url = match (&self.url, &self.base) {
            (Some(u), _) => u.clone(),
            (None, Some(b)) if self.configs.contains(&model) => {
                format!("{b}/{}", crate::mechanisms::tree_manifest::CONFIG_DIR)
            }
            (None, Some(b)) => b.clone(),
            (None, None) => return Err(format!("{says}: no URL to give")),
        };
        Ok((vendor.vendor.clone(), model, url.trim_end_matches('/').to_string()))
    }
}

/// The two sockets of the responder: the group's (SUBSCRIBEs in, 200s out, from port 5060) and a
/// unicast one (NOTIFYs out, their answers in).
pub struct Sockets {
    pub group: std::net::UdpSocket,
    pub unicast: std::net::UdpSocket,
    /// The interface address given (`--pnp ADDR`), unspecified for the kernel's choice.
    pub interface: Ipv4Addr,
}

/// Binds 224.0.1.75:`port` (shared with other listeners of the group, SO_REUSEADDR) and joins the
/// group on the interface with address `at` (0.0.0.0: the interface the kernel routes the group to).
pub fn bind(at: SocketAddrV4) -> Result<Sockets> {
    use socket2::{Domain, Protocol, Socket, Type};
    let what = || format!("--pnp {at}: cannot listen on {}:{}", profile::GROUP, at.port());
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).with_context(what)?;
    s.set_reuse_address(true).with_context(what)?;
    s.bind(&SocketAddr::from((profile::GROUP, at.port())).into()).with_context(what)?;
    s.join_multicast_v4(&profile::GROUP, at.ip())
        .with_context(|| format!("--pnp {at}: cannot join {} (is there a multicast route?)", profile::GROUP))?;
    s.set_nonblocking(true)?;
    let unicast = std::net::UdpSocket::bind((*at.ip(), 0)).context("--pnp: cannot open a UDP socket")?;
    unicast.set_nonblocking(true)?;
    Ok(Sockets { group: s.into(), unicast, interface: *at.ip() })
}

/// One NOTIFY in flight.
struct Pending {
    branch: String,
    bytes: Vec<u8>,
    to: SocketAddr,
    timers: Timers,
    sends: u32,
    line: Line,
}

/// What the log line of one phone says.
#[derive(Clone, serde::Serialize)]
struct Line {
    peer: String,
    vendor: String,
    model: String,
    mac: String,
    firmware: String,
    url: Option<String>,
    result: String,
}

/// The responder's state: one task, no locks.
struct Responder {
    sockets: (UdpSocket, UdpSocket),
    interface: Ipv4Addr,
    offer: Offer,
    layouts: Arc<Layouts>,
    log: Arc<Log>,
    pending: Vec<Pending>,
    seen: HashMap<String, Instant>,
    rates: HashMap<IpAddr, (Instant, u32)>,
    total: (Instant, u32),
    dropped: u64,
    reported: Instant,
}

/// The PnP listener of `serve --pnp AT`: the offer read from the served tree (or `url`, checked),
/// the group joined on the interface AT names; it serves into the one log.
pub fn listener(at: &str, url: Option<&str>, serving: &Arc<Serving>, layouts: &Layouts) -> Result<Listener> {
    let full = if at.contains(':') { at.to_string() } else { format!("{at}:{}", crate::mechanisms::sip::DEFAULT_PORT) };
    let addr: SocketAddrV4 =
        full.parse().map_err(|_| anyhow::anyhow!("--pnp {at}: not an IPv4 interface address (e.g. 192.0.2.10)"))?;
    if let Some(u) = url {
        let scheme = u.split_once("://").map(|(scheme, _)| scheme);
        let fetched = matches!(scheme, Some("http" | "https" | "tftp" | "ftp"));
        let ok = fetched
            && crate::rules::layout::url_without_host(u).is_none()
            && !u.chars().any(|c| c.is_control() || c.is_whitespace());
        if !ok || u.len() > profile::MAX_URL {
            anyhow::bail!(
                "--pnp-url '{}': not a URL a phone fetches (http://, https://, tftp://, ftp://)",
                crate::mechanisms::printable::shown(u)
            );
        }
    }
    let offer = Offer::from_tree(serving.tree.root(), layouts, url)?;
    let sockets = bind(addr)?;
    let url = format!("sip:{}:{} (PnP, interface {}): {}", profile::GROUP, addr.port(), addr.ip(), offer.describe());
    let run = serve(sockets, offer, Arc::new(layouts.clone()), serving.log.clone());
    Ok(Listener { url, run: Box::pin(run) })
}

/// Serves the bound sockets until the process ends, each phone one line in `log`.
pub async fn serve(sockets: Sockets, offer: Offer, layouts: Arc<Layouts>, log: Arc<Log>) -> Result<()> {
    let group = UdpSocket::from_std(sockets.group)?;
    let unicast = UdpSocket::from_std(sockets.unicast)?;
    let now = Instant::now();
    let mut r = Responder {
        sockets: (group, unicast),
        interface: sockets.interface,
        offer,
        layouts,
        log,
        pending: Vec::new(),
        seen: HashMap::new(),
        rates: HashMap::new(),
        total: (now, 0),
        dropped: 0,
        reported: now,
    };
    let (mut a, mut b) = (vec![0u8; MAX_MESSAGE], vec![0u8; MAX_MESSAGE]);
    loop {
        let wake = r.pending.iter().map(|p| p.timers.next_send.min(p.timers.give_up)).min();
        let wake = wake.map_or(Instant::now() + Duration::from_secs(3600), Instant::from_std);
        let got = tokio::select! {
            got = r.sockets.0.recv_from(&mut a) => got.ok().map(|(n, from)| (true, n, from)),
            got = r.sockets.1.recv_from(&mut b) => got.ok().map(|(n, from)| (false, n, from)),
            () = tokio::time::sleep_until(wake) => None,
        };
        if let Some((first, n, from)) = got {
            let bytes = if first { &a[..n] } else { &b[..n] };
            r.datagram(bytes, from).await;
        }
        r.retransmit().await;
    }
}

impl Responder {
    async fn datagram(&mut self, bytes: &[u8], from: SocketAddr) {
        let Ok(m) = Message::parse(bytes) else { return };
        if m.code().is_some() {
            self.answered(&m);
            return;
        }
        let Some(asked) = profile::read_subscribe(&m) else { return };
        let call_id = m.header("Call-ID").unwrap_or("").to_string();
        let again = self.seen.contains_key(&call_id);
        if !again && !self.admit(from.ip()) {
            self.drop_one();
            return;
        }
        let decision = self.offer.url_for(&asked, &self.layouts);
        let mut line = Line {
            peer: from.to_string(),
            vendor: asked.vendor.clone(),
            model: asked.model.clone(),
            mac: mac_of(&asked),
            firmware: asked.version.clone(),
            url: None,
            result: String::new(),
        };
        let (vendor, model, url) = match decision {
            Ok(v) => v,
            Err(why) => {
                if !again {
                    self.remember(call_id);
                    line.result = format!("no NOTIFY: {why}");
                    self.log.pnp(&line.result_text(), &line);
                }
                return;
            }
        };
        (line.vendor, line.model, line.url) = (vendor, model, Some(url.clone()));
        let tag = crate::mechanisms::sip::token();
        let ok = Message::response_to(&m, 200, "OK", &tag);
        let mut ok = ok;
        ok.push("Expires", "0");
        if let Ok(b) = ok.to_bytes() {
            let _ = self.sockets.0.send_to(&b, from).await;
        }
        if again {
            return;
        }
        self.remember(call_id);
        if let Err(e) = self.start_notify(&m, from, &url, &tag, line.clone()) {
            line.result = format!("no NOTIFY: {e:#}");
            self.log.pnp(&line.result_text(), &line);
        }
    }

    /// Whether a new SUBSCRIBE from `ip` is within the bounds.
    fn admit(&mut self, ip: IpAddr) -> bool {
        let now = Instant::now();
        let outstanding = self.pending.iter().filter(|p| p.to.ip() == ip).count();
        if outstanding >= PER_PEER_PENDING || self.pending.len() >= MAX_PENDING {
            return false;
        }
        if self.rates.len() > MAX_SEEN {
            self.rates.retain(|_, (at, _)| now.duration_since(*at) < Duration::from_secs(1));
        }
        let slot = self.rates.entry(ip).or_insert((now, 0));
        let total = &mut self.total;
        for (at, count) in [slot, total] {
            if now.duration_since(*at) >= Duration::from_secs(1) {
                (*at, *count) = (now, 0);
            }
        }
        let peer = self.rates.get(&ip).map_or(0, |(_, c)| *c);
        if peer >= PER_PEER_PER_SECOND || self.total.1 >= MAX_NEW_PER_SECOND {
            return false;
        }
        if let Some((_, c)) = self.rates.get_mut(&ip) {
            *c += 1;
        }
        self.total.1 += 1;
        true
    }

    fn remember(&mut self, call_id: String) {
        let now = Instant::now();
        if self.seen.len() >= MAX_SEEN {
            self.seen.retain(|_, at| now.duration_since(*at) < T1 * 64);
        }
        if self.seen.len() < MAX_SEEN {
            self.seen.insert(call_id, now);
        }
    }

    fn drop_one(&mut self) {
        self.dropped += 1;
        let now = Instant::now();
        if now.duration_since(self.reported) >= DROP_REPORT {
            let text = format!("pnp: {} SUBSCRIBEs dropped by the flood bounds", self.dropped);
            self.log.pnp(&text, &serde_json::json!({"proto": "pnp", "dropped": self.dropped}));
            (self.dropped, self.reported) = (0, now);
        }
    }

    /// Builds the NOTIFY for the phone at `from` and queues its first send.
    fn start_notify(&mut self, sub: &Message, from: SocketAddr, url: &str, tag: &str, line: Line) -> Result<()> {
        let contact = sub.header("Contact").context("the SUBSCRIBE has no Contact")?;
        let target = Uri::parse(crate::mechanisms::sip::message::name_addr(contact).0).context("its Contact")?;
        let to = SocketAddr::new(from.ip(), target.port_or_default());
        let local = self.local_for(to)?;
        let notify = profile::notify(sub, &target, local, url, tag)?;
        let branch = notify.branch().context("no branch")?;
        let bytes = notify.to_bytes()?;
        let timers = Timers::start(Instant::now().into_std(), T1);
        self.pending.push(Pending { branch, bytes, to, timers, sends: 0, line });
        Ok(())
    }

    /// The address NOTIFYs to `to` leave from: the interface given, else the route's source.
    fn local_for(&self, to: SocketAddr) -> Result<SocketAddr> {
        let port = self.sockets.1.local_addr()?.port();
        if !self.interface.is_unspecified() {
            return Ok(SocketAddr::new(self.interface.into(), port));
        }
        let probe = std::net::UdpSocket::bind(("0.0.0.0", 0))?;
        probe.connect(to)?;
        Ok(SocketAddr::new(probe.local_addr()?.ip(), port))
    }

    /// Sends what is due; ends what has timed out.
    async fn retransmit(&mut self) {
        let now = Instant::now().into_std();
        let mut i = 0;
        while i < self.pending.len() {
            let p = &mut self.pending[i];
            if now >= p.timers.give_up {
                let mut p = self.pending.swap_remove(i);
                p.line.result = format!("NOTIFY not answered ({} sends in {:.0} s)", p.sends, (T1 * 64).as_secs_f64());
                self.log.pnp(&p.line.result_text(), &p.line);
                continue;
            }
            if p.timers.due(now) {
                let _ = self.sockets.1.send_to(&p.bytes, p.to).await;
                p.sends += 1;
                p.timers.sent(now);
            }
            i += 1;
        }
    }

    /// A response: the answer to one of our NOTIFYs ends its transaction.
    fn answered(&mut self, m: &Message) {
        let Some(branch) = m.branch() else { return };
        let Some(i) = self.pending.iter().position(|p| p.branch == branch) else { return };
        let code = m.code().unwrap_or(0);
        if code < 200 {
            self.pending[i].timers.provisional(Instant::now().into_std());
            return;
        }
        let mut p = self.pending.swap_remove(i);
        p.line.result = format!("NOTIFY answered {code}");
        self.log.pnp(&p.line.result_text(), &p.line);
    }
}

/// The phone's MAC from the Request-URI or From user part (`001fc110d3a9`, `MAC=00:1F:…`, …).
fn mac_of(asked: &Asked) -> String {
    asked
        .users
        .iter()
        .find_map(|u| {
            let u = u.rsplit(['=', '%']).next().unwrap_or(u);
            Mac::parse(u).ok()
        })
        .map_or_else(|| "unknown".to_string(), |m| m.to_string())
}

impl Line {
    fn result_text(&self) -> String {
        let shown = |s: &str| crate::mechanisms::printable::shown(s).into_owned();
        let url = self.url.as_deref().map(|u| format!(" url {u}")).unwrap_or_default();
        format!(
            "pnp {} SUBSCRIBE {} {} mac {} firmware {}{url}: {}",
            self.peer,
            shown(&self.vendor),
            shown(&self.model),
            self.mac,
            shown(&self.firmware),
            shown(&self.result)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(vendor: &str, model: &str) -> Asked {
        Asked { vendor: vendor.into(), model: model.into(), ..Asked::default() }
    }

    #[test]
    fn urls_only_for_the_trees_vendor_and_models() {
        let layouts = Layouts::builtin().unwrap();
        let offer = Offer {
            vendors: vec![("htek".into(), vec!["UC924".into(), "UC926".into()])],
            url: None,
            configs: vec!["UC924".into()],
            base: Some("http://h/t".into()),
        };
        let got = offer.url_for(&asked("HTEK", "uc924"), &layouts).unwrap();
        assert_eq!(got, ("htek".into(), "UC924".into(), "http://h/t/config".into()));
        assert_eq!(offer.url_for(&asked("Htek", "UC926"), &layouts).unwrap().2, "http://h/t");
        assert!(offer.url_for(&asked("Htek", "UC923"), &layouts).unwrap_err().contains("does not serve UC923"));
        assert!(offer.url_for(&asked("Htek", "FIP13G"), &layouts).unwrap_err().contains("not a htek model"));
        let fv = offer.url_for(&asked("Flyingvoice", "FIP13G"), &layouts).unwrap_err();
        assert!(fv.contains("does not serve flyingvoice"), "{fv}");
        assert!(offer.url_for(&asked("Acme", "X1"), &layouts).unwrap_err().contains("not a vendor"));
        let fixed = Offer { url: Some("tftp://h/cfg".into()), ..offer };
        assert_eq!(fixed.url_for(&asked("Htek", "UC924"), &layouts).unwrap().2, "tftp://h/cfg");
    }

    #[test]
    fn mac_in_any_spelling_from_uri_or_from() {
        let a = Asked { users: vec!["MAC=00:1F:C1:10:D3:A9".into()], ..Asked::default() };
        assert_eq!(mac_of(&a), "001fc110d3a9");
        let b = Asked { users: vec!["pnp".into(), "0021F222AEF1".into()], ..Asked::default() };
        assert_eq!(mac_of(&b), "0021f222aef1");
        assert_eq!(mac_of(&Asked::default()), "unknown");
    }
}
