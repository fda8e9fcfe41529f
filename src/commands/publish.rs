//! `bundler publish`: the command line of it.

pub use bundler::ops::publish::{run, Args};
