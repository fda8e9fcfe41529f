//! The nginx server block equivalent to `bundler serve`: static files only, no directory listing,
//! no symbolic links out of the tree, the same MIME types, configs never cached.

use crate::headers::MIME;
use std::fmt::Write;
use std::path::Path;

/// A `server { … }` block for the `http { … }` context serving `root` on `port`.
pub fn server_block(root: &Path, port: u16) -> String {
    let mut types = String::new();
    for (end, mime) in MIME.iter().filter(|(end, _)| end.starts_with('.')) {
        let _ = writeln!(types, "        {mime} {};", &end[1..]);
    }
    format!(
        r#"# Provisioning tree for Htek and Flyingvoice phones (made by `bundler serve --print-nginx`).
# Put this block in the http {{ }} context, e.g. /etc/nginx/conf.d/phones.conf.
server {{
    listen {port};
    root {root};
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
}}
"#,
        root = root.display()
    )
}
