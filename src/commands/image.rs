//! `bundler image`: the command line of it.

pub use bundler::ops::image_cmd::{run, Args};
