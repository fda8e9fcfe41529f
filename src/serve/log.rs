//! The one log of `bundler serve`: a line per request (HTTP, HTTPS, FTP) or transfer (TFTP) on
//! standard output, never interleaved, naming the phone and saying what it got. Everything a
//! client chose (the path, the User-Agent, a TFTP file name) is escaped, so a control character
//! cannot move the cursor or forge a line; the byte count is what was actually handed to the
//! network, so a transfer broken off says so.

use super::who::Who;
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

/// One log line per request on standard output.
pub struct Log {
    out: Mutex<std::io::Stdout>,
    who: Who,
}

impl Log {
    pub fn new(who: Who) -> Log {
        Log { out: Mutex::new(std::io::stdout()), who }
    }

    pub fn line(&self, proto: &str, s: &Served) {
        let phone = self.who.phone(s.user_agent.as_deref(), &s.path);
        let result = match &s.outcome {
            Outcome::NotModified => "304 not modified".to_string(),
            Outcome::HeadersOnly(n) => format!("200, {n} bytes (headers only)"),
            Outcome::Sent(n) => format!("sent {n} bytes"),
            Outcome::Cut { sent, of, why } => format!("BROKEN OFF after {sent} of {of} bytes: {}", escape(why)),
            Outcome::Refused { status: None, why } => escape(why),
            Outcome::Refused { status: Some(code), why } => format!("{code} {}", escape(why)),
        };
        let (what, path, phone) = (escape(&s.what), escape(&s.path), escape(&phone));
        self.write(&format!("{proto} {} {what} {path}: {result}; phone: {phone}", s.peer));
    }

    /// The line saying where a listener serves.
    pub fn announce(&self, url: &str, root: &std::path::Path) {
        self.write(&format!("serving {} read-only at {url}", escape(&root.display().to_string())));
    }

    fn write(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// Control characters (C0, DEL, C1: escape sequences, CR, LF, backspace) and the backslash written
/// as escapes, so a client-chosen text stays on its line and shows what was sent.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_a_line() {
        assert_eq!(escape("/a\x1b[2K\rsent 990 bytes"), "/a\\x1b[2K\\rsent 990 bytes");
        assert_eq!(escape("ok\nhttp 1.2.3.4 GET /x"), "ok\\nhttp 1.2.3.4 GET /x");
        assert_eq!(escape("\u{9b}31m \\x1b é"), "\\x9b31m \\\\x1b é");
        assert_eq!(escape("/UC924/hlpres.tar"), "/UC924/hlpres.tar");
    }
}
