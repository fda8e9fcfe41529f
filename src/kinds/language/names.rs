//! What a file in a language folder is, judged from its name alone (guide §4.2, §4.3, §20).
//!
//! LCD translations are `N_Native(English).xml` (the guide's own table also has `16_Slovak.xml`),
//! web translations `N_English.js`; N is the position in the phone's language menu. The English
//! templates are named in the layout data. Editor leftovers are recognised so they are never packed.

use crate::rules::layout::LanguageFiles;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which of the two file formats a language file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// LCD language files: XML.
    Xml,
    /// Web language files: a JavaScript key/value script.
    Js,
}

/// What a file is, from its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "role")]
pub enum FileKind {
    /// `N_Native(English).xml`.
    LcdTranslation { position: u32, language: String },
    /// `N_English.js`.
    WebTranslation { position: u32, language: String },
    /// The English LCD template (`LCD_English_Template.xml`): packed, never compared.
    LcdTemplate,
    /// The English web template (`Web_English_Template.js`): packed, never compared.
    WebTemplate,
    /// An editor leftover (`*.bak`, `*~`, hidden files, `Thumbs.db`): skipped, never packed.
    Leftover,
    /// Anything else: an error, so the phone never gets a file it does not expect.
    Unknown { reason: String },
}

impl FileKind {
    /// The format of the file's content, if it is a language file or template.
    pub fn format(&self) -> Option<Format> {
        match self {
            FileKind::LcdTranslation { .. } | FileKind::LcdTemplate => Some(Format::Xml),
            FileKind::WebTranslation { .. } | FileKind::WebTemplate => Some(Format::Js),
            FileKind::Leftover | FileKind::Unknown { .. } => None,
        }
    }

    /// The menu position of a translation.
    pub fn position(&self) -> Option<u32> {
        match self {
            FileKind::LcdTranslation { position, .. } | FileKind::WebTranslation { position, .. } => Some(*position),
            _ => None,
        }
    }

    /// A short description for summaries (`LCD translation, position 10`).
    pub fn describe(&self) -> String {
        match self {
            FileKind::LcdTranslation { position, .. } => format!("LCD translation, menu position {position}"),
            FileKind::WebTranslation { position, .. } => format!("web translation, menu position {position}"),
            FileKind::LcdTemplate => "English LCD template".to_string(),
            FileKind::WebTemplate => "English web template".to_string(),
            FileKind::Leftover => "editor leftover".to_string(),
            FileKind::Unknown { .. } => "not a language file".to_string(),
        }
    }
}

/// File names editors and file managers leave behind (besides hidden files and `*~`).
const LEFTOVER_SUFFIXES: &[&str] = &[".bak", ".tmp", ".swp", ".orig"];
const LEFTOVER_NAMES: &[&str] = &["thumbs.db", "desktop.ini"];

/// Whether `name` is an editor or file-manager leftover.
pub fn is_leftover(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || LEFTOVER_SUFFIXES.iter().any(|s| lower.ends_with(s))
        || LEFTOVER_NAMES.contains(&lower.as_str())
}

/// Classifies a file name (without folder).
pub fn classify(name: &str, files: &LanguageFiles) -> FileKind {
    if is_leftover(name) {
        return FileKind::Leftover;
    }
    if name == files.lcd_template {
        return FileKind::LcdTemplate;
    }
    if name == files.web_template {
        return FileKind::WebTemplate;
    }
    if name.eq_ignore_ascii_case(&files.lcd_template) || name.eq_ignore_ascii_case(&files.web_template) {
        return FileKind::Unknown { reason: "a template must be named exactly as the vendor ships it".to_string() };
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return unknown();
    };
    let format = match ext {
        "xml" => Format::Xml,
        "js" => Format::Js,
        _ if ext.eq_ignore_ascii_case("xml") || ext.eq_ignore_ascii_case("js") => {
            return FileKind::Unknown { reason: format!("the extension must be lower-case .{}", ext.to_lowercase()) };
        }
        _ => return unknown(),
    };
    let expected = match format {
        Format::Xml => "an LCD language file is named N_Native(English).xml, N being its menu position (guide §20)",
        Format::Js => "a web language file is named N_English.js, N being its menu position (guide §20)",
    };
    let Some((number, language)) = stem.split_once('_') else {
        return FileKind::Unknown { reason: expected.to_string() };
    };
    let position = match number.parse::<u32>() {
        Ok(p) if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => return FileKind::Unknown { reason: expected.to_string() },
    };
    if language.trim().is_empty() {
        return FileKind::Unknown { reason: expected.to_string() };
    }
    let language = language.to_string();
    match format {
        Format::Xml => FileKind::LcdTranslation { position, language },
        Format::Js => FileKind::WebTranslation { position, language },
    }
}

fn unknown() -> FileKind {
    FileKind::Unknown {
        reason:
            "not a language file (Language.tar holds N_Native(English).xml, N_English.js and the English templates)"
                .to_string(),
    }
}

/// For every translation whose menu position another file of the same format already uses: its
/// index in `kinds` and the name of the first file with that position.
pub fn duplicate_positions<'a>(names_and_kinds: &[(&'a str, &FileKind)]) -> Vec<(usize, &'a str)> {
    let mut first: BTreeMap<(bool, u32), &str> = BTreeMap::new();
    let mut dups = Vec::new();
    for (i, (name, kind)) in names_and_kinds.iter().enumerate() {
        let key = match kind {
            FileKind::LcdTranslation { position, .. } => (true, *position),
            FileKind::WebTranslation { position, .. } => (false, *position),
            _ => continue,
        };
        match first.get(&key) {
            Some(other) => dups.push((i, *other)),
            None => {
                first.insert(key, name);
            }
        }
    }
    dups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> LanguageFiles {
        LanguageFiles {
            lcd_template: "LCD_English_Template.xml".into(),
            web_template: "Web_English_Template.js".into(),
            id_attributes: vec![],
            ignored_attributes: vec![],
            source: String::new(),
        }
    }

    #[test]
    fn guide_names_are_translations() {
        let f = files();
        assert_eq!(
            classify("10_简体中文(ChineseSimplified).xml", &f),
            FileKind::LcdTranslation { position: 10, language: "简体中文(ChineseSimplified)".into() }
        );
        assert_eq!(classify("16_Slovak.xml", &f).position(), Some(16));
        assert_eq!(classify("10_ChineseSimplified.js", &f).format(), Some(Format::Js));
        assert_eq!(classify("LCD_English_Template.xml", &f), FileKind::LcdTemplate);
        assert_eq!(classify("Web_English_Template.js", &f), FileKind::WebTemplate);
    }

    #[test]
    fn leftovers_and_bad_names() {
        let f = files();
        for n in ["10_x(y).xml.bak", "10_x.js~", ".DS_Store", "Thumbs.db", ".10_x.xml.swp"] {
            assert_eq!(classify(n, &f), FileKind::Leftover, "{n}");
        }
        for n in ["Chinese.xml", "x_Chinese.xml", "10_.js", "10_x.XML", "readme.txt", "10_x"] {
            assert!(matches!(classify(n, &f), FileKind::Unknown { .. }), "{n}");
        }
    }

    #[test]
    fn duplicate_positions_per_format() {
        let f = files();
        let names = ["10_a(A).xml", "10_A.js", "10_b(B).xml", "11_c(C).xml"];
        let kinds: Vec<FileKind> = names.iter().map(|n| classify(n, &f)).collect();
        let pairs: Vec<(&str, &FileKind)> = names.iter().copied().zip(kinds.iter()).collect();
        assert_eq!(duplicate_positions(&pairs), vec![(2, "10_a(A).xml")]);
    }
}
