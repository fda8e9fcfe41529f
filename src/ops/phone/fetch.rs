//! How `bundler phone` gets a file: one fetcher per URL scheme ([`super::http`] for http:// and
//! https://, [`super::tftp`], [`super::ftp`]) or the local folder it was given, behind one call,
//! [`Client::get`], that records each request (URL, status, bytes, time) in the order the phone
//! makes it. Redirects are followed one hop at a time (Htek's redirection service answers 302).
//!
//! Every fetch is bounded: by a byte cap for what is fetched (a config a few MB, a tar its layout's
//! cap, firmware its own), checked while the bytes arrive, and by `--timeout` for the whole
//! transfer of one file. Nothing is written to disk: a fetch ends as bytes in memory or nothing.

use crate::mechanisms::error::{Error, Refusal, Remote, RemoteKind};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Most bytes a config file (Htek XML, Flyingvoice boot/cfg, phonebook) may have: the largest real
/// ones are tens of KB; 4 MiB leaves room for a big phonebook.
pub const CONFIG_MAX: u64 = 4 * 1024 * 1024;
/// Redirect hops followed before giving up (the phone does not loop for ever either).
const MAX_REDIRECTS: usize = 5;

/// One request, as printed and in `--json`'s `requests` list.
#[derive(Debug, Serialize)]
pub struct Request {
    pub url: String,
    /// The HTTP status code, or for TFTP, FTP and folders a word (`ok`, `not found`, `timeout`, …).
    pub status: serde_json::Value,
    pub bytes: u64,
    pub millis: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

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

/// Credentials the user gave for HTTP authentication.
pub struct Credentials {
    pub user: String,
    pub password: String,
    /// Whether HTTP Basic (the password in clear) may be answered, to the host the phone was given.
    pub allow_basic: bool,
}

/// Who the phone is, how it authenticates, and the fetchers it uses.
pub struct Client {
    http: super::http::Http,
    timeout: Duration,
    /// The local folder the phone was given, as named and opened: its files are read only through it.
    folder: Option<(PathBuf, crate::mechanisms::tree_file::TreeRoot)>,
    pub requests: Vec<Request>,
}

impl Client {
    /// A client for the phone given `url`: HTTP credentials go only where [`super::http`] says.
    pub fn new(
        user_agent: String,
        auth: Option<Credentials>,
        timeout: Duration,
        ca: Option<&Path>,
        url: &str,
    ) -> anyhow::Result<Client> {
        let http = super::http::Http::new(&user_agent, auth, timeout, ca, url)?;
        Ok(Client { http, timeout, folder: None, requests: Vec::new() })
    }

    /// The phone was given the local folder `dir`: what it fetches by path is read from inside it.
    pub fn in_folder(mut self, dir: &Path) -> anyhow::Result<Client> {
        self.folder = Some((dir.to_path_buf(), crate::mechanisms::tree_file::TreeRoot::open(dir)?));
        Ok(self)
    }

    /// Fetches `url` (`http://`, `https://`, `tftp://`, `ftp://` or a folder path), at most
    /// `max_bytes` of it, each hop within `--timeout`, recording every request.
    pub fn get(&mut self, url: &str, max_bytes: u64) -> Outcome {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let start = Instant::now();
            let limits = Limits { max_bytes, deadline: start + self.timeout };
            let Reply { outcome, status, next } = self.one(&url, &limits);
            let bytes = outcome.as_ref().map_or(0, |b| b.len() as u64);
            let note = match (&outcome, &next) {
                (Err(why), _) if !why.not_found() => Some(why.to_string()),
                (_, Some(to)) => Some(format!("redirected to {to}")),
                _ => None,
            };
            let millis = start.elapsed().as_millis() as u64;
            self.requests.push(Request { url: url.clone(), status, bytes, millis, note });
            match next {
                Some(to) => url = to,
                None => return outcome,
            }
        }
        Err(remote(RemoteKind::Other, 0, format!("more than {MAX_REDIRECTS} redirects")))
    }

    /// One request, by the fetcher of its scheme.
    fn one(&mut self, url: &str, limits: &Limits) -> Reply {
        match scheme(url) {
            Some("http" | "https") => self.http.fetch(url, limits),
            Some("tftp") => super::tftp::fetch(url, limits),
            Some("ftp") => super::ftp::fetch(url, limits),
            Some(other) => Reply::failed(format!("the phone cannot fetch {other}:// URLs"), "-"),
            None => self.folder(Path::new(url), limits),
        }
    }

    /// A file of the folder the phone was given, opened through [`crate::mechanisms::tree_file`]: never a link
    /// out of it, never a FIFO (a folder or FIFO is "not found", as a server would answer).
    fn folder(&self, path: &Path, limits: &Limits) -> Reply {
        use crate::mechanisms::tree_file::Refused;
        let Some((given, root)) = &self.folder else {
            return Reply::failed("the phone was given no local folder", "-");
        };
        let opened = match path.strip_prefix(given) {
            Ok(rel) => root.open_file(rel),
            Err(_) => Err(Refused::Outside),
        };
        let read = match opened {
            Err(Refused::Missing | Refused::NotRegular(_)) => return Reply::missing(0),
            Err(refused) => Err(Error::refused(Refusal::Other(refused.to_string())).at(path)),
            Ok((file, _)) => crate::mechanisms::input::read_from(file, limits.max_bytes).map_err(|e| e.at(path)),
        };
        match read {
            Ok(b) => Reply::got(b),
            Err(why) => Reply::ended(why, "unreadable"),
        }
    }
}

/// `http`, `tftp`, … of a URL; `None` for a folder path.
pub fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+').then_some(scheme)
}

/// The parts of `scheme://[user[:password]@]host[:port]/path` a fetcher needs.
pub struct UrlParts {
    /// `user:password` before the `@`, as written (percent-encoded).
    pub userinfo: Option<String>,
    /// `host` or `host:port` (IPv6 in brackets).
    pub authority: String,
    /// The path after the authority, without its leading `/`, percent-decoded.
    pub path: String,
}

impl UrlParts {
    pub fn of(url: &str) -> UrlParts {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, authority) = match authority.rsplit_once('@') {
            Some((u, a)) => (Some(u.to_string()), a.to_string()),
            None => (None, authority.to_string()),
        };
        UrlParts { userinfo, authority, path: percent_decode(path) }
    }

    /// The server's address, with `default_port` when the URL names none.
    pub fn address(&self, default_port: u16) -> Result<std::net::SocketAddr, String> {
        let a = &self.authority;
        let with_port = if a.contains(':') && !a.ends_with(']') { a.clone() } else { format!("{a}:{default_port}") };
        match std::net::ToSocketAddrs::to_socket_addrs(&with_port).map(|mut it| it.next()) {
            Ok(Some(addr)) => Ok(addr),
            _ => Err(format!("cannot resolve the server '{}'", printable(a))),
        }
    }
}

/// Text a server sent, with control characters escaped so it cannot forge lines on a terminal.
pub fn printable(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(200) {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `%XX` escapes decoded (bytes that are not UTF-8 kept as U+FFFD).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `scheme://host[:port]` of a URL (without any user part), lower-cased: what "the same server" means.
pub fn origin(url: &str) -> String {
    let scheme = scheme(url).unwrap_or("");
    format!("{scheme}://{}", UrlParts::of(url).authority).to_ascii_lowercase()
}

/// `to` read relative to `base`: a full URL as it is, `/path` on base's server, else beside base.
pub fn join(base: &str, to: &str) -> String {
    if scheme(to).is_some() {
        return to.to_string();
    }
    let (origin, path) = match base.split_once("://") {
        Some((s, rest)) => {
            let at = rest.find('/').unwrap_or(rest.len());
            (format!("{s}://{}", &rest[..at]), rest[at..].to_string())
        }
        None => (String::new(), base.to_string()),
    };
    if to.starts_with('/') && !origin.is_empty() {
        return format!("{origin}{to}");
    }
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    format!("{origin}{dir}/{to}")
}

/// `base` (a folder URL or path, with or without a trailing slash) plus a file name.
pub fn in_folder(base: &str, name: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), name.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_browser() {
        assert_eq!(join("http://h:8/a/b.xml", "/c/d"), "http://h:8/c/d");
        assert_eq!(join("http://h:8/a/b.xml", "c.xml"), "http://h:8/a/c.xml");
        assert_eq!(join("http://h/a/b", "tftp://x/y"), "tftp://x/y");
        assert_eq!(in_folder("http://h/a/", "cfg0012.xml"), "http://h/a/cfg0012.xml");
    }

    #[test]
    fn urls_split_into_user_server_and_path() {
        let u = UrlParts::of("ftp://us%3Aer:p%40ss@127.0.0.1:2121/htek/cfg%20a.xml");
        assert_eq!(u.userinfo.as_deref(), Some("us%3Aer:p%40ss"));
        assert_eq!(u.authority, "127.0.0.1:2121");
        assert_eq!(u.path, "htek/cfg a.xml");
        assert_eq!(u.address(21).unwrap().port(), 2121);
        assert_eq!(UrlParts::of("tftp://127.0.0.1/x").address(69).unwrap().port(), 69);
        assert_eq!(origin("HTTP://u:p@Host:8/a"), "http://host:8");
        assert_eq!(percent_decode("a%2fb%zz"), "a/b%zz");
    }
}

#[cfg(test)]
mod outcomes {
    use super::*;
    use std::io::{BufRead as _, Write as _};

    /// A server on loopback that answers every request with `status` and a short text body.
    fn server(status: u16) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let at = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut head = std::io::BufReader::new(&stream);
                let mut line = String::new();
                while head.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
                let _ = (&stream).write_all(answer.as_bytes());
            }
        });
        at
    }

    fn client(url: &str) -> Client {
        Client::new("Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9".into(), None, Duration::from_secs(5), None, url).unwrap()
    }

    #[test]
    fn not_found_is_told_from_refusals_and_other_answers() {
        let at = server(404);
        let got = client(&at).get(&format!("{at}/cfg.xml"), CONFIG_MAX);
        assert!(matches!(&got, Err(e) if e.not_found()), "{got:?}");

        let at = server(403);
        match client(&at).get(&format!("{at}/cfg.xml"), CONFIG_MAX) {
            Err(Error::Remote(r)) => assert_eq!((r.kind, r.status), (RemoteKind::AccessDenied, 403)),
            other => panic!("{other:?}"),
        }
        let at = server(500);
        match client(&at).get(&format!("{at}/cfg.xml"), CONFIG_MAX) {
            Err(e @ Error::Remote(Remote { kind: RemoteKind::Other, status: 500, .. })) => {
                assert_eq!(e.to_string(), "the server answered 500")
            }
            other => panic!("{other:?}"),
        }

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("big.xml"), vec![b'x'; 11]).unwrap();
        let mut folder = client("").in_folder(dir.path()).unwrap();
        let missing = folder.get(&dir.path().join("cfg.xml").display().to_string(), 10);
        assert!(matches!(&missing, Err(e) if e.not_found()), "{missing:?}");
        let big = folder.get(&dir.path().join("big.xml").display().to_string(), 10);
        assert!(matches!(&big, Err(Error::Refused { reason: Refusal::TooLarge { max: 10 }, .. })), "{big:?}");
        let statuses: Vec<_> = folder.requests.iter().map(|r| r.status.to_string()).collect();
        assert_eq!(statuses, ["\"not found\"", "\"unreadable\""]);
    }
}
