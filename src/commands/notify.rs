//! `bundler notify`: its arguments, the phones' outcomes printed one line each (or JSON), and the
//! exit status (0 only when every phone answered 2xx). The NOTIFYs are sent by
//! [`bundler::ops::notify`].

use anyhow::Result;
use bundler::ops::notify::{Outcome, Request, Transport};
use bundler::Context;
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

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
    #[arg(long, default_value = "udp",
        value_parser = PossibleValuesParser::new(Transport::NAMES).try_map(|name| name.parse::<Transport>()))]
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

pub fn run(args: &Args, _ctx: &Context) -> Result<ExitCode> {
    let request = Request {
        targets: &args.targets,
        phones: args.phones.as_deref(),
        reboot: args.reboot,
        from: args.from.as_deref(),
        transport: args.transport,
        credentials: args.user.clone().zip(args.password.clone()),
        t1: Duration::from_millis(args.t1),
    };
    let outcomes = bundler::ops::notify::notify(&request)?;
    print(&outcomes, args.json)?;
    Ok(if outcomes.iter().all(|o| o.ok) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print(outcomes: &[Outcome], json: bool) -> Result<()> {
    if json {
        return bundler::mechanisms::report::print_json(&outcomes);
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
