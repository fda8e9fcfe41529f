//! Writing outputs atomically: a temporary file in the destination folder, then a rename, so a
//! reader never sees a half-written file and a failure leaves nothing behind.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically, creating the parent folder when it is missing.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot create output folder", parent.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bundler-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("{}: cannot write in output folder", parent.display()))?;
    tmp.write_all(bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    make_readable(tmp.as_file(), 0o644).with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.as_file().sync_all().with_context(|| format!("{}: cannot write", path.display()))?;
    tmp.persist(path).map_err(|e| e.error).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// Gives a file or folder the usual permissions of served files (`0644`/`0755`): temporary files
/// are created private, and a web or TFTP server must be able to read what bundler writes.
pub fn make_readable(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_folders_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b/ring5.bin");
        write_atomic(&out, b"abc").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"abc");
        let names: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["ring5.bin"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o644);
        }
    }
}
