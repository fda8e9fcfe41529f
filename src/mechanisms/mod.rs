//! The mechanisms: one of each, and none knows a kind or a vendor. They may read the rules
//! (`crate::rules`), never a kind, an operation or a command.

pub mod archive;
pub mod artifact;
pub mod checksums;
pub mod digest;
pub mod epoch;
pub mod error;
pub mod findings;
pub mod headers;
pub mod image;
pub mod input;
pub mod output;
pub mod printable;
pub mod progress;
pub mod report;
pub mod sip;
#[cfg(test)]
pub mod test_peer;
pub mod tomlfile;
pub mod tree_compare;
pub mod tree_file;
pub mod tree_manifest;
pub mod walk;
pub mod xml;
