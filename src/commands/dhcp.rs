//! `bundler dhcp`: the command line of it.

pub use bundler::ops::dhcp::{run, Args};
