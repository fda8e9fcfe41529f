//! TOML files read from disk, bounded: one file's text, or the `*.toml` files of an override folder.
//! Parsing them with positions is `crate::rules::toml`'s.

use anyhow::{anyhow, Context, Result};
use std::path::Path;

/// Reads a UTF-8 text file of at most `max_bytes`: (how errors name it, its text).
pub fn read_text(path: &Path, max_bytes: u64) -> Result<(String, String)> {
    let shown = path.display().to_string();
    let text = utf8(&shown, crate::mechanisms::input::read_limited(path, max_bytes)?)?;
    Ok((shown, text))
}

fn utf8(shown: &str, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow!("{shown}: not UTF-8 text"))
}

/// The `*.toml` files of a folder, sorted by name, as (how errors name it, file stem with
/// extension, text): at most `max_files` entries in the folder and `max_bytes` per file. Nobody
/// named these files one by one, so each must be a regular file (a link to one is followed): a FIFO
/// or device among them is an error naming it, never a read that waits.
pub fn read_folder(dir: &Path, max_files: usize, max_bytes: u64) -> Result<Vec<(String, String, String)>> {
    let entries = crate::mechanisms::walk::list(dir, max_files)
        .with_context(|| format!("{}: cannot read layouts folder", dir.display()))?;
    let paths = entries.into_iter().map(|e| e.path).filter(|p| p.extension().is_some_and(|e| e == "toml"));
    paths
        .map(|path| {
            let shown = path.display().to_string();
            let text = utf8(&shown, crate::mechanisms::input::read_regular(&path, max_bytes)?)?;
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            Ok((shown, name, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_in_the_folder_is_refused_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), "x = 1\n").unwrap();
        let fifo = dir.path().join("htek-config.toml");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let e = read_folder(dir.path(), 10, 1000).unwrap_err().to_string();
        assert!(e.contains("htek-config.toml") && e.contains("not a regular file"), "{e}");
        std::fs::remove_file(&fifo).unwrap();
        std::os::unix::fs::symlink(dir.path().join("a.toml"), dir.path().join("b.toml")).unwrap();
        let read = read_folder(dir.path(), 10, 1000).unwrap();
        assert_eq!(
            read.iter().map(|(_, n, t)| (n.as_str(), t.as_str())).collect::<Vec<_>>(),
            [("a.toml", "x = 1\n"), ("b.toml", "x = 1\n")]
        );
    }
}
