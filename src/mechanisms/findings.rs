//! What every inspector shares: the report of one file ([`FileReport`]), the options an inspector
//! sees ([`Options`], [`Templates`]) and the [`Inspector`] signature. The kinds of file import
//! this; only the `inspect` registry (src/inspect.rs) imports the kinds.

use crate::mechanisms::report::{has_errors, Diagnostic};
use crate::Context;
use anyhow::Result;
use serde::Serialize;
use std::path::Path;

/// What inspection found in one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    /// What the file is (`ring tone (gsrt)`, `tar`, …).
    pub kind: String,
    /// Facts read from the file, in display order.
    pub fields: Vec<(String, serde_json::Value)>,
    /// Entries of a container file (tar members), each a report of its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<FileReport>,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileReport {
    pub fn new(file: &str, kind: impl Into<String>) -> FileReport {
        FileReport {
            file: file.to_string(),
            kind: kind.into(),
            fields: Vec::new(),
            entries: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Adds a fact.
    pub fn field(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        self.fields.push((name.to_string(), value.into()));
    }

    pub fn has_errors(&self) -> bool {
        has_errors(&self.diagnostics) || self.entries.iter().any(FileReport::has_errors)
    }

    pub fn print(&self, indent: usize, limiter: &mut crate::mechanisms::report::Limiter) {
        let pad = " ".repeat(indent);
        println!("{pad}{}: {}", self.file, self.kind);
        for (k, v) in &self.fields {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("{pad}  {k:<16}{shown}");
        }
        for d in self.diagnostics.iter().filter(|d| limiter.admit(d)) {
            println!("{pad}  {d}");
        }
        for e in &self.entries {
            e.print(indent + 2, limiter);
        }
    }
}

/// The options every inspector sees.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    pub model: Option<&'a crate::rules::layout::Model>,
    pub wav: Option<&'a Path>,
    /// English templates to check language files inside a `Language.tar` against.
    pub templates: Templates<'a>,
}

/// The English language templates given on the command line, if any.
#[derive(Clone, Copy, Default)]
pub struct Templates<'a> {
    pub lcd: Option<&'a Path>,
    pub web: Option<&'a Path>,
}

/// One kind of file `inspect` understands.
pub trait Inspector {
    /// Whether `bytes` (the whole file) is this kind of file (for `opts.model`, or any model).
    fn recognises(&self, name: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> bool;
    /// Reads the file and reports on it. An `Err` means the file could not be read at all.
    fn inspect(&self, shown: &str, bytes: &[u8], opts: &Options, ctx: &Context) -> Result<FileReport>;
}
