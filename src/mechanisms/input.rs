//! Reading input files with a size limit, so an untrusted or mistaken input (a 200 MB "language
//! file", a disk image named .wav) is refused before it is loaded.

use anyhow::Result;
use std::io::Read;
use std::path::Path;

/// Reads a whole file, refusing one larger than `max` bytes; errors name the file.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>> {
    read_or_why(path, max).map_err(|why| anyhow::anyhow!("{}: {why}", path.display()))
}

/// [`read_limited`] for callers that name the file themselves (a finding about it): the error is
/// only why it could not be read.
pub fn read_or_why(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    read_from(file, max)
}

/// All of an open file (or stream), refusing more than `max` bytes: the one size limit, shared with
/// [`crate::mechanisms::tree_file`], which opens the files of a tree.
pub fn read_from(file: impl Read, max: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than the {max} bytes allowed"));
    }
    Ok(bytes)
}

/// Opens a file for reading without blocking on a FIFO swapped in after an earlier check, and
/// keeps it only when the opened handle is a regular file; the metadata is read from that handle.
pub fn open_regular(path: &Path) -> Result<(std::fs::File, std::fs::Metadata)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = options.open(path).map_err(|e| anyhow::anyhow!("{}: cannot open: {e}", path.display()))?;
    let meta = file.metadata().map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    if !meta.is_file() {
        anyhow::bail!("{}: not a regular file; not read", path.display());
    }
    Ok((file, meta))
}
