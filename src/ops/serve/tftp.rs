//! `bundler serve --tftp`: read-only files over TFTP (RFC 1350, with the options of RFC 2347
//! `blksize` 2348, `timeout`/`tsize` 2349 and `windowsize` 7440), a small server of our own on the
//! one tokio runtime (why not a crate: see Cargo.toml). Every read request goes through the same
//! [`super::tree::Tree`] rule as HTTP; write requests are refused. Each transfer is its own task on
//! its own socket under the listener's [`Gate`]: transfers at once in all and per peer address are
//! capped, block and window sizes are capped (the window is all a transfer buffers), a client's
//! retransmission timeout past the cap is not granted, and an unacknowledged transfer is given up
//! after a few retries, so spoofed requests cannot hold descriptors for long.

use super::limits::{Gate, Limits, Permit};
use super::log::{Outcome, Served};
use super::tree::Lookup;
use super::{Listener, Serving};
use anyhow::Context as _;
use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::time::Instant;

const RRQ: u16 = 1;
const WRQ: u16 = 2;
const DATA: u16 = 3;
const ACK: u16 = 4;
const ERROR: u16 = 5;
const OACK: u16 = 6;

/// The retransmission timeout when the client asks for none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Binds `at` and serves read requests there.
pub async fn bind(at: SocketAddr, serving: Arc<Serving>) -> anyhow::Result<Listener> {
    let socket = UdpSocket::bind(at).await.with_context(|| format!("--tftp {at}: cannot listen"))?;
    let local = socket.local_addr().unwrap_or(at);
    let gate = Gate::new(serving.limits.tftp_transfers, serving.limits.per_peer);
    let run = async move {
        let mut buf = vec![0u8; 1500];
        loop {
            match socket.recv_from(&mut buf).await {
                Ok((n, peer)) => request(&buf[..n], peer, local.ip(), &socket, &gate, &serving).await,
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    };
    Ok(Listener { url: format!("tftp://{local}/"), run: Box::pin(run) })
}

/// A read or write request: file name, mode, options (names in lower case).
#[derive(Debug, PartialEq)]
struct Request {
    op: u16,
    file: String,
    mode: String,
    options: Vec<(String, String)>,
}

fn parse(packet: &[u8]) -> Option<Request> {
    let op = u16::from_be_bytes([*packet.first()?, *packet.get(1)?]);
    if op != RRQ && op != WRQ {
        return None;
    }
    let body = packet[2..].strip_suffix(&[0])?;
    let mut fields = body.split(|b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned());
    let (file, mode) = (fields.next()?, fields.next()?.to_ascii_lowercase());
    let rest: Vec<String> = fields.collect();
    let options = rest.chunks(2).filter(|c| c.len() == 2).map(|c| (c[0].to_ascii_lowercase(), c[1].clone())).collect();
    Some(Request { op, file, mode, options })
}

async fn request(
    packet: &[u8],
    peer: SocketAddr,
    local: IpAddr,
    socket: &UdpSocket,
    gate: &Arc<Gate>,
    s: &Arc<Serving>,
) {
    let Some(req) = parse(packet) else { return };
    let served = Served::new(peer, if req.op == RRQ { "RRQ" } else { "WRQ" }, &req.file);
    let refuse = |code: u16, why: String| {
        s.log.line("tftp", &Served::new(peer, &served.what, &served.path).refused(None, why.clone()));
        error_packet(code, &why)
    };
    let answer = if req.op == WRQ {
        refuse(2, "REFUSED: the tree is read-only".into())
    } else if req.mode != "octet" && req.mode != "netascii" {
        refuse(4, format!("REFUSED: mode '{}' (octet or netascii only)", req.mode))
    } else {
        match admit(gate, peer.ip(), &s.limits) {
            Err(why) => refuse(0, why),
            Ok(permit) => match s.tree.lookup(&req.file) {
                Lookup::File(file, meta) => {
                    let opts = Options::negotiate(&req.options, meta.len(), &s.limits);
                    let job = Transfer { file, len: meta.len(), opts, peer, local, served, serving: s.clone() };
                    tokio::spawn(job.run(permit));
                    return;
                }
                Lookup::Missing => refuse(1, "MISSING: no such file in the tree".into()),
                Lookup::Refused(why) => refuse(2, format!("REFUSED: {why}")),
                Lookup::Failed(why) => refuse(2, format!("cannot read it: {why}")),
            },
        }
    };
    let _ = socket.send_to(&answer, peer).await;
}

fn admit(gate: &Arc<Gate>, ip: IpAddr, limits: &Limits) -> Result<Permit, String> {
    let place = gate.try_place().ok_or(format!("busy: {} transfers at once (the limit)", limits.tftp_transfers))?;
    gate.admit(place, ip).ok_or(format!("busy: too many transfers from this address (limit {})", gate.per_peer()))
}

/// An ERROR packet: the RFC 1350 text of the code (what clients show), then our reason.
fn error_packet(code: u16, why: &str) -> Vec<u8> {
    let text = match code {
        1 => "File not found",
        2 => "Access violation",
        4 => "Illegal TFTP operation",
        _ => "Not served",
    };
    let mut p = [ERROR.to_be_bytes(), code.to_be_bytes()].concat();
    p.extend(format!("{text}: {why}").bytes().filter(|b| *b != 0 && !b.is_ascii_control()));
    p.push(0);
    p
}

/// What the transfer uses, and the options acknowledged (in the client's order).
#[derive(Debug, PartialEq)]
struct Options {
    blksize: u16,
    window: u16,
    timeout: Duration,
    acked: Vec<(String, String)>,
}

impl Options {
    /// RFC 2347: options the server does not know or will not grant are left out of the OACK;
    /// `blksize` and `windowsize` may be granted smaller, `timeout` only as asked.
    fn negotiate(asked: &[(String, String)], len: u64, limits: &Limits) -> Options {
        let mut o =
            Options { blksize: 512, window: 1, timeout: DEFAULT_TIMEOUT.min(limits.tftp_timeout), acked: vec![] };
        for (name, value) in asked {
            let n: Option<u64> = value.trim().parse().ok();
            let grant = match (name.as_str(), n) {
                ("blksize", Some(v @ 8..=65464)) => {
                    o.blksize = (v as u16).min(limits.tftp_blksize.max(8));
                    o.blksize.to_string()
                }
                ("windowsize", Some(v @ 1..=65535)) => {
                    o.window = (v as u16).min(limits.tftp_window.max(1));
                    o.window.to_string()
                }
                ("timeout", Some(v @ 1..=255)) if Duration::from_secs(v) <= limits.tftp_timeout => {
                    o.timeout = Duration::from_secs(v);
                    v.to_string()
                }
                ("tsize", Some(_)) => len.to_string(),
                _ => continue,
            };
            if !o.acked.iter().any(|(n, _)| n == name) {
                o.acked.push((name.clone(), grant));
            }
        }
        o
    }
}

/// One read transfer: the file, where to, and its log line.
struct Transfer {
    file: std::fs::File,
    len: u64,
    opts: Options,
    peer: SocketAddr,
    local: IpAddr,
    served: Served,
    serving: Arc<Serving>,
}

impl Transfer {
    async fn run(mut self, permit: Permit) {
        let outcome = match self.send().await {
            Ok(()) => Outcome::Sent(self.len),
            Err((sent, why)) => Outcome::Cut { sent, of: self.len, why },
        };
        self.served.outcome = outcome;
        self.serving.log.line("tftp", &self.served);
        drop(permit);
    }

    /// The whole transfer; on failure the bytes acknowledged and why.
    async fn send(&self) -> Result<(), (u64, String)> {
        let socket = UdpSocket::bind((self.local, 0)).await.map_err(|e| (0, format!("no socket: {e}")))?;
        socket.connect(self.peer).await.map_err(|e| (0, format!("no route to the client: {e}")))?;
        if !self.opts.acked.is_empty() {
            let mut oack = OACK.to_be_bytes().to_vec();
            for (name, value) in &self.opts.acked {
                oack.extend([name.as_bytes(), &[0], value.as_bytes(), &[0]].concat());
            }
            self.exchange(&socket, &[oack], 0, 0).await.map_err(|why| (0, why))?;
        }
        let size = self.opts.blksize as u64;
        let blocks = self.len / size + 1;
        let mut acked = 0u64;
        while acked < blocks {
            let last = (acked + self.opts.window as u64).min(blocks);
            let packets = self.read_window(acked, last).await.map_err(|why| (acked * size, why))?;
            acked = self
                .exchange(&socket, &packets, acked, last)
                .await
                .map_err(|why| ((acked * size).min(self.len), why))?;
        }
        Ok(())
    }

    /// DATA packets for blocks `acked+1 ..= last`.
    async fn read_window(&self, acked: u64, last: u64) -> Result<Vec<Vec<u8>>, String> {
        let size = self.opts.blksize as u64;
        let (start, end) = (acked * size, (last * size).min(self.len));
        let file = self.file.try_clone().map_err(|e| e.to_string())?;
        let bytes = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; (end - start) as usize];
            file.read_exact_at(&mut buf, start).map(|_| buf)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("reading the file failed: {e}"))?;
        let mut chunks: Vec<&[u8]> = bytes.chunks(size as usize).collect();
        if chunks.len() < (last - acked) as usize {
            chunks.push(&[]); // a file that is a whole number of blocks ends with an empty one
        }
        let numbered = chunks.into_iter().zip(acked + 1..);
        Ok(numbered.map(|(data, n)| [&DATA.to_be_bytes()[..], &(n as u16).to_be_bytes(), data].concat()).collect())
    }

    /// Sends `packets` and waits for an ACK of a block in `acked+1 ..= last` (or of block 0 for an
    /// OACK), retransmitting on timeout; returns the block acknowledged.
    async fn exchange(&self, socket: &UdpSocket, packets: &[Vec<u8>], acked: u64, last: u64) -> Result<u64, String> {
        let retries = self.serving.limits.tftp_retries;
        for _ in 0..=retries {
            for p in packets {
                socket.send(p).await.map_err(|e| format!("the client went away: {e}"))?;
            }
            if let Some(n) = self.wait_ack(socket, acked, last).await? {
                return Ok(n);
            }
        }
        Err(format!("no acknowledgement after {} tries of {:?}", retries + 1, self.opts.timeout))
    }

    async fn wait_ack(&self, socket: &UdpSocket, acked: u64, last: u64) -> Result<Option<u64>, String> {
        let deadline = Instant::now() + self.opts.timeout;
        let mut buf = [0u8; 1500];
        loop {
            let n = match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Err(_) => return Ok(None),
                Ok(Err(e)) => return Err(format!("the client went away: {e}")),
                Ok(Ok(n)) => n,
            };
            let p = &buf[..n];
            match (p.len() >= 4).then(|| (u16::from_be_bytes([p[0], p[1]]), u16::from_be_bytes([p[2], p[3]]))) {
                Some((ACK, block)) if last == 0 && block == 0 => return Ok(Some(0)),
                Some((ACK, block)) => {
                    if let Some(k) = (acked + 1..=last).find(|k| *k as u16 == block) {
                        return Ok(Some(k));
                    }
                }
                Some((ERROR, _)) => {
                    let text = String::from_utf8_lossy(&p[4..]).trim_end_matches('\0').to_string();
                    return Err(format!("the client gave up: {text}"));
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            connections: 8,
            per_peer: 2,
            idle: Duration::from_secs(1),
            head_time: Duration::from_secs(1),
            head_bytes: 8192,
            tftp_transfers: 4,
            tftp_blksize: 1468,
            tftp_window: 8,
            tftp_timeout: Duration::from_secs(5),
            tftp_retries: 3,
        }
    }

    #[test]
    fn reads_a_request_with_options() {
        let p = b"\x00\x01UC924/hlpres.tar\x00octet\x00blksize\x0065464\x00WindowSize\x0065535\x00";
        let r = parse(p).unwrap();
        assert_eq!((r.op, r.file.as_str(), r.mode.as_str()), (RRQ, "UC924/hlpres.tar", "octet"));
        assert_eq!(r.options, vec![("blksize".into(), "65464".into()), ("windowsize".into(), "65535".into())]);
        assert!(parse(b"\x00\x01name-without-end").is_none());
        assert!(parse(b"\x00\x04\x00\x01").is_none());
    }

    #[test]
    fn options_are_capped_and_a_long_timeout_is_not_granted() {
        let ask = |pairs: &[(&str, &str)]| {
            let asked: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
            Options::negotiate(&asked, 3000, &limits())
        };
        let o = ask(&[("blksize", "65464"), ("windowsize", "65535"), ("timeout", "255"), ("tsize", "0")]);
        assert_eq!((o.blksize, o.window, o.timeout), (1468, 8, DEFAULT_TIMEOUT));
        let granted: Vec<&str> =
            o.acked.iter().map(|(n, v)| if n == "tsize" { v.as_str() } else { n.as_str() }).collect();
        assert_eq!(granted, ["blksize", "windowsize", "3000"], "timeout 255 is left out of the OACK");
        let o = ask(&[("timeout", "3"), ("blksize", "4"), ("bogus", "1")]);
        assert_eq!((o.blksize, o.timeout), (512, Duration::from_secs(3)));
        assert_eq!(o.acked, vec![("timeout".to_string(), "3".to_string())]);
    }
}
