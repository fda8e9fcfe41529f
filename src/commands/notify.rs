//! `bundler notify`: the command line of it.

pub use bundler::ops::notify::{run, Args};
