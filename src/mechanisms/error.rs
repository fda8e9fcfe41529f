//! The errors a caller decides on: an input that is not there, one that is there but refused (too
//! large, not a regular file, not the format expected), a read that failed, and a peer that
//! answered with an error (its status and code: S3's `NoSuchBucket` or `AccessDenied`, HTTP 404 or
//! 403) or did not answer. Each prints as the one line bundler shows; callers match on the variant instead of the
//! text, and the command layer turns it into `anyhow` with `?`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why an input or a peer could not give what was asked for.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not there (no such file).
    #[error("{}cannot open: {io}", at(.path))]
    Missing { path: Option<PathBuf>, io: std::io::Error },
    /// The input is there but is not read: [`Refusal`] says why.
    #[error("{}{reason}", at(.path))]
    Refused { path: Option<PathBuf>, reason: Refusal },
    /// Opening or reading failed (`doing`: `cannot open`, `cannot read`).
    #[error("{}{doing}: {io}", at(.path))]
    Io { path: Option<PathBuf>, doing: &'static str, io: std::io::Error },
    /// A peer answered with an error, or did not answer ([`RemoteKind`] says which).
    #[error("{0}")]
    Remote(Remote),
}

/// Why an input that is there is not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// More than the `max` bytes allowed.
    TooLarge { max: u64 },
    /// A folder, FIFO, socket or device where a file was expected.
    NotRegular,
    /// Not the format expected; the text says how (an HTML error page for the file asked for).
    Format(String),
    /// Any other limit or rule; the text says which (a transfer past its cap, a path out of a tree).
    Other(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooLarge { max } => write!(f, "larger than the {max} bytes allowed"),
            Refusal::NotRegular => f.write_str("not a regular file; not read"),
            Refusal::Format(why) | Refusal::Other(why) => f.write_str(why),
        }
    }
}

/// A peer's error answer (or its silence): what it means, what the peer sent, and the line shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    pub kind: RemoteKind,
    /// The status the peer sent: an HTTP status, a TFTP error code, an FTP reply code (0: none).
    pub status: u16,
    /// The peer's own error code when it sent one (S3's `NoSuchBucket`), else empty.
    pub code: String,
    /// The line shown for it.
    pub message: String,
}

/// What a peer's error answer means to bundler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteKind {
    /// The file or object is not there (HTTP 404/410, TFTP "file not found", FTP 550).
    NotFound,
    /// The S3 bucket is not there (`NoSuchBucket`).
    NoSuchBucket,
    /// The peer refused who we are (HTTP 401/403, S3 `AccessDenied`, an unknown key or a wrong secret).
    AccessDenied,
    /// The peer found the signed request's time off (S3 `RequestTimeTooSkewed`, an expired request).
    ClockSkew,
    /// No answer: no connection, nothing in time, or the exchange broke off (status 0).
    NoAnswer,
    /// Any other error answer.
    Other,
}

impl fmt::Display for Remote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// The same error, naming `path` (errors of an open stream name no file).
    pub fn at(self, shown: &Path) -> Error {
        let path = Some(shown.to_path_buf());
        match self {
            Error::Missing { io, .. } => Error::Missing { path, io },
            Error::Refused { reason, .. } => Error::Refused { path, reason },
            Error::Io { doing, io, .. } => Error::Io { path, doing, io },
            remote @ Error::Remote(_) => remote,
        }
    }

    /// An input refused for `reason`, naming no file.
    pub fn refused(reason: Refusal) -> Error {
        Error::Refused { path: None, reason }
    }

    /// A failed open of `path`: [`Error::Missing`] when nothing is there, else [`Error::Io`].
    pub fn opening(path: &Path, io: std::io::Error) -> Error {
        let path = Some(path.to_path_buf());
        match io.kind() {
            std::io::ErrorKind::NotFound => Error::Missing { path, io },
            _ => Error::Io { path, doing: "cannot open", io },
        }
    }

    /// Whether what was asked for is not there: no such file, or a peer's "not found".
    pub fn not_found(&self) -> bool {
        matches!(self, Error::Missing { .. } | Error::Remote(Remote { kind: RemoteKind::NotFound, .. }))
    }
}

/// `path: ` before a message, or nothing.
fn at(path: &Option<PathBuf>) -> String {
    path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
}
