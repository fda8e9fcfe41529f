//! `bundler notify`: tells phones to fetch their provisioning tree now with a SIP NOTIFY carrying
//! `Event: check-sync` (Htek guide §8 "SIP NOTIFY Message", Flyingvoice guide "SIP NOTIFY Message";
//! `;reboot=true` makes the phone reboot first).
//!
//! Each phone gets its own RFC 3261 non-INVITE client transaction (the SIP mechanism,
//! [`crate::mechanisms::sip::transaction`]): over UDP the request is retransmitted at T1, 2×T1 … capped at
//! T2 = 4 s and given up after 64×T1 (a closed port's ICMP port-unreachable ends it at once); a
//! 401/407 challenge is answered once with digest auth ([`crate::mechanisms::digest`]). Targets, `--from` and
//! `--user` holding control characters (or, in a URI, text after it, spaces, `"<>`) are refused
//! before anything is sent. Every phone's final status is printed, one line
//! each (or `--json`); the exit status is 0 only when every phone answered 2xx.

mod request;
mod target;
mod transaction;

use crate::Context;
use anyhow::{bail, Result};
use clap::ValueEnum;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How many phones are notified at once.
const PARALLEL: usize = 32;

#[derive(clap::Args)]
pub struct Args {
    /// Phones to notify: `host`, `host:port` or `sip:user@host:port` (port 5060 when not given).
    #[arg(value_name = "TARGET")]
    targets: Vec<String>,
    /// A CSV file with an `address` (or `ip`) column, one phone per row, in any TARGET form.
    #[arg(long, value_name = "CSV")]
    phones: Option<PathBuf>,
    /// Ask the phones to reboot before fetching (`Event: check-sync;reboot=true`).
    #[arg(long)]
    reboot: bool,
    /// The From URI (default `sip:bundler@LOCAL-ADDRESS`).
    #[arg(long, value_name = "URI")]
    from: Option<String>,
    /// SIP transport.
    #[arg(long, value_enum, default_value_t = Transport::Udp)]
    transport: Transport,
    /// User name for answering a 401/407 digest challenge.
    #[arg(long, requires = "password")]
    user: Option<String>,
    /// Password for the digest challenge.
    #[arg(long, env = "BUNDLER_SIP_PASSWORD", hide_env_values = true, requires = "user")]
    password: Option<String>,
    /// RFC 3261 timer T1 in milliseconds: UDP retransmits after T1, 2×T1 … (at most 4 s apart) and a
    /// phone that has not answered after 64×T1 (32 s by default) has timed out.
    #[arg(long, value_name = "MS", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    t1: u64,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Transport {
    Udp,
    Tcp,
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

pub fn run(args: &Args, _ctx: &Context) -> Result<ExitCode> {
    let targets = target::collect(&args.targets, args.phones.as_deref())?;
    if targets.is_empty() {
        bail!("no phones to notify: name a TARGET (host, host:port or sip:user@host:port) or give --phones CSV");
    }
    if let Some(user) = &args.user {
        if user.chars().any(char::is_control) {
            bail!("--user '{}': holds a control character (CR, LF, …)", crate::mechanisms::printable::shown(user));
        }
    }
    let settings = Settings {
        event: request::event(args.reboot),
        from: args.from.as_deref().map(request::parse_from).transpose()?,
        transport: args.transport,
        credentials: args.user.clone().zip(args.password.clone()),
        t1: Duration::from_millis(args.t1),
    };
    let outcomes = notify_all(&targets, &settings);
    print(&outcomes, args.json)?;
    Ok(if outcomes.iter().all(|o| o.ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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

fn print(outcomes: &[Outcome], json: bool) -> Result<()> {
    if json {
        return crate::mechanisms::report::print_json(&outcomes);
    }
    let width = outcomes.iter().map(|o| o.target.len()).max().unwrap_or(0);
    for o in outcomes {
        let status = o.status.map_or_else(|| "failed:".to_string(), |s| s.to_string());
        println!("{:width$}  {status} {}", o.target, o.detail);
    }
    let ok = outcomes.iter().filter(|o| o.ok).count();
    eprintln!("{ok} of {} phones answered 2xx", outcomes.len());
    Ok(())
}
