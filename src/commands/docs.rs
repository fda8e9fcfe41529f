//! `bundler completions SHELL` and `bundler man DIR`: shell completion scripts and man pages, both
//! generated from the command-line definition so they never drift from it.

use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  bundler completions bash > ~/.local/share/bash-completion/completions/bundler\n  bundler completions zsh > ~/.zfunc/_bundler\n  bundler completions fish > ~/.config/fish/completions/bundler.fish"
)]
pub struct CompletionArgs {
    /// The shell to complete in.
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args)]
#[command(after_help = "Example:\n  bundler man /usr/local/share/man/man1 && man bundler-release")]
pub struct ManArgs {
    /// Folder to write the pages into (created when missing): bundler.1, bundler-release.1, …
    pub dir: PathBuf,
    /// Print the pages written as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn completions(args: &CompletionArgs, mut cmd: clap::Command) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "bundler", &mut script);
    bundler::mechanisms::output::write_atomic(Path::new("-"), &script)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes one page per command and subcommand, all or none.
pub fn man(args: &ManArgs, cmd: clap::Command) -> Result<ExitCode> {
    let mut pages = Vec::new();
    collect_pages(cmd.name("bundler"), "bundler", &mut pages)?;
    let staging = bundler::mechanisms::output::StagedDir::new(&args.dir)?;
    for (name, bytes) in &pages {
        staging.write(name, bytes)?;
    }
    staging.commit()?;
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    if args.json {
        bundler::mechanisms::report::print_json(&serde_json::json!({ "dir": args.dir, "pages": names }))?;
    } else if !bundler::quiet() {
        println!("{}: {} man pages ({})", args.dir.display(), names.len(), names.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders `cmd` as `NAME.1` and recurses into its subcommands (`bundler-config-lint.1`).
fn collect_pages(cmd: clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let cmd = cmd.name(name.to_string()).disable_help_subcommand(true);
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page).with_context(|| format!("{name}: cannot render"))?;
    pages.push((format!("{name}.1"), page));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        collect_pages(sub.clone(), &format!("{name}-{}", sub.get_name()), pages)?;
    }
    Ok(())
}
