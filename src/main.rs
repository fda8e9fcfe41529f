//! bundler: checks and packs vendor assets into exactly what Htek and Flyingvoice phones fetch.
//!
//! This file only parses the command line and hands each subcommand to its module.

#![forbid(unsafe_code)]

mod archive;
mod checksums;
mod config;
mod epoch;
mod firmware;
mod glob;
mod hlpres;
mod image;
mod input;
mod inspect;
mod language;
mod layout;
mod models;
mod output;
mod release;
mod report;
mod ringtone;
mod tomlfile;
mod verify;
mod walk;

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
    Image(hlpres::image_command::Args),
}

/// What every command gets besides its own arguments.
pub struct Context {
    pub layouts: layout::Layouts,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Context { layouts: layout::Layouts::load(cli.layouts.as_deref())? };
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
        Command::Image(args) => hlpres::image_command::run(&args, &ctx),
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
