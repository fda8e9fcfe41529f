//! The rules: what each vendor and model needs (device codes, firmware names, screen sizes, byte
//! caps, ring-tone formats, config vocabularies), read from `layouts/*.toml` into typed data. The
//! bottom layer: it imports nothing else of the crate.

pub mod glob;
pub mod layout;
pub mod names;
pub mod toml;
