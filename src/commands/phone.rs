//! `bundler phone`: the command line of it.

pub use bundler::ops::phone::{run, Args};
