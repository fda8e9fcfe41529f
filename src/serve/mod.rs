//! `bundler serve DIR`: a lab or small-office provisioning server. Serves a tree read-only over HTTP
//! and TFTP (the protocols both vendor guides use by default), one log line per request naming the
//! phone and marking requests for files that are not there. `--print-nginx` prints the equivalent
//! nginx server block for production.

mod http;
mod nginx;
pub mod pnp;
mod tftp;
mod tree;
mod who;

use crate::Context;
use anyhow::{anyhow, bail, Context as _, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

#[derive(clap::Args)]
#[command(after_help = "With neither --http nor --tftp both run, on ports 80 and 69 (what phones use by default).

Examples:
  bundler serve out/ --http 0.0.0.0:8080 --tftp 0.0.0.0:69
  bundler serve out/ --http 8080 --pnp 192.0.2.10            # zero-touch: phones find the tree by PnP
  bundler serve out/ --print-nginx --http 80 > /etc/nginx/sites-available/phones")]
pub struct Args {
    /// The provisioning tree to serve (e.g. the output of `bundler release`).
    pub dir: PathBuf,
    /// Serve HTTP on this address (`IP:PORT`, or a port alone for all addresses).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Serve TFTP on this address (`IP:PORT`, or a port alone for all addresses).
    #[arg(long, value_name = "ADDR")]
    pub tftp: Option<String>,
    /// Answer SIP PnP (the ua-profile SUBSCRIBE phones multicast to 224.0.1.75:5060 at start-up)
    /// with the tree's URL. ADDR: the IPv4 address of the interface to join the group on (default:
    /// the interface the kernel routes 224.0.1.75 to), optionally with `:PORT` (default 5060).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = "0.0.0.0")]
    pub pnp: Option<String>,
    /// The URL PnP hands out (default: the config folder under the base_url of the tree's
    /// manifest.json, e.g. http://192.0.2.10/htek/config).
    #[arg(long, value_name = "URL", requires = "pnp")]
    pub pnp_url: Option<String>,
    /// Print the log as JSON lines (one object per request or phone).
    #[arg(long)]
    pub json: bool,
    /// Print an nginx server block serving DIR the same way (no listing, MIME types, configs not
    /// cached) and exit.
    #[arg(long)]
    pub print_nginx: bool,
}

/// One log line per request on standard output, never interleaved.
pub struct Log {
    out: Mutex<std::io::Stdout>,
    who: who::Who,
    json: bool,
}

impl Log {
    fn line(&self, proto: &str, s: http::Served) {
        let phone = self.who.phone(s.user_agent.as_deref(), &s.path);
        let result = match (&s.result, s.status) {
            (Ok(_), 304) => "304 not modified".to_string(),
            (Ok(n), _) if s.what == "HEAD" => format!("200, {n} bytes (headers only)"),
            (Ok(n), _) => format!("sent {n} bytes"),
            (Err(why), 0) => why.clone(),
            (Err(why), status) => format!("{status} {why}"),
        };
        if self.json {
            let value = serde_json::json!({"proto": proto, "peer": s.peer, "what": s.what, "path": s.path,
                "status": s.status, "result": result, "phone": phone});
            return self.write(&value.to_string());
        }
        self.write(&format!("{proto} {} {} {}: {result}; phone: {phone}", s.peer, s.what, s.path));
    }

    /// A PnP event: `text`, or with `--json` the fields of `value` with `"proto": "pnp"`.
    pub fn pnp<T: serde::Serialize>(&self, text: &str, value: &T) {
        if !self.json {
            return self.write(text);
        }
        let mut v = serde_json::to_value(value).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.insert("proto".into(), "pnp".into());
        }
        self.write(&v.to_string());
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn address(flag: &str, text: &str) -> Result<SocketAddr> {
    let full = if text.contains(':') { text.to_string() } else { format!("0.0.0.0:{text}") };
    full.parse().map_err(|_| anyhow!("--{flag} {text}: not an address (write IP:PORT, e.g. 0.0.0.0:8080, or a port)"))
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let tree = Arc::new(tree::Tree::open(&args.dir)?);
    let both = args.http.is_none() && args.tftp.is_none();
    let http_at = args.http.as_deref().or(both.then_some("80")).map(|a| address("http", a)).transpose()?;
    let tftp_at = args.tftp.as_deref().or(both.then_some("69")).map(|a| address("tftp", a)).transpose()?;
    if args.print_nginx {
        print!("{}", nginx::server_block(tree.root(), http_at.map_or(80, |a| a.port())));
        return Ok(ExitCode::SUCCESS);
    }
    let log = Arc::new(Log { out: Mutex::new(std::io::stdout()), who: who::Who::new(&ctx.layouts)?, json: args.json });
    let mut threads = Vec::new();
    if let Some(at) = &args.pnp {
        threads.push(start_pnp(at, args.pnp_url.as_deref(), &tree, ctx, &log)?);
    }
    if let Some(at) = http_at {
        let server = tiny_http::Server::http(at).map_err(|e| anyhow!("--http {at}: cannot listen: {e}"))?;
        let bound = server.server_addr().to_ip().map_or(at.to_string(), |a| a.to_string());
        log.announce(&format!("http://{bound}/"), tree.root());
        let (tree, log) = (tree.clone(), log.clone());
        threads.push(std::thread::spawn(move || http::serve(server, &tree, &log)));
    }
    if let Some(at) = tftp_at {
        let handler = tftp::Handler { tree: tree.clone(), log: log.clone() };
        let server = futures_lite::future::block_on(
            async_tftp::server::TftpServerBuilder::with_handler(handler).bind(at).build(),
        )
        .with_context(|| format!("--tftp {at}: cannot listen"))?;
        let bound = server.listen_addr().map_or(at.to_string(), |a| a.to_string());
        log.announce(&format!("tftp://{bound}/"), tree.root());
        threads.push(std::thread::spawn(move || {
            if let Err(e) = futures_lite::future::block_on(server.serve()) {
                eprintln!("error: tftp server stopped: {e}");
            }
        }));
    }
    for t in threads {
        if t.join().is_err() {
            bail!("a server thread failed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

impl Log {
    fn announce(&self, url: &str, root: &std::path::Path) {
        if self.json {
            return self.write(&serde_json::json!({"serving": root, "at": url}).to_string());
        }
        self.write(&format!("serving {} read-only at {url}", root.display()));
    }
}

/// Binds the PnP responder and runs it on its own thread (a tokio current-thread runtime).
fn start_pnp(
    at: &str,
    url: Option<&str>,
    tree: &tree::Tree,
    ctx: &Context,
    log: &Arc<Log>,
) -> Result<std::thread::JoinHandle<()>> {
    let full = if at.contains(':') { at.to_string() } else { format!("{at}:{}", crate::sip::DEFAULT_PORT) };
    let addr: std::net::SocketAddrV4 =
        full.parse().map_err(|_| anyhow!("--pnp {at}: not an IPv4 interface address (e.g. 192.0.2.10)"))?;
    if let Some(u) = url {
        let ok = fetch_scheme(u).is_some() && !u.chars().any(|c| c.is_control() || c.is_whitespace());
        if !ok || u.len() > crate::sip::profile::MAX_URL {
            bail!(
                "--pnp-url '{}': not a URL a phone fetches (http://, https://, tftp://, ftp://)",
                crate::printable::shown(u)
            );
        }
    }
    let offer = pnp::Offer::from_tree(tree.root(), &ctx.layouts, url)?;
    let sockets = pnp::bind(addr)?;
    let group = crate::sip::profile::GROUP;
    let text = format!("answering PnP at sip:{group}:{} (interface {}): {}", addr.port(), addr.ip(), offer.describe());
    log.pnp(&text, &serde_json::json!({"listening": format!("{group}:{}", addr.port()), "offer": offer.describe()}));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (layouts, log) = (Arc::new(ctx.layouts.clone()), log.clone());
    Ok(std::thread::spawn(move || {
        if let Err(e) = runtime.block_on(pnp::serve(sockets, offer, layouts, log)) {
            eprintln!("error: the PnP responder stopped: {e:#}");
        }
    }))
}

fn fetch_scheme(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once("://")?;
    (["http", "https", "tftp", "ftp"].contains(&scheme) && !rest.is_empty()).then_some(scheme)
}
