//! The Htek config vocabulary from `layouts/htek-config.toml`: file names, the P-codes bundler
//! fills in itself, the resource URLs, and the P-code dictionary (para text, alias, type, range).

use crate::layout::{ConfigFormat, DataFile, Vendor};
use crate::report::Severity;
use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The layout data file this module reads.
pub const DATA_FILE: &str = "htek-config.toml";

/// Everything `htek-config.toml` says.
#[derive(Debug)]
pub struct HtekData {
    pub files: Files,
    pub settings: OwnSettings,
    pcodes: BTreeMap<u32, Pcode>,
    /// Lower-case alias → code.
    aliases: HashMap<String, u32>,
    /// Named-dialect element → its entry.
    names: BTreeMap<String, NamedElement>,
    /// Code → its named-dialect element.
    name_of: HashMap<u32, String>,
}

/// Config file names; `{code}` is the device code, `{mac}` the lowercase MAC.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Files {
    pub common: String,
    pub binary: String,
    pub phone: String,
}

impl Files {
    /// The common file of a device code (`cfg0012.xml`), without prefix/postfix.
    pub fn common_name(&self, code: &str) -> String {
        self.common.replace("{code}", code)
    }

    /// The per-phone XML file (`cfg001fc110d3a9.xml`), without prefix/postfix.
    pub fn phone_name(&self, mac: &str) -> String {
        self.phone.replace("{mac}", mac)
    }

    /// The proprietary binary per-phone file (`cfg001fc110d3a9`).
    pub fn binary_name(&self, mac: &str) -> String {
        self.binary.replace("{mac}", mac)
    }
}

/// The P-codes bundler sets itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnSettings {
    pub config_prefix: String,
    pub config_postfix: String,
    pub aes_key: String,
    pub authenticate: String,
}

/// What a P-code's value is, where known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueType {
    #[default]
    Text,
    Integer,
    Boolean,
    Url,
    HttpUrl,
    HexKey,
}

/// One dictionary entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pcode {
    pub para: String,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default, rename = "type")]
    pub value_type: ValueType,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub range_source: Option<String>,
    #[serde(default)]
    pub source: String,
}

impl Pcode {
    /// How serious breaking this entry's type or range is: an error when the rule is published
    /// (guide/public), a warning when it is our assumption.
    fn severity(&self) -> Severity {
        match &self.range_source {
            Some(s) if s.starts_with("assumed") => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// The config prefix/postfix settings are named twice (here for `config htek`, in the vendor
/// layout's `[provisioning]` for the tree checks): they must agree, for every vendor with Htek XML
/// configs.
fn check_prefix_settings(vendors: &[Vendor], own: &OwnSettings, shown: &str) -> Result<()> {
    for vendor in vendors.iter().filter(|v| v.config_format == Some(ConfigFormat::HtekXml)) {
        check_vendor_prefixes(vendor, own, shown)?;
    }
    Ok(())
}

fn check_vendor_prefixes(vendor: &Vendor, own: &OwnSettings, shown: &str) -> Result<()> {
    let p = &vendor.provisioning;
    for (key, here, there) in [
        ("config_prefix", &own.config_prefix, &p.config_prefix),
        ("config_postfix", &own.config_postfix, &p.config_postfix),
    ] {
        if there.as_ref().is_some_and(|t| t != here) {
            bail!(
                "{shown}: [settings] {key} = \"{here}\" but the {} layout's [provisioning] says \"{}\"",
                vendor.vendor,
                there.as_deref().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// The number of a P-code name: `P47` → 47. A P-code is a capital P and a positive integer
/// (guide §2.3); leading zeros and more than 9 digits are refused.
pub fn parse_pcode(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('P')?;
    if digits.is_empty() || digits.len() > 9 || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    files: Files,
    settings: OwnSettings,
    pcodes: BTreeMap<String, Pcode>,
    #[serde(default)]
    accounts: Option<Accounts>,
    #[serde(default)]
    names: BTreeMap<String, NamedElement>,
}

/// `[accounts]`: per-account settings as rows of codes (accounts 1–6) and a formula (7 on).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Accounts {
    count: u32,
    source: String,
    settings: Vec<AccountSetting>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountSetting {
    key: String,
    /// With `{n}` for the account number.
    para: String,
    #[serde(default, rename = "type")]
    value_type: ValueType,
    #[serde(default)]
    range_source: Option<String>,
    /// The codes of accounts 1, 2, … as listed.
    codes: Vec<u32>,
    /// Accounts after the listed ones: `from7 + (account - 7)` (named for the templates' 6 listed).
    from7: u32,
}

impl Accounts {
    /// Every (code, entry) the rows stand for.
    fn expand(&self, shown: &str) -> Result<Vec<(u32, Pcode)>> {
        let mut out = Vec::new();
        for row in &self.settings {
            for n in 1..=self.count {
                let code = match row.codes.get(n as usize - 1) {
                    Some(c) => *c,
                    None if n >= 7 => row.from7 + (n - 7),
                    None => bail!("{shown}: [accounts] {}: codes lists {} accounts; list 6", row.key, row.codes.len()),
                };
                let entry = Pcode {
                    para: row.para.replace("{n}", &n.to_string()),
                    alias: Some(format!("account{n}.{}", row.key)),
                    value_type: row.value_type,
                    min: None,
                    max: None,
                    range_source: row.range_source.clone(),
                    source: self.source.clone(),
                };
                out.push((code, entry));
            }
        }
        Ok(out)
    }
}

/// A named-dialect element (`<FirmwareUpGrade_HlpresUrl>`) and the P-code it stands for, if known.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedElement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcode: Option<String>,
    pub source: String,
}

impl HtekData {
    /// Reads the vocabulary from its layout data file (built in, with any override applied); done
    /// once, when the layouts load.
    pub fn read(data: &DataFile, vendors: &[Vendor]) -> Result<HtekData> {
        let shown = &data.shown;
        let raw: Raw = toml::Value::Table(data.table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| anyhow!("{shown}: {}", e.message().trim()))?;
        let mut pcodes = BTreeMap::new();
        let mut aliases = HashMap::new();
        let mut entries: Vec<(String, u32, Pcode)> = Vec::new();
        for (name, entry) in raw.pcodes {
            let Some(code) = parse_pcode(&name) else {
                bail!("{shown}: [pcodes.{name}]: not a P-code (a capital P and a number, e.g. P47)");
            };
            entries.push((name, code, entry));
        }
        if let Some(accounts) = &raw.accounts {
            for (code, entry) in accounts.expand(shown)? {
                if entries.iter().any(|(_, c, _)| *c == code) {
                    bail!("{shown}: [accounts] {} is P{code}, which [pcodes.P{code}] also defines", entry.para);
                }
                entries.push((format!("P{code}"), code, entry));
            }
        }
        for (name, code, entry) in entries {
            if let Some(alias) = &entry.alias {
                if parse_pcode(alias).is_some()
                    || alias.eq_ignore_ascii_case("mac")
                    || alias.eq_ignore_ascii_case("model")
                {
                    bail!("{shown}: [pcodes.{name}]: alias '{alias}' would be read as something else");
                }
                if let Some(other) = aliases.insert(alias.to_ascii_lowercase(), code) {
                    bail!("{shown}: alias '{alias}' is used by both P{other} and {name}");
                }
            }
            pcodes.insert(code, entry);
        }
        for name in [
            &raw.settings.config_prefix,
            &raw.settings.config_postfix,
            &raw.settings.aes_key,
            &raw.settings.authenticate,
        ] {
            if parse_pcode(name).is_none() {
                bail!("{shown}: '{name}' is not a P-code");
            }
        }
        let mut name_of = HashMap::new();
        for (name, element) in &raw.names {
            if let Some(pcode) = &element.pcode {
                let Some(code) = parse_pcode(pcode) else {
                    bail!("{shown}: [names.{name}]: '{pcode}' is not a P-code")
                };
                if let Some(other) = name_of.insert(code, name.clone()) {
                    bail!("{shown}: {pcode} has two element names, {other} and {name}");
                }
            }
        }
        let names = raw.names;
        check_prefix_settings(vendors, &raw.settings, shown)?;
        Ok(HtekData { files: raw.files, settings: raw.settings, pcodes, aliases, names, name_of })
    }

    /// The code a column or key name means: a P-code (`P47`, any case) or an alias
    /// (`account1.sip_server`, any case). The error suggests the nearest alias.
    pub fn code_for(&self, name: &str) -> Result<u32, String> {
        let name = name.trim();
        let upper = name.to_ascii_uppercase();
        if let Some(code) = parse_pcode(&upper) {
            return Ok(code);
        }
        if let Some(code) = self.aliases.get(&name.to_ascii_lowercase()) {
            return Ok(*code);
        }
        let lower = name.to_ascii_lowercase();
        let nearest = self
            .aliases
            .keys()
            .map(|a| (strsim::osa_distance(&lower, a), a))
            .filter(|(d, _)| *d <= 3)
            .min()
            .map(|(_, a)| format!("; did you mean {a}?"))
            .unwrap_or_default();
        Err(format!("unknown setting '{name}': not a P-code (P47) or an alias from layouts/{DATA_FILE}{nearest}"))
    }

    /// The code of a P-code name from the data's own settings (always valid after `load`).
    pub fn own(&self, name: &str) -> u32 {
        parse_pcode(name).unwrap_or(0)
    }

    /// Every dictionary entry, by code.
    pub fn pcodes(&self) -> impl Iterator<Item = (u32, &Pcode)> {
        self.pcodes.iter().map(|(c, p)| (*c, p))
    }

    /// What a named-dialect element stands for: `Some(Some(code))` when tied to a P-code,
    /// `Some(None)` when known without one, `None` when unknown.
    pub fn element(&self, name: &str) -> Option<Option<u32>> {
        self.names.get(name).map(|e| e.pcode.as_deref().and_then(parse_pcode))
    }

    /// The named-dialect element of a code, where one is tied to it.
    pub fn element_name(&self, code: u32) -> Option<&str> {
        self.name_of.get(&code).map(String::as_str)
    }

    /// Every named-dialect element.
    pub fn elements(&self) -> &BTreeMap<String, NamedElement> {
        &self.names
    }

    /// The `para` text to write beside a code's value (empty for codes not in the dictionary).
    pub fn para(&self, code: u32) -> &str {
        self.pcodes.get(&code).map_or("", |p| p.para.as_str())
    }

    /// Checks a value against the code's type and range. `None` when it fits or nothing is known.
    pub fn check_value(&self, code: u32, value: &str) -> Option<(Severity, String)> {
        let entry = self.pcodes.get(&code)?;
        if value.is_empty() {
            return None;
        }
        let why = |what: String| -> Option<(Severity, String)> {
            let source = entry.range_source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            Some((entry.severity(), format!("P{code} ({}) {what}{source}", entry.para)))
        };
        match entry.value_type {
            ValueType::Text => None,
            ValueType::Integer => match value.trim().parse::<i64>() {
                Err(_) => why(format!("must be a whole number, not '{value}'")),
                Ok(n) if entry.min.is_some_and(|m| n < m) || entry.max.is_some_and(|m| n > m) => {
                    let lo = entry.min.map_or("…".to_string(), |m| m.to_string());
                    let hi = entry.max.map_or("…".to_string(), |m| m.to_string());
                    why(format!("is {n}, outside {lo}–{hi}"))
                }
                Ok(_) => None,
            },
            ValueType::Boolean if value != "0" && value != "1" => why(format!("must be 0 or 1, not '{value}'")),
            ValueType::Boolean => None,
            ValueType::Url if value.chars().any(char::is_whitespace) => {
                why(format!("is a URL and cannot contain spaces: '{value}'"))
            }
            ValueType::Url => None,
            ValueType::HttpUrl => {
                let lower = value.to_ascii_lowercase();
                if !(lower.starts_with("http://") || lower.starts_with("https://"))
                    || value.chars().any(char::is_whitespace)
                {
                    why(format!("must be an http:// or https:// URL, not '{value}'"))
                } else {
                    None
                }
            }
            ValueType::HexKey => {
                if value.is_empty() || value.len() > 16 || !value.chars().all(|c| c.is_ascii_hexdigit()) {
                    why(format!("must be 1 to 16 hex digits, not '{value}'"))
                } else if value.chars().any(|c| c.is_ascii_lowercase()) {
                    Some((
                        Severity::Warning,
                        format!(
                            "P{code} ({}): the guide spells the key with 0-9, A-F; write '{}'",
                            entry.para,
                            value.to_ascii_uppercase()
                        ),
                    ))
                } else {
                    None
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> HtekData {
        let l = crate::layout::Layouts::load(None).unwrap();
        HtekData::read(l.data(crate::config::pcodes::DATA_FILE).unwrap(), &l.vendors).unwrap()
    }

    #[test]
    fn every_code_formats_md_names_is_in_the_dictionary() {
        let d = data();
        let named = [
            47, 747, 8631, 8721, 20174, 20175, 20176, 20177, 20051, 20052, 232, 233, 234, 235, 238, 192, 237, 194, 193,
            212, 240, 8621, 2525, 8660, 8950, 104, 423, 523, 623, 20059, 20060, 20061, 20062, 20063, 20064, 20065,
            1360, 1361, 20165,
        ];
        for code in named {
            let p = d.pcodes.get(&code).unwrap_or_else(|| panic!("P{code} missing"));
            assert!(!p.para.is_empty() && p.alias.is_some() && !p.source.is_empty(), "P{code}: {p:?}");
        }
        assert_eq!(d.para(47), "Account1_Sipserver");
    }

    #[test]
    fn names_resolve_to_codes() {
        let d = data();
        assert_eq!(d.code_for("P47"), Ok(47));
        assert_eq!(d.code_for("p747"), Ok(747));
        assert_eq!(d.code_for("Account1.SIP_Server"), Ok(47));
        assert_eq!(d.code_for("P35"), Ok(35));
        let e = d.code_for("acount1.sip_server").unwrap_err();
        assert!(e.contains("did you mean account1.sip_server"), "{e}");
        assert!(d.code_for("P047").is_err());
        assert_eq!(parse_pcode("P0"), None);
        assert_eq!(parse_pcode("Px"), None);
    }

    #[test]
    fn values_are_checked_against_known_types() {
        let d = data();
        assert!(d.check_value(47, "anything goes").is_none());
        assert_eq!(d.check_value(8631, "12G").unwrap().0, Severity::Error);
        assert_eq!(d.check_value(8631, "abc").unwrap().0, Severity::Warning);
        assert!(d.check_value(8631, "ABC").is_none());
        assert_eq!(d.check_value(20176, "ftp://x/hlpres.tar").unwrap().0, Severity::Error);
        assert!(d.check_value(20176, "https://x/hlpres.tar").is_none());
        assert_eq!(d.check_value(8721, "9").unwrap().0, Severity::Warning);
        assert_eq!(d.check_value(193, "0").unwrap().0, Severity::Warning);
        assert_eq!(d.check_value(194, "yes").unwrap().0, Severity::Error);
        assert!(d.check_value(193, "10080").is_none());
        assert!(d.check_value(99999, "x").is_none());
    }
}
