//! `bundler serve --tftp`: read-only files over TFTP with async-tftp (no framing of ours). Every
//! read request goes through the same [`Tree`] rule as HTTP; write requests are refused.

use super::tree::{Lookup, Tree};
use super::Log;
use async_tftp::packet;
use blocking::Unblock;
use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The handler async-tftp calls for each request.
pub struct Handler {
    pub tree: Arc<Tree>,
    pub log: Arc<Log>,
}

impl async_tftp::server::Handler for Handler {
    type Reader = Unblock<File>;
    type Writer = futures_lite::io::Sink;

    async fn read_req_open(
        &mut self,
        client: &SocketAddr,
        path: &Path,
    ) -> Result<(Self::Reader, Option<u64>), packet::Error> {
        let name = path.to_string_lossy().into_owned();
        let mut s = super::http::Served {
            peer: client.to_string(),
            what: "RRQ".into(),
            path: name.clone(),
            user_agent: None,
            result: Ok(0),
            status: 0,
        };
        let outcome = match self.tree.lookup(&name) {
            Lookup::File(file, meta) => Ok((file, meta.len())),
            Lookup::Failed(why) => {
                s.result = Err(format!("cannot read it: {why}"));
                Err(packet::Error::PermissionDenied)
            }
            Lookup::Missing => {
                s.result = Err("MISSING: no such file in the tree".into());
                Err(packet::Error::FileNotFound)
            }
            Lookup::Refused(why) => {
                s.result = Err(format!("REFUSED: {why}"));
                Err(packet::Error::PermissionDenied)
            }
        };
        if let Ok((_, len)) = &outcome {
            s.result = Ok(*len);
        }
        self.log.line("tftp", s);
        outcome.map(|(f, len)| (Unblock::new(f), Some(len)))
    }

    async fn write_req_open(
        &mut self,
        client: &SocketAddr,
        path: &Path,
        _size: Option<u64>,
    ) -> Result<Self::Writer, packet::Error> {
        let s = super::http::Served {
            peer: client.to_string(),
            what: "WRQ".into(),
            path: path.to_string_lossy().into_owned(),
            user_agent: None,
            result: Err("REFUSED: the tree is read-only".into()),
            status: 0,
        };
        self.log.line("tftp", s);
        Err(packet::Error::IllegalOperation)
    }
}
