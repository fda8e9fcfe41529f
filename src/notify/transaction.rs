//! One phone's NOTIFY as an RFC 3261 non-INVITE client transaction (§17.1.2): over UDP Timer E
//! retransmits at T1, doubling up to T2, Timer F gives up at 64×T1; over TCP the request is sent once
//! and Timer F still bounds the wait. A 401/407 is answered once with a new transaction carrying the
//! digest, in the same dialog (same Call-ID and From tag, CSeq + 1).

use super::sip::{self, Dialog};
use super::target::Target;
use super::{Outcome, Settings, Transport};
use anyhow::{bail, Context, Result};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// RFC 3261 timer T2: the longest gap between UDP retransmits of a non-INVITE request.
const T2: Duration = Duration::from_secs(4);
/// The largest response accepted (a UDP datagram's limit).
const MAX_MESSAGE: usize = 65_535;

/// Notifies one phone; never fails, every problem ends up in the outcome.
pub fn notify(t: &Target, s: &Settings) -> Outcome {
    let mut sends = 0;
    let result = exchange(t, s, &mut sends);
    let mut o = Outcome {
        target: t.shown.clone(),
        uri: t.uri.to_string(),
        ok: false,
        status: None,
        detail: String::new(),
        sends,
    };
    match result {
        Ok(r) => {
            let code = r.status_code.code();
            o.ok = (200..300).contains(&code);
            o.status = Some(code);
            o.detail = reason(&r);
            if matches!(code, 401 | 407) {
                let why = if s.credentials.is_some() {
                    "the phone refused --user/--password"
                } else {
                    "give --user and --password"
                };
                o.detail = format!("{} ({why})", o.detail);
            }
        }
        Err(e) => o.detail = format!("{e:#}"),
    }
    o
}

fn reason(r: &rsip::Response) -> String {
    let line = r.status_code.to_string();
    line.split_once(' ').map_or(line.clone(), |(_, text)| text.to_string())
}

/// Sends the NOTIFY, answers one challenge, and returns the final response.
fn exchange(t: &Target, s: &Settings, sends: &mut u32) -> Result<rsip::Response> {
    let peer = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {}", t.host))?
        .next()
        .with_context(|| format!("{} has no address", t.host))?;
    let mut link = Link::open(peer, s.transport, s.t1 * 64)?;
    let local = link.local()?;
    let dialog = Dialog {
        uri: t.uri.clone(),
        from: s.from.clone().unwrap_or_else(|| default_from(local)),
        from_tag: sip::token(),
        call_id: format!("{}@bundler", sip::token()),
        local,
        transport: if s.transport == Transport::Tcp { rsip::Transport::Tcp } else { rsip::Transport::Udp },
        event: s.event.clone(),
    };
    let first = transact(&mut link, &dialog, 1, None, s.t1, sends)?;
    let code = first.status_code.code();
    let (Some((user, password)), 401 | 407) = (&s.credentials, code) else { return Ok(first) };
    let auth = sip::authorize(&first, &dialog, user, password).with_context(|| format!("{code} {}", reason(&first)))?;
    transact(&mut link, &dialog, 2, Some(auth), s.t1, sends)
}

fn default_from(local: SocketAddr) -> rsip::Uri {
    rsip::Uri {
        scheme: Some(rsip::Scheme::Sip),
        auth: Some(rsip::Auth { user: "bundler".into(), password: None }),
        host_with_port: local.ip().into(),
        ..Default::default()
    }
}

/// One client transaction: the final response to a NOTIFY sent with sequence number `cseq`.
fn transact(
    link: &mut Link,
    d: &Dialog,
    cseq: u32,
    auth: Option<rsip::Header>,
    t1: Duration,
    sends: &mut u32,
) -> Result<rsip::Response> {
    let branch = format!("z9hG4bK{}", sip::token());
    let bytes = sip::notify(d, cseq, &branch, auth).to_string().into_bytes();
    let reliable = matches!(link, Link::Tcp { .. });
    let mut timers = Timers::start(Instant::now(), t1);
    let mut sent_here = 0;
    loop {
        let now = Instant::now();
        if now >= timers.give_up {
            bail!("no answer within {:.1} s ({sent_here} sends)", (t1 * 64).as_secs_f64());
        }
        if timers.due(now) && (!reliable || sent_here == 0) {
            link.send(&bytes)?;
            sent_here += 1;
            *sends += 1;
            timers.sent(now);
        }
        let until = if reliable { timers.give_up } else { timers.next_send.min(timers.give_up) };
        let Some(frame) = link.recv(until)? else { continue };
        let Some(r) = sip::response(&frame).filter(|r| sip::answers(r, &branch, cseq)) else { continue };
        if r.status_code.code() >= 200 {
            return Ok(r);
        }
        timers.provisional(Instant::now());
    }
}

/// Timers E and F of a non-INVITE client transaction.
#[derive(Debug)]
struct Timers {
    next_send: Instant,
    interval: Duration,
    give_up: Instant,
}

impl Timers {
    fn start(now: Instant, t1: Duration) -> Timers {
        Timers { next_send: now, interval: t1, give_up: now + t1 * 64 }
    }

    fn due(&self, now: Instant) -> bool {
        now >= self.next_send
    }

    /// The request went out at `now`: Timer E fires after the current interval, which then doubles up to T2.
    fn sent(&mut self, now: Instant) {
        self.next_send = now + self.interval;
        self.interval = (self.interval * 2).min(T2);
    }

    /// A 1xx arrived: the transaction is Proceeding, retransmits come every T2 (§17.1.2.2).
    fn provisional(&mut self, now: Instant) {
        self.interval = T2;
        self.next_send = now + T2;
    }
}

/// The connection to one phone.
enum Link {
    Udp { socket: UdpSocket, peer: SocketAddr },
    Tcp { stream: TcpStream, buffer: Vec<u8> },
}

impl Link {
    fn open(peer: SocketAddr, transport: Transport, limit: Duration) -> Result<Link> {
        if transport == Transport::Tcp {
            let stream = TcpStream::connect_timeout(&peer, limit)
                .with_context(|| format!("cannot connect to {peer} over TCP"))?;
            return Ok(Link::Tcp { stream, buffer: Vec::new() });
        }
        // Bind to the address the route to the phone leaves from, so the Via names it.
        let any: SocketAddr =
            if peer.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { (std::net::Ipv6Addr::UNSPECIFIED, 0).into() };
        let probe = UdpSocket::bind(any).context("cannot open a UDP socket")?;
        probe.connect(peer).with_context(|| format!("no route to {peer}"))?;
        let socket = UdpSocket::bind((probe.local_addr()?.ip(), 0)).context("cannot open a UDP socket")?;
        Ok(Link::Udp { socket, peer })
    }

    fn local(&self) -> Result<SocketAddr> {
        Ok(match self {
            Link::Udp { socket, .. } => socket.local_addr()?,
            Link::Tcp { stream, .. } => stream.local_addr()?,
        })
    }

    fn send(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Link::Udp { socket, peer } => socket.send_to(bytes, *peer).map(drop),
            Link::Tcp { stream, .. } => stream.write_all(bytes),
        }
        .context("cannot send the NOTIFY")
    }

    /// The next message, or `None` when `until` passes first.
    fn recv(&mut self, until: Instant) -> Result<Option<Vec<u8>>> {
        match self {
            Link::Udp { socket, .. } => {
                socket.set_read_timeout(Some(wait(until)))?;
                let mut buf = vec![0; MAX_MESSAGE];
                match socket.recv_from(&mut buf) {
                    Ok((n, _)) => Ok(Some(buf[..n].to_vec())),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
                    Err(e) => Err(e).context("cannot receive"),
                }
            }
            Link::Tcp { stream, buffer } => read_frame(stream, buffer, until),
        }
    }
}

/// Time left until `until`, at least a millisecond (a zero read timeout is refused by the OS).
fn wait(until: Instant) -> Duration {
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
            bail!("the phone sent a message larger than {MAX_MESSAGE} bytes");
        }
        stream.set_read_timeout(Some(wait(until)))?;
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk) {
            Ok(0) => bail!("the phone closed the TCP connection without answering"),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => return Ok(None),
            Err(e) => return Err(e).context("cannot receive"),
        }
    }
}

/// The length of the first complete-headered message in `buffer`, once its headers are in.
fn frame_len(buffer: &[u8]) -> Result<Option<usize>> {
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(None) };
    let head = String::from_utf8_lossy(&buffer[..end]);
    let body = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length") || name.trim().eq_ignore_ascii_case("l"))
        .map(|(_, v)| v.trim().parse::<usize>())
        .transpose()
        .context("the phone sent a bad Content-Length")?
        .unwrap_or(0);
    Ok(Some(end + 4 + body))
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
}
