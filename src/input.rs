//! Reading input files with a size limit, so an untrusted or mistaken input (a 200 MB "language
//! file", a disk image named .wav) is refused before it is loaded.

use anyhow::{bail, Context, Result};
use std::io::Read;
use std::path::Path;

/// Reads a whole file, refusing one larger than `max` bytes; errors name the file.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.len() as u64 > max {
        bail!("{}: larger than the {max} bytes allowed", path.display());
    }
    Ok(bytes)
}
