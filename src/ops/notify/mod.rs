//! `bundler notify`: tells phones to fetch their provisioning tree now with a SIP NOTIFY carrying
//! `Event: check-sync` (Htek guide §8 "SIP NOTIFY Message", Flyingvoice guide "SIP NOTIFY Message";
//! `;reboot=true` makes the phone reboot first).
//!
//! Each phone gets its own RFC 3261 non-INVITE client transaction (the SIP mechanism,
//! [`crate::mechanisms::sip::transaction`]): over UDP the request is retransmitted at T1, 2×T1 … capped at
//! T2 = 4 s and given up after 64×T1 (a closed port's ICMP port-unreachable ends it at once); a
//! 401/407 challenge is answered once with digest auth ([`crate::mechanisms::digest`]). Targets, `--from` and
//! `--user` holding control characters (or, in a URI, text after it, spaces, `"<>`) are refused
//! before anything is sent. Each phone's outcome is returned ([`notify`]); `bundler notify`
//! prints them, and exits 0 only when every phone answered 2xx.

mod request;
mod target;
mod transaction;

use anyhow::{bail, Result};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How many phones are notified at once.
const PARALLEL: usize = 32;

/// The SIP transport NOTIFY goes over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    /// Every transport by its name on the command line.
    pub const NAMES: [&'static str; 2] = ["udp", "tcp"];
}

impl std::str::FromStr for Transport {
    type Err = String;
    fn from_str(name: &str) -> std::result::Result<Transport, String> {
        match name {
            "udp" => Ok(Transport::Udp),
            "tcp" => Ok(Transport::Tcp),
            other => Err(format!("'{other}': not a transport (udp, tcp)")),
        }
    }
}

/// What to notify and how.
pub struct Request<'a> {
    /// Phones as `host`, `host:port` or `sip:user@host:port`.
    pub targets: &'a [String],
    /// A CSV file with an `address` (or `ip`) column.
    pub phones: Option<&'a Path>,
    /// `Event: check-sync;reboot=true`.
    pub reboot: bool,
    /// The From URI (default `sip:bundler@LOCAL-ADDRESS`).
    pub from: Option<&'a str>,
    pub transport: Transport,
    /// User and password for a 401/407 digest challenge.
    pub credentials: Option<(String, String)>,
    /// RFC 3261 timer T1.
    pub t1: Duration,
}

/// What one phone's NOTIFY came to.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The phone as the user named it.
    pub target: String,
    /// The Request-URI sent to.
    pub uri: String,
    /// True when the phone answered 2xx.
    pub ok: bool,
    /// The final status code, when there was one.
    pub status: Option<u16>,
    /// The reason phrase, or what went wrong.
    pub detail: String,
    /// How many times the request was sent (retransmits and the authenticated retry included).
    pub sends: u32,
}

/// Everything a transaction needs besides its target.
pub struct Settings {
    pub event: String,
    pub from: Option<crate::mechanisms::sip::Uri>,
    pub transport: Transport,
    pub credentials: Option<(String, String)>,
    pub t1: Duration,
}

/// Notifies every phone of `req`; each one's outcome, in the order given. Targets, `from` and
/// the user are checked before anything is sent.
pub fn notify(req: &Request) -> Result<Vec<Outcome>> {
    let targets = target::collect(req.targets, req.phones)?;
    if targets.is_empty() {
        bail!("no phones to notify: name a TARGET (host, host:port or sip:user@host:port) or give --phones CSV");
    }
    if let Some((user, _)) = &req.credentials {
        if user.chars().any(char::is_control) {
            bail!("--user '{}': holds a control character (CR, LF, …)", crate::mechanisms::printable::shown(user));
        }
    }
    let settings = Settings {
        event: request::event(req.reboot),
        from: req.from.map(request::parse_from).transpose()?,
        transport: req.transport,
        credentials: req.credentials.clone(),
        t1: req.t1,
    };
    Ok(notify_all(&targets, &settings))
}

/// Runs every phone's transaction, [`PARALLEL`] at a time; results in the order of `targets`.
fn notify_all(targets: &[target::Target], settings: &Settings) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL.min(targets.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = targets.get(i) else { break };
                let outcome = transaction::notify(t, settings);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(outcome);
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect()
}
