//! `bundler release`: the command line of it.

pub use bundler::ops::release::{run, Args};
