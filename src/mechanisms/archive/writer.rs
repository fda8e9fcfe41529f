//! Deterministic ustar writer: fixed mtime, uid/gid 0, empty user and group names, modes 0644 for
//! files and 0755 for folders, no PAX or GNU extensions. Names longer than 100 bytes are refused,
//! because they would need an extension that a phone's tar may not read.

use anyhow::{bail, Result};

/// The longest entry name a plain ustar header holds without a prefix or extension.
pub const MAX_NAME_BYTES: usize = 100;

const BLOCK: usize = 512;

/// Collects entries and writes them as one ustar archive.
#[derive(Debug, Default)]
pub struct TarBuilder {
    mtime: u64,
    blocks: Vec<u8>,
}

impl TarBuilder {
    /// A new archive whose entries carry `mtime` (seconds since 1970).
    pub fn new(mtime: i64) -> TarBuilder {
        TarBuilder { mtime: mtime.max(0) as u64, blocks: Vec::new() }
    }

    /// Adds a folder entry; `name` gets a trailing `/` if it has none.
    pub fn add_dir(&mut self, name: &str) -> Result<()> {
        let name = if name.ends_with('/') { name.to_string() } else { format!("{name}/") };
        let header = self.header(&name, 0, tar::EntryType::Directory, 0o755)?;
        self.blocks.extend_from_slice(header.as_bytes());
        Ok(())
    }

    /// Adds a regular file entry.
    pub fn add_file(&mut self, name: &str, data: &[u8]) -> Result<()> {
        let header = self.header(name, data.len() as u64, tar::EntryType::Regular, 0o644)?;
        self.blocks.extend_from_slice(header.as_bytes());
        self.blocks.extend_from_slice(data);
        pad_to_block(&mut self.blocks);
        Ok(())
    }

    /// Adds an entry exactly as it was in another archive (header and data blocks), for keeping a
    /// vendor's entries byte for byte.
    pub fn add_raw(&mut self, raw_blocks: &[u8]) {
        self.blocks.extend_from_slice(raw_blocks);
        pad_to_block(&mut self.blocks);
    }

    /// The finished archive: the entries and two zero blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.blocks.extend_from_slice(&[0u8; 2 * BLOCK]);
        self.blocks
    }

    fn header(&self, name: &str, size: u64, kind: tar::EntryType, mode: u32) -> Result<tar::Header> {
        if name.len() > MAX_NAME_BYTES {
            bail!(
                "tar entry name '{name}' is {} bytes; ustar without extensions holds at most {MAX_NAME_BYTES}",
                name.len()
            );
        }
        if name.starts_with('/') || name.split('/').any(|c| c == "..") {
            bail!("tar entry name '{name}' must be relative and must not contain '..'");
        }
        let mut h = tar::Header::new_ustar();
        // Write the name bytes straight into the ustar name field: `set_path` would normalise it.
        h.as_ustar_mut().expect("ustar header").name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(size);
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_mtime(self.mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_cksum();
        Ok(h)
    }
}

fn pad_to_block(buf: &mut Vec<u8>) {
    let rem = buf.len() % BLOCK;
    if rem != 0 {
        buf.resize(buf.len() + BLOCK - rem, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_long_and_escaping_names() {
        let mut t = TarBuilder::new(0);
        assert!(t.add_file(&"a".repeat(101), b"x").is_err());
        assert!(t.add_file("../x", b"x").is_err());
        assert!(t.add_file("/x", b"x").is_err());
        assert!(t.add_file(&"a".repeat(100), b"x").is_ok());
    }

    #[test]
    fn same_entries_same_bytes_and_block_aligned() {
        let build = || {
            let mut t = TarBuilder::new(1_700_000_000);
            t.add_dir("hlpres").unwrap();
            t.add_file("hlpres/a.jpg", &[1, 2, 3]).unwrap();
            t.finish()
        };
        let a = build();
        assert_eq!(a, build());
        assert_eq!(a.len() % 512, 0);
        assert_eq!(a.len(), 512 + 512 + 512 + 1024);
    }
}
