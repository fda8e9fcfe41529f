//! Gathering the files to check: a folder's files or named paths as [`Source`]s, what each one
//! is by its name (detection), and reading a source's bytes under the pack's cap.

use super::super::names::{self, FileKind};
use crate::rules::layout::LanguageFiles;
use anyhow::Result;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input: a file name as it would be packed, the path shown in messages, and its content.
#[derive(Debug)]
pub struct Source {
    /// The name under the archive folder (`10_简体中文(ChineseSimplified).xml`).
    pub name: String,
    /// How messages name it (`lang/10_….xml`, `Language/10_….xml`).
    pub shown: String,
    pub content: Content,
}

/// A source's content, read only when its name says it is a language file.
#[derive(Debug)]
pub enum Content {
    Path(PathBuf),
    Bytes(Vec<u8>),
    /// A folder where a file was expected.
    Folder,
    /// Something that cannot be read at all, with the reason.
    Unreadable(String),
}

/// Most entries a language folder may hold (a mistaken folder is refused, not read).
pub(super) const MAX_FOLDER_ENTRIES: usize = 10_000;

/// The files of a folder, sorted by name. A folder that cannot be listed is an error.
pub fn sources_in_dir(dir: &Path) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    for entry in crate::mechanisms::walk::list(dir, MAX_FOLDER_ENTRIES)? {
        let path = entry.path;
        let name = entry.rel;
        let content = if path.file_name().is_some_and(|n| n.to_str().is_none()) {
            Content::Unreadable("the file name is not valid UTF-8".to_string())
        } else if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            Content::Folder
        } else {
            Content::Path(path.clone())
        };
        sources.push(Source { name, shown: path.display().to_string(), content });
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sources)
}

/// Reads a source's bytes, refusing files over `max` bytes before reading them.
pub(super) fn read_content(source: &Source, max: u64) -> Result<Vec<u8>, String> {
    match &source.content {
        Content::Bytes(b) if b.len() as u64 > max => Err(too_big(b.len() as u64, max)),
        Content::Bytes(b) => Ok(b.clone()),
        Content::Path(path) => {
            let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
            if meta.len() > max {
                return Err(too_big(meta.len(), max));
            }
            // Read with the size known, in one allocation; the cap still holds if the file grows.
            let file = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
            let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
            file.take(max + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read: {e}"))?;
            if bytes.len() as u64 > max {
                return Err(too_big(bytes.len() as u64, max));
            }
            Ok(bytes)
        }
        Content::Folder => Err("a folder, not a file".to_string()),
        Content::Unreadable(reason) => Err(reason.clone()),
    }
}

pub(super) fn too_big(len: u64, max: u64) -> String {
    format!("{len} bytes, more than the {max} a whole language pack may hold (layout cap): not a language file")
}

pub(super) fn kind_of(source: &Source, files: &LanguageFiles) -> FileKind {
    match &source.content {
        Content::Folder if !names::is_leftover(&source.name) => FileKind::Unknown {
            reason: "a sub-folder: the language files go directly into the folder, without sub-folders".to_string(),
        },
        _ => names::classify(&source.name, files),
    }
}
