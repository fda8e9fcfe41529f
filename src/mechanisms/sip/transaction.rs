//! The RFC 3261 non-INVITE client transaction (§17.1.2): over UDP Timer E retransmits at T1,
//! doubling up to T2, Timer F gives up at 64×T1; over TCP the request is sent once and Timer F still
//! bounds the wait. [`Timers`] is the schedule alone (the async PnP responder runs it too); [`Link`]
//! and [`transact`] run it on a blocking socket.
//!
//! A UDP link to one peer is connected, so an ICMP port-unreachable ends the wait at once
//! ("nothing listens there") instead of after Timer F.

use super::message::{head_end, Message, MAX_MESSAGE};
use anyhow::{bail, Context, Result};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// RFC 3261 timer T2: the longest gap between UDP retransmits of a non-INVITE request.
pub const T2: Duration = Duration::from_secs(4);
/// Requests that arrive during a transaction and are kept for the caller (PnP's NOTIFY).
const MAX_KEPT: usize = 16;

/// Timers E and F of a non-INVITE client transaction.
#[derive(Debug, Clone)]
pub struct Timers {
    pub next_send: Instant,
    interval: Duration,
    pub give_up: Instant,
}

impl Timers {
    pub fn start(now: Instant, t1: Duration) -> Timers {
        Timers { next_send: now, interval: t1, give_up: now + t1 * 64 }
    }

    pub fn due(&self, now: Instant) -> bool {
        now >= self.next_send
    }

    /// The request went out at `now`: Timer E fires after the current interval, which then doubles up to T2.
    pub fn sent(&mut self, now: Instant) {
        self.next_send = now + self.interval;
        self.interval = (self.interval * 2).min(T2);
    }

    /// A 1xx arrived: the transaction is Proceeding, retransmits come every T2 (§17.1.2.2).
    pub fn provisional(&mut self, now: Instant) {
        self.interval = T2;
        self.next_send = now + T2;
    }
}

/// Whether `r` answers the request sent with `branch` and `cseq` `method` (RFC 3261 §17.1.3).
pub fn answers(r: &Message, branch: &str, cseq: u32, method: &str) -> bool {
    r.code().is_some()
        && r.branch().as_deref() == Some(branch)
        && r.cseq().is_some_and(|(n, m)| n == cseq && m.eq_ignore_ascii_case(method))
}

/// The socket of a transaction.
pub enum Link {
    /// `connected`: to one peer (ICMP errors arrive); otherwise sent to `peer` (a multicast group)
    /// and answered from anywhere.
    Udp {
        socket: UdpSocket,
        peer: SocketAddr,
        connected: bool,
        kept: Vec<(Message, Option<SocketAddr>)>,
    },
    Tcp {
        stream: TcpStream,
        buffer: Vec<u8>,
        kept: Vec<(Message, Option<SocketAddr>)>,
    },
}

impl Link {
    /// A UDP link to `peer`, bound to the address the route to it leaves from (so a Via names it).
    pub fn udp(peer: SocketAddr) -> Result<Link> {
        let any: SocketAddr =
            if peer.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
        let socket = UdpSocket::bind(any).context("cannot open a UDP socket")?;
        socket.connect(peer).with_context(|| format!("no route to {peer}"))?;
        Ok(Link::Udp { socket, peer, connected: true, kept: vec![] })
    }

    /// A UDP link sending to a group from an already bound socket.
    pub fn multicast(socket: UdpSocket, group: SocketAddr) -> Link {
        Link::Udp { socket, peer: group, connected: false, kept: vec![] }
    }

    pub fn tcp(peer: SocketAddr, limit: Duration) -> Result<Link> {
        let stream =
            TcpStream::connect_timeout(&peer, limit).with_context(|| format!("cannot connect to {peer} over TCP"))?;
        Ok(Link::Tcp { stream, buffer: Vec::new(), kept: vec![] })
    }

    pub fn local(&self) -> Result<SocketAddr> {
        Ok(match self {
            Link::Udp { socket, .. } => socket.local_addr()?,
            Link::Tcp { stream, .. } => stream.local_addr()?,
        })
    }

    pub fn is_reliable(&self) -> bool {
        matches!(self, Link::Tcp { .. })
    }

    /// Sends one message to the peer (or to `to` over UDP).
    pub fn send(&mut self, bytes: &[u8], to: Option<SocketAddr>) -> Result<()> {
        match self {
            Link::Udp { socket, peer, connected, .. } => match (to, *connected) {
                (None, true) => socket.send(bytes).map(drop),
                (to, _) => socket.send_to(bytes, to.unwrap_or(*peer)).map(drop),
            }
            .map_err(|e| unreachable_or(e, *peer)),
            Link::Tcp { stream, .. } => stream.write_all(bytes).context("cannot send"),
        }
    }

    /// The next message that parses, with where it came from, or `None` when `until` passes first.
    pub fn recv(&mut self, until: Instant) -> Result<Option<(Message, Option<SocketAddr>)>> {
        match self {
            Link::Udp { socket, peer, connected, .. } => {
                socket.set_read_timeout(Some(wait(until)))?;
                let mut buf = vec![0; MAX_MESSAGE];
                let got =
                    if *connected { socket.recv(&mut buf).map(|n| (n, *peer)) } else { socket.recv_from(&mut buf) };
                match got {
                    Ok((n, from)) => Ok(Message::parse(&buf[..n]).ok().map(|m| (m, Some(from)))),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
                    Err(e) => Err(unreachable_or(e, *peer)),
                }
            }
            Link::Tcp { stream, buffer, .. } => {
                Ok(read_frame(stream, buffer, until)?.and_then(|f| Message::parse(&f).ok()).map(|m| (m, None)))
            }
        }
    }

    /// Requests that arrived while a transaction waited for its response (with their source),
    /// oldest first.
    pub fn take_kept(&mut self) -> Vec<(Message, Option<SocketAddr>)> {
        match self {
            Link::Udp { kept, .. } | Link::Tcp { kept, .. } => std::mem::take(kept),
        }
    }

    fn keep(&mut self, m: (Message, Option<SocketAddr>)) {
        let (Link::Udp { kept, .. } | Link::Tcp { kept, .. }) = self;
        if kept.len() < MAX_KEPT {
            kept.push(m);
        }
    }
}

fn unreachable_or(e: std::io::Error, peer: SocketAddr) -> anyhow::Error {
    if e.kind() == ErrorKind::ConnectionRefused {
        anyhow::anyhow!("port unreachable: nothing listens on {peer} (ICMP)")
    } else {
        anyhow::Error::new(e).context("cannot send or receive")
    }
}

/// Runs one client transaction for `request` (its top Via branch and CSeq identify the answer) and
/// returns the final response; `sends` counts every transmission.
pub fn transact(link: &mut Link, request: &Message, t1: Duration, sends: &mut u32) -> Result<Message> {
    let branch = request.branch().context("the request has no Via branch")?;
    let (cseq, method) = request.cseq().map(|(n, m)| (n, m.to_string())).context("the request has no CSeq")?;
    let bytes = request.to_bytes()?;
    let reliable = link.is_reliable();
    let mut timers = Timers::start(Instant::now(), t1);
    let mut sent_here = 0;
    loop {
        let now = Instant::now();
        if now >= timers.give_up {
            bail!("no answer within {:.1} s ({sent_here} sends)", (t1 * 64).as_secs_f64());
        }
        if timers.due(now) && (!reliable || sent_here == 0) {
            link.send(&bytes, None)?;
            sent_here += 1;
            *sends += 1;
            timers.sent(now);
        }
        let until = if reliable { timers.give_up } else { timers.next_send.min(timers.give_up) };
        let Some((m, from)) = link.recv(until)? else { continue };
        if m.method().is_some() {
            link.keep((m, from));
            continue;
        }
        if !answers(&m, &branch, cseq, &method) {
            continue;
        }
        if m.code().unwrap_or(0) >= 200 {
            return Ok(m);
        }
        timers.provisional(Instant::now());
    }
}

/// Time left until `until`, at least a millisecond (a zero read timeout is refused by the OS).
pub fn wait(until: Instant) -> Duration {
    until.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))
}

/// Reads one SIP message from a TCP stream (headers, then Content-Length bytes of body).
fn read_frame(stream: &mut TcpStream, buffer: &mut Vec<u8>, until: Instant) -> Result<Option<Vec<u8>>> {
    loop {
        if let Some(len) = frame_len(buffer)? {
            if buffer.len() >= len {
                return Ok(Some(buffer.drain(..len).collect()));
            }
        }
        if buffer.len() > MAX_MESSAGE {
            bail!("the peer sent a message larger than {MAX_MESSAGE} bytes");
        }
        stream.set_read_timeout(Some(wait(until)))?;
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) => bail!("the peer closed the TCP connection without answering"),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Ok(None),
            Err(e) => return Err(e).context("cannot receive"),
        }
    }
}

/// The length of the first complete-headered message in `buffer`, once its headers are in.
fn frame_len(buffer: &[u8]) -> Result<Option<usize>> {
    let Some((end, body_at)) = head_end(buffer) else { return Ok(None) };
    let head = String::from_utf8_lossy(&buffer[..end]);
    let body = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length") || name.trim().eq_ignore_ascii_case("l"))
        .map(|(_, v)| v.trim().parse::<usize>())
        .transpose()
        .context("the peer sent a bad Content-Length")?
        .unwrap_or(0);
    Ok(Some(body_at + body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets of every send, firing Timer E exactly when due, until Timer F.
    fn offsets(t1: Duration) -> Vec<Duration> {
        let start = Instant::now();
        let mut timers = Timers::start(start, t1);
        let mut sent = Vec::new();
        while timers.next_send < timers.give_up {
            let now = timers.next_send;
            assert!(timers.due(now));
            sent.push(now - start);
            timers.sent(now);
        }
        sent
    }

    #[test]
    fn retransmits_follow_rfc3261_non_invite_schedule() {
        let ms = |v: &[u64]| v.iter().map(|&m| Duration::from_millis(m)).collect::<Vec<_>>();
        // T1 = 500 ms: gaps 0.5, 1, 2, 4, 4, 4 … s, giving up at 32 s.
        let want = ms(&[0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
        assert_eq!(offsets(Duration::from_millis(500)), want);
        // T1 = 20 ms (as the tests use): doubling never reaches T2, F at 1.28 s.
        assert_eq!(offsets(Duration::from_millis(20)), ms(&[0, 20, 60, 140, 300, 620, 1260]));
    }

    #[test]
    fn provisional_switches_to_t2() {
        let start = Instant::now();
        let mut timers = Timers::start(start, Duration::from_millis(500));
        timers.sent(start);
        timers.provisional(start + Duration::from_millis(100));
        assert_eq!(timers.next_send - start, Duration::from_millis(4100));
        assert!(!timers.due(start + Duration::from_millis(4000)));
    }

    #[test]
    fn tcp_frames_by_content_length() {
        assert_eq!(frame_len(b"SIP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nab").unwrap(), Some(40));
        assert_eq!(frame_len(b"SIP/2.0 200 OK\r\nl: 0\r\n").unwrap(), None);
        assert!(frame_len(b"SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
    }

    #[test]
    fn closed_port_is_an_answer() {
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let peer = closed.local_addr().unwrap();
        drop(closed);
        let mut link = Link::udp(peer).unwrap();
        let mut request = Message::request("NOTIFY", "sip:127.0.0.1");
        request.push("Via", "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx").push("CSeq", "1 NOTIFY");
        let started = Instant::now();
        let e = transact(&mut link, &request, Duration::from_millis(500), &mut 0).unwrap_err();
        assert!(e.to_string().contains("port unreachable"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
