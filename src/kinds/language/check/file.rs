//! Checking one file: its kind, the name it would have in the pack, its bytes decoded and its
//! items parsed, then its findings recorded.

use super::super::compare::Template;
use super::super::items::{Items, ParseError, Parsed};
use super::super::names::{FileKind, Format};
use super::super::{js_items, xml_items};
use super::decode::decode_text;
use super::report::record_findings;
use super::sources::read_content;
use super::{CheckOptions, FileCheck, Origin, Source};
use crate::mechanisms::report::{Diagnostic, Severity};

/// Checks one file; for a template also returns its text and items.
pub(super) fn check_file(
    source: &Source,
    kind: FileKind,
    template: Option<&Template>,
    opts: &CheckOptions,
    origin: Origin,
) -> (FileCheck, Option<(String, Items)>) {
    let mut check = FileCheck::new(source, kind);
    let Some(format) = language_format(&mut check, origin) else {
        return (check, None);
    };
    check_packed_name(&mut check, source, opts);
    let bytes = match read_content(source, opts.rules.archive.max_bytes) {
        Ok(b) => b,
        Err(message) => {
            check.push(Severity::Error, message);
            return (check, None);
        }
    };
    let Some((text, changed)) = decode_text(&mut check, &bytes, format, opts) else {
        return (check, None);
    };
    let Some(Parsed { items, warnings }) = parse_items(&mut check, &text, format, opts) else {
        return (check, None);
    };
    record_findings(&mut check, &text, &items, warnings, template, opts);
    let is_template = matches!(check.kind, FileKind::LcdTemplate | FileKind::WebTemplate);
    let for_template = is_template.then(|| (text.to_string(), items));
    check.pack_bytes = Some(if changed { text.into_owned().into_bytes() } else { bytes });
    // The English templates are the source of translations, not a language the phone offers
    // (English is built in, guide §4.2): they are checked but never packed.
    check.packable = !is_template;
    (check, for_template)
}

/// The format of a language file or template; `None` (with the finding recorded) for an editor
/// leftover or a file that is not a language file, which are not read.
pub(super) fn language_format(check: &mut FileCheck, origin: Origin) -> Option<Format> {
    match &check.kind {
        FileKind::Leftover => {
            match origin {
                Origin::Folder => check.push(Severity::Warning, "editor leftover: skipped, never packed"),
                Origin::Archive => check.push(
                    Severity::Error,
                    "editor leftover inside the archive: remove it, the phone's upgrade may fail on it (guide §20)",
                ),
            }
            None
        }
        FileKind::Unknown { reason } => {
            let reason = reason.clone();
            check.push(Severity::Error, reason);
            None
        }
        kind => Some(kind.format().expect("language files have a format")),
    }
}

/// Records an error when the name, under the archive folder, does not fit a plain tar header.
pub(super) fn check_packed_name(check: &mut FileCheck, source: &Source, opts: &CheckOptions) {
    let packed_name = format!("{}/{}", opts.rules.archive.folder, source.name);
    if !source.name.is_empty() && packed_name.len() > crate::mechanisms::archive::MAX_NAME_BYTES {
        check.push(
            Severity::Error,
            format!(
                "the name is {} bytes; inside the archive ('{packed_name}') it exceeds the {} a plain tar header holds: shorten it",
                source.name.len(),
                crate::mechanisms::archive::MAX_NAME_BYTES
            ),
        );
    }
}

/// Parses the items of `text`; `None` (with the error recorded at its place) when it is malformed.
pub(super) fn parse_items(check: &mut FileCheck, text: &str, format: Format, opts: &CheckOptions) -> Option<Parsed> {
    let parsed = match format {
        Format::Xml => xml_items::parse(
            text,
            &xml_items::AttributeRules {
                id_attributes: &opts.rules.files.id_attributes,
                ignored_attributes: &opts.rules.files.ignored_attributes,
            },
        ),
        Format::Js => js_items::parse(text),
    };
    match parsed {
        Ok(p) => Some(p),
        Err(ParseError { line, column, message }) => {
            check.diagnostics.push(Diagnostic::error(&check.file, message).at(line, column));
            None
        }
    }
}
