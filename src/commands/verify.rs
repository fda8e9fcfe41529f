//! `bundler verify`: the command line of it.

pub use bundler::ops::verify::{run, Args};
