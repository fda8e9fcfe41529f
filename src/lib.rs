//! bundler's modules as a library: the CLI (src/main.rs) and the fuzz targets (fuzz/) use them.

#![forbid(unsafe_code)]

pub mod archive;
pub mod checksums;
pub mod config;
pub mod dhcp;
pub mod epoch;
pub mod firmware;
#[doc(hidden)]
pub mod fuzzing;
pub mod glob;
pub mod hlpres;
pub mod image;
pub mod input;
pub mod inspect;
pub mod language;
pub mod layout;
pub mod models;
pub mod notify;
pub mod output;
pub mod release;
pub mod report;
pub mod ringtone;
pub mod verify;
pub mod walk;

/// What every command gets besides its own arguments.
pub struct Context {
    pub layouts: layout::Layouts,
}
