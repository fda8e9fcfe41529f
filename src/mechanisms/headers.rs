//! The one table of HTTP headers for the files of a tree: `Content-Type` by name and
//! `Cache-Control` by kind. `bundler serve`, the nginx block it prints and `bundler publish` (object
//! storage) all take their headers from here, so a phone or a CDN sees the same whichever serves it.

/// File types by name ending, for HTTP `Content-Type` (also written into the nginx block).
pub const MIME: &[(&str, &str)] = &[
    (".xml", "application/xml"),
    (".cfg", "text/plain"),
    (".boot", "text/plain"),
    (".tar", "application/x-tar"),
    (".jpg", "image/jpeg"),
    (".bmp", "image/bmp"),
    (".png", "image/png"),
    (".js", "text/javascript"),
    (".html", "text/html"),
    (".txt", "text/plain"),
    ("SHA256SUMS", "text/plain"),
];

/// The type of a file by its name; firmware, ring files and the rest are octets.
pub fn mime_type(name: &str) -> &'static str {
    MIME.iter().find(|(end, _)| name.ends_with(end)).map_or("application/octet-stream", |(_, t)| t)
}

/// How long a cache between the tree and the phone may keep a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Changes without its name changing (configs, ring files, tars, the manifest): every fetch
    /// revalidates (`no-cache`; ETag/Last-Modified make that a cheap 304).
    Revalidate,
    /// Its name carries its version (firmware with a version postfix): the same name never gets
    /// other content, so caches may keep it for a year.
    Immutable,
}

impl Freshness {
    /// The `Cache-Control` value.
    pub fn cache_control(self) -> &'static str {
        match self {
            Freshness::Revalidate => "no-cache",
            Freshness::Immutable => "public, max-age=31536000, immutable",
        }
    }
}

/// The freshness of a tree file named `name`. `basic_name` is the vendor's own name of a firmware
/// file (`fw924.rom`, from the tree's manifest): firmware published under another name (a version
/// prefix/postfix, `hl_fw924.rom_2.0.4.6.41`) is versioned and never gets other bytes, so caches may
/// keep it; every other file revalidates.
pub fn freshness(name: &str, basic_name: Option<&str>) -> Freshness {
    let file = name.rsplit('/').next().unwrap_or(name);
    match basic_name {
        Some(basic) if !basic.is_empty() && basic != file => Freshness::Immutable,
        _ => Freshness::Revalidate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_firmware_under_a_versioned_name_is_immutable() {
        assert_eq!(freshness("firmware/hl_fw924.rom_2.0.4.6.41", Some("fw924.rom")), Freshness::Immutable);
        assert_eq!(freshness("firmware/fw924.rom", Some("fw924.rom")), Freshness::Revalidate);
        assert_eq!(freshness("ring/ring5.bin", None), Freshness::Revalidate);
        assert_eq!(freshness("config/cfg001fc1aabbcc.xml", None).cache_control(), "no-cache");
    }
}
