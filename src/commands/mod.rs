//! The command line: one file per command, the only code that knows clap. Each file holds its
//! command's arguments and its `run`, which calls the library (`bundler::ops`, `bundler::kinds`),
//! prints, and picks the exit status.

pub mod config;
pub mod dhcp;
pub mod diff;
pub mod docs;
pub mod firmware;
pub mod hlpres;
pub mod image;
pub mod init;
pub mod inspect;
pub mod language;
pub mod models;
pub mod notify;
pub mod phone;
pub mod publish;
pub mod release;
pub mod ringtone;
pub mod serve;
pub mod verify;

use bundler::rules::names::Named;
use bundler::Context;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks and packs ring tones, images, language packs, firmware and configs for Htek UC900 and
/// Flyingvoice FIP phones.
#[derive(Parser)]
#[command(name = "bundler", version, about)]
pub struct Cli {
    /// Folder of layout TOML files that extend or override the built-in model rules.
    #[arg(long, global = true, env = "BUNDLER_LAYOUTS", value_name = "DIR")]
    pub layouts: Option<PathBuf>,
    /// Print only errors and findings: no summaries, no progress.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Convert audio (WAV, AIFF, .au, MP3, FLAC, Ogg, raw PCM) into a phone ring tone (ring4.bin … ring8.bin).
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
    Image(image::Args),
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
    Diff(diff::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions(docs::CompletionArgs),
    /// Write man pages, one per command and subcommand, into a folder.
    Man(docs::ManArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    bundler::set_quiet(cli.quiet);
    // Commands that use no layout do not load them.
    match &cli.command {
        Command::Completions(args) => return docs::completions(args, <Cli as clap::CommandFactory>::command()),
        Command::Man(args) => return docs::man(args, <Cli as clap::CommandFactory>::command()),
        Command::Diff(args) => return diff::run(args),
        Command::Publish(args) => return publish::run(args),
        _ => {}
    }
    // The layouts live until the process ends: freeing them one by one at exit costs more than a
    // short command's work (valgrind: 0.25 M instructions of `bundler models`' 5.6 M).
    let ctx: &Context = Box::leak(Box::new(Context::load(cli.layouts.as_deref())?));
    match cli.command {
        Command::Ringtone(args) => ringtone::run(&args, ctx),
        Command::Models(args) => models::run(&args, ctx),
        Command::Inspect(args) => inspect::run(&args, ctx),
        Command::Language(args) => language::run(&args, ctx),
        Command::Firmware(args) => firmware::run(&args, ctx),
        Command::Release(args) => release::run(&args, ctx),
        Command::Verify(args) => verify::run(&args, ctx),
        Command::Config(args) => config::run(&args, ctx),
        Command::Hlpres(args) => hlpres::run(&args, ctx),
        Command::Image(args) => image::run(&args, ctx),
        Command::Phone(args) => phone::run(&args, ctx),
        Command::Serve(args) => serve::run(&args, ctx),
        Command::Notify(args) => notify::run(&args, ctx),
        Command::Dhcp(args) => dhcp::run(&args, ctx),
        Command::Init(args) => init::run(&args, ctx),
        Command::Completions(_) | Command::Man(_) | Command::Diff(_) | Command::Publish(_) => {
            unreachable!("handled above")
        }
    }
}

/// The value parser of a named set ([`Named`]): `--help` lists its names (with their descriptions),
/// and only those are taken.
pub fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    let values = T::CHOICES.iter().map(|&(_, name, help)| {
        let value = PossibleValue::new(name);
        if help.is_empty() {
            value
        } else {
            value.help(help)
        }
    });
    PossibleValuesParser::new(values).try_map(|name| T::from_name(&name))
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn a_named_value_is_taken_by_its_exact_name_only() {
        use bundler::mechanisms::image::Fit;
        let cmd = clap::Command::new("t").arg(clap::Arg::new("fit").long("fit").value_parser(super::named::<Fit>()));
        let m = cmd.clone().try_get_matches_from(["t", "--fit", "contain"]).unwrap();
        assert_eq!(m.get_one::<Fit>("fit"), Some(&Fit::Contain));
        let e = cmd.try_get_matches_from(["t", "--fit", "Cover"]).unwrap_err().to_string();
        assert!(e.contains("[possible values: auto, cover, contain, stretch]"), "{e}");
    }
}
