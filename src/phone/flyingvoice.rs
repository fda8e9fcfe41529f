//! The Flyingvoice walk: `<mac>.boot`, else `y000000000000.boot`, then each `include:config` in
//! order, depth first, later values overriding earlier ones (Flyingvoice guide; FORMATS.md §2).
//! Includes are URLs relative to the file that names them, or absolute.

use super::fetch::{in_folder, join, Outcome};
use super::{Phone, Settings};
use crate::config::fvfile::{self, Item, Kind};
use crate::layout::FvData;
use crate::report::Diagnostic;
use anyhow::Result;

/// How deep includes may nest (as `config resolve`).
const MAX_DEPTH: usize = 8;

pub fn provision(p: &mut Phone, base: &str) -> Result<Settings> {
    let data = p.ctx.layouts.flyingvoice.clone();
    let own = in_folder(base, &data.files.phone_boot.replace("{mac}", p.mac.as_str()));
    let common = in_folder(base, &data.files.common_boot);
    let mut settings = Settings::default();
    for url in [own, common.clone()] {
        match p.client.get(&url) {
            Outcome::Got(bytes) => {
                follow(p, &data, &url, &bytes, &mut Vec::new(), &mut settings);
                return Ok(settings);
            }
            Outcome::Failed(why) => {
                p.findings.push(Diagnostic::error(&url, why));
                return Ok(settings);
            }
            Outcome::Missing => {}
        }
    }
    p.findings.push(Diagnostic::error(
        common,
        "neither the phone's own boot file nor the common one is there: the phone gets no settings",
    ));
    Ok(settings)
}

/// Reads one fetched file and follows its includes in order.
fn follow(p: &mut Phone, data: &FvData, url: &str, bytes: &[u8], stack: &mut Vec<String>, into: &mut Settings) {
    let kind = Kind::of(url).unwrap_or(Kind::Cfg);
    let parsed = fvfile::parse(url, bytes, kind, &data.syntax);
    p.findings.extend(parsed.diagnostics);
    stack.push(url.to_string());
    for item in parsed.items {
        match item {
            Item::Setting { key, value, .. } => into.set(key, value, url),
            Item::Include { target, line, column } => {
                let next = join(url, &target);
                let at = |msg: String| Diagnostic::error(url, msg).at(line, column);
                if stack.contains(&next) {
                    p.findings.push(at(format!("includes '{target}', which is already being read: an include cycle")));
                } else if stack.len() > MAX_DEPTH {
                    p.findings.push(at(format!("includes '{target}': includes nest deeper than {MAX_DEPTH} levels")));
                } else {
                    match p.client.get(&next) {
                        Outcome::Got(b) => follow(p, data, &next, &b, stack, into),
                        Outcome::Missing => p.findings.push(at(format!(
                            "includes '{target}', which the server does not have ({next}): the phone gets nothing from it"
                        ))),
                        Outcome::Failed(why) => p.findings.push(at(format!("includes '{target}' ({next}): {why}"))),
                    }
                }
            }
        }
    }
    stack.pop();
}
