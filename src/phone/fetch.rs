//! How `bundler phone` gets a file: over HTTP(S) with ureq, over TFTP with tftpd's client, or from a
//! local folder, each request recorded (URL, status, bytes, time) in the order the phone makes it.
//! Redirects are followed one hop at a time (Htek's redirection service answers 302), HTTP basic and
//! digest authentication are answered when the server asks, and an HTML page sent with status 200
//! instead of the file is caught.

use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Largest file a phone fetch reads (firmware included).
const MAX_BYTES: u64 = 512 * 1024 * 1024;
/// Redirect hops followed before giving up (the phone does not loop for ever either).
const MAX_REDIRECTS: usize = 5;

/// One request, as printed and in `--json`'s `requests` list.
#[derive(Debug, Serialize)]
pub struct Request {
    pub url: String,
    /// The HTTP status code, or for TFTP and folders a word (`ok`, `not found`, `timeout`, …).
    pub status: serde_json::Value,
    pub bytes: u64,
    pub millis: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a fetch ended with.
#[derive(Debug)]
pub enum Outcome {
    Got(Vec<u8>),
    /// 404, TFTP "file not found", no such file in the folder.
    Missing,
    /// Anything else; the reason names what went wrong.
    Failed(String),
}

/// Who the phone is and how it authenticates.
pub struct Client {
    agent: ureq::Agent,
    auth: Option<(String, String)>,
    timeout: Duration,
    /// The local folder the phone was given, as named and opened: its files are read only through it.
    folder: Option<(PathBuf, crate::tree_file::TreeRoot)>,
    pub requests: Vec<Request>,
}

impl Client {
    pub fn new(user_agent: String, auth: Option<(String, String)>, timeout: Duration) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(user_agent.as_str())
            .build();
        Client { agent: config.into(), auth, timeout, folder: None, requests: Vec::new() }
    }

    /// The phone was given the local folder `dir`: what it fetches by path is read from inside it.
    pub fn in_folder(mut self, dir: &Path) -> anyhow::Result<Client> {
        self.folder = Some((dir.to_path_buf(), crate::tree_file::TreeRoot::open(dir)?));
        Ok(self)
    }

    /// Fetches `url` (`http://`, `https://`, `tftp://` or a folder path), recording every request.
    pub fn get(&mut self, url: &str) -> Outcome {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let start = Instant::now();
            let (outcome, status, next) = match scheme(&url) {
                Some("http" | "https") => self.http(&url),
                Some("tftp") => tftp(&url, self.timeout),
                Some(other) => (Outcome::Failed(format!("the phone cannot fetch {other}:// URLs")), "-".into(), None),
                None => self.folder(Path::new(&url)),
            };
            let bytes = match &outcome {
                Outcome::Got(b) => b.len() as u64,
                _ => 0,
            };
            let note = match (&outcome, &next) {
                (Outcome::Failed(why), _) => Some(why.clone()),
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
        Outcome::Failed(format!("more than {MAX_REDIRECTS} redirects"))
    }

    /// One HTTP request (two when the server asks for authentication first).
    fn http(&self, url: &str) -> (Outcome, serde_json::Value, Option<String>) {
        let mut resp = match self.agent.get(url).call() {
            Ok(r) => r,
            Err(e) => return (Outcome::Failed(http_error(&e)), "-".into(), None),
        };
        if resp.status() == 401 {
            let challenge = header(&resp, "www-authenticate");
            match self.answer(url, challenge.as_deref()) {
                Ok(authorization) => match self.agent.get(url).header("Authorization", &authorization).call() {
                    Ok(r) => resp = r,
                    Err(e) => return (Outcome::Failed(http_error(&e)), "-".into(), None),
                },
                Err(why) => return (Outcome::Failed(why), 401.into(), None),
            }
        }
        let code = resp.status().as_u16();
        if (300..400).contains(&code) {
            let next = header(&resp, "location").map(|to| join(url, &to));
            let outcome = match &next {
                Some(_) => Outcome::Missing,
                None => Outcome::Failed(format!("{code} without a Location header")),
            };
            return (outcome, code.into(), next);
        }
        let content_type = header(&resp, "content-type").unwrap_or_default();
        let body = resp.body_mut().with_config().limit(MAX_BYTES).read_to_vec();
        let outcome = match (code, body) {
            (404 | 410, _) => Outcome::Missing,
            (401, _) => Outcome::Failed("the server refused the user and password (401)".into()),
            (200, Ok(b)) if is_html(&content_type, &b) && !url.ends_with(".html") => {
                Outcome::Failed("the server answered 200 with an HTML page instead of the file (an error page?)".into())
            }
            (200, Ok(b)) => Outcome::Got(b),
            (200, Err(e)) => Outcome::Failed(format!("the download broke off: {}", http_error(&e))),
            (code, _) => Outcome::Failed(format!("the server answered {code}")),
        };
        (outcome, code.into(), None)
    }

    /// The `Authorization` header for a 401 challenge, as the phone would send it.
    fn answer(&self, url: &str, challenge: Option<&str>) -> Result<String, String> {
        let Some((user, password)) = &self.auth else {
            return Err("the server asks for a user and password (401): give --user and --password".into());
        };
        let challenge = challenge.unwrap_or("");
        if crate::digest::is_digest(challenge) {
            let path = path_of(url);
            let prompt = crate::digest::parse(challenge)?;
            let cnonce = crate::sip::token();
            let r = crate::digest::Request { method: "GET", uri: &path, user, password, cnonce: &cnonce };
            return crate::digest::authorization(&prompt, &r);
        }
        use base64::Engine as _;
        Ok(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))))
    }
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn http_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer in time (timeout)".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection refused or failed".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused: nothing listens there".into()
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => "no answer in time (timeout)".into(),
        other => other.to_string(),
    }
}

/// Whether a body that should be a config, tar or firmware is an HTML page.
fn is_html(content_type: &str, body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).trim_start().to_ascii_lowercase();
    content_type.starts_with("text/html") || head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// `http`, `tftp`, … of a URL; `None` for a folder path.
pub fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+').then_some(scheme)
}

/// The path (and query) of a URL, for digest authentication.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".to_string(), |i| rest[i..].to_string())
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

impl Client {
    /// A file of the folder the phone was given, opened through [`crate::tree_file`]: never a link
    /// out of it, never a FIFO (a folder or FIFO is "not found", as a server would answer).
    fn folder(&self, path: &Path) -> (Outcome, serde_json::Value, Option<String>) {
        use crate::tree_file::Refused;
        let Some((given, root)) = &self.folder else {
            return (Outcome::Failed("the phone was given no local folder".into()), "-".into(), None);
        };
        let opened = match path.strip_prefix(given) {
            Ok(rel) => root.open_file(rel),
            Err(_) => Err(Refused::Outside),
        };
        let read = match opened {
            Err(Refused::Missing | Refused::NotRegular(_)) => return (Outcome::Missing, "not found".into(), None),
            Err(refused) => Err(format!("{}: {refused}", path.display())),
            Ok((file, _)) => crate::input::read_from(file, MAX_BYTES).map_err(|e| format!("{}: {e}", path.display())),
        };
        match read {
            Ok(b) => (Outcome::Got(b), "ok".into(), None),
            Err(why) => (Outcome::Failed(why), "unreadable".into(), None),
        }
    }
}

/// One TFTP read request with tftpd's client, into a temporary folder.
fn tftp(url: &str, timeout: Duration) -> (Outcome, serde_json::Value, Option<String>) {
    let fail = |why: String, status: &str| (Outcome::Failed(why), status.into(), None);
    let rest = &url["tftp://".len()..];
    let (host, remote) = rest.split_once('/').unwrap_or((rest, ""));
    let addr = match std::net::ToSocketAddrs::to_socket_addrs(&with_port(host)).map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        _ => return fail(format!("cannot resolve the TFTP server '{host}'"), "-"),
    };
    let Ok(dir) = tempfile::tempdir() else { return fail("no temporary folder".into(), "-") };
    let mut config = tftpd::ClientConfig {
        remote_ip_address: addr.ip(),
        port: addr.port(),
        timeout_req: timeout,
        receive_directory: dir.path().to_path_buf(),
        file_path: PathBuf::from("fetched"),
        file_remote: remote.to_string(),
        ..Default::default()
    };
    // Each packet waits at most `timeout`, retried twice: a stalled transfer ends in bounded time.
    config.opt_common.timeout = timeout;
    config.opt_local.max_retries = 2;
    let result = tftpd::Client::new(&config).and_then(|mut c| c.run());
    match result {
        Ok(true) => match crate::input::read_limited(&dir.path().join("fetched"), MAX_BYTES) {
            Ok(b) => (Outcome::Got(b), "ok".into(), None),
            Err(e) => fail(format!("{e:#}"), "error"),
        },
        Ok(false) => fail("the transfer broke off".into(), "error"),
        Err(e) if e.to_string().contains("File Not Found") => (Outcome::Missing, "not found".into(), None),
        Err(e) if ["os error 11", "Would block", "timed out"].iter().any(|t| e.to_string().contains(t)) => {
            fail("no answer in time (timeout)".into(), "timeout")
        }
        Err(e) => fail(e.to_string(), "error"),
    }
}

fn with_port(host: &str) -> String {
    if host.contains(':') && !host.ends_with(']') {
        host.to_string()
    } else {
        format!("{host}:69")
    }
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
        assert_eq!(path_of("http://h:8/a/b?x"), "/a/b?x");
        assert!(is_html("", b"  <!DOCTYPE html><p>Not found</p>"));
        assert!(!is_html("application/xml", b"<?xml version=\"1.0\"?>"));
    }
}
