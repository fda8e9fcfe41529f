//! `bundler inspect`: the command line of it.

pub use bundler::ops::inspect::{run, Args, TemplateArgs};
