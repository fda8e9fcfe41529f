//! The rules: what each vendor and model needs (device codes, firmware names, screen sizes, byte
//! caps, ring-tone formats, config vocabularies), read from `layouts/*.toml` into typed data. The
//! bottom layer: it imports nothing else of the crate.

pub mod glob;
pub mod layout;
pub mod names;
pub mod toml;

/// What stands for the server in a URL when no base URL is known (a release without `base_url`,
/// the printed firmware settings, an example in a message): phones cannot fetch it, so a reader
/// sees at once that the real server is still to be filled in.
pub const SERVER_PLACEHOLDER: &str = "http://SERVER";
