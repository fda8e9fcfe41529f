//! bundler: checks and packs vendor assets into exactly what Htek and Flyingvoice phones fetch.
//!
//! This file only parses the command line and hands each subcommand to its module (src/lib.rs).

#![forbid(unsafe_code)]

use bundler::kinds::{config, firmware, hlpres, language, ringtone};
use bundler::ops::{
    dhcp, docs, image_cmd, init, inspect, models, notify, phone, publish, release, serve, tree_diff, verify,
};
use bundler::Context;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks and packs ring tones, images, language packs, firmware and configs for Htek UC900 and
/// Flyingvoice FIP phones.
#[derive(Parser)]
#[command(name = "bundler", version, about)]
struct Cli {
    /// Folder of layout TOML files that extend or override the built-in model rules.
    #[arg(long, global = true, env = "BUNDLER_LAYOUTS", value_name = "DIR")]
    layouts: Option<PathBuf>,
    /// Print only errors and findings: no summaries, no progress.
    #[arg(short, long, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert audio (WAV, raw PCM, MP3, FLAC, Ogg) into a phone ring tone (ring4.bin … ring8.bin).
    Ringtone(ringtone::Args),
    /// List the known phone models, or show every rule of one model.
    Models(models::Args),
    /// Check translation files against the English templates and build Language.tar.
    Language(language::Args),
    /// Lay out firmware (fw9xx.rom, legacy boot_/img_ files) with prefix/postfix names and SHA256SUMS.
    Firmware(firmware::Args),
    /// Build a whole provisioning tree from one release manifest.
    Release(release::Args),
    /// Re-check a provisioning tree (built by bundler or by hand) against the model rules.
    Verify(verify::Args),
    /// Show what a file is (ring tone, WAV, tar) and check it against a model's rules.
    Inspect(inspect::Args),
    /// Provisioning configs: Htek XML (with AES) and Flyingvoice boot/cfg files; lint, resolve, decrypt.
    Config(config::Args),
    /// Build a model's hlpres.tar (wallpapers, screensavers, logos, icons) from your images.
    Hlpres(hlpres::Args),
    /// Make one screen asset (wallpaper, screensaver, logo, icon) at the model's size and cap.
    Image(image_cmd::Args),
    /// Act as one phone pointed at a provisioning server: fetch what it fetches and check all of it.
    Phone(phone::Args),
    /// Serve a provisioning tree read-only over HTTP and TFTP, logging each phone's requests.
    Serve(serve::Args),
    /// Tell phones to fetch their provisioning tree now (SIP NOTIFY, Event: check-sync).
    Notify(notify::Args),
    /// Print the DHCP server config (dnsmasq, ISC, Kea) that points phones at the tree (options 66/128/150).
    Dhcp(dhcp::Args),
    /// Start a release project: release.toml, phones.csv and common.toml to fill in, and the source folders.
    Init(init::Args),
    /// Put a built tree on S3-compatible object storage: resources, then configs, only what changed.
    Publish(publish::Args),
    /// What changed between two trees (added, changed, removed files), from their manifest.json.
    Diff(tree_diff::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions(docs::CompletionArgs),
    /// Write man pages, one per command and subcommand, into a folder.
    Man(docs::ManArgs),
}

/// The exit status when the work could not be done (unreadable or invalid input, I/O failure), as
/// for clap's usage errors. 1 is kept for a check that found errors in what it was given.
const COULD_NOT_WORK: u8 = 2;

/// The exit status of a run whose standard output was closed early (`bundler verify build | head
/// -1`): what a shell reports for a Unix tool ended by SIGPIPE (128 + 13).
const BROKEN_PIPE_EXIT: i32 = 141;

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    match run(cli) {
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

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    bundler::set_quiet(cli.quiet);
    // Commands that use no layout do not load them.
    match &cli.command {
        Command::Completions(args) => return docs::completions(args, <Cli as clap::CommandFactory>::command()),
        Command::Man(args) => return docs::man(args, <Cli as clap::CommandFactory>::command()),
        Command::Diff(args) => return tree_diff::run(args),
        Command::Publish(args) => return publish::run(args),
        _ => {}
    }
    let ctx = Context::load(cli.layouts.as_deref())?;
    match cli.command {
        Command::Ringtone(args) => ringtone::run(&args, &ctx),
        Command::Models(args) => models::run(&args, &ctx),
        Command::Inspect(args) => inspect::run(&args, &ctx),
        Command::Language(args) => language::run(&args, &ctx),
        Command::Firmware(args) => firmware::run(&args, &ctx),
        Command::Release(args) => release::run(&args, &ctx),
        Command::Verify(args) => verify::run(&args, &ctx),
        Command::Config(args) => config::run(&args, &ctx),
        Command::Hlpres(args) => hlpres::run(&args, &ctx),
        Command::Image(args) => image_cmd::run(&args, &ctx),
        Command::Phone(args) => phone::run(&args, &ctx),
        Command::Serve(args) => serve::run(&args, &ctx),
        Command::Notify(args) => notify::run(&args, &ctx),
        Command::Dhcp(args) => dhcp::run(&args, &ctx),
        Command::Init(args) => init::run(&args, &ctx),
        Command::Completions(_) | Command::Man(_) | Command::Diff(_) | Command::Publish(_) => {
            unreachable!("handled above")
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
