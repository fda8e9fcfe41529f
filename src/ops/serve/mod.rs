//! `bundler serve DIR`: a lab or small-office provisioning server. Serves a tree read-only over HTTP,
//! HTTPS, TFTP and FTP (the protocols both vendor guides use), one log line per request naming the phone
//! and marking requests for files that are not there. Every protocol is a listener (bind, then serve
//! the tree into the one log) on one tokio runtime, under the limits of [`limits`]; `--pnp` adds the
//! PnP responder that tells phones where the tree is.
//! [`nginx_block`] is the equivalent nginx server block for production (`--print-nginx`). The
//! command line is src/commands/serve.rs.

mod conn;
mod ftp;
mod http;
mod https;
mod limits;

pub use limits::Limits;
mod log;
mod nginx;
mod pnp;
mod tftp;
mod tree;
mod who;

use crate::Context;
use anyhow::{anyhow, Result};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

/// What to serve, where, and under which limits.
pub struct Request {
    /// The provisioning tree.
    pub dir: PathBuf,
    /// Addresses (`IP:PORT`, or a port alone for all addresses) per protocol; with none of them,
    /// HTTP on 80 and TFTP on 69.
    pub http: Option<String>,
    pub https: Option<String>,
    pub tftp: Option<String>,
    pub ftp: Option<String>,
    /// HTTPS: the certificate chain and the private key (PEM).
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// FTP: the one user (and password) that may log in; anyone, anonymously, without.
    pub ftp_login: Option<(String, String)>,
    /// FTP: the ports for passive data connections.
    pub ftp_passive_ports: std::ops::RangeInclusive<u16>,
    /// PnP: the interface address (optionally `:PORT`) to answer on, and the URL handed out.
    pub pnp: Option<String>,
    pub pnp_url: Option<String>,
    /// The log as JSON lines.
    pub json: bool,
    pub limits: Limits,
}

/// What every listener serves from: the tree, the one log and the limits.
pub struct Serving {
    tree: tree::Tree,
    log: Arc<log::Log>,
    limits: limits::Limits,
}

/// A bound listener: where it serves, and the task serving it (it ends only on a fatal error).
pub struct Listener {
    url: String,
    run: Pin<Box<dyn Future<Output = Result<()>> + Send>>,
}

fn address(flag: &str, text: &str) -> Result<SocketAddr> {
    let full = if text.contains(':') { text.to_string() } else { format!("0.0.0.0:{text}") };
    full.parse().map_err(|_| anyhow!("--{flag} {text}: not an address (write IP:PORT, e.g. 0.0.0.0:8080, or a port)"))
}

/// The addresses asked for, by protocol (HTTP and TFTP on their ports when none is).
struct Wanted {
    http: Option<SocketAddr>,
    https: Option<SocketAddr>,
    tftp: Option<SocketAddr>,
    ftp: Option<SocketAddr>,
}

fn wanted(args: &Request) -> Result<Wanted> {
    let none = args.http.is_none() && args.tftp.is_none() && args.https.is_none() && args.ftp.is_none();
    let at = |flag: &str, given: &Option<String>, default: Option<&'static str>| {
        given.as_deref().or(default.filter(|_| none)).map(|a| address(flag, a)).transpose()
    };
    Ok(Wanted {
        http: at("http", &args.http, Some("80"))?,
        https: at("https", &args.https, None)?,
        tftp: at("tftp", &args.tftp, Some("69"))?,
        ftp: at("ftp", &args.ftp, None)?,
    })
}

/// The nginx server block that serves `req`'s tree as `serve` does (HTTP on the port of `--http`;
/// with `tls`, certificate and key, a TLS block on the port of `--https`).
pub fn nginx_block(req: &Request, tls: Option<(&Path, &Path)>) -> Result<String> {
    let tree = tree::Tree::open(&req.dir)?;
    let want = wanted(req)?;
    let https_port = want.https.map_or(443, |a| a.port());
    nginx::server_block(tree.root(), want.http.map_or(80, |a| a.port()), tls, https_port)
}

/// Serves `req` until a listener fails for good (every listener is bound before serving starts).
pub fn serve_tree(req: &Request, ctx: &Context) -> Result<()> {
    let tree = tree::Tree::open(&req.dir)?;
    let want = wanted(req)?;
    let mut limits = req.limits.clone();
    let tcp = [want.http, want.https, want.ftp].iter().filter(|a| a.is_some()).count();
    if let Some(warning) = limits.fit_descriptors(tcp) {
        eprintln!("{warning}");
    }
    let log = Arc::new(log::Log::new(who::Who::new(&ctx.layouts)?, req.json));
    let serving = Arc::new(Serving { tree, log, limits });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(req, want, serving, ctx))
}

/// Binds every listener asked for (any failure before serving starts), then serves them all;
/// returns only when one fails for good.
async fn serve(args: &Request, want: Wanted, serving: Arc<Serving>, ctx: &Context) -> Result<()> {
    let mut listeners = Vec::new();
    if let Some(at) = &args.pnp {
        listeners.push(pnp::listener(at, args.pnp_url.as_deref(), &serving, &ctx.layouts)?);
    }
    if let Some(at) = want.http {
        listeners.push(http::bind(at, None, serving.clone()).await?);
    }
    if let Some(at) = want.https {
        let (Some(cert), Some(key)) = (args.cert.as_deref(), args.key.as_deref()) else {
            anyhow::bail!("--https {at}: needs --cert FILE and --key FILE (PEM)");
        };
        let tls = https::acceptor(cert, key)?;
        listeners.push(http::bind(at, Some(tls), serving.clone()).await?);
    }
    if let Some(at) = want.tftp {
        listeners.push(tftp::bind(at, serving.clone()).await?);
    }
    if let Some(at) = want.ftp {
        let login = ftp::Login { user: args.ftp_login.clone() };
        listeners.push(ftp::bind(at, login, args.ftp_passive_ports.clone(), serving.clone()).await?);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        serving.log.announce(&l.url, serving.tree.root());
        tasks.spawn(l.run);
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| anyhow!("a listener failed: {e}"))??;
    }
    Ok(())
}
