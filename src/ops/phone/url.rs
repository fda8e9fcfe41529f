//! The URLs a phone is given and meets: scheme, user, server and path; relative references joined as
//! a browser joins them; "the same server". Text only: no fetcher and no request here.

/// `http`, `tftp`, … of a URL; `None` for a folder path.
pub fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once("://")?;
    scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+').then_some(scheme)
}

/// The parts of `scheme://[user[:password]@]host[:port]/path` a fetcher needs.
pub struct UrlParts {
    /// `user:password` before the `@`, as written (percent-encoded).
    pub userinfo: Option<String>,
    /// `host` or `host:port` (IPv6 in brackets).
    pub authority: String,
    /// The path after the authority, without its leading `/`, percent-decoded.
    pub path: String,
}

impl UrlParts {
    pub fn of(url: &str) -> UrlParts {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, authority) = match authority.rsplit_once('@') {
            Some((u, a)) => (Some(u.to_string()), a.to_string()),
            None => (None, authority.to_string()),
        };
        UrlParts { userinfo, authority, path: percent_decode(path) }
    }

    /// The server's address, with `default_port` when the URL names none.
    pub fn address(&self, default_port: u16) -> Result<std::net::SocketAddr, String> {
        let a = &self.authority;
        let with_port = if a.contains(':') && !a.ends_with(']') { a.clone() } else { format!("{a}:{default_port}") };
        match std::net::ToSocketAddrs::to_socket_addrs(&with_port).map(|mut it| it.next()) {
            Ok(Some(addr)) => Ok(addr),
            _ => Err(format!("cannot resolve the server '{}'", super::fetcher::printable(a))),
        }
    }
}

/// `%XX` escapes decoded (bytes that are not UTF-8 kept as U+FFFD).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `scheme://host[:port]` of a URL (without any user part), lower-cased: what "the same server" means.
pub fn origin(url: &str) -> String {
    let scheme = scheme(url).unwrap_or("");
    format!("{scheme}://{}", UrlParts::of(url).authority).to_ascii_lowercase()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_browser() {
        assert_eq!(join("http://h:8/a/b.xml", "/c/d"), "http://h:8/c/d");
        assert_eq!(join("http://h:8/a/b.xml", "c.xml"), "http://h:8/a/c.xml");
        assert_eq!(join("http://h/a/b", "tftp://x/y"), "tftp://x/y");
        assert_eq!(in_folder("http://h/a/", "cfg0012.xml"), "http://h/a/cfg0012.xml");
    }

    #[test]
    fn urls_split_into_user_server_and_path() {
        let u = UrlParts::of("ftp://us%3Aer:p%40ss@127.0.0.1:2121/htek/cfg%20a.xml");
        assert_eq!(u.userinfo.as_deref(), Some("us%3Aer:p%40ss"));
        assert_eq!(u.authority, "127.0.0.1:2121");
        assert_eq!(u.path, "htek/cfg a.xml");
        assert_eq!(u.address(21).unwrap().port(), 2121);
        assert_eq!(UrlParts::of("tftp://127.0.0.1/x").address(69).unwrap().port(), 69);
        assert_eq!(origin("HTTP://u:p@Host:8/a"), "http://host:8");
        assert_eq!(percent_decode("a%2fb%zz"), "a/b%zz");
    }
}
