//! SHA-256 digests and `SHA256SUMS` files in the `sha256sum` format (`<hex>  <name>`), so a user can
//! check a served folder with `sha256sum -c SHA256SUMS`.

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// The file name checksums are kept in.
pub const SUMS_FILE: &str = "SHA256SUMS";

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex SHA-256 of an open file (`shown` names it in errors), read in a stream, refusing one larger
/// than `max` bytes (so an input that never ends cannot hold a run forever).
pub fn sha256_read(file: impl std::io::Read, shown: &Path, max: u64) -> Result<String> {
    let mut hasher = Sha256::new();
    let read = std::io::copy(&mut std::io::Read::take(file, max + 1), &mut hasher)
        .with_context(|| format!("{}: cannot read", shown.display()))?;
    if read > max {
        bail!("{}: larger than the {max} bytes allowed", shown.display());
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A `SHA256SUMS` file's entries: name → hex digest, kept sorted by name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sums(pub BTreeMap<String, String>);

impl Sums {
    /// Parses `sha256sum` output; `shown` names the file in errors.
    pub fn parse(text: &str, shown: &str) -> Result<Sums> {
        let mut map = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let Some((hash, name)) = line.split_once("  ").or_else(|| line.split_once(" *")) else {
                bail!("{shown}:{}: not a '<sha256>  <name>' line", i + 1);
            };
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("{shown}:{}: '{hash}' is not a SHA-256 digest", i + 1);
            }
            map.insert(name.to_string(), hash.to_ascii_lowercase());
        }
        Ok(Sums(map))
    }

    /// Reads `DIR/SHA256SUMS`, or an empty set when there is none.
    pub fn read_in(dir: &Path) -> Result<Sums> {
        let path = dir.join(SUMS_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Sums::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Sums::default()),
            Err(e) => Err(e).with_context(|| format!("{}: cannot read", path.display())),
        }
    }

    /// Records the digest of `bytes` under `name`.
    pub fn insert(&mut self, name: &str, bytes: &[u8]) {
        self.0.insert(name.to_string(), sha256_hex(bytes));
    }

    /// The file's text, sorted by name.
    pub fn render(&self) -> String {
        self.0.iter().map(|(name, hash)| format!("{hash}  {name}\n")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_known_digest() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let mut s = Sums::default();
        s.insert("b.rom", b"abc");
        s.insert("a.rom", b"");
        let text = s.render();
        assert!(text.starts_with("e3b0c442"));
        assert_eq!(Sums::parse(&text, "x").unwrap(), s);
        assert!(Sums::parse("zz  a\n", "SUMS").unwrap_err().to_string().contains("SUMS:1"));
    }
}
