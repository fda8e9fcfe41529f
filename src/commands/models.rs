//! `bundler models`: the command line of it.

pub use bundler::ops::models::{run, Args};
