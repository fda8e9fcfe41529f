//! Digest access authentication (RFC 2617, RFC 7616), the one implementation `notify` (SIP, RFC 3261
//! §22.4) and `phone` (HTTP) answer a 401/407 challenge with: MD5, SHA-256 and SHA-512-256, each
//! also `-sess`; `qop` given as a list (`"auth,auth-int"`) takes `auth`; `auth-int` alone is
//! answered for the empty bodies both callers send.
//!
//! Written here because no maintained crate covers SHA-512-256 and qop lists and also refuses
//! control characters in what it echoes; the hashing is the `md-5` and `sha2` crates.

use crate::mechanisms::printable::shown;
use md5::Md5;
use sha2::{Digest as _, Sha256, Sha512_256};

/// The hash a challenge names (`algorithm=`, MD5 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
    Sha512_256,
}

/// One `Digest` challenge, as read from `WWW-Authenticate` or `Proxy-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `-sess`: the session variant of the algorithm.
    pub session: bool,
    /// The algorithm as the server spelled it, echoed back.
    pub algorithm_name: Option<String>,
    /// The qop values offered (`auth`, `auth-int`), empty for an RFC 2069 challenge.
    pub qop: Vec<String>,
}

/// What the answer is for.
pub struct Request<'a> {
    pub method: &'a str,
    /// The digest-uri: the Request-URI (SIP) or the path and query (HTTP).
    pub uri: &'a str,
    pub user: &'a str,
    pub password: &'a str,
    /// A fresh client nonce (only used when the challenge offers qop).
    pub cnonce: &'a str,
}

/// Whether a header value is a Digest challenge (any other scheme is for the caller to refuse).
pub fn is_digest(value: &str) -> bool {
    let scheme = value.trim_start().split(|c: char| c.is_ascii_whitespace()).next().unwrap_or("");
    scheme.eq_ignore_ascii_case("digest")
}

/// Reads a `Digest` challenge. Errors name what is wrong, with the challenge's text escaped.
pub fn parse(value: &str) -> Result<Challenge, String> {
    let bad = |why: &str| format!("unreadable digest challenge '{}': {why}", shown(value));
    let rest = value.trim_start();
    if !is_digest(rest) {
        return Err(bad("not a Digest challenge"));
    }
    let params = auth_params(&rest[6..]).map_err(|why| bad(&why))?;
    let get = |name: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
    let (realm, nonce) = match (get("realm"), get("nonce")) {
        (Some(r), Some(n)) => (r, n),
        _ => return Err(bad("no realm or no nonce")),
    };
    let algorithm_name = get("algorithm");
    let spelled = algorithm_name.clone().unwrap_or_else(|| "MD5".into()).to_ascii_uppercase();
    let (base, session) = match spelled.strip_suffix("-SESS") {
        Some(b) => (b.to_string(), true),
        None => (spelled.clone(), false),
    };
    let algorithm = match base.as_str() {
        "MD5" => Algorithm::Md5,
        "SHA-256" => Algorithm::Sha256,
        "SHA-512-256" => Algorithm::Sha512_256,
        _ => return Err(bad(&format!("algorithm {} is not MD5, SHA-256 or SHA-512-256", shown(&spelled)))),
    };
    let qop = get("qop")
        .map(|q| q.split(',').map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect())
        .unwrap_or_default();
    Ok(Challenge { realm, nonce, opaque: get("opaque"), algorithm, session, algorithm_name, qop })
}

/// `name=value` pairs after the scheme: values are tokens or quoted strings (with `\` escapes);
/// control characters are refused. Stops at a second challenge (a token not followed by `=`).
fn auth_params(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || *c == ' ' || *c == '\t') {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| is_token(*c))).collect();
        if name.is_empty() {
            return match chars.peek() {
                None => Ok(params),
                Some(c) => Err(format!("unexpected {c:?}")),
            };
        }
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        if chars.next_if_eq(&'=').is_none() {
            return Ok(params); // the next challenge's scheme
        }
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let value = if chars.next_if_eq(&'"').is_some() {
            quoted(&mut chars)?
        } else {
            std::iter::from_fn(|| chars.next_if(|c| is_token(*c) || *c == '/')).collect()
        };
        params.push((name, value));
    }
}

fn quoted(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<String, String> {
    let mut value = String::new();
    loop {
        match chars.next() {
            None => return Err("an unclosed quoted string".into()),
            Some('"') => return Ok(value),
            Some('\\') => value.push(chars.next().ok_or("an unclosed quoted string")?),
            Some(c) if c.is_control() && c != '\t' => return Err("a control character in a quoted string".into()),
            Some(c) => value.push(c),
        }
    }
}

fn is_token(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl Algorithm {
    fn hash(self, text: &str) -> String {
        let bytes = text.as_bytes();
        match self {
            Algorithm::Md5 => hex(&Md5::digest(bytes)),
            Algorithm::Sha256 => hex(&Sha256::digest(bytes)),
            Algorithm::Sha512_256 => hex(&Sha512_256::digest(bytes)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Authorization` (or `Proxy-Authorization`) header value answering `c` for `r`: every
/// quoted value escaped; a user name or URI with control characters is refused.
pub fn authorization(c: &Challenge, r: &Request) -> Result<String, String> {
    for (what, text) in [("user name", r.user), ("URI", r.uri)] {
        if text.chars().any(char::is_control) {
            return Err(format!("the {what} '{}' holds a control character", shown(text)));
        }
    }
    let qop = if c.qop.is_empty() {
        None
    } else if c.qop.iter().any(|q| q == "auth") {
        Some("auth")
    } else if c.qop.iter().any(|q| q == "auth-int") {
        Some("auth-int")
    } else {
        return Err(format!("the challenge offers qop '{}', neither auth nor auth-int", shown(&c.qop.join(","))));
    };
    let h = |text: &str| c.algorithm.hash(text);
    let nc = "00000001";
    let mut ha1 = h(&format!("{}:{}:{}", r.user, c.realm, r.password));
    if c.session {
        ha1 = h(&format!("{ha1}:{}:{}", c.nonce, r.cnonce));
    }
    let ha2 = match qop {
        Some("auth-int") => h(&format!("{}:{}:{}", r.method, r.uri, h(""))),
        _ => h(&format!("{}:{}", r.method, r.uri)),
    };
    let response = match qop {
        Some(q) => h(&format!("{ha1}:{}:{nc}:{}:{q}:{ha2}", c.nonce, r.cnonce)),
        None => h(&format!("{ha1}:{}:{ha2}", c.nonce)),
    };
    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, response=\"{response}\"",
        quote(r.user),
        quote(&c.realm),
        quote(&c.nonce),
        quote(r.uri)
    );
    if let Some(name) = &c.algorithm_name {
        out += &format!(", algorithm={}", token_or_quoted(name));
    }
    if let Some(q) = qop {
        out += &format!(", qop={q}, nc={nc}, cnonce={}", quote(r.cnonce));
    }
    if let Some(o) = &c.opaque {
        out += &format!(", opaque={}", quote(o));
    }
    Ok(out)
}

/// A quoted string with `"` and `\` escaped.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn token_or_quoted(text: &str) -> String {
    if !text.is_empty() && text.chars().all(is_token) {
        text.to_string()
    } else {
        quote(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(method: &'a str, uri: &'a str, user: &'a str, password: &'a str) -> Request<'a> {
        Request { method, uri, user, password, cnonce: "0a4f113b" }
    }

    /// RFC 2617 §3.5's example (MD5, qop=auth).
    #[test]
    fn rfc2617_example() {
        let c = parse(
            "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        assert_eq!(c.qop, ["auth", "auth-int"]);
        let r = request("GET", "/dir/index.html", "Mufasa", "Circle Of Life");
        let header = authorization(&c, &r).unwrap();
        assert!(header.contains("response=\"6629fae49393a05397450978507c4ef1\""), "{header}");
        assert!(header.contains("qop=auth, nc=00000001, cnonce=\"0a4f113b\""), "{header}");
    }

    /// RFC 7616 §3.9.1's example, with SHA-256 and MD5 (the same request answered twice).
    #[test]
    fn rfc7616_examples() {
        let challenge = |alg: &str| {
            format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={alg}, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            )
        };
        let r = Request {
            method: "GET",
            uri: "/dir/index.html",
            user: "Mufasa",
            password: "Circle of Life",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        };
        let sha = authorization(&parse(&challenge("SHA-256")).unwrap(), &r).unwrap();
        assert!(sha.contains("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"), "{sha}");
        let md5 = authorization(&parse(&challenge("MD5")).unwrap(), &r).unwrap();
        assert!(md5.contains("8ca523f5e9506fed4657c9700eebdbec"), "{md5}");
    }

    #[test]
    fn sha512_256_and_sess_and_escaping() {
        let c = parse("Digest realm=\"a\\\"b\", nonce=n, algorithm=SHA-512-256-sess, qop=auth").unwrap();
        assert_eq!((c.algorithm, c.session, c.realm.as_str()), (Algorithm::Sha512_256, true, "a\"b"));
        let header = authorization(&c, &request("NOTIFY", "sip:h", "x\"y", "p")).unwrap();
        assert!(header.starts_with("Digest username=\"x\\\"y\", realm=\"a\\\"b\""), "{header}");
        let response = header.split("response=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(response.len(), 64);
        assert!(authorization(&c, &request("NOTIFY", "sip:h", "a\r\nX: y", "p")).is_err());
    }

    #[test]
    fn refusals_escape_the_challenge() {
        let e = parse("Digest realm=\"r\u{1b}[2J\", nonce=").unwrap_err();
        assert!(e.contains("\\x1b") && !e.contains('\u{1b}'), "{e}");
        assert!(parse("Digest realm=r, nonce=n, algorithm=SHA-1").unwrap_err().contains("SHA-1"));
        assert!(parse("Basic realm=r").is_err());
        assert!(parse("Digest realm=\"r\nX\", nonce=n").is_err());
        let only_int = parse("Digest realm=r, nonce=n, qop=auth-int").unwrap();
        assert!(authorization(&only_int, &request("GET", "/", "u", "p")).unwrap().contains("qop=auth-int"));
        let other = parse("Digest realm=r, nonce=n, qop=\"x-other\"").unwrap();
        assert!(authorization(&other, &request("GET", "/", "u", "p")).is_err());
    }
}
