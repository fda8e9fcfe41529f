//! `bundler serve`: the command line of it.

pub use bundler::ops::serve::{run, Args};
