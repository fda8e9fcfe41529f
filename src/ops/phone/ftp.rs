//! `ftp://[user[:password]@]host[:port]/path` for `bundler phone` (Htek guide §22.3 writes the user
//! and password in the URL), with suppaftp: passive mode, binary type, one file per connection as
//! the phones fetch. Without a user part the phone logs in as `anonymous`.
//!
//! Bounded like the other fetchers: every socket read and write waits at most until the fetch's
//! deadline, the body is read up to its byte cap, and the data connection goes to the server of
//! the control connection whatever address its PASV reply names (no connection to a third host).

use super::fetcher::{printable, remote, Limits, Reply};
use super::url::{percent_decode, UrlParts};
use crate::mechanisms::error::RemoteKind;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;
use suppaftp::{FtpError, FtpStream, Status};

/// Fetches one file over FTP.
pub fn fetch(url: &str, limits: &Limits) -> Reply {
    let parts = UrlParts::of(url);
    let server = match parts.address(21) {
        Ok(a) => a,
        Err(why) => return Reply::no_answer(why),
    };
    let (user, password) = match &parts.userinfo {
        Some(info) => {
            let (u, p) = info.split_once(':').unwrap_or((info, ""));
            (percent_decode(u), percent_decode(p))
        }
        None => ("anonymous".to_string(), "anonymous@".to_string()),
    };
    match retrieve(server, &user, &password, &parts.path, limits) {
        Ok(reply) => reply,
        Err(e) => failure(&e, limits),
    }
}

/// Logs in and reads `path`; before each exchange the sockets' timeouts are cut to what is left.
fn retrieve(server: SocketAddr, user: &str, password: &str, path: &str, limits: &Limits) -> Result<Reply, FtpError> {
    let io = FtpError::ConnectionError;
    // Connected here so that the greeting is read with the deadline's timeouts already set.
    let control = TcpStream::connect_timeout(&server, at_least(limits.left())).map_err(io)?;
    bound(&control, limits).map_err(io)?;
    let mut ftp = FtpStream::connect_with_stream(control)?;
    ftp.set_passive_nat_workaround(true);
    let deadline = *limits;
    let mut ftp = ftp.passive_stream_builder(move |addr| {
        let s = TcpStream::connect_timeout(&addr, at_least(deadline.left())).map_err(FtpError::ConnectionError)?;
        bound(&s, &deadline).map_err(FtpError::ConnectionError)?;
        Ok(s)
    });
    bound(&ftp.get_ref(), limits).map_err(io)?;
    ftp.login(user, password)?;
    bound(&ftp.get_ref(), limits).map_err(io)?;
    ftp.transfer_type(suppaftp::types::FileType::Binary)?;
    bound(&ftp.get_ref(), limits).map_err(io)?;
    // RFC 1738: the URL's path is relative to the login folder (as curl reads it).
    let mut stream = ftp.retr_as_stream(path)?;
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        bound(stream.get_ref().get_ref(), limits).map_err(io)?;
        let n = stream.read(&mut chunk).map_err(io)?;
        if n == 0 {
            break;
        }
        if (bytes.len() + n) as u64 > limits.max_bytes {
            return Ok(Reply::ended(limits.too_big(), "error"));
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    bound(&ftp.get_ref(), limits).map_err(io)?;
    stream.finish()?;
    let _ = ftp.quit();
    Ok(Reply::got(bytes))
}

/// A socket timeout: zero means "none" to the OS, so at least a millisecond.
fn at_least(left: Duration) -> Duration {
    left.max(Duration::from_millis(1))
}

/// Every read and write of `s` waits at most until the deadline.
fn bound(s: &TcpStream, limits: &Limits) -> std::io::Result<()> {
    if limits.left().is_zero() {
        return Err(std::io::ErrorKind::TimedOut.into());
    }
    let left = Some(at_least(limits.left()));
    s.set_read_timeout(left)?;
    s.set_write_timeout(left)
}

/// An FTP failure as the phone reports it.
fn failure(e: &FtpError, limits: &Limits) -> Reply {
    match e {
        FtpError::UnexpectedResponse(r) if r.status == Status::FileUnavailable => Reply::missing(550),
        FtpError::UnexpectedResponse(r) if r.status == Status::NotLoggedIn => {
            let why = "the server refused the user and password (530)";
            Reply::ended(remote(RemoteKind::AccessDenied, 530, why), "530")
        }
        FtpError::UnexpectedResponse(r) => {
            let text = String::from_utf8_lossy(&r.body);
            let why = format!("the server answered {}", printable(text.trim()));
            Reply::ended(remote(RemoteKind::Other, u16::try_from(r.status.code()).unwrap_or(0), why), "error")
        }
        FtpError::ConnectionError(io) if limits.left().is_zero() || is_timeout(io) => Reply::timeout(),
        FtpError::ConnectionError(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Reply::no_answer("connection refused: nothing listens there")
        }
        other => Reply::failed(printable(&other.to_string()), "error"),
    }
}

fn is_timeout(io: &std::io::Error) -> bool {
    matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
}
