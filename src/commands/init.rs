//! `bundler init`: the command line of it.

pub use bundler::ops::init::{run, Args};
