//! Strict reader for untrusted tars (a vendor's base `hlpres.tar`, a user's `Language.tar`).
//!
//! Only plain files and folders with relative names are accepted. Absolute paths, `..`, links,
//! devices, FIFOs, PAX/GNU extension entries, bad header checksums, truncation, a name stored twice
//! (the last copy would silently win when extracted) and entries or archives over the limits are
//! refused with the entry's name.

use anyhow::{bail, Result};

const BLOCK: usize = 512;

/// Size limits for reading a tar.
#[derive(Debug, Clone, Copy)]
pub struct TarLimits {
    /// Largest archive accepted, in bytes.
    pub max_archive_bytes: u64,
    /// Largest single entry accepted, in bytes.
    pub max_entry_bytes: u64,
    /// Most entries accepted.
    pub max_entries: usize,
}

impl Default for TarLimits {
    fn default() -> Self {
        TarLimits { max_archive_bytes: 64 * 1024 * 1024, max_entry_bytes: 32 * 1024 * 1024, max_entries: 10_000 }
    }
}

/// One entry of a tar that was read.
#[derive(Debug, Clone)]
pub struct TarEntry {
    /// The entry name as stored (folders end with `/`).
    pub name: String,
    pub is_dir: bool,
    /// The file's bytes (empty for folders).
    pub data: Vec<u8>,
    /// The header and data blocks exactly as in the archive, for passing the entry through unchanged.
    pub raw: Vec<u8>,
}

/// Reads every entry of `bytes` as a tar, refusing anything a phone's plain ustar reader would not
/// handle or that could escape the archive's folder.
pub fn read_tar(bytes: &[u8], limits: TarLimits) -> Result<Vec<TarEntry>> {
    if bytes.len() as u64 > limits.max_archive_bytes {
        bail!("archive is {} bytes, more than the {} allowed", bytes.len(), limits.max_archive_bytes);
    }
    if bytes.is_empty() {
        bail!("empty file, not a tar archive");
    }
    let mut entries: Vec<TarEntry> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    let mut pos = 0;
    loop {
        if pos + BLOCK > bytes.len() {
            if entries.is_empty() && pos == 0 {
                bail!("not a tar archive (shorter than one header)");
            }
            bail!("archive is truncated at byte {pos} (no end-of-archive blocks)");
        }
        let header = &bytes[pos..pos + BLOCK];
        if header.iter().all(|&b| b == 0) {
            break;
        }
        if entries.len() >= limits.max_entries {
            bail!("archive has more than {} entries", limits.max_entries);
        }
        let entry = parse_entry(bytes, pos, &limits, entries.is_empty())?;
        pos += entry.raw.len();
        if let Some(first) = seen.insert(entry_key(&entry.name), entries.len()) {
            if !(entry.is_dir && entries[first].is_dir) {
                bail!(
                    "entry '{}' is in the archive twice (entries {} and {}): extracted, the last one silently wins",
                    entry.name,
                    first + 1,
                    entries.len() + 1
                );
            }
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// An entry's name as it lands on disk: no leading `./`, no trailing `/`.
fn entry_key(name: &str) -> String {
    name.trim_start_matches("./").trim_end_matches('/').to_string()
}

fn parse_entry(bytes: &[u8], pos: usize, limits: &TarLimits, first: bool) -> Result<TarEntry> {
    let header = &bytes[pos..pos + BLOCK];
    let stored = octal(&header[148..156]);
    let computed: u64 =
        header.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { 32 } else { b as u64 }).sum();
    if stored != Some(computed) {
        if first {
            bail!("not a tar archive (bad header checksum at byte 0)");
        }
        bail!("bad tar header checksum at byte {pos}");
    }
    let name = entry_name(header)?;
    let shown = name.clone();
    let kind = header[156];
    let is_dir = match kind {
        b'0' | 0 => false,
        b'5' => true,
        b'1' | b'2' => bail!("entry '{shown}' is a link; only plain files and folders are accepted"),
        b'3' | b'4' => bail!("entry '{shown}' is a device file; only plain files and folders are accepted"),
        b'6' => bail!("entry '{shown}' is a FIFO; only plain files and folders are accepted"),
        b'x' | b'g' => bail!("entry '{shown}' is a PAX extension header, which phones may not read"),
        b'L' | b'K' => bail!("entry '{shown}' is a GNU long-name extension, which phones may not read"),
        other => bail!("entry '{shown}' has unsupported type '{}'", other as char),
    };
    check_name(&name)?;
    let size = octal(&header[124..136]).ok_or_else(|| anyhow::anyhow!("entry '{shown}' has a malformed size field"))?;
    if size > limits.max_entry_bytes {
        bail!("entry '{shown}' is {size} bytes, more than the {} allowed", limits.max_entry_bytes);
    }
    let data_start = pos + BLOCK;
    let data_end = data_start + size as usize;
    if data_end > bytes.len() {
        bail!(
            "entry '{shown}' is truncated: {size} bytes declared, {} present",
            bytes.len().saturating_sub(data_start)
        );
    }
    let raw_end = (data_start + (size as usize).div_ceil(BLOCK) * BLOCK).min(bytes.len());
    Ok(TarEntry { name, is_dir, data: bytes[data_start..data_end].to_vec(), raw: bytes[pos..raw_end].to_vec() })
}

/// The full entry name: the ustar prefix (when the magic says ustar) joined to the name field.
fn entry_name(header: &[u8]) -> Result<String> {
    let field = |r: std::ops::Range<usize>| {
        let f = &header[r];
        let end = f.iter().position(|&b| b == 0).unwrap_or(f.len());
        f[..end].to_vec()
    };
    let mut name = field(0..100);
    if &header[257..262] == b"ustar" {
        let prefix = field(345..500);
        if !prefix.is_empty() {
            let mut full = prefix;
            full.push(b'/');
            full.extend_from_slice(&name);
            name = full;
        }
    }
    String::from_utf8(name)
        .map_err(|e| anyhow::anyhow!("entry name '{}' is not UTF-8", String::from_utf8_lossy(e.as_bytes())))
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        bail!("entry with an empty name");
    }
    if name.starts_with('/') || name.starts_with('\\') || name.contains(":\\") {
        bail!("entry '{name}' has an absolute path");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        bail!("entry '{name}' contains '..'");
    }
    Ok(())
}

/// Parses a NUL/space-terminated octal field.
fn octal(field: &[u8]) -> Option<u64> {
    let text: String = field.iter().take_while(|&&b| b != 0).map(|&b| b as char).collect();
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanisms::archive::TarBuilder;

    #[test]
    fn round_trips_the_writer() {
        let mut t = TarBuilder::new(5);
        t.add_dir("hlpres").unwrap();
        t.add_file("hlpres/a.jpg", b"hello").unwrap();
        let bytes = t.finish();
        let entries = read_tar(&bytes, TarLimits::default()).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].name, "hlpres/");
        assert!(entries[0].is_dir);
        assert_eq!(entries[1].data, b"hello");
        assert_eq!(octal(&entries[1].raw[136..148]), Some(5), "mtime");
        assert_eq!(entries[1].raw.len(), 1024);
    }

    #[test]
    fn refuses_hostile_entries() {
        let evil = |name: &str, kind: u8| {
            let mut h = tar::Header::new_ustar();
            h.as_ustar_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_entry_type(tar::EntryType::new(kind));
            h.set_size(0);
            h.set_cksum();
            let mut v = h.as_bytes().to_vec();
            v.extend_from_slice(&[0; 1024]);
            v
        };
        for (name, kind, why) in [
            ("../etc/passwd", b'0', ".."),
            ("/etc/passwd", b'0', "absolute"),
            ("hlpres/link", b'2', "link"),
            ("hlpres/dev", b'3', "device"),
            ("pax", b'x', "PAX"),
        ] {
            let e = read_tar(&evil(name, kind), TarLimits::default()).unwrap_err().to_string();
            assert!(e.contains(why), "{name}: {e}");
        }
        assert!(read_tar(b"junk", TarLimits::default()).is_err());
        let mut t = TarBuilder::new(0);
        t.add_file("big", &[0; 2000]).unwrap();
        let big = t.finish();
        let limits = TarLimits { max_entry_bytes: 1000, ..TarLimits::default() };
        assert!(read_tar(&big, limits).unwrap_err().to_string().contains("'big'"));
        assert!(read_tar(&big[..1000], TarLimits::default()).unwrap_err().to_string().contains("truncated"));
    }
}
