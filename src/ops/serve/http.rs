//! `bundler serve --http` (and, under TLS, `--https`): read-only static files over HTTP/1.1 with
//! hyper (no framing of ours) on the one tokio runtime. GET and HEAD only; ETag and Last-Modified so
//! the phones' timed re-checks get `304 Not Modified`; headers from the one table (`crate::mechanisms::headers`).
//! Each connection is its own task under the limits of [`super::limits`]: a request head over the
//! cap gets 431, a head not complete in time or a connection where nothing moves is closed.

use super::conn::{accept_loop, Watched};
use super::limits::Gate;
use super::log::{Outcome, Served};
use super::tree::{percent_decode, Lookup};
use super::{Listener, Serving};
use crate::mechanisms::headers::{mime_type, Freshness};
use anyhow::Context as _;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsAcceptor;

/// Binds `at`; the listener serves plain HTTP, or HTTPS when given a TLS acceptor.
pub async fn bind(at: SocketAddr, tls: Option<TlsAcceptor>, serving: Arc<Serving>) -> anyhow::Result<Listener> {
    let proto = if tls.is_some() { "https" } else { "http" };
    let listener = tokio::net::TcpListener::bind(at).await.with_context(|| format!("--{proto} {at}: cannot listen"))?;
    let url = format!("{proto}://{}/", listener.local_addr().unwrap_or(at));
    let gate = Gate::new(serving.limits.connections, serving.limits.per_peer);
    let run = async move {
        let log = serving.log.clone();
        let accepted = accept_loop(proto, listener, gate, log, move |tcp, peer| {
            connection(Watched::new(tcp, serving.limits.idle), peer, tls.clone(), serving.clone())
        });
        accepted.await.with_context(|| format!("--{proto} {at}: cannot accept connections"))
    };
    Ok(Listener { url, run: Box::pin(run) })
}

async fn connection<I>(io: I, peer: SocketAddr, tls: Option<TlsAcceptor>, serving: Arc<Serving>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let Some(acceptor) = tls else {
        return http1(io, peer, "http", serving).await;
    };
    match tokio::time::timeout(serving.limits.head_time, acceptor.accept(io)).await {
        Ok(Ok(stream)) => http1(stream, peer, "https", serving).await,
        Ok(Err(e)) => serving.log.line("https", &Served::new(peer, "-", "-").refused(None, format!("TLS: {e}"))),
        Err(_) => {
            let why = format!("TLS: no handshake within {:?}", serving.limits.head_time);
            serving.log.line("https", &Served::new(peer, "-", "-").refused(None, why))
        }
    }
}

async fn http1<I>(io: I, peer: SocketAddr, proto: &'static str, serving: Arc<Serving>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = serving.limits.clone();
    let s = serving.clone();
    let service = hyper::service::service_fn(move |req| {
        let s = s.clone();
        async move { Ok::<_, Infallible>(answer(&req, peer, proto, s)) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // `Content-Length`, not `content-length`: embedded HTTP clients may match names by case.
        .title_case_headers(true)
        .header_read_timeout(limits.head_time)
        .max_buf_size(limits.head_bytes.max(8192))
        .serve_connection(TokioIo::new(io), service);
    if let Err(e) = conn.await {
        let why = if e.is_parse_too_large() {
            format!("431 request head over {} bytes; closed", limits.head_bytes)
        } else if e.is_parse() {
            format!("400 malformed request ({e}); closed")
        } else if e.is_timeout() {
            format!("request head not complete within {:?}; closed", limits.head_time)
        } else {
            return;
        };
        serving.log.line(proto, &Served::new(peer, "-", "-").refused(None, why));
    }
}

fn answer(req: &Request<Incoming>, peer: SocketAddr, proto: &'static str, serving: Arc<Serving>) -> Response<Reply> {
    let get =
        |name: header::HeaderName| req.headers().get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut s = Served::new(peer, req.method().as_str(), req.uri().path());
    s.user_agent = get(header::USER_AGENT);
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return refuse(s, proto, &serving, 405, "only GET and HEAD: the tree is read-only".into());
    }
    let Some(decoded) = percent_decode(&s.path) else {
        return refuse(s, proto, &serving, 400, "a malformed %-escape in the path".into());
    };
    let (file, meta) = match serving.tree.lookup(&decoded) {
        Lookup::File(file, meta) => (file, meta),
        Lookup::Missing => return refuse(s, proto, &serving, 404, "MISSING: no such file in the tree".into()),
        Lookup::Refused(why) => return refuse(s, proto, &serving, 403, format!("REFUSED: {why}")),
        Lookup::Failed(why) => return refuse(s, proto, &serving, 500, format!("cannot read it: {why}")),
    };
    let secs = meta.modified().unwrap_or(UNIX_EPOCH).duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let etag = format!("\"{:x}-{secs:x}\"", meta.len());
    let mut r = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_secs(secs)))
        .header(header::CACHE_CONTROL, Freshness::Revalidate.cache_control())
        .header(header::CONTENT_TYPE, mime_type(&decoded));
    let len = meta.len();
    let (outcome, body) = if not_modified(get(header::IF_NONE_MATCH), get(header::IF_MODIFIED_SINCE), &etag, secs) {
        r = r.status(StatusCode::NOT_MODIFIED);
        (Outcome::NotModified, Reply::text(Bytes::new()))
    } else if req.method() == Method::HEAD {
        r = r.header(header::CONTENT_LENGTH, len);
        (Outcome::HeadersOnly(len), Reply::text(Bytes::new()))
    } else {
        let done = Done { served: s, proto, sent: 0, of: len, why: None, serving: serving.clone() };
        return r.body(Reply::file(file, len, done)).expect("valid response");
    };
    s.outcome = outcome;
    serving.log.line(proto, &s);
    r.body(body).expect("valid response")
}

/// RFC 9110 §13.1: If-None-Match wins over If-Modified-Since.
fn not_modified(inm: Option<String>, ims: Option<String>, etag: &str, secs: u64) -> bool {
    if let Some(tags) = inm {
        return tags.split(',').any(|t| t.trim() == etag || t.trim() == "*");
    }
    let since = ims.and_then(|d| httpdate::parse_http_date(&d).ok());
    since.and_then(|t: SystemTime| t.duration_since(UNIX_EPOCH).ok()).is_some_and(|t| t.as_secs() >= secs)
}

fn refuse(s: Served, proto: &str, serving: &Serving, status: u16, why: String) -> Response<Reply> {
    let body = Bytes::from(format!("{status} {why}\n"));
    serving.log.line(proto, &s.refused(Some(status), why));
    let mut r = Response::new(Reply::text(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// A response body: a short text, or a file streamed in chunks whose log line is written when the
/// body ends or is dropped (the connection closed or timed out), with the bytes handed over.
pub struct Reply {
    text: Option<Bytes>,
    file: Option<(tokio::fs::File, Vec<u8>)>,
    done: Option<Done>,
}

/// The log line of a file being sent, waiting for the end.
struct Done {
    served: Served,
    proto: &'static str,
    sent: u64,
    of: u64,
    why: Option<String>,
    serving: Arc<Serving>,
}

/// Bytes read from the file per frame: small enough that a thousand transfers at once stay in tens
/// of MB, large enough for few reads.
const CHUNK: usize = 16 * 1024;

impl Reply {
    fn text(text: Bytes) -> Reply {
        Reply { text: Some(text), file: None, done: None }
    }

    fn file(file: std::fs::File, len: u64, done: Done) -> Reply {
        let buf = vec![0; CHUNK.min(len as usize)];
        Reply { text: None, file: Some((tokio::fs::File::from_std(file), buf)), done: Some(done) }
    }

    fn left(&self) -> u64 {
        self.done.as_ref().map_or(0, |d| d.of - d.sent)
    }
}

impl Body for Reply {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(text) = self.text.take() {
            return Poll::Ready((!text.is_empty()).then(|| Ok(Frame::data(text))));
        }
        let left = self.left();
        let me = &mut *self;
        let (Some((file, buf)), Some(done)) = (me.file.as_mut(), me.done.as_mut()) else {
            return Poll::Ready(None);
        };
        if left == 0 {
            return Poll::Ready(None);
        }
        let want = (left as usize).min(buf.len());
        let mut read = ReadBuf::new(&mut buf[..want]);
        match Pin::new(file).poll_read(cx, &mut read) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) if read.filled().is_empty() => {
                done.why = Some("the file became shorter while it was sent".into());
                Poll::Ready(Some(Err(std::io::Error::other("the file became shorter"))))
            }
            Poll::Ready(Ok(())) => {
                done.sent += read.filled().len() as u64;
                Poll::Ready(Some(Ok(Frame::data(Bytes::copy_from_slice(read.filled())))))
            }
            Poll::Ready(Err(e)) => {
                done.why = Some(format!("reading the file failed: {e}"));
                Poll::Ready(Some(Err(e)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.text.as_ref().is_none_or(|t| t.is_empty()) && self.left() == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.text.as_ref().map_or(0, |t| t.len() as u64) + self.left())
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        let Some(mut d) = self.done.take() else { return };
        d.served.outcome = if d.sent == d.of {
            Outcome::Sent(d.sent)
        } else {
            let why = d.why.unwrap_or_else(|| "the client closed the connection or stopped reading".into());
            Outcome::Cut { sent: d.sent, of: d.of, why }
        };
        d.serving.log.line(d.proto, &d.served);
    }
}
