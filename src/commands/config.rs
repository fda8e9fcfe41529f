//! `bundler config`: the command line of it.

pub use bundler::kinds::config::{run, Args};
