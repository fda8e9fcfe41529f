//! Names the phone behind a request for the log: model, firmware and MAC from the User-Agent both
//! vendors send (`Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9`, `Flyingvoice FIP13G V0.6.24
//! 00:21:F2:22:AE:F1`, FORMATS.md §3 "How phones identify themselves"), else the MAC or the model's
//! device code in the file name it asks for (`cfg001fc110d3a9.xml`, `cfg0012.xml`, `<mac>.boot`).

use crate::kinds::config::mac::Mac;
use crate::rules::layout::Layouts;

/// The per-model common file names (`cfg0012.xml` → UC924) and the vendor names a User-Agent may
/// start with, from the layouts.
pub struct Who {
    common: Vec<(String, String)>,
    vendors: Vec<String>,
}

impl Who {
    pub fn new(layouts: &Layouts) -> anyhow::Result<Who> {
        let data = layouts.htek.clone();
        let common = layouts
            .models()
            .filter_map(|m| m.device_code.as_ref().map(|c| (data.files.common_name(c), m.name.clone())))
            .collect();
        let vendors = layouts.vendors.iter().map(|v| v.vendor.clone()).collect();
        Ok(Who { common, vendors })
    }

    /// Who asks, for the log line.
    pub fn phone(&self, user_agent: Option<&str>, file: &str) -> String {
        phone(user_agent, file, self)
    }
}

fn phone(user_agent: Option<&str>, file: &str, who: &Who) -> String {
    if let Some(line) = user_agent.and_then(|ua| from_user_agent(ua, &who.vendors)) {
        return line;
    }
    let name = file.rsplit('/').next().unwrap_or(file);
    if let Some(mac) = mac_in(name) {
        return format!("MAC {mac} (from the file name)");
    }
    let models: Vec<&str> = who.common.iter().filter(|(f, _)| f == name).map(|(_, m)| m.as_str()).collect();
    if !models.is_empty() {
        return format!("a {} (the common file of its device code)", models.join(" or "));
    }
    match user_agent {
        Some(ua) => format!("unknown (User-Agent '{ua}')"),
        None => "unknown".to_string(),
    }
}

/// `VENDOR MODEL FIRMWARE MAC` → "Htek UC924 00:1f:c1:10:d3:a9 firmware 2.0.4.6.41", for a
/// VENDOR among `vendors` (the layouts' vendor names, any case).
pub fn from_user_agent(ua: &str, vendors: &[String]) -> Option<String> {
    let parts: Vec<&str> = ua.split_whitespace().collect();
    let [vendor, model, firmware, mac] = parts.as_slice() else { return None };
    if !vendors.iter().any(|v| v.eq_ignore_ascii_case(vendor)) {
        return None;
    }
    let mac = Mac::parse(mac).ok()?;
    Some(format!("{vendor} {model} MAC {mac} firmware {firmware}"))
}

/// The first run of 12 hex digits in `name` that is a phone's MAC.
fn mac_in(name: &str) -> Option<Mac> {
    let b = name.as_bytes();
    (0..b.len().saturating_sub(11)).find_map(|i| {
        let run = &name[i..i + 12];
        let bounded = i == 0 || !b[i - 1].is_ascii_hexdigit();
        let ends = b.get(i + 12).is_none_or(|c| !c.is_ascii_hexdigit());
        (bounded && ends && run.bytes().all(|c| c.is_ascii_hexdigit())).then(|| Mac::parse(run).ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_user_agents_and_file_names() {
        let w = Who::new(&Layouts::builtin().unwrap()).unwrap();
        assert_eq!(
            w.phone(Some("Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9"), "/x"),
            "Htek UC924 MAC 001fc110d3a9 firmware 2.0.4.6.41"
        );
        assert!(w.phone(Some("curl/8"), "/cfg001fc110d3a9.xml").contains("MAC 001fc110d3a9"));
        assert!(w.phone(None, "/cfg0012.xml").contains("UC924"));
        assert_eq!(w.phone(None, "/y000000000000.boot"), "unknown");
    }

    #[test]
    fn a_user_agent_names_a_vendor_the_layouts_know() {
        let ua = "Acme AC1 1.2.3 0a:0b:0c:00:00:01";
        assert_eq!(from_user_agent(ua, &["htek".to_string(), "flyingvoice".to_string()]), None);
        let known = from_user_agent(ua, &["acme".to_string()]);
        assert_eq!(known.as_deref(), Some("Acme AC1 MAC 0a0b0c000001 firmware 1.2.3"));
    }
}
