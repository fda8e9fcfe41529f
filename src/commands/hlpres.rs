//! `bundler hlpres`: the command line of it.

pub use bundler::kinds::hlpres::{run, Args};
