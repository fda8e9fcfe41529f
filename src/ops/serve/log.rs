//! The one log of `bundler serve`: a line per request (HTTP, HTTPS, FTP) or transfer (TFTP) on
//! standard output, never interleaved, naming the phone and saying what it got. Everything a
//! client chose (the path, the User-Agent, a TFTP file name) is escaped, so a control character
//! cannot move the cursor or forge a line; the byte count is what was actually handed to the
//! network, so a transfer broken off says so.

use super::who::Who;
use crate::mechanisms::printable::shown as escape;
use std::io::Write;
use std::sync::Mutex;

/// What one request or transfer asked and got.
pub struct Served {
    pub peer: String,
    /// `GET`, `HEAD`, `RRQ`, `RETR`, … (as the client sent it).
    pub what: String,
    pub path: String,
    pub user_agent: Option<String>,
    pub outcome: Outcome,
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The whole file, this many bytes.
    Sent(u64),
    /// A HEAD: the headers of a file this long.
    HeadersOnly(u64),
    /// `304 Not Modified`.
    NotModified,
    /// Begun but broken off: `sent` of `of` bytes went out.
    Cut { sent: u64, of: u64, why: String },
    /// Not served; the status (if the protocol has one) and why.
    Refused { status: Option<u16>, why: String },
}

impl Served {
    pub fn new(peer: impl ToString, what: &str, path: &str) -> Served {
        Served {
            peer: peer.to_string(),
            what: what.to_string(),
            path: path.to_string(),
            user_agent: None,
            outcome: Outcome::Sent(0),
        }
    }

    pub fn refused(mut self, status: Option<u16>, why: impl Into<String>) -> Served {
        self.outcome = Outcome::Refused { status, why: why.into() };
        self
    }
}

/// One log line per request on standard output (with `--json`, one JSON object per line).
pub struct Log {
    out: Mutex<std::io::Stdout>,
    who: Who,
    json: bool,
}

impl Outcome {
    /// The protocol status this outcome stands for, where there is one (for JSON).
    fn status(&self) -> Option<u16> {
        match self {
            Outcome::Sent(_) | Outcome::HeadersOnly(_) | Outcome::Cut { .. } => Some(200),
            Outcome::NotModified => Some(304),
            Outcome::Refused { status, .. } => *status,
        }
    }
}

impl Log {
    pub fn new(who: Who, json: bool) -> Log {
        Log { out: Mutex::new(std::io::stdout()), who, json }
    }

    pub fn line(&self, proto: &str, s: &Served) {
        let phone = self.who.phone(s.user_agent.as_deref(), &s.path);
        let result = match &s.outcome {
            Outcome::NotModified => "304 not modified".to_string(),
            Outcome::HeadersOnly(n) => format!("200, {n} bytes (headers only)"),
            Outcome::Sent(n) => format!("sent {n} bytes"),
            Outcome::Cut { sent, of, why } => format!("BROKEN OFF after {sent} of {of} bytes: {}", escape(why)),
            Outcome::Refused { status: None, why } => escape(why).into_owned(),
            Outcome::Refused { status: Some(code), why } => format!("{code} {}", escape(why)),
        };
        if self.json {
            let value = serde_json::json!({"proto": proto, "peer": s.peer, "what": s.what, "path": s.path,
                "status": s.outcome.status(), "result": result, "phone": phone});
            return self.write(&value.to_string());
        }
        let (what, path, phone) = (escape(&s.what), escape(&s.path), escape(&phone));
        self.write(&format!("{proto} {} {what} {path}: {result}; phone: {phone}", s.peer));
    }

    /// A PnP event: `text`, or with `--json` the fields of `value` with `"proto": "pnp"`.
    pub fn pnp<T: serde::Serialize>(&self, text: &str, value: &T) {
        if !self.json {
            return self.write(text);
        }
        let mut v = serde_json::to_value(value).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            map.insert("proto".into(), "pnp".into());
        }
        self.write(&v.to_string());
    }

    /// The line saying where a listener serves.
    pub fn announce(&self, url: &str, root: &std::path::Path) {
        if self.json {
            return self.write(&serde_json::json!({"serving": root, "at": url}).to_string());
        }
        self.write(&format!("serving {} read-only at {url}", escape(&root.display().to_string())));
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}
