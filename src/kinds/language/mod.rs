//! Language packs: check LCD and web translation files against the English templates and build
//! `Language.tar` (Htek guide §4.2, §4.3, §20).
//!
//! The checks live in [`check`] (names, encoding, well-formedness, completeness), the archive in
//! [`pack`]; both are plain functions returning data, for `bundler language` (whose command line
//! is `src/commands/language.rs`) and the release command.

mod check;
mod compare;
pub(crate) mod encoding;
mod items;
pub(crate) mod js_items;
mod names;
mod pack;
mod pack_check;
mod placeholders;
mod position;
mod spec;
pub(crate) mod xml_items;

pub use check::{check_dir, check_paths, CheckOptions, LanguageReport, LanguageRules};
pub use encoding::encoding_for_label;
pub use pack::pack;
pub use pack_check::LanguagePackInspector;
pub use spec::Languages;
