//! `bundler docs` / `bundler completions`, `bundler man`: the command line of it.

pub use bundler::ops::docs::{completions, man, CompletionArgs, ManArgs};
