//! `tftp://` for `bundler phone`: a small read-only TFTP client (RFC 1350, with the options of
//! RFC 2347/2348/2349), written here because tftpd's client prints raw lines to stderr, lets the
//! server's option acknowledgement replace the options it asked for, and writes to a file.
//!
//! It asks for `blksize` and `tsize` only, and refuses an acknowledgement that adds options, a block
//! size it did not ask for (RFC 2348 lets a server choose a smaller one, 8 or more), or a size past
//! the cap. Blocks are kept in memory up to the fetch's byte cap, the whole transfer ends by its
//! deadline, and packets from any port but the server's first are answered "unknown transfer ID".

use super::fetcher::{printable, refused, remote, Limits, Reply};
use super::url::UrlParts;
use crate::mechanisms::error::{Error, Refusal, RemoteKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// The block size asked for: a full Ethernet frame less the IP, UDP and TFTP headers.
const BLKSIZE: usize = 1428;
/// Silence after which the last packet is sent again.
const RESEND_AFTER: Duration = Duration::from_secs(1);

const RRQ: u16 = 1;
const DATA: u16 = 3;
const ACK: u16 = 4;
const ERROR: u16 = 5;
const OACK: u16 = 6;

/// Fetches one file over TFTP.
pub fn fetch(url: &str, limits: &Limits) -> Reply {
    let parts = UrlParts::of(url);
    let server = match parts.address(69) {
        Ok(a) => a,
        Err(why) => return Reply::no_answer(why),
    };
    let any: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let socket = match UdpSocket::bind(any) {
        Ok(s) => s,
        Err(e) => return Reply::no_answer(format!("cannot open a UDP socket: {e}")),
    };
    let mut transfer = Transfer { socket, server, peer: None, blksize: 512, bytes: Vec::new(), limits: *limits };
    transfer.run(&request(&parts.path))
}

/// The read request: file name, octet mode, and the options asked for.
fn request(path: &str) -> Vec<u8> {
    let mut p = RRQ.to_be_bytes().to_vec();
    for field in [path, "octet", "blksize", &BLKSIZE.to_string(), "tsize", "0"] {
        p.extend_from_slice(field.as_bytes());
        p.push(0);
    }
    p
}

struct Transfer {
    socket: UdpSocket,
    server: SocketAddr,
    /// The server's transfer ID (address and port), fixed by its first answer.
    peer: Option<SocketAddr>,
    blksize: usize,
    bytes: Vec<u8>,
    limits: Limits,
}

/// What one packet meant for the transfer.
enum Step {
    /// Send this (an ACK) and wait for more.
    Send(Vec<u8>),
    /// Ignore it and keep waiting.
    Wait,
    /// The transfer is over.
    Done(Reply),
}

impl Transfer {
    fn run(&mut self, rrq: &[u8]) -> Reply {
        let mut last = rrq.to_vec();
        let mut expected: u16 = 1;
        let mut buf = vec![0u8; 65536];
        if let Err(e) = self.socket.send_to(&last, self.server) {
            return Reply::no_answer(format!("cannot send to {}: {e}", self.server));
        }
        loop {
            let left = self.limits.left();
            if left.is_zero() {
                return Reply::timeout();
            }
            let _ = self.socket.set_read_timeout(Some(left.min(RESEND_AFTER)));
            let (n, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    let _ = self.socket.send_to(&last, self.peer.unwrap_or(self.server));
                    continue;
                }
                // An ICMP "port unreachable" from a server that is not there: wait as for silence.
                Err(_) => continue,
            };
            match self.packet(&buf[..n], from, &mut expected) {
                Step::Send(p) => {
                    let _ = self.socket.send_to(&p, from);
                    last = p;
                }
                Step::Wait => {}
                Step::Done(reply) => return reply,
            }
        }
    }

    /// What to do with one packet from `from`.
    fn packet(&mut self, p: &[u8], from: SocketAddr, expected: &mut u16) -> Step {
        if from.ip() != self.server.ip() {
            return Step::Wait;
        }
        match self.peer {
            None => self.peer = Some(from),
            Some(peer) if peer != from => {
                let _ = self.socket.send_to(&error(5, "Unknown transfer ID"), from);
                return Step::Wait;
            }
            Some(_) => {}
        }
        if p.len() < 4 {
            return self.refuse(0, "a packet shorter than 4 bytes");
        }
        let (op, number) = (u16::from_be_bytes([p[0], p[1]]), u16::from_be_bytes([p[2], p[3]]));
        match op {
            DATA => self.data(number, &p[4..], expected),
            OACK if *expected == 1 && self.bytes.is_empty() => self.options(&p[2..]),
            ERROR if number == 1 => Step::Done(Reply::missing(number)),
            ERROR => {
                let text = String::from_utf8_lossy(p[4..].split(|b| *b == 0).next().unwrap_or_default());
                let why = format!("the server answered error {number}: {}", printable(&text));
                let kind = if number == 2 { RemoteKind::AccessDenied } else { RemoteKind::Other };
                Step::Done(Reply::ended(remote(kind, number, why), "error"))
            }
            _ => self.refuse(4, &format!("an unexpected packet (opcode {op})")),
        }
    }

    /// A data block: kept when it is the next one, acknowledged, the last when it is short.
    fn data(&mut self, block: u16, payload: &[u8], expected: &mut u16) -> Step {
        if block == expected.wrapping_sub(1) && !(block == 0 && self.bytes.is_empty()) {
            return Step::Send(ack(block)); // Our ACK was lost: say it again.
        }
        if block != *expected {
            return Step::Wait;
        }
        if payload.len() > self.blksize {
            return self
                .refuse(4, &format!("a block of {} bytes, more than the {} agreed", payload.len(), self.blksize));
        }
        if self.bytes.len() as u64 + payload.len() as u64 > self.limits.max_bytes {
            let _ = self.socket.send_to(&error(3, "File too large"), self.peer.unwrap_or(self.server));
            return Step::Done(Reply::ended(self.limits.too_big(), "error"));
        }
        self.bytes.extend_from_slice(payload);
        *expected = expected.wrapping_add(1);
        if payload.len() < self.blksize {
            let _ = self.socket.send_to(&ack(block), self.peer.unwrap_or(self.server));
            return Step::Done(Reply::got(std::mem::take(&mut self.bytes)));
        }
        Step::Send(ack(block))
    }

    /// The server's option acknowledgement: only the options asked, with values the client accepts.
    fn options(&mut self, body: &[u8]) -> Step {
        let fields: Vec<String> = body.split(|b| *b == 0).map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        let fields = &fields[..fields.len().saturating_sub(1)]; // After the last NUL: nothing.
        for pair in fields.chunks(2) {
            let (name, value) = (pair[0].to_ascii_lowercase(), pair.get(1).map_or("", String::as_str));
            let number = value.parse::<u64>().ok();
            let problem = match (name.as_str(), number) {
                ("blksize", Some(n)) if (8..=BLKSIZE as u64).contains(&n) => {
                    self.blksize = n as usize;
                    None
                }
                ("blksize", _) => Some(format!("blksize={value}, not the {BLKSIZE} asked (or 8 to {BLKSIZE})")),
                ("tsize", Some(n)) if n > self.limits.max_bytes => {
                    return Step::Done(self.refused_with(3, self.limits.too_big()));
                }
                ("tsize", Some(_)) => None,
                _ => Some(format!("{}={}, an option the client did not ask for", printable(&name), printable(value))),
            };
            if let Some(problem) = problem {
                return self.refuse(8, &format!("its option acknowledgement sets {problem} (RFC 2347)"));
            }
        }
        Step::Send(ack(0))
    }

    /// Ends the transfer: tells the server why (TFTP error `code`) and fails.
    fn refuse(&self, code: u16, what: &str) -> Step {
        let why = format!("the server sent {what}: transfer refused");
        Step::Done(self.refused_with(code, refused(Refusal::Format(why))))
    }

    /// Ends the transfer: tells the server (TFTP error `code`) and fails with `why`.
    fn refused_with(&self, code: u16, why: Error) -> Reply {
        let _ = self.socket.send_to(&error(code, "refused"), self.peer.unwrap_or(self.server));
        Reply::ended(why, "error")
    }
}

fn ack(block: u16) -> Vec<u8> {
    [ACK.to_be_bytes(), block.to_be_bytes()].concat()
}

fn error(code: u16, text: &str) -> Vec<u8> {
    let mut p = [ERROR.to_be_bytes(), code.to_be_bytes()].concat();
    p.extend_from_slice(text.as_bytes());
    p.push(0);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_request_asks_for_blksize_and_tsize() {
        assert_eq!(request("config/a.xml"), b"\0\x01config/a.xml\0octet\0blksize\x001428\0tsize\x000\0".to_vec());
        assert_eq!(error(1, "x"), b"\0\x05\0\x01x\0".to_vec());
    }
}
