//! `bundler language`: the command line of it.

pub use bundler::kinds::language::{run, Args};
