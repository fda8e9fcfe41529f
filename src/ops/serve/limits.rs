//! The limits every listener of `bundler serve` keeps, from one place: how many connections (or TFTP
//! transfers) at once per listener and per peer address, how long a connection may sit without a
//! byte moving, how long and how big a request head may be, and the TFTP option caps. A LAN
//! provisioning server is reachable by every device on the LAN; these keep one client (or a
//! careless script) from taking it down for the others.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits, as set by `serve`'s flags (see its `LimitArgs` for the defaults and their reasons).
#[derive(Clone, Debug)]
pub struct Limits {
    /// TCP connections at once per listener (HTTP, HTTPS, FTP).
    pub connections: usize,
    /// Connections (or TFTP transfers) at once from one peer address.
    pub per_peer: usize,
    /// A connection where no byte moved either way for this long is closed (slow readers, idle
    /// keep-alive connections, stalled uploads of a request head).
    pub idle: Duration,
    /// The whole request head must arrive within this (a client trickling bytes is not idle).
    pub head_time: Duration,
    /// Request heads over this many bytes get `431` and the connection is closed.
    pub head_bytes: usize,
    /// TFTP transfers at once.
    pub tftp_transfers: usize,
    /// The largest TFTP `blksize` granted (RFC 2348); 1468 fills an Ethernet frame.
    pub tftp_blksize: u16,
    /// The largest TFTP `windowsize` granted (RFC 7440).
    pub tftp_window: u16,
    /// The longest retransmission timeout a TFTP client may ask for (RFC 2349 `timeout`).
    pub tftp_timeout: Duration,
    /// Retransmissions of an unacknowledged TFTP packet before the transfer is given up.
    pub tftp_retries: u32,
}

/// Each connection holds a socket and, while it sends, a file; this many descriptors stay free for
/// the listeners, the log and the tree.
const RESERVED_FDS: u64 = 64;

impl Limits {
    /// Raises the soft descriptor limit to the hard one and lowers the connection caps so that
    /// every allowed connection and transfer has its descriptors (a socket and a file each): the
    /// caps are reached before the process runs out of descriptors. Returns a warning when a cap
    /// was lowered.
    pub fn fit_descriptors(&mut self, tcp_listeners: usize) -> Option<String> {
        let fds = raise_nofile_limit();
        let per_unit = 2 * (tcp_listeners as u64 * self.connections as u64 + self.tftp_transfers as u64);
        if per_unit + RESERVED_FDS <= fds {
            return None;
        }
        let budget = fds.saturating_sub(RESERVED_FDS) / 2;
        let units = (tcp_listeners + 1) as u64;
        let each = (budget / units).max(1) as usize;
        let (was_c, was_t) = (self.connections, self.tftp_transfers);
        self.connections = self.connections.min(each);
        self.tftp_transfers = self.tftp_transfers.min(each);
        self.per_peer = self.per_peer.min(self.connections.max(self.tftp_transfers));
        Some(format!(
            "warning: only {fds} file descriptors (ulimit -n): --max-connections {was_c} lowered to {}, \
             --tftp-max-transfers {was_t} to {}",
            self.connections, self.tftp_transfers
        ))
    }
}

/// The soft `RLIMIT_NOFILE` after raising it as far as the hard limit allows.
fn raise_nofile_limit() -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let lim = getrlimit(Resource::Nofile);
    let Some(soft) = lim.current else { return u64::MAX };
    if lim.maximum.is_none_or(|hard| hard > soft) {
        let raised = rustix::process::Rlimit { current: lim.maximum, maximum: lim.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return lim.maximum.unwrap_or(u64::MAX);
        }
    }
    soft
}

/// Counts what one listener has open, in all and per peer address.
pub struct Gate {
    all: Arc<Semaphore>,
    per_peer: usize,
    peers: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection or transfer; dropping it frees its places.
pub struct Permit {
    _all: OwnedSemaphorePermit,
    gate: Arc<Gate>,
    ip: IpAddr,
}

impl Gate {
    pub fn new(all: usize, per_peer: usize) -> Arc<Gate> {
        Arc::new(Gate { all: Arc::new(Semaphore::new(all.max(1))), per_peer: per_peer.max(1), peers: Mutex::default() })
    }

    /// Waits for a place (TCP listeners stop accepting while full; new clients wait in the backlog).
    pub async fn place(&self) -> OwnedSemaphorePermit {
        self.all.clone().acquire_owned().await.expect("the gate's semaphore is never closed")
    }

    /// A place now, or `None` when the listener is full (TFTP answers "busy").
    pub fn try_place(&self) -> Option<OwnedSemaphorePermit> {
        self.all.clone().try_acquire_owned().ok()
    }

    /// Admits `ip` on a place already held, unless that address has its share already.
    pub fn admit(self: &Arc<Gate>, place: OwnedSemaphorePermit, ip: IpAddr) -> Option<Permit> {
        let mut peers = self.peers.lock().unwrap_or_else(|p| p.into_inner());
        let n = peers.entry(ip).or_insert(0);
        if *n >= self.per_peer {
            return None;
        }
        *n += 1;
        Some(Permit { _all: place, gate: self.clone(), ip })
    }

    /// The per-peer cap, for messages.
    pub fn per_peer(&self) -> usize {
        self.per_peer
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut peers = self.gate.peers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = peers.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                peers.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_peer_gets_its_share_and_no_more_and_gets_it_back() {
        let gate = Gate::new(3, 2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let p1 = gate.admit(gate.place().await, a).unwrap();
        let _p2 = gate.admit(gate.place().await, a).unwrap();
        assert!(gate.admit(gate.place().await, a).is_none(), "a third from one address");
        let _p3 = gate.admit(gate.place().await, b).unwrap();
        assert!(gate.try_place().is_none(), "the listener is full");
        drop(p1);
        assert!(gate.admit(gate.try_place().unwrap(), a).is_some(), "a place freed is reused");
    }
}
