//! bundler's modules as a library: the CLI (src/main.rs) and the fuzz targets (fuzz/) use them.

#![forbid(unsafe_code)]

pub mod archive;
pub mod artifact;
pub mod checksums;
pub mod config;
pub mod dhcp;
pub mod digest;
pub mod docs;
pub mod epoch;
pub mod findings;
pub mod firmware;
#[doc(hidden)]
pub mod fuzzing;
pub mod glob;
pub mod headers;
pub mod hlpres;
pub mod image;
pub mod image_cmd;
pub mod init;
pub mod input;
pub mod inspect;
pub mod language;
pub mod layout;
pub mod models;
pub mod notify;
pub mod output;
pub mod phone;
pub mod printable;
pub mod progress;
pub mod publish;
pub mod release;
pub mod report;
pub mod ringtone;
pub mod serve;
pub mod sip;
pub mod tomlfile;
pub mod tree_compare;
pub mod tree_diff;
pub mod tree_file;
pub mod tree_manifest;
pub mod verify;
pub mod walk;
pub mod xml;

/// What every command gets besides its own arguments.
pub struct Context {
    pub layouts: layout::Layouts,
}

/// Whether `-q/--quiet` was given: summaries and progress are left out, errors and findings stay.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether summaries and progress are to be left out (`-q`).
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets `-q/--quiet` for the whole run (main does, once).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}
