//! `http://` and `https://` for `bundler phone`, with ureq: one request (two when the server asks
//! for authentication), the body read up to the fetch's byte cap within its deadline, an HTML page
//! sent with status 200 instead of the file caught, and certificate problems named.
//!
//! Credentials go only where they are safe: a Digest challenge is answered (the password never
//! leaves the machine), a Basic one only with `--allow-basic` and only to the server the phone was
//! given (so never after a redirect to another host), any other scheme (Negotiate, Bearer, …) never.

use super::fetcher::{printable, refused, remote, Credentials, Limits, Reply};
use super::url::origin;
use crate::mechanisms::error::{Refusal, RemoteKind};
use anyhow::{anyhow, Context as _};
use std::path::Path;
use std::time::Duration;

/// The HTTP(S) fetcher.
pub struct Http {
    agent: ureq::Agent,
    auth: Option<Credentials>,
    /// `scheme://host:port` of the URL the phone was given: the one server Basic may go to.
    given: String,
}

impl Http {
    pub fn new(
        user_agent: &str,
        auth: Option<Credentials>,
        timeout: Duration,
        ca: Option<&Path>,
        url: &str,
    ) -> anyhow::Result<Http> {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(user_agent);
        if let Some(ca) = ca {
            config = config.tls_config(ureq::tls::TlsConfig::builder().root_certs(roots(ca)?).build());
        }
        Ok(Http { agent: config.build().into(), auth, given: origin(url) })
    }

    /// One request for `url`.
    pub fn fetch(&self, url: &str, limits: &Limits) -> Reply {
        let timeout = Some(limits.left());
        let call = |auth: Option<&str>| {
            let mut req = self.agent.get(url).config().timeout_global(timeout).build();
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.call().map_err(|e| Reply::no_answer(http_error(&e)))
        };
        let mut resp = match call(None) {
            Ok(r) => r,
            Err(reply) => return reply,
        };
        if resp.status() == 401 {
            let challenges: Vec<String> = headers(&resp, "www-authenticate");
            match self.answer(url, &challenges) {
                Ok(authorization) => match call(Some(&authorization)) {
                    Ok(r) => resp = r,
                    Err(reply) => return reply,
                },
                Err(why) => return Reply::ended(remote(RemoteKind::AccessDenied, 401, why), "401").with_status(401),
            }
        }
        body(url, resp, limits)
    }

    /// The `Authorization` header for a 401 with these challenges, as the phone would send it.
    fn answer(&self, url: &str, challenges: &[String]) -> Result<String, String> {
        let Some(creds) = &self.auth else {
            return Err("the server asks for a user and password (401): give --user and --password".into());
        };
        let scheme_of = |c: &String| c.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
        if let Some(digest) = challenges.iter().find(|c| scheme_of(c) == "digest") {
            return digest_answer(url, digest, creds);
        }
        if challenges.iter().any(|c| scheme_of(c) == "basic") {
            if !creds.allow_basic {
                return Err("the server asks for HTTP Basic authentication, which sends the password in clear: not answered (pass --allow-basic to send it to the server the phone was given)".into());
            }
            if origin(url) != self.given {
                return Err(format!(
                    "the server asks for HTTP Basic authentication, but it is not the server the phone was given ({}): the password is not sent to another server",
                    self.given
                ));
            }
            use base64::Engine as _;
            let pair = format!("{}:{}", creds.user, creds.password);
            return Ok(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)));
        }
        let asked: Vec<String> = challenges.iter().map(|c| printable(&scheme_of(c))).collect();
        Err(format!(
            "the server asks for authentication the phone does not do ({}): only Digest, or Basic with --allow-basic, is answered",
            if asked.is_empty() { "no WWW-Authenticate header".to_string() } else { asked.join(", ") }
        ))
    }
}

/// The digest answer, by the one digest mechanism (`crate::mechanisms::digest`, shared with `notify`).
fn digest_answer(url: &str, challenge: &str, creds: &Credentials) -> Result<String, String> {
    let path = path_of(url);
    let prompt = crate::mechanisms::digest::parse(challenge)?;
    let cnonce = crate::mechanisms::sip::token();
    let r = crate::mechanisms::digest::Request {
        method: "GET",
        uri: &path,
        user: &creds.user,
        password: &creds.password,
        cnonce: &cnonce,
    };
    crate::mechanisms::digest::authorization(&prompt, &r)
}

impl Reply {
    fn with_status(mut self, code: u16) -> Reply {
        self.status = code.into();
        self
    }
}

/// What a 401 or 403 says, as the phone reports it.
fn denied(code: u16) -> String {
    match code {
        401 => "the server refused the user and password (401)".into(),
        _ => format!("the server answered {code}"),
    }
}

/// The status, a redirect, or the body up to the cap.
fn body(url: &str, mut resp: ureq::http::Response<ureq::Body>, limits: &Limits) -> Reply {
    let code = resp.status().as_u16();
    if (300..400).contains(&code) {
        let next = headers(&resp, "location").into_iter().next().map(|to| super::url::join(url, &to));
        let outcome = match &next {
            Some(_) => Err(remote(RemoteKind::NotFound, code, "redirected")),
            None => Err(remote(RemoteKind::Other, code, format!("{code} without a Location header"))),
        };
        return Reply { outcome, status: code.into(), next };
    }
    let content_type = headers(&resp, "content-type").into_iter().next().unwrap_or_default();
    if code != 200 {
        let outcome = match code {
            404 | 410 => Err(remote(RemoteKind::NotFound, code, "not found")),
            401 | 403 => Err(remote(RemoteKind::AccessDenied, code, denied(code))),
            _ => Err(remote(RemoteKind::Other, code, format!("the server answered {code}"))),
        };
        return Reply { outcome, status: code.into(), next: None };
    }
    let read = resp.body_mut().with_config().limit(limits.max_bytes).read_to_vec();
    let outcome = match read {
        Ok(b) if is_html(&content_type, &b) && !url.ends_with(".html") => Err(refused(Refusal::Format(
            "the server answered 200 with an HTML page instead of the file (an error page?)".into(),
        ))),
        Ok(b) => Ok(b),
        Err(ureq::Error::BodyExceedsLimit(_)) => Err(limits.too_big()),
        Err(e) => Err(remote(RemoteKind::NoAnswer, code, format!("the download broke off: {}", http_error(&e)))),
    };
    Reply { outcome, status: code.into(), next: None }
}

/// The certificates of a PEM file as the only roots the phone trusts.
fn roots(ca: &Path) -> anyhow::Result<ureq::tls::RootCerts> {
    let pem = crate::mechanisms::input::read_limited(ca, 1024 * 1024).context("--ca")?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| anyhow!("--ca {}: not a PEM file: {e}", ca.display()))? {
            ureq::tls::PemItem::Certificate(c) => certs.push(c),
            _ => continue,
        }
    }
    if certs.is_empty() {
        anyhow::bail!("--ca {}: holds no certificate (-----BEGIN CERTIFICATE-----)", ca.display());
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

fn headers(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Vec<String> {
    resp.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
}

fn http_error(e: &ureq::Error) -> String {
    if let Some(why) = certificate_problem(e) {
        return why;
    }
    match e {
        ureq::Error::Timeout(_) => "no answer in time (timeout)".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection refused or failed".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused: nothing listens there".into()
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => "no answer in time (timeout)".into(),
        other => printable(&other.to_string()),
    }
}

/// What is wrong with the server's certificate, when that is why the connection failed.
fn certificate_problem(e: &ureq::Error) -> Option<String> {
    use rustls::CertificateError as C;
    let tls = match e {
        ureq::Error::Rustls(t) => t,
        ureq::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>()?,
        _ => return None,
    };
    let rustls::Error::InvalidCertificate(cert) = tls else {
        return Some(format!("the TLS handshake failed: {}", printable(&tls.to_string())));
    };
    let why = match cert {
        C::Expired | C::ExpiredContext { .. } => "has expired".to_string(),
        C::NotValidYet | C::NotValidYetContext { .. } => "is not valid yet".to_string(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "is not for this server's name (wrong name: the URL's host is not among its names)".to_string()
        }
        C::UnknownIssuer => "is signed by an unknown issuer (give the CA that signed it with --ca FILE)".to_string(),
        C::BadSignature => "has a bad signature".to_string(),
        C::Revoked => "is revoked".to_string(),
        other => format!("is refused ({})", printable(&format!("{other:?}"))),
    };
    Some(format!("the server's certificate {why}"))
}

/// Whether a body that should be a config, tar or firmware is an HTML page.
fn is_html(content_type: &str, body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).trim_start().to_ascii_lowercase();
    content_type.starts_with("text/html") || head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The path (and query) of a URL, for digest authentication.
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".to_string(), |i| rest[i..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_html() {
        assert_eq!(path_of("http://h:8/a/b?x"), "/a/b?x");
        assert!(is_html("", b"  <!DOCTYPE html><p>Not found</p>"));
        assert!(!is_html("application/xml", b"<?xml version=\"1.0\"?>"));
    }
}
