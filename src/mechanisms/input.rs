//! Reading input files with a size limit, so an untrusted or mistaken input (a 200 MB "language
//! file", a disk image named .wav) is refused before it is loaded. Errors are typed
//! ([`crate::mechanisms::error::Error`]): a missing file, a refused one (too large, not a regular
//! file) and a failed read are told apart without reading their text.

use crate::mechanisms::error::{Error, Refusal};
use std::io::Read;
use std::path::Path;

/// Reads a whole file, refusing one larger than `max` bytes; errors name the file.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    let file = std::fs::File::open(path).map_err(|e| Error::opening(path, e))?;
    read_from(file, max).map_err(|e| e.at(path))
}

/// [`read_limited`] for a file nobody named one by one (found in a folder, or named in a plan made
/// earlier): only a regular file is read (a link to one is followed), so a FIFO or device swapped
/// in is refused instead of waited on.
pub fn read_regular(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    let (file, _) = open_regular(path)?;
    read_from(file, max).map_err(|e| e.at(path))
}

/// [`read_limited`] for callers that name the file themselves (a finding about it): the error is
/// only why it could not be read.
pub fn read_or_why(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    read_from(file, max).map_err(|e| e.to_string())
}

/// All of an open file (or stream), refusing more than `max` bytes: the one size limit, shared with
/// [`crate::mechanisms::tree_file`], which opens the files of a tree. The error names no file.
pub fn read_from(file: impl Read, max: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(|io| Error::Io { path: None, doing: "cannot read", io })?;
    if bytes.len() as u64 > max {
        return Err(Error::refused(Refusal::TooLarge { max }));
    }
    Ok(bytes)
}

/// Opens a file for reading without blocking on a FIFO swapped in after an earlier check, and
/// keeps it only when the opened handle is a regular file; the metadata is read from that handle.
pub fn open_regular(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), Error> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = options.open(path).map_err(|e| Error::opening(path, e))?;
    let meta = file.metadata().map_err(|io| Error::Io { path: None, doing: "cannot read", io }.at(path))?;
    if !meta.is_file() {
        return Err(Error::refused(Refusal::NotRegular).at(path));
    }
    Ok((file, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_refused_and_unreadable_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone.wav");
        let err = read_limited(&gone, 10).unwrap_err();
        assert!(matches!(&err, Error::Missing { path: Some(p), .. } if *p == gone), "{err:?}");
        assert!(err.to_string().starts_with(&format!("{}: cannot open: ", gone.display())), "{err}");
        assert!(matches!(open_regular(&gone), Err(Error::Missing { .. })));

        let big = dir.path().join("big.wav");
        std::fs::write(&big, b"0123456789A").unwrap();
        let err = read_limited(&big, 10).unwrap_err();
        assert!(matches!(err, Error::Refused { reason: Refusal::TooLarge { max: 10 }, .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("{}: larger than the 10 bytes allowed", big.display()));
        assert_eq!(read_limited(&big, 11).unwrap(), b"0123456789A");

        let err = open_regular(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Refused { reason: Refusal::NotRegular, .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("{}: not a regular file; not read", dir.path().display()));
        // A folder opens, and reading it fails: an I/O error, not a missing or refused input.
        let err = read_limited(dir.path(), 10).unwrap_err();
        assert!(matches!(err, Error::Io { doing: "cannot read", .. }), "{err:?}");
    }
}
