//! One SIP message: read leniently (LF or CRLF, folded lines, compact header names, any case), as
//! phones write them; written strictly: a header name, value or start-line part holding a control
//! character is an error, never sent.

use anyhow::{bail, Context, Result};

/// The largest message read or written (a UDP datagram's limit).
pub const MAX_MESSAGE: usize = 65_535;

/// The first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    Request { method: String, uri: String },
    Response { code: u16, reason: String },
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: Start,
    /// Names as written (compact forms expanded), in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// RFC 3261 §7.3.3 compact forms, and RFC 6665's `o` (Event) and `u` (Allow-Events).
const COMPACT: [(&str, &str); 12] = [
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("e", "Content-Encoding"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("f", "From"),
    ("s", "Subject"),
    ("k", "Supported"),
    ("t", "To"),
    ("v", "Via"),
    ("o", "Event"),
    ("u", "Allow-Events"),
];

fn full_name(name: &str) -> &str {
    COMPACT.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)).map_or(name, |(_, full)| full)
}

impl Message {
    /// A request with no headers yet.
    pub fn request(method: &str, uri: &str) -> Message {
        Message { start: Start::Request { method: method.into(), uri: uri.into() }, headers: vec![], body: vec![] }
    }

    /// A response to `request` (RFC 3261 §8.2.6): its Via, From, Call-ID and CSeq, its To with `tag`
    /// added when it has none.
    pub fn response_to(request: &Message, code: u16, reason: &str, tag: &str) -> Message {
        let mut r = Message { start: Start::Response { code, reason: reason.into() }, headers: vec![], body: vec![] };
        for (name, value) in &request.headers {
            let name = name.as_str();
            if ["Via", "From", "Call-ID", "CSeq"].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                r.headers.push((name.to_string(), value.clone()));
            } else if name.eq_ignore_ascii_case("To") {
                let tagged = param(name_addr(value).1, "tag").is_some();
                let to = if tagged { value.clone() } else { format!("{value};tag={tag}") };
                r.headers.push(("To".into(), to));
            }
        }
        r
    }

    /// Adds a header.
    pub fn push(&mut self, name: &str, value: impl Into<String>) -> &mut Message {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The first value of header `name` (compact forms and case ignored).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The status code of a response.
    pub fn code(&self) -> Option<u16> {
        match &self.start {
            Start::Response { code, .. } => Some(*code),
            Start::Request { .. } => None,
        }
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            Start::Request { method, .. } => Some(method),
            Start::Response { .. } => None,
        }
    }

    /// The reason phrase of a response.
    pub fn reason(&self) -> &str {
        match &self.start {
            Start::Response { reason, .. } => reason,
            Start::Request { .. } => "",
        }
    }

    /// CSeq number and method.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let (n, m) = self.header("CSeq")?.trim().split_once(char::is_whitespace)?;
        Some((n.parse().ok()?, m.trim()))
    }

    /// The branch of the topmost Via.
    pub fn branch(&self) -> Option<String> {
        let via = self.header("Via")?;
        let first = via.split(',').next()?;
        param(first.split_once(';').map_or("", |(_, p)| p), "branch")
    }

    /// The message as sent, with Content-Length; refuses control characters anywhere but the body.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = match &self.start {
            Start::Request { method, uri } => {
                clean("method", method)?;
                clean("Request-URI", uri)?;
                if method.is_empty() || uri.is_empty() || uri.contains(' ') || method.contains(' ') {
                    bail!("a request line needs a method and a URI without spaces");
                }
                format!("{method} {uri} SIP/2.0\r\n")
            }
            Start::Response { code, reason } => {
                clean("reason phrase", reason)?;
                format!("SIP/2.0 {code} {reason}\r\n")
            }
        };
        for (name, value) in &self.headers {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-.!%*_+`'~".contains(c)) {
                bail!("'{}' is not a header name", crate::mechanisms::printable::shown(name));
            }
            clean(name, value)?;
            out += &format!("{name}: {value}\r\n");
        }
        out += &format!("Content-Length: {}\r\n\r\n", self.body.len());
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        if bytes.len() > MAX_MESSAGE {
            bail!("the message would be {} bytes, more than {MAX_MESSAGE}", bytes.len());
        }
        Ok(bytes)
    }

    /// Reads one message (a datagram, or one framed from a stream).
    pub fn parse(bytes: &[u8]) -> Result<Message> {
        let (head_end, body_start) = head_end(bytes).context("no end of the headers")?;
        let head = std::str::from_utf8(&bytes[..head_end]).context("the headers are not UTF-8")?;
        let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
        let start = start_line(lines.next().unwrap_or(""))?;
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let (_, last) = headers.last_mut().context("a folded line before any header")?;
                last.push(' ');
                last.push_str(line.trim());
                continue;
            }
            let (name, value) = line.split_once(':').with_context(|| format!("a header line without ':': {line:?}"))?;
            headers.push((full_name(name.trim()).to_string(), value.trim().to_string()));
        }
        let mut m = Message { start, headers, body: vec![] };
        let rest = &bytes[body_start..];
        let len = match m.header("Content-Length") {
            Some(v) => v.trim().parse::<usize>().context("a bad Content-Length")?,
            None => rest.len(),
        };
        if len > rest.len() {
            bail!("the body is shorter than its Content-Length");
        }
        m.body = rest[..len].to_vec();
        Ok(m)
    }
}

/// Where the headers end and the body starts (CRLF CRLF, or LF LF as lenient readers take it).
pub fn head_end(bytes: &[u8]) -> Option<(usize, usize)> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|i| (i, i + 4));
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn start_line(line: &str) -> Result<Start> {
    let mut parts = line.splitn(3, ' ');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if a.eq_ignore_ascii_case("SIP/2.0") {
        let code = b.parse::<u16>().ok().filter(|c| (100..700).contains(c)).context("a bad status code")?;
        return Ok(Start::Response { code, reason: c.to_string() });
    }
    if !c.eq_ignore_ascii_case("SIP/2.0") || a.is_empty() || b.is_empty() {
        bail!("not a SIP/2.0 message: {:?}", crate::mechanisms::printable::shown(line));
    }
    Ok(Start::Request { method: a.to_ascii_uppercase(), uri: b.to_string() })
}

fn clean(what: &str, text: &str) -> Result<()> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        bail!("{what} '{}' holds a control character (CR, LF, …); refused", crate::mechanisms::printable::shown(text));
    }
    Ok(())
}

/// A From/To/Contact value split into its URI and the header parameters after it
/// (`"Name" <sip:a@b>;tag=x` → (`sip:a@b`, `tag=x`)).
pub fn name_addr(value: &str) -> (&str, &str) {
    if let Some(open) = value.find('<') {
        let rest = &value[open + 1..];
        let close = rest.find('>').unwrap_or(rest.len());
        let after = rest.get(close + 1..).unwrap_or("");
        return (rest[..close].trim(), after.trim_start().trim_start_matches(';'));
    }
    match value.split_once(';') {
        Some((uri, params)) => (uri.trim(), params),
        None => (value.trim(), ""),
    }
}

/// The value of parameter `name` in `a=1;b="x;y";c` (quotes removed), `Some("")` for a bare name.
pub fn param(params: &str, name: &str) -> Option<String> {
    split_params(params).into_iter().find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        k.trim().eq_ignore_ascii_case(name).then(|| {
            let v = v.trim();
            v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v).to_string()
        })
    })
}

/// `;`-separated parameters, a `;` inside quotes kept.
pub fn split_params(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leniently_and_answers() {
        let text = "SUBSCRIBE sip:001fc110d3a9@224.0.1.75 SIP/2.0\nv: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport\n\
                    f: <sip:001fc110d3a9@224.0.1.75>;tag=1\nt: <sip:001fc110d3a9@224.0.1.75>\ni: c1\nCSeq: 1 SUBSCRIBE\n\
                    Event: ua-profile;vendor=\"Htek\";\n model=\"UC924\"\nl: 0\n\n";
        let m = Message::parse(text.as_bytes()).unwrap();
        assert_eq!(m.method(), Some("SUBSCRIBE"));
        assert_eq!(m.branch().as_deref(), Some("z9hG4bKa"));
        assert_eq!(m.cseq(), Some((1, "SUBSCRIBE")));
        assert_eq!(param(m.header("event").unwrap(), "model").as_deref(), Some("UC924"));
        let r = Message::response_to(&m, 200, "OK", "t9");
        let bytes = String::from_utf8(r.to_bytes().unwrap()).unwrap();
        assert!(bytes.starts_with("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKa;rport\r\n"));
        assert!(bytes.contains("To: <sip:001fc110d3a9@224.0.1.75>;tag=t9\r\n"), "{bytes}");
        assert_eq!(Message::parse(bytes.as_bytes()).unwrap().code(), Some(200));
    }

    #[test]
    fn writer_refuses_injection() {
        let mut m = Message::request("NOTIFY", "sip:a@b");
        m.push("To", "<sip:a@b>\r\nX-Evil: 1");
        let e = m.to_bytes().unwrap_err().to_string();
        assert!(e.contains("\\r\\n") && !e.contains('\n'), "{e}");
        assert!(Message::request("NOTIFY", "sip:a@b\r\nX: y").to_bytes().is_err());
        assert!(Message::request("NOTIFY", "sip:a@b x").to_bytes().is_err());
    }

    #[test]
    fn name_addr_and_params() {
        assert_eq!(name_addr("\"A;B\" <sip:x@y;lr>;tag=7"), ("sip:x@y;lr", "tag=7"));
        assert_eq!(name_addr("sip:x@y;tag=7"), ("sip:x@y", "tag=7"));
        assert_eq!(param("a=\"1;2\";b", "a").as_deref(), Some("1;2"));
        assert_eq!(param("a=\"1;2\";b", "b").as_deref(), Some(""));
    }
}
