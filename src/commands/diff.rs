//! `bundler diff`: the command line of it.

pub use bundler::ops::tree_diff::{run, Args};
