//! Reading firmware out of a vendor's zip without trusting it: names with `..`, absolute paths and
//! links refuse the whole zip (naming the entry), entries are read with a size cap, and the zip
//! crate checks each entry's CRC when it is read to the end.

use anyhow::{bail, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// One file inside a vendor zip.
#[derive(Debug, Clone)]
pub struct Member {
    /// Full name inside the zip (`Firmware/UC924/fw924.rom`).
    pub name: String,
    /// The last path component (`fw924.rom`).
    pub base: String,
    pub index: usize,
    /// Uncompressed size declared by the zip.
    pub size: u64,
}

/// An opened vendor zip and its file members.
pub struct VendorZip {
    /// The zip's path, as errors name it.
    pub shown: String,
    archive: zip::ZipArchive<File>,
    pub members: Vec<Member>,
}

/// Whether a file starts like a zip archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

impl VendorZip {
    /// Opens a zip and checks every entry's name; a hostile entry refuses the whole zip.
    pub fn open(path: &Path) -> Result<VendorZip> {
        let shown = path.display().to_string();
        let (file, _) = crate::mechanisms::input::open_regular(path)?;
        let mut archive =
            zip::ZipArchive::new(file).map_err(|e| anyhow::anyhow!("{shown}: not a readable zip: {e}"))?;
        let mut members = Vec::new();
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(|e| anyhow::anyhow!("{shown}: entry {index}: {e}"))?;
            let name = entry.name().to_string();
            if name.starts_with('/') || name.starts_with('\\') || name.contains(":\\") || name.contains(":/") {
                bail!("{shown}: entry '{name}' has an absolute path; refusing the zip");
            }
            if name.split(['/', '\\']).any(|c| c == "..") {
                bail!("{shown}: entry '{name}' contains '..' (zip-slip); refusing the zip");
            }
            if entry.is_symlink() {
                bail!("{shown}: entry '{name}' is a link; refusing the zip");
            }
            if entry.is_dir() {
                continue;
            }
            let base = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_string();
            members.push(Member { base, name, index, size: entry.size() });
        }
        Ok(VendorZip { shown, archive, members })
    }

    /// Reads one member, refusing it when it is larger than `cap` bytes or its CRC is wrong.
    pub fn read(&mut self, member: &Member, cap: u64) -> Result<Vec<u8>> {
        let shown = &self.shown;
        if member.size > cap {
            bail!("{shown}: entry '{}' is {} bytes, over the {cap}-byte cap", member.name, member.size);
        }
        let entry = self
            .archive
            .by_index(member.index)
            .map_err(|e| anyhow::anyhow!("{shown}: entry '{}': {e}", member.name))?;
        let mut data = Vec::with_capacity(member.size as usize);
        entry
            .take(cap + 1)
            .read_to_end(&mut data)
            .map_err(|e| anyhow::anyhow!("{shown}: entry '{}' is damaged: {e}", member.name))?;
        if data.len() as u64 > cap {
            bail!("{shown}: entry '{}' is over the {cap}-byte cap", member.name);
        }
        if data.len() as u64 != member.size {
            bail!("{shown}: entry '{}' holds {} bytes, the zip says {}", member.name, data.len(), member.size);
        }
        Ok(data)
    }
}
