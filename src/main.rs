//! bundler: checks and packs vendor assets into exactly what Htek and Flyingvoice phones fetch.
//!
//! This file only parses the command line, hands it to `commands` (one file per command) and turns
//! an error into a line on stderr and an exit status.

#![forbid(unsafe_code)]

mod commands;

use clap::Parser;
use commands::Cli;
use std::process::ExitCode;

/// The exit status when the work could not be done (unreadable or invalid input, I/O failure), as
/// for clap's usage errors. 1 is kept for a check that found errors in what it was given.
const COULD_NOT_WORK: u8 = 2;

/// The exit status of a run whose standard output was closed early (`bundler verify build | head
/// -1`): what a shell reports for a Unix tool ended by SIGPIPE (128 + 13).
const BROKEN_PIPE_EXIT: i32 = 141;

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::from(BROKEN_PIPE_EXIT as u8),
        Err(e) => {
            let word =
                if bundler::mechanisms::report::snippet::stderr_colour() { "\x1b[1;31merror\x1b[0m" } else { "error" };
            eprintln!("{word}: {e:#}");
            ExitCode::from(COULD_NOT_WORK)
        }
    }
}

/// Output is printed with `println!`, which panics when standard output is a closed pipe (Rust
/// ignores SIGPIPE, and restoring it needs `unsafe`). This hook turns exactly that panic into a
/// quiet exit, as Unix tools end; every other panic is reported as before.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
    }));
}

/// Whether an error is a write to a closed pipe (JSON output is written, not printed).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<std::io::Error>()).any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
