//! `bundler dhcp`: its arguments; the configuration itself is `bundler::ops::dhcp`'s.

use bundler::ops::dhcp::{config, Format, Target};
use bundler::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The provisioning tree's URL, e.g. http://192.0.2.10/htek.
    #[arg(long, value_name = "URL", required_unless_present = "tree", conflicts_with = "tree")]
    url: Option<String>,
    /// A tree built by `bundler release`: the phones get the URL of its configs (base_url from its
    /// manifest.json + the vendor's config folder, e.g. http://192.0.2.10/htek/config) and the vendor.
    #[arg(long, value_name = "DIR")]
    tree: Option<PathBuf>,
    /// With --tree: where the tree is served, when not at its manifest's base_url (any scheme the
    /// phones fetch with: tftp://, ftp://user:password@host/…, http://, https://).
    #[arg(long, value_name = "URL", requires = "tree")]
    base_url: Option<String>,
    /// Only this vendor's phones (default: the tree's vendor, or every vendor).
    #[arg(long)]
    vendor: Option<String>,
    /// Which DHCP server the configuration is for.
    #[arg(long, value_parser = super::named::<Format>())]
    format: Format,
}

pub fn run(args: &Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let target = match (&args.url, &args.tree) {
        (Some(url), _) => Target::Url(url),
        (None, Some(dir)) => Target::Tree { dir, base_url: args.base_url.as_deref() },
        (None, None) => anyhow::bail!("give --url URL or --tree DIR"),
    };
    print!("{}", config(target, args.vendor.as_deref(), args.format, ctx)?);
    Ok(ExitCode::SUCCESS)
}
