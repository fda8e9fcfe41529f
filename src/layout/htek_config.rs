//! The Htek config vocabulary from `layouts/htek-config.toml`, read once when the layouts load:
//! file names, the P-codes bundler fills in itself, the P-code dictionary (para text, alias, type,
//! range), the named-dialect elements, and the line syntax of a P-code setting. What is done with
//! it (checking values, writing and reading configs) is `crate::config`'s.

use super::DataFile;
use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The layout data file this module reads.
pub const DATA_FILE: &str = "htek-config.toml";

/// Which element names a config file uses (`config_dialect` in a vendor layout, `--dialect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// `<P47 para="…">value</P47>` (the guide's).
    Pcode,
    /// `<Profile1_Sipserver>value</Profile1_Sipserver>` (newer firmware; FusionPBX uc926u).
    Named,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Dialect, String> {
        match s {
            "pcode" => Ok(Dialect::Pcode),
            "named" => Ok(Dialect::Named),
            other => Err(format!("config dialect '{other}' is not pcode or named")),
        }
    }
}

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
    pub fn read(data: &DataFile) -> Result<HtekData> {
        let shown = &data.shown;
        let raw: Raw = toml::Value::Table(data.table.clone())
            .try_into()
            .map_err(|e: toml::de::Error| anyhow!("{shown}: {}", e.message().trim()))?;
        let (pcodes, aliases) = dictionary(raw.pcodes, raw.accounts.as_ref(), shown)?;
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
        let name_of = element_codes(&raw.names, shown)?;
        Ok(HtekData { files: raw.files, settings: raw.settings, pcodes, aliases, names: raw.names, name_of })
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

    /// The dictionary entry of a code, if it has one.
    pub fn pcode(&self, code: u32) -> Option<&Pcode> {
        self.pcodes.get(&code)
    }

    /// One setting as its line of a P-code-dialect config file (`<P47 para="…">value</P47>`, or
    /// `<P47 para="…" />` when empty), with the dictionary's `para` text and the value escaped.
    pub fn setting_line(&self, code: u32, value: &str) -> String {
        crate::xml::write::element(&format!("P{code}"), &[("para", self.para(code))], value)
    }
}

/// The `[pcodes]` entries and the `[accounts]` rows as one dictionary, with its alias index.
fn dictionary(
    listed: BTreeMap<String, Pcode>,
    accounts: Option<&Accounts>,
    shown: &str,
) -> Result<(BTreeMap<u32, Pcode>, HashMap<String, u32>)> {
    let mut entries: Vec<(String, u32, Pcode)> = Vec::new();
    for (name, entry) in listed {
        let Some(code) = parse_pcode(&name) else {
            bail!("{shown}: [pcodes.{name}]: not a P-code (a capital P and a number, e.g. P47)");
        };
        entries.push((name, code, entry));
    }
    for (code, entry) in accounts.map(|a| a.expand(shown)).transpose()?.unwrap_or_default() {
        if entries.iter().any(|(_, c, _)| *c == code) {
            bail!("{shown}: [accounts] {} is P{code}, which [pcodes.P{code}] also defines", entry.para);
        }
        entries.push((format!("P{code}"), code, entry));
    }
    let (mut pcodes, mut aliases) = (BTreeMap::new(), HashMap::new());
    for (name, code, entry) in entries {
        if let Some(alias) = &entry.alias {
            if parse_pcode(alias).is_some() || alias.eq_ignore_ascii_case("mac") || alias.eq_ignore_ascii_case("model")
            {
                bail!("{shown}: [pcodes.{name}]: alias '{alias}' would be read as something else");
            }
            if let Some(other) = aliases.insert(alias.to_ascii_lowercase(), code) {
                bail!("{shown}: alias '{alias}' is used by both P{other} and {name}");
            }
        }
        pcodes.insert(code, entry);
    }
    Ok((pcodes, aliases))
}

/// Code → its named-dialect element; a code with two element names is an error.
fn element_codes(names: &BTreeMap<String, NamedElement>, shown: &str) -> Result<HashMap<u32, String>> {
    let mut name_of = HashMap::new();
    for (name, element) in names {
        if let Some(pcode) = &element.pcode {
            let Some(code) = parse_pcode(pcode) else { bail!("{shown}: [names.{name}]: '{pcode}' is not a P-code") };
            if let Some(other) = name_of.insert(code, name.clone()) {
                bail!("{shown}: {pcode} has two element names, {other} and {name}");
            }
        }
    }
    Ok(name_of)
}

/// The built-in dictionary, for unit tests here and in `config`.
#[cfg(test)]
pub fn builtin() -> std::sync::Arc<HtekData> {
    crate::layout::Layouts::load(None).unwrap().htek
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::builtin as data;

    #[test]
    fn every_code_formats_md_names_is_in_the_dictionary() {
        let d = data();
        let named = [
            47, 747, 8631, 8721, 20174, 20175, 20176, 20177, 20051, 20052, 232, 233, 234, 235, 238, 192, 237, 194, 193,
            212, 240, 8621, 2525, 8660, 8950, 104, 423, 523, 623, 20059, 20060, 20061, 20062, 20063, 20064, 20065,
            1360, 1361, 20165,
        ];
        for code in named {
            let p = d.pcode(code).unwrap_or_else(|| panic!("P{code} missing"));
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
}
