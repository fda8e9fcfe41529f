//! `bundler firmware`: the command line of it.

pub use bundler::kinds::firmware::{run, Args};
