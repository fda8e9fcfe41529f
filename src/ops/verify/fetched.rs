//! The file names a phone fetches, derived from the layouts (ring slot files, the tars a model
//! takes, firmware names, the direct image downloads of the layouts' fetch tables), and what a
//! file of that name must hold. A file with such a name that is not what the phone expects is an
//! error in `verify`, never skipped: the phone would fetch it and choke.

use crate::mechanisms::image::Format;
use crate::ops::inspect::FileReport;
use crate::rules::layout::Forbidden;
use crate::Context;
use anyhow::Result;

/// What a fetched name must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Ring,
    LanguageTar,
    HlpresTar,
    Tar,
    Image,
    /// Opaque firmware: not inspected, but never empty and never a zip or a tar.
    Firmware,
}

impl Expect {
    fn describe(self) -> &'static str {
        match self {
            Expect::Ring => "a ring tone",
            Expect::LanguageTar => "a language pack tar",
            Expect::HlpresTar => "a tar of screen assets",
            Expect::Tar => "a tar",
            Expect::Image => "an image",
            Expect::Firmware => "a firmware image",
        }
    }

    /// Whether an inspection report is of the kind expected (`None` when the error is this).
    pub fn problem(self, report: &FileReport) -> Option<String> {
        let kind = report.kind.as_str();
        let ok = match self {
            Expect::Ring => kind.starts_with("ring tone") || kind.starts_with("WAV"),
            Expect::LanguageTar => kind.starts_with("tar, language pack"),
            Expect::HlpresTar => kind.starts_with("tar (screen assets)"),
            Expect::Tar => kind.starts_with("tar"),
            Expect::Image => kind.starts_with("image ("),
            Expect::Firmware => true,
        };
        (!ok).then(|| self.unreadable(&format!("it reads as {kind}")))
    }

    /// The error text for a fetched file that is not what its name says.
    pub fn unreadable(self, why: &str) -> String {
        format!("the phone fetches this name and expects {}, but {why}", self.describe())
    }
}

/// The fetched names of every model in the layouts.
pub struct Fetched {
    /// Names (`ring4.bin`, `hlpres.tar`), lower case. Like the firmware names they are found inside
    /// a served name: Htek serves files as PREFIX + name + POSTFIX (guide §10).
    names: Vec<(String, Expect)>,
    /// Firmware names (lower case).
    firmware: Vec<String>,
    /// Firmware name globs (`FIP13G-FVUI_V*.bin`).
    firmware_globs: Vec<String>,
    /// Globs of names that look like some vendor's firmware (`*.rom*`).
    firmware_like: Vec<String>,
    /// Names no vendor's phone may be served, with the reason.
    forbidden: Vec<Forbidden>,
}

impl Fetched {
    pub fn from_layouts(ctx: &Context) -> Result<Fetched> {
        let vendors = &ctx.layouts.vendors;
        let mut f = Fetched {
            names: Vec::new(),
            firmware: Vec::new(),
            firmware_globs: Vec::new(),
            firmware_like: vendors.iter().flat_map(|v| v.firmware_like.iter().cloned()).collect(),
            forbidden: vendors.iter().flat_map(|v| v.forbidden.iter().cloned()).collect(),
        };
        for m in ctx.layouts.models() {
            for slot in &m.ringtone.slots {
                f.names.push((m.ringtone.file.replace("{slot}", &slot.to_string()).to_ascii_lowercase(), Expect::Ring));
            }
            let tars = [(&m.language, Expect::LanguageTar), (&m.hlpres, Expect::HlpresTar), (&m.exp_pres, Expect::Tar)];
            for (rule, expect) in tars {
                f.names.extend(rule.iter().map(|r| (r.file.to_ascii_lowercase(), expect)));
            }
            f.firmware.extend(m.firmware.iter().chain(&m.legacy_firmware).map(|n| n.to_ascii_lowercase()));
            f.firmware_globs.extend(m.firmware_pattern.iter().map(|p| p.replace("{model}", &m.name)));
        }
        // The direct downloads the configs point phones at (the fetch tables' `MODEL/wallpaper.jpg`).
        for r in ctx.layouts.vendors.iter().flat_map(|v| &v.fetch) {
            let name = r.path.rsplit('/').next().unwrap_or_default();
            if Format::from_name(name).is_some() {
                f.names.push((name.to_ascii_lowercase(), Expect::Image));
            }
        }
        Ok(f)
    }

    /// What a file of this name must hold, if a phone fetches it.
    pub fn expect(&self, name: &str) -> Option<Expect> {
        let lower = name.to_ascii_lowercase();
        if let Some((_, e)) = self.names.iter().find(|(n, _)| lower.contains(n.as_str())) {
            return Some(*e);
        }
        let firmware = self.firmware.iter().any(|f| lower.contains(f.as_str()))
            || self.firmware_globs.iter().any(|g| crate::rules::glob::matches(g, name));
        firmware.then_some(Expect::Firmware)
    }

    /// A firmware-looking name (a vendor's `firmware_like`) that no model fetches.
    pub fn unknown_firmware(&self, name: &str) -> bool {
        self.firmware_like.iter().any(|g| crate::rules::glob::matches(g, name)) && self.expect(name).is_none()
    }

    /// Why a file of this name must never be served, if a vendor's `[[forbidden]]` names it.
    pub fn forbidden(&self, name: &str) -> Option<&str> {
        self.forbidden.iter().find(|f| crate::rules::glob::matches(&f.name, name)).map(|f| f.reason.as_str())
    }
}

/// Why a file with a firmware name cannot be firmware, if it cannot.
pub fn firmware_problem(bytes: &[u8], max: u64) -> Option<String> {
    let why = if bytes.is_empty() {
        "it is empty".to_string()
    } else if bytes.len() as u64 > max {
        format!("it is {} bytes, over the {max} bytes of the layouts", bytes.len())
    } else if bytes.starts_with(b"PK\x03\x04") {
        "it is a zip (unpack the vendor zip with `bundler firmware`)".to_string()
    } else if crate::mechanisms::archive::looks_like_tar(bytes) {
        "it is a tar".to_string()
    } else {
        return None;
    };
    Some(Expect::Firmware.unreadable(&why))
}
