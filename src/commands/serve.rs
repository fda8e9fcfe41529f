//! `bundler serve`: its arguments and limits' flags, `--print-nginx`, and the exit status. The
//! server is [`bundler::ops::serve`].

use anyhow::Result;
use bundler::ops::serve::{Limits, Request};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
#[command(after_help = "With none of --http, --https, --tftp and --ftp, HTTP and TFTP run on ports 80 and 69 \
(what phones use by default).

Limits (per listener, see docs/serve-limits.md): a client over a limit is refused or waits, and the \
others go on being served.

Examples:
  bundler serve out/ --http 0.0.0.0:8080 --tftp 0.0.0.0:69
  bundler serve out/ --https 0.0.0.0:443 --cert server.pem --key server.key
  bundler serve out/ --ftp 0.0.0.0:21 --ftp-user phones --ftp-password secret
  bundler serve out/ --http 8080 --pnp 192.0.2.10            # zero-touch: phones find the tree by PnP
  bundler serve out/ --print-nginx --http 80 > /etc/nginx/sites-available/phones")]
pub struct Args {
    /// The provisioning tree to serve (e.g. the output of `bundler release`).
    pub dir: PathBuf,
    /// Serve HTTP on this address (`IP:PORT`, or a port alone for all addresses).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<String>,
    /// Serve HTTPS on this address (`IP:PORT` or a port); needs --cert and --key.
    #[arg(long, value_name = "ADDR")]
    pub https: Option<String>,
    /// The server certificate for --https: a PEM file, the certificate first, then any intermediates
    /// (a provider's "fullchain.pem").
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The private key for --https: a PEM file (PKCS#8, RSA or EC).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Serve TFTP on this address (`IP:PORT`, or a port alone for all addresses).
    #[arg(long, value_name = "ADDR")]
    pub tftp: Option<String>,
    /// Serve FTP on this address (`IP:PORT` or a port; phones use 21), read-only, passive mode.
    #[arg(long, value_name = "ADDR")]
    pub ftp: Option<String>,
    /// With --ftp: the one user name that may log in (default: anyone, anonymously).
    #[arg(long, value_name = "NAME", requires = "ftp_password")]
    pub ftp_user: Option<String>,
    /// With --ftp-user: that user's password (or set BUNDLER_FTP_PASSWORD, kept out of `ps`).
    #[arg(long, value_name = "PASSWORD", env = "BUNDLER_FTP_PASSWORD", hide_env_values = true, requires = "ftp_user")]
    pub ftp_password: Option<String>,
    /// With --ftp: the ports for passive data connections (`FIRST-LAST`).
    #[arg(long, value_name = "FIRST-LAST", default_value = "49152-65534", value_parser = port_range)]
    pub ftp_passive_ports: std::ops::RangeInclusive<u16>,
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
    /// With --print-nginx: also a TLS server block with this certificate (PEM, full chain), on the
    /// port of --https (443 without it).
    #[arg(long, value_name = "FILE", requires_all = ["print_nginx", "tls_key"])]
    pub tls_cert: Option<PathBuf>,
    /// With --print-nginx: the private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires_all = ["print_nginx", "tls_cert"])]
    pub tls_key: Option<PathBuf>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The limits' flags; defaults suit a site of a few hundred phones on one server.
#[derive(clap::Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Connections at once per TCP listener (HTTP, HTTPS, FTP); more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Connections (or TFTP transfers) at once from one address; more are refused. Raise it when many
    /// phones reach the server through one NAT address.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub max_per_peer: usize,
    /// Seconds a connection may go without a byte moving either way before it is closed.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub idle_timeout: u64,
    /// Seconds a client has to send a whole request head (and to finish a TLS handshake).
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub head_timeout: u64,
    /// The largest request head in bytes (at least 8192); a bigger one gets 431.
    #[arg(long, value_name = "BYTES", default_value_t = 16384)]
    pub max_head: usize,
    /// TFTP transfers at once; more are answered "busy".
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub tftp_max_transfers: usize,
    /// The largest TFTP block size granted (RFC 2348; 1468 fills an Ethernet frame).
    #[arg(long, value_name = "BYTES", default_value_t = 1468, value_parser = clap::value_parser!(u16).range(8..=65464))]
    pub tftp_max_blksize: u16,
    /// The largest TFTP window granted, in blocks (RFC 7440).
    #[arg(long, value_name = "BLOCKS", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub tftp_max_window: u16,
    /// The longest TFTP retransmission timeout a client may ask for, in seconds (RFC 2349); a longer
    /// one is not granted.
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=255))]
    pub tftp_max_timeout: u64,
    /// Retransmissions of an unacknowledged TFTP packet before the transfer is given up.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub tftp_retries: u32,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            connections: self.max_connections.max(1),
            per_peer: self.max_per_peer.max(1),
            idle: Duration::from_secs(self.idle_timeout.max(1)),
            head_time: Duration::from_secs(self.head_timeout.max(1)),
            head_bytes: self.max_head.max(8192),
            tftp_transfers: self.tftp_max_transfers.max(1),
            tftp_blksize: self.tftp_max_blksize,
            tftp_window: self.tftp_max_window,
            tftp_timeout: Duration::from_secs(self.tftp_max_timeout),
            tftp_retries: self.tftp_retries,
        }
    }
}

/// `--ftp-passive-ports FIRST-LAST`.
fn port_range(text: &str) -> std::result::Result<std::ops::RangeInclusive<u16>, String> {
    let (a, b) = text.split_once('-').ok_or("write FIRST-LAST, e.g. 49152-65534")?;
    let (a, b): (u16, u16) = (a.trim().parse().map_err(|_| "not a port")?, b.trim().parse().map_err(|_| "not a port")?);
    if a == 0 || a > b {
        return Err("the first port must be 1 or more and not past the last".into());
    }
    Ok(a..=b)
}

pub fn run(args: &Args, ctx: &Context) -> Result<ExitCode> {
    let request = Request {
        dir: args.dir.clone(),
        http: args.http.clone(),
        https: args.https.clone(),
        tftp: args.tftp.clone(),
        ftp: args.ftp.clone(),
        cert: args.cert.clone(),
        key: args.key.clone(),
        ftp_login: args.ftp_user.clone().zip(args.ftp_password.clone()),
        ftp_passive_ports: args.ftp_passive_ports.clone(),
        pnp: args.pnp.clone(),
        pnp_url: args.pnp_url.clone(),
        json: args.json,
        limits: args.limits.limits(),
    };
    if args.print_nginx {
        let tls = args.tls_cert.as_deref().zip(args.tls_key.as_deref());
        print!("{}", bundler::ops::serve::nginx_block(&request, tls)?);
        return Ok(ExitCode::SUCCESS);
    }
    bundler::ops::serve::serve_tree(&request, ctx)?;
    Ok(ExitCode::SUCCESS)
}
