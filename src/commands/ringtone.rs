//! `bundler ringtone`: the command line of it.

pub use bundler::kinds::ringtone::{run, Args};
