//! What every fetcher (one per URL scheme: [`super::http`], [`super::tftp`], [`super::ftp`]) is given
//! and gives back: the bounds of one transfer ([`Limits`]) and what came of it ([`Reply`]), with the
//! errors that tell "not found" from the other failures. [`super::fetch::Client`] picks the fetcher.

use crate::mechanisms::error::{Error, Refusal, Remote, RemoteKind};
use std::time::{Duration, Instant};

/// What a fetch ended with: the bytes, or why not. [`Error::not_found`] tells a file that is not
/// there (404, TFTP "file not found", FTP 550, no such file in the folder) from every other failure,
/// whose text names what went wrong: a [`Remote`] answer or no answer, or a [`Refusal`] of what came.
pub type Outcome = Result<Vec<u8>, Error>;

/// The server's part in a failed fetch: what it means (`kind`), its status (`code`, 0 for none) and why.
pub fn remote(kind: RemoteKind, code: u16, why: impl Into<String>) -> Error {
    Error::Remote(Remote { kind, status: code, code: String::new(), message: why.into() })
}

/// What came is not taken (past the cap, an error page for the file): `why` says so.
pub fn refused(reason: Refusal) -> Error {
    Error::refused(reason)
}

/// Credentials the user gave for HTTP authentication.
pub struct Credentials {
    pub user: String,
    pub password: String,
    /// Whether HTTP Basic (the password in clear) may be answered, to the host the phone was given.
    pub allow_basic: bool,
}

/// The bounds of one transfer.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes allowed; one more ends the transfer.
    pub max_bytes: u64,
    /// When the transfer must have ended (`--timeout` after it started).
    pub deadline: Instant,
}

impl Limits {
    /// Time left before the deadline (zero once it has passed).
    pub fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The error for a body past the cap.
    pub fn too_big(&self) -> Error {
        let why = format!("more than {} bytes, the most this kind of file may have: transfer stopped", self.max_bytes);
        refused(Refusal::Other(why))
    }
}

/// What one fetcher made of one request: the outcome, the status shown, and where a redirect leads.
pub struct Reply {
    pub outcome: Outcome,
    pub status: serde_json::Value,
    pub next: Option<String>,
}

impl Reply {
    pub fn got(bytes: Vec<u8>) -> Reply {
        Reply { outcome: Ok(bytes), status: "ok".into(), next: None }
    }
    /// The server says the file is not there (`code`: its status, 0 for a folder).
    pub fn missing(code: u16) -> Reply {
        Reply::ended(remote(RemoteKind::NotFound, code, "not found"), "not found")
    }
    /// Any other failure of the exchange with the server (`status` as the request list shows it).
    pub fn failed(why: impl Into<String>, status: &str) -> Reply {
        Reply::ended(remote(RemoteKind::Other, 0, why), status)
    }
    /// No connection could be made, or it broke off.
    pub fn no_answer(why: impl Into<String>) -> Reply {
        Reply::ended(remote(RemoteKind::NoAnswer, 0, why), "-")
    }
    pub fn timeout() -> Reply {
        Reply::ended(remote(RemoteKind::NoAnswer, 0, "no answer in time (timeout)"), "timeout")
    }
    /// A fetch that ended with `error`.
    pub fn ended(error: Error, status: &str) -> Reply {
        Reply { outcome: Err(error), status: status.into(), next: None }
    }
}

/// Text a server sent, at most 200 characters, escaped by the one rule
/// ([`crate::mechanisms::printable::shown`]) so it cannot forge lines on a terminal.
pub fn printable(text: &str) -> String {
    let head: String = text.chars().take(200).collect();
    crate::mechanisms::printable::shown(&head).into_owned()
}
