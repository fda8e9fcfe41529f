//! `bundler serve --http`: read-only static files over HTTP with tiny_http (no framing of ours).
//! GET and HEAD only; ETag and Last-Modified so the phones' timed re-checks get `304 Not Modified`;
//! `Cache-Control: no-cache` so nothing between keeps an old config.

use super::tree::{percent_decode, Lookup, Tree};
use super::Log;
use crate::headers::{mime_type, Freshness};
use std::time::{SystemTime, UNIX_EPOCH};
use tiny_http::{Header, Method, Request, Response, Server};

/// Answers requests until the process ends.
pub fn serve(server: Server, tree: &Tree, log: &Log) {
    for request in server.incoming_requests() {
        let line = answer(request, tree);
        log.line("http", line);
    }
}

/// What one request asked and got, for the log.
pub struct Served {
    pub peer: String,
    pub what: String,
    pub path: String,
    pub user_agent: Option<String>,
    pub result: Result<u64, String>,
    pub status: u16,
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn answer(request: Request, tree: &Tree) -> Served {
    let get =
        |n: &'static str| request.headers().iter().find(|h| h.field.equiv(n)).map(|h| h.value.as_str().to_string());
    let mut s = Served {
        peer: request.remote_addr().map(|a| a.to_string()).unwrap_or_default(),
        what: request.method().as_str().to_string(),
        path: request.url().split('?').next().unwrap_or("").to_string(),
        user_agent: get("User-Agent"),
        result: Ok(0),
        status: 200,
    };
    let (inm, ims) = (get("If-None-Match"), get("If-Modified-Since"));
    if !matches!(request.method(), Method::Get | Method::Head) {
        return refuse(request, s, 405, "only GET and HEAD: the tree is read-only".into());
    }
    let Some(decoded) = percent_decode(&s.path) else {
        return refuse(request, s, 400, "a malformed %-escape in the path".into());
    };
    let (file, meta) = match tree.lookup(&decoded) {
        Lookup::File(file, meta) => (file, meta),
        Lookup::Missing => return refuse(request, s, 404, "MISSING: no such file in the tree".into()),
        Lookup::Refused(why) => return refuse(request, s, 403, format!("REFUSED: {why}")),
        Lookup::Failed(why) => return refuse(request, s, 500, format!("cannot read it: {why}")),
    };
    let modified = meta.modified().unwrap_or(UNIX_EPOCH);
    let secs = modified.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let etag = format!("\"{:x}-{secs:x}\"", meta.len());
    let last_modified = httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs));
    let headers = [
        header("ETag", &etag),
        header("Last-Modified", &last_modified),
        header("Cache-Control", Freshness::Revalidate.cache_control()),
        header("Content-Type", mime_type(&decoded)),
    ];
    if not_modified(inm.as_deref(), ims.as_deref(), &etag, secs) {
        s.status = 304;
        let mut r = Response::empty(304);
        headers.into_iter().for_each(|h| r.add_header(h));
        s.result = request.respond(r).map(|_| 0).map_err(|e| format!("sending failed: {e}"));
        return s;
    }
    let len = meta.len();
    let mut r = Response::from_file(file);
    headers.into_iter().for_each(|h| r.add_header(h));
    s.result = request.respond(r).map(|_| len).map_err(|e| format!("sending failed: {e}"));
    s
}

/// RFC 9110 §13.1: If-None-Match wins over If-Modified-Since.
fn not_modified(inm: Option<&str>, ims: Option<&str>, etag: &str, secs: u64) -> bool {
    if let Some(tags) = inm {
        return tags.split(',').any(|t| t.trim() == etag || t.trim() == "*");
    }
    let since = ims.and_then(|d| httpdate::parse_http_date(d).ok());
    since.and_then(|t: SystemTime| t.duration_since(UNIX_EPOCH).ok()).is_some_and(|t| t.as_secs() >= secs)
}

fn refuse(request: Request, mut s: Served, status: u16, why: String) -> Served {
    s.status = status;
    let body = format!("{status} {why}\n");
    let r = Response::from_string(body).with_status_code(status).with_header(header("Content-Type", "text/plain"));
    let _ = request.respond(r);
    s.result = Err(why);
    s
}
