//! How `bundler phone` gets a file: one fetcher per URL scheme ([`super::http`] for http:// and
//! https://, [`super::tftp`], [`super::ftp`]) or the local folder it was given, behind one call,
//! [`Client::get`], that records each request (URL, status, bytes, time) in the order the phone
//! makes it. Redirects are followed one hop at a time (Htek's redirection service answers 302).
//!
//! Every fetch is bounded: by a byte cap for what is fetched (a config a few MB, a tar its layout's
//! cap, firmware its own), checked while the bytes arrive, and by `--timeout` for the whole
//! transfer of one file. Nothing is written to disk: a fetch ends as bytes in memory or nothing.

use super::fetcher::remote;
pub use super::fetcher::{Credentials, Limits, Outcome, Reply};
pub use super::url::{in_folder, scheme};
use crate::mechanisms::error::{Error, Refusal, RemoteKind};
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

#[cfg(test)]
mod outcomes {
    use super::*;
    use crate::mechanisms::error::Remote;

    /// A server on loopback that answers every request with `status` and a short text body.
    fn server(status: u16) -> String {
        crate::mechanisms::test_peer::answering(status, "no".into())
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
