//! Tar archives the phones fetch (`hlpres.tar`, `Language.tar`): one deterministic ustar writer and
//! one strict reader for untrusted tars, shared by every command.

mod reader;
mod tar_inspector;
mod writer;

pub use reader::{read_tar, TarEntry, TarLimits};
pub use tar_inspector::{looks_like_tar, over_cap, TarInspector};
pub use writer::{TarBuilder, MAX_NAME_BYTES};

/// The one rule for where a tar entry lies: the rest of its name after `folder/` (a leading `./`
/// ignored), or `None` when it is not under `folder`. `Some("")` is the folder entry itself.
pub fn under_folder<'a>(name: &'a str, folder: &str) -> Option<&'a str> {
    let name = name.strip_prefix("./").unwrap_or(name);
    name.strip_prefix(folder)?.strip_prefix('/')
}

/// The file name of an entry directly inside `folder` (not the folder itself, not deeper).
pub fn in_folder<'a>(name: &'a str, folder: &str) -> Option<&'a str> {
    under_folder(name, folder).filter(|file| !file.is_empty() && !file.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_folder_takes_direct_children_only() {
        assert_eq!(in_folder("hlpres/a.jpg", "hlpres"), Some("a.jpg"));
        assert_eq!(in_folder("./hlpres/a.jpg", "hlpres"), Some("a.jpg"));
        assert_eq!(in_folder("hlpres/x/a.jpg", "hlpres"), None);
        assert_eq!(in_folder("hlpres/", "hlpres"), None);
        assert_eq!(in_folder("other/a.jpg", "hlpres"), None);
        assert_eq!(in_folder("hlpresx/a.jpg", "hlpres"), None);
        assert_eq!(under_folder("./Language/sub/a.xml", "Language"), Some("sub/a.xml"));
        assert_eq!(under_folder("Language/", "Language"), Some(""));
    }
}
