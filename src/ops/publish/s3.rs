//! S3 and S3-compatible object storage (AWS, SeaweedFS, MinIO, Ceph, R2, …) as a destination.
//! rusty-s3 signs each request (AWS Signature V4, presigned URLs, no I/O of its own); ureq, the HTTP
//! client `bundler phone` already uses, sends it. Each upload carries the object's SHA-256 twice: as
//! `x-amz-checksum-sha256`, which the server checks before it stores the object, and as metadata
//! (`x-amz-meta-sha256`), bundler's stamp on what it wrote. Files larger than the part size go up
//! multipart, one part after the other. Failed connections and 5xx answers are retried (3 tries).

use super::credentials::Found;
use super::dest::{Body, Destination, Object, Put};
use crate::mechanisms::error::{Error, Remote, RemoteKind};
use anyhow::{anyhow, Context as _, Result};
use base64::Engine as _;
use rusty_s3::actions::{ListObjectsV2, S3Action};
use rusty_s3::{Bucket, Credentials, UrlStyle};
use std::io::{Read as _, Seek as _};
use std::time::Duration;

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(3600);
/// Tries per request (connection failures and 5xx answers).
const TRIES: u32 = 3;
/// Error bodies and listings larger than this are refused.
const MAX_ANSWER: u64 = 64 * 1024 * 1024;

pub struct S3 {
    bucket: Bucket,
    creds: Credentials,
    prefix: String,
    found: Found,
    endpoint: String,
    agent: ureq::Agent,
    part_size: u64,
}

/// An answer: status, headers, body.
struct Answer {
    status: u16,
    etag: Option<String>,
    stamp: Option<String>,
    body: Vec<u8>,
}

/// `s3://BUCKET/PREFIX` → (bucket, prefix without slashes at either end).
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let rest = url.strip_prefix("s3://").ok_or_else(|| anyhow!("{url}: not an s3://BUCKET/PREFIX address"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    anyhow::ensure!(!bucket.is_empty(), "{url}: no bucket name (s3://BUCKET/PREFIX)");
    Ok((bucket.to_string(), prefix.trim_matches('/').to_string()))
}

impl S3 {
    /// `url` is `s3://BUCKET/PREFIX`; `endpoint` and `region` override what the environment and
    /// profile say.
    pub fn new(url: &str, endpoint: Option<&str>, region: Option<&str>, part_size: u64) -> Result<S3> {
        S3::with(url, super::credentials::find()?, endpoint, region, part_size)
    }

    /// [`S3::new`] with the credentials (and the region and endpoint beside them) given.
    fn with(url: &str, found: Found, endpoint: Option<&str>, region: Option<&str>, part_size: u64) -> Result<S3> {
        let (name, prefix) = parse_url(url)?;
        let region = region.map(str::to_string).or_else(|| found.region.clone()).unwrap_or_else(|| "us-east-1".into());
        let custom = endpoint.map(str::to_string).or_else(|| found.endpoint.clone());
        let (endpoint, style) = match custom {
            Some(e) => (e, UrlStyle::Path),
            None => (format!("https://s3.{region}.amazonaws.com"), UrlStyle::VirtualHost),
        };
        let base = endpoint.parse().map_err(|e| anyhow!("--endpoint {endpoint}: not a URL ({e})"))?;
        let bucket = Bucket::new(base, style, name, region).map_err(|e| anyhow!("{url}: {e}"))?;
        let creds = match &found.token {
            Some(t) => Credentials::new_with_token(&found.key_id, &found.secret, t),
            None => Credentials::new(&found.key_id, &found.secret),
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .build()
            .into();
        Ok(S3 { bucket, creds, prefix, found, endpoint, agent, part_size })
    }

    /// Where the credentials came from, for the run's first line.
    pub fn credentials_from(&self) -> String {
        format!("key id {} from {}", self.found.key_id, self.found.from)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn full(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.prefix)
        }
    }

    /// Sends one signed request, retrying what may pass on a second try.
    fn send(&self, method: &str, action: &dyn Fn() -> (String, Vec<(String, String)>), body: &[u8]) -> Result<Answer> {
        let mut last = None;
        for attempt in 0..TRIES {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 * 4u64.pow(attempt - 1)));
            }
            let (url, headers) = action();
            let mut req = ureq::http::Request::builder().method(method).uri(url.as_str());
            for (k, v) in &headers {
                req = req.header(k, v);
            }
            let req = req.body(body.to_vec()).map_err(|e| anyhow!("{e}"))?;
            match self.agent.run(req) {
                Ok(mut resp) => {
                    let get = |n: &str| resp.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
                    let (etag, stamp) =
                        (get("etag").map(|e| e.trim_matches('"').to_string()), get("x-amz-meta-sha256"));
                    let status = resp.status().as_u16();
                    let body = resp.body_mut().with_config().limit(MAX_ANSWER).read_to_vec().unwrap_or_default();
                    if status >= 500 && attempt + 1 < TRIES {
                        last = Some(self.failure(status, &body).into());
                        continue;
                    }
                    return Ok(Answer { status, etag, stamp, body });
                }
                Err(e) => last = Some(anyhow!("{}: endpoint unreachable ({})", self.endpoint, transport(&e))),
            }
        }
        Err(last.unwrap_or_else(|| anyhow!("no answer")))
    }

    /// An error answer as a typed [`Remote`] error: what it means (no such bucket, access denied,
    /// clock skew, …), the status and S3's code, and one clear line.
    fn failure(&self, status: u16, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(body);
        let doc = roxmltree::Document::parse(&text).ok();
        let field = |n: &str| {
            doc.as_ref()
                .and_then(|d| d.descendants().find(|x| x.has_tag_name(n)).and_then(|x| x.text()).map(str::to_string))
        };
        let (code, message) = (field("Code").unwrap_or_default(), field("Message").unwrap_or_default());
        let (id, from, bucket) = (&self.found.key_id, &self.found.from, self.bucket.name());
        let (kind, line) = match code.as_str() {
            "NoSuchBucket" => (RemoteKind::NoSuchBucket, format!("s3://{bucket}: no such bucket at {}", self.endpoint)),
            "InvalidAccessKeyId" => (
                RemoteKind::AccessDenied,
                format!("access denied: key id {id} ({from}) is not known at {}", self.endpoint),
            ),
            "SignatureDoesNotMatch" => (
                RemoteKind::AccessDenied,
                format!("access denied: the secret key for key id {id} ({from}) does not match"),
            ),
            "RequestTimeTooSkewed" => (
                RemoteKind::ClockSkew,
                format!(
                    "clock skew: this machine's clock differs from {}'s by more than 15 minutes; set it (NTP)",
                    self.endpoint
                ),
            ),
            _ if skewed(&message) => (
                RemoteKind::ClockSkew,
                format!(
                    "clock skew: {} says the signed request is {message:?}; check this machine's clock (NTP)",
                    self.endpoint
                ),
            ),
            "AccessDenied" | "" if status == 403 => {
                (RemoteKind::AccessDenied, format!("access denied for key id {id} ({from}) on s3://{bucket}"))
            }
            _ => (RemoteKind::Other, format!("HTTP {status} {code}: {message}")),
        };
        Error::Remote(Remote { kind, status, code, message: line })
    }

    fn ok(&self, a: Answer) -> Result<Answer> {
        if (200..300).contains(&a.status) {
            Ok(a)
        } else {
            Err(self.failure(a.status, &a.body).into())
        }
    }

    fn put_headers(&self, put: &Put, whole: bool) -> Result<Vec<(&'static str, String)>> {
        let mut h = vec![
            ("content-type", put.content_type.to_string()),
            ("cache-control", put.cache_control.to_string()),
            ("x-amz-meta-sha256", put.sha256.to_string()),
        ];
        if whole {
            let raw: Vec<u8> = (0..put.sha256.len() / 2)
                .map(|i| u8::from_str_radix(&put.sha256[2 * i..2 * i + 2], 16))
                .collect::<Result<_, _>>()
                .context("not a hex SHA-256")?;
            h.push(("x-amz-checksum-sha256", base64::engine::general_purpose::STANDARD.encode(raw)));
        }
        Ok(h)
    }

    fn put_whole(&self, put: &Put, bytes: &[u8]) -> Result<String> {
        let key = self.full(put.key);
        let headers = self.put_headers(put, true)?;
        let sign = || {
            let mut a = self.bucket.put_object(Some(&self.creds), &key);
            for (k, v) in &headers {
                a.headers_mut().insert(*k, v.clone());
            }
            (a.sign(SIGNED_FOR).to_string(), headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
        };
        let a = self.ok(self.send("PUT", &sign, bytes)?)?;
        a.etag.ok_or_else(|| anyhow!("the server gave no ETag"))
    }

    /// A large file in parts of `part_size`, read one at a time.
    fn put_multipart(&self, put: &Put, path: &std::path::Path) -> Result<String> {
        let key = self.full(put.key);
        let headers = self.put_headers(put, false)?;
        let create = || {
            let mut a = self.bucket.create_multipart_upload(Some(&self.creds), &key);
            for (k, v) in &headers {
                a.headers_mut().insert(*k, v.clone());
            }
            (a.sign(SIGNED_FOR).to_string(), headers.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
        };
        let created = self.ok(self.send("POST", &create, &[])?)?;
        let text = String::from_utf8_lossy(&created.body).into_owned();
        let id = rusty_s3::actions::CreateMultipartUpload::parse_response(&text)
            .map_err(|e| anyhow!("the server's multipart answer is not S3's ({e})"))?
            .upload_id()
            .to_string();
        let result = self.upload_parts(&key, &id, path);
        if result.is_err() {
            let abort = || {
                (
                    self.bucket.abort_multipart_upload(Some(&self.creds), &key, &id).sign(SIGNED_FOR).to_string(),
                    Vec::new(),
                )
            };
            let _ = self.send("DELETE", &abort, &[]);
        }
        result
    }

    fn upload_parts(&self, key: &str, id: &str, path: &std::path::Path) -> Result<String> {
        let mut file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        let len = file.metadata()?.len();
        let mut etags = Vec::new();
        for (n, start) in (0..len).step_by(self.part_size as usize).enumerate() {
            let mut chunk = vec![0; self.part_size.min(len - start) as usize];
            file.seek(std::io::SeekFrom::Start(start))?;
            file.read_exact(&mut chunk)?;
            let number = u16::try_from(n + 1).context("more than 65,535 parts: raise --part-size")?;
            let sign = || {
                (self.bucket.upload_part(Some(&self.creds), key, number, id).sign(SIGNED_FOR).to_string(), Vec::new())
            };
            let a = self.ok(self.send("PUT", &sign, &chunk)?)?;
            etags.push(a.etag.ok_or_else(|| anyhow!("the server gave no ETag for part {number}"))?);
        }
        let body =
            self.bucket.complete_multipart_upload(Some(&self.creds), key, id, etags.iter().map(String::as_str)).body();
        let sign = || {
            let a = self.bucket.complete_multipart_upload(Some(&self.creds), key, id, etags.iter().map(String::as_str));
            (a.sign(SIGNED_FOR).to_string(), Vec::new())
        };
        let done = self.ok(self.send("POST", &sign, body.as_bytes())?)?;
        let text = String::from_utf8_lossy(&done.body).into_owned();
        let parsed = rusty_s3::actions::CompleteMultipartUploadResponse::parse(&text)
            .map_err(|e| anyhow!("the server's multipart answer is not S3's ({e})"))?;
        Ok(parsed.etag().trim_matches('"').to_string())
    }
}

/// Whether an error message is about the request's time (a presigned request from a clock that is
/// off: "Request has expired", "Request is not valid yet", "…time too skewed").
fn skewed(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["expired", "not valid yet", "not yet valid", "skew"].iter().any(|w| m.contains(w))
}

/// A transport failure in words.
fn transport(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer in time".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection refused or failed".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        other => other.to_string(),
    }
}

impl Destination for S3 {
    fn describe(&self) -> String {
        let p = if self.prefix.is_empty() { String::new() } else { format!("/{}", self.prefix) };
        format!("s3://{}{p}", self.bucket.name())
    }

    fn list(&self) -> Result<Vec<Object>> {
        let prefix = if self.prefix.is_empty() { String::new() } else { format!("{}/", self.prefix) };
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let sign = || {
                let mut a = ListObjectsV2::new(&self.bucket, Some(&self.creds));
                a.with_prefix(prefix.clone());
                if let Some(t) = &token {
                    a.with_continuation_token(t.clone());
                }
                (a.sign(SIGNED_FOR).to_string(), Vec::new())
            };
            let a = self.ok(self.send("GET", &sign, &[])?).with_context(|| self.describe())?;
            let text = String::from_utf8_lossy(&a.body).into_owned();
            let page = ListObjectsV2::parse_response(&text)
                .map_err(|e| anyhow!("{}: not an S3 listing ({e})", self.endpoint))?;
            for c in page.contents {
                let Some(key) = c.key.strip_prefix(&prefix) else { continue };
                let tag = c.etag.unwrap_or_default().trim_matches('"').to_string();
                out.push(Object { key: key.to_string(), bytes: c.size.unwrap_or(0), tag });
            }
            match page.next_continuation_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
    }

    fn get(&self, key: &str, max: u64) -> Result<Option<Vec<u8>>> {
        let full = self.full(key);
        let sign = || (self.bucket.get_object(Some(&self.creds), &full).sign(SIGNED_FOR).to_string(), Vec::new());
        let a = self.send("GET", &sign, &[])?;
        if a.status == 404 {
            // 404 is also the answer for the bucket: only a missing object is "none".
            return match self.failure(a.status, &a.body) {
                e @ Error::Remote(Remote { kind: RemoteKind::NoSuchBucket, .. }) => Err(e.into()),
                _ => Ok(None),
            };
        }
        let a = self.ok(a)?;
        anyhow::ensure!((a.body.len() as u64) < max, "{key}: larger than {max} bytes");
        Ok(Some(a.body))
    }

    fn stamp(&self, key: &str) -> Result<Option<String>> {
        let full = self.full(key);
        let sign = || (self.bucket.head_object(Some(&self.creds), &full).sign(SIGNED_FOR).to_string(), Vec::new());
        let a = self.send("HEAD", &sign, &[])?;
        if a.status == 404 {
            return Ok(None);
        }
        Ok(self.ok(a)?.stamp)
    }

    fn put(&self, put: &Put) -> Result<String> {
        match put.body {
            Body::Bytes(b) => self.put_whole(put, b),
            Body::File(path) if put.bytes > self.part_size => self.put_multipart(put, path),
            Body::File(path) => {
                let bytes = crate::mechanisms::input::read_limited(path, self.part_size.max(1))?;
                self.put_whole(put, &bytes)
            }
        }
    }

    fn delete(&self, key: &str) -> Result<()> {
        let full = self.full(key);
        let sign = || (self.bucket.delete_object(Some(&self.creds), &full).sign(SIGNED_FOR).to_string(), Vec::new());
        self.ok(self.send("DELETE", &sign, &[])?).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A peer on loopback that answers every request with `status` and the S3 error `code`.
    fn peer(status: u16, code: &'static str) -> String {
        let body = format!("<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>m</Message></Error>");
        crate::mechanisms::test_peer::answering(status, body)
    }

    fn s3(endpoint: &str, bucket: &str) -> S3 {
        let found = Found {
            key_id: "AKIDTEST".into(),
            secret: "secret".into(),
            token: None,
            from: "the test".into(),
            region: None,
            endpoint: None,
        };
        S3::with(&format!("s3://{bucket}/htek"), found, Some(endpoint), None, 5 << 20).unwrap()
    }

    /// The peer's answer an error carries, through any context added on the way.
    fn remote(e: &anyhow::Error) -> Remote {
        match e.downcast_ref::<Error>() {
            Some(Error::Remote(r)) => r.clone(),
            _ => panic!("not remote: {e:#}"),
        }
    }

    #[test]
    fn a_missing_bucket_is_its_own_variant_not_a_missing_object() {
        let at = peer(404, "NoSuchBucket");
        let dest = s3(&at, "no-such-bucket");
        let listed = dest.list().unwrap_err();
        let r = remote(&listed);
        assert_eq!((r.kind, r.status, r.code.as_str()), (RemoteKind::NoSuchBucket, 404, "NoSuchBucket"));
        assert_eq!(r.message, format!("s3://no-such-bucket: no such bucket at {at}"));
        assert_eq!(remote(&dest.get("manifest.json", 1024).unwrap_err()).kind, RemoteKind::NoSuchBucket);

        let dest = s3(&peer(404, "NoSuchKey"), "phones");
        assert_eq!(dest.get("manifest.json", 1024).unwrap(), None, "a missing object is none");
    }

    #[test]
    fn access_denied_is_told_from_other_answers() {
        let dest = s3(&peer(403, "AccessDenied"), "phones");
        let r = remote(&dest.list().unwrap_err());
        assert_eq!((r.kind, r.status), (RemoteKind::AccessDenied, 403));
        assert_eq!(r.message, "access denied for key id AKIDTEST (the test) on s3://phones");
        let r = remote(&s3(&peer(403, "SignatureDoesNotMatch"), "phones").list().unwrap_err());
        assert_eq!(r.kind, RemoteKind::AccessDenied);
        let r = remote(&s3(&peer(409, "BucketNotEmpty"), "phones").delete("a").unwrap_err());
        assert_eq!(
            (r.kind, r.code.as_str(), r.message.as_str()),
            (RemoteKind::Other, "BucketNotEmpty", "HTTP 409 BucketNotEmpty: m")
        );
    }
}
