//! The Flyingvoice walk: `<mac>.boot`, else `y000000000000.boot`, then each `include:config` in
//! order, depth first, later values overriding earlier ones (Flyingvoice guide; FORMATS.md §2).
//! Includes are URLs relative to the file that names them, or absolute.

use super::fetch::{in_folder, Client, CONFIG_MAX};
use super::url::join;
use super::{Phone, Settings};
use crate::kinds::config::flyingvoice::includes::{self, Fetched, Located, Step};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::FvData;
use anyhow::Result;

pub fn provision(p: &mut Phone, base: &str) -> Result<Settings> {
    let data = p.ctx.layouts.flyingvoice.clone();
    let own = in_folder(base, &data.files.phone_boot.replace("{mac}", p.mac.as_str()));
    let common = in_folder(base, &data.files.common_boot);
    let mut settings = Settings::default();
    for url in [own, common.clone()] {
        match p.client.get(&url, CONFIG_MAX) {
            Ok(bytes) => {
                follow(p, &data, &url, &bytes, &mut settings)?;
                return Ok(settings);
            }
            Err(e) if e.not_found() => {}
            Err(why) => {
                p.findings.push(Diagnostic::error(&url, why.to_string()));
                return Ok(settings);
            }
        }
    }
    let hint = p.configs_one_level_down(base, &data.files.common_boot).unwrap_or_default();
    p.findings.push(Diagnostic::error(
        common,
        format!("neither the phone's own boot file nor the common one is there: the phone gets no settings{hint}"),
    ));
    Ok(settings)
}

/// Reads the fetched boot file and follows its includes in order (the walk `config resolve` uses).
fn follow(p: &mut Phone, data: &FvData, url: &str, bytes: &[u8], into: &mut Settings) -> Result<()> {
    let findings = &mut p.findings;
    includes::walk(&mut Server(&mut p.client), data, url, bytes, &mut |step| match step {
        Step::Setting { file, key, value, .. } => into.set(key.to_string(), value.to_string(), file),
        Step::Parsed(diagnostics) => findings.extend_from_slice(diagnostics),
        Step::Problem(d) => findings.push(d),
        Step::File { .. } => {}
    })
}

/// The provisioning server, as the phone fetches from it: includes are URLs relative to the file
/// that names them, or absolute.
struct Server<'a>(&'a mut Client);

impl includes::Source for Server<'_> {
    fn locate(&mut self, from: &str, target: &str) -> Located {
        Located::At(join(from, target))
    }

    fn fetch(&mut self, next: &str, target: &str) -> Result<Fetched> {
        Ok(match self.0.get(next, CONFIG_MAX) {
            Ok(bytes) => Fetched::Got(bytes),
            Err(e) if e.not_found() => Fetched::NotRead(format!(
                "includes '{target}', which the server does not have ({next}): the phone gets nothing from it"
            )),
            Err(why) => Fetched::NotRead(format!("includes '{target}' ({next}): {why}")),
        })
    }
}
