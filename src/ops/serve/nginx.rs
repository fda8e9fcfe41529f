//! The nginx server block equivalent to `bundler serve`: static files only, no directory listing,
//! no symbolic links out of the tree, the same MIME types (from the one table, `crate::mechanisms::headers`),
//! configs never cached; with `--tls-cert`/`--tls-key` a second block serving the same over TLS.
//! Paths are written as quoted nginx strings, and a path nginx would read otherwise (a `$`, which
//! nginx expands as a variable even inside quotes, or a control character) is refused.

use crate::mechanisms::headers::MIME;
use anyhow::{bail, Context as _, Result};
use std::fmt::Write;
use std::path::Path;

/// Server blocks for the `http { … }` context serving `root` on `port`, and over TLS on
/// `tls_port` when a certificate and key are given.
pub fn server_block(root: &Path, port: u16, tls: Option<(&Path, &Path)>, tls_port: u16) -> Result<String> {
    let body = body(&quoted(root, "the tree")?);
    let mut out = format!(
        "# Provisioning tree for Htek and Flyingvoice phones (made by `bundler serve --print-nginx`).\n\
         # Put this in the http {{ }} context, e.g. /etc/nginx/conf.d/phones.conf.\n\
         server {{\n    listen {port};\n{body}}}\n"
    );
    if let Some((cert, key)) = tls {
        let cert = quoted(&absolute(cert, "--tls-cert")?, "--tls-cert")?;
        let key = quoted(&absolute(key, "--tls-key")?, "--tls-key")?;
        let _ = write!(
            out,
            "server {{\n    listen {tls_port} ssl;\n    ssl_certificate {cert};\n    ssl_certificate_key {key};\n    \
             ssl_protocols TLSv1.2 TLSv1.3;\n{body}}}\n"
        );
    }
    Ok(out)
}

fn absolute(path: &Path, flag: &str) -> Result<std::path::PathBuf> {
    path.canonicalize().with_context(|| format!("{flag} {}", path.display()))
}

/// `path` as a double-quoted nginx string (`\` and `"` escaped).
fn quoted(path: &Path, what: &str) -> Result<String> {
    let Some(text) = path.to_str() else { bail!("{what} {}: not UTF-8; nginx cannot name it", path.display()) };
    if let Some(c) = text.chars().find(|c| *c == '$' || c.is_control()) {
        bail!("{what} {}: contains {c:?}, which nginx would not read as part of a path; rename it", path.display());
    }
    Ok(format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")))
}

/// What both blocks serve, after their `listen` lines.
fn body(root: &str) -> String {
    let mut types = String::new();
    for (end, mime) in MIME.iter().filter(|(end, _)| end.starts_with('.')) {
        let _ = writeln!(types, "        {mime} {};", &end[1..]);
    }
    format!(
        r#"    root {root};
    autoindex off;
    # Nothing through a symbolic link that leads out of the tree (or anywhere: the tree has none).
    disable_symlinks on;
    # Read-only: GET (and so HEAD) only.
    if ($request_method !~ ^(GET|HEAD)$) {{ return 405; }}
    # Only these types; firmware (.rom, .bin), ring files and cfg<mac> are octets.
    types {{
{types}    }}
    default_type application/octet-stream;
    etag on;
    # Limits as `bundler serve` keeps them: request heads, idle and slow clients.
    client_header_buffer_size 1k;
    large_client_header_buffers 4 16k;
    client_header_timeout 10s;
    send_timeout 30s;
    keepalive_timeout 30s;
    # Configs change without their names changing: make every fetch revalidate.
    location ~ \.(xml|cfg|boot)$ {{
        add_header Cache-Control "no-cache" always;
    }}
    location ~ "/cfg[0-9a-f]{{12}}$" {{
        add_header Cache-Control "no-cache" always;
    }}
    location / {{
        try_files $uri =404;
    }}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_and_dollars_refused() {
        assert_eq!(quoted(Path::new("/srv/my tree;x"), "t").unwrap(), "\"/srv/my tree;x\"");
        assert_eq!(quoted(Path::new("/srv/a\"b\\c"), "t").unwrap(), "\"/srv/a\\\"b\\\\c\"");
        assert!(quoted(Path::new("/srv/$document_root"), "t").unwrap_err().to_string().contains("'$'"));
        assert!(quoted(Path::new("/srv/a\nb"), "t").is_err());
    }
}
