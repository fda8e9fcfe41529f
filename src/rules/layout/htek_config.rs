//! The Htek config vocabulary from `layouts/htek-config.toml`, read once when the layouts load:
//! file names, the P-codes bundler fills in itself, the P-code dictionary (para text, alias, type,
//! range), the named-dialect elements, and the line syntax of a P-code setting. What is done with
//! it (checking values, writing and reading configs) is `crate::kinds::config`'s.

use super::{ConfigFormat, DataFile};
use crate::rules::names::named_values;
use anyhow::{anyhow, bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

/// The layout data file this module reads.
pub const DATA_FILE: &str = "htek-config.toml";

/// Which element names a config file uses (`config_dialect` in a vendor layout, `--dialect`;
/// each value described with its name below).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    Pcode,
    Named,
}

named_values!(Dialect {
    Pcode = "pcode": "`<P47 para=\"…\">value</P47>` (the guide's)",
    Named = "named": "`<Profile1_Sipserver>value</Profile1_Sipserver>` (newer firmware; FusionPBX uc926u)",
});

/// Everything `htek-config.toml` says.
#[derive(Debug)]
pub struct HtekData {
    /// The vendor files' `config_format` this vocabulary serves (`format`).
    pub format: ConfigFormat,
    /// The `bundler config` subcommand that writes these files (`command`).
    pub command: String,
    pub files: Files,
    /// The elements every file is made of (`[document]`).
    pub document: Document,
    /// What `bundler init` writes into a new release.toml (`[release]`).
    pub release: ReleaseExample,
    pub settings: OwnSettings,
    /// The AES IV every phone decrypts with (`[encryption] iv`, 32 hex digits).
    pub iv: [u8; 16],
    /// The dictionary (`[pcodes]`, `[accounts]`, `[names]`, `[public]`: most of the file's
    /// 600 KB), built on first use so a command that writes no config does not parse it. Built at
    /// load when an override file changes the data, so its errors show then, with positions.
    dictionary: OnceLock<Dictionary>,
    file: Arc<DataFile>,
}

/// The P-code dictionary with its indexes.
#[derive(Debug)]
struct Dictionary {
    pcodes: BTreeMap<u32, Pcode>,
    /// Lower-case alias → code.
    aliases: HashMap<String, u32>,
    /// Named-dialect element → its entry.
    names: BTreeMap<String, NamedElement>,
    /// Code → its named-dialect element.
    name_of: HashMap<u32, String>,
}

impl Dictionary {
    /// Reads the whole (merged) data file, checking every key: its head and its dictionary.
    fn read(file: &DataFile) -> Result<(Head, Dictionary)> {
        let shown = &file.shown;
        let raw: Raw = match file.builtin_text() {
            Some(text) => crate::rules::toml::parse(shown, text)?,
            None => toml::Value::Table(file.table().clone())
                .try_into()
                .map_err(|e: toml::de::Error| anyhow!("{shown}: {}", e.message().trim()))?,
        };
        let (mut pcodes, aliases) = dictionary(raw.pcodes, raw.accounts.as_ref(), shown)?;
        let mut names = raw.names;
        add_public(&mut pcodes, &mut names, raw.public, shown)?;
        let name_of = element_codes(&names, shown)?;
        let head = Head {
            format: raw.format,
            command: raw.command,
            files: raw.files,
            document: raw.document,
            encryption: raw.encryption,
            release: raw.release,
            settings: raw.settings,
        };
        Ok((head, Dictionary { pcodes, aliases, names, name_of }))
    }
}

/// The part of the data file every command needs: what it serves, its file names and document
/// shape, and the P-codes bundler fills in itself (read without the dictionary).
#[derive(Deserialize)]
struct Head {
    format: ConfigFormat,
    command: String,
    files: Files,
    document: Document,
    encryption: Encryption,
    release: ReleaseExample,
    settings: OwnSettings,
}

/// `[encryption]`: how per-phone files are encrypted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Encryption {
    iv: String,
}

impl Encryption {
    /// The IV's 16 bytes.
    fn iv(&self, shown: &str) -> Result<[u8; 16]> {
        let digits = self.iv.as_bytes();
        let mut iv = [0u8; 16];
        if digits.len() != 32 || !digits.iter().all(u8::is_ascii_hexdigit) {
            bail!("{shown}: [encryption] iv must be 32 hex digits (16 bytes)");
        }
        for (i, pair) in digits.chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).unwrap_or("00");
            iv[i] = u8::from_str_radix(hex, 16).unwrap_or(0);
        }
        Ok(iv)
    }
}

/// The elements of a config file (`[document]`): `<root version="…"><config version="…">`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub root: String,
    pub config: String,
    pub version: String,
}

/// The example values `bundler init` writes into a new release.toml (`[release]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseExample {
    /// The variable `[config] aes_key_env` names.
    pub aes_key_env: String,
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
    /// The `para` names the public templates give the code, where they differ from `para`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_para: Vec<String>,
    /// Value choices a public template's comment documents, where they differ from min/max.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_values: Option<PublicValues>,
}

/// Numbered choices a public template documents for a code (FusionPBX: 0 UDP, 1 TCP, 2 TLS, 3 DNS SRV).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PublicValues {
    pub values: Vec<i64>,
    pub meaning: String,
    /// The repository and path that documents them.
    pub source: String,
}

/// `[public]`: facts from the public templates (generated by tools/public-dictionary/extract.py).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Public {
    /// Key → "repository path".
    #[serde(default)]
    sources: BTreeMap<String, String>,
    #[serde(default)]
    pcodes: BTreeMap<String, PublicCode>,
    #[serde(default)]
    names: BTreeMap<String, PublicName>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicCode {
    para: Vec<String>,
    sources: Vec<String>,
    #[serde(default)]
    values: Option<Vec<i64>>,
    #[serde(default)]
    meaning: Option<String>,
    #[serde(default)]
    values_source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicName {
    #[serde(default)]
    pcode: Option<String>,
    sources: Vec<String>,
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
    format: ConfigFormat,
    command: String,
    files: Files,
    document: Document,
    encryption: Encryption,
    release: ReleaseExample,
    settings: OwnSettings,
    pcodes: BTreeMap<String, Pcode>,
    #[serde(default)]
    accounts: Option<Accounts>,
    #[serde(default)]
    names: BTreeMap<String, NamedElement>,
    #[serde(default)]
    public: Public,
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
                    public_para: Vec::new(),
                    public_values: None,
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
    /// From `[public.names]`: read, never written (several public names may stand for one code).
    #[serde(skip)]
    pub public: bool,
}

impl HtekData {
    /// Reads the vocabulary from its layout data file (built in, with any override applied), when
    /// the layouts load: the head at once, the dictionary on first use (at once when overridden).
    pub fn read(file: Arc<DataFile>) -> Result<HtekData> {
        let shown = &file.shown;
        let (head, dictionary) = match file.builtin_head(DICTIONARY_TABLES) {
            Some(text) => (crate::rules::toml::parse::<Head>(shown, text)?, OnceLock::new()),
            None => {
                let (head, dictionary) = Dictionary::read(&file)?;
                (head, OnceLock::from(dictionary))
            }
        };
        let s = &head.settings;
        for name in [&s.config_prefix, &s.config_postfix, &s.aes_key, &s.authenticate] {
            if parse_pcode(name).is_none() {
                bail!("{shown}: '{name}' is not a P-code");
            }
        }
        Ok(HtekData {
            format: head.format,
            command: head.command,
            files: head.files,
            iv: head.encryption.iv(shown)?,
            document: head.document,
            release: head.release,
            settings: head.settings,
            dictionary,
            file,
        })
    }

    /// The dictionary, built on first use. Only the built-in file is read this late, and the tests
    /// read it whole (`the_builtin_dictionary_reads`), so building it cannot fail here.
    fn dictionary(&self) -> &Dictionary {
        self.dictionary.get_or_init(|| Dictionary::read(&self.file).expect("the built-in htek-config.toml reads").1)
    }

    /// The code a column or key name means: a P-code (`P47`, any case) or an alias
    /// (`account1.sip_server`, any case). The error suggests the nearest alias.
    pub fn code_for(&self, name: &str) -> Result<u32, String> {
        let name = name.trim();
        let upper = name.to_ascii_uppercase();
        if let Some(code) = parse_pcode(&upper) {
            return Ok(code);
        }
        if let Some(code) = self.dictionary().aliases.get(&name.to_ascii_lowercase()) {
            return Ok(*code);
        }
        let lower = name.to_ascii_lowercase();
        let nearest = self
            .dictionary()
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
        self.dictionary().pcodes.iter().map(|(c, p)| (*c, p))
    }

    /// What a named-dialect element stands for: `Some(Some(code))` when tied to a P-code,
    /// `Some(None)` when known without one, `None` when unknown.
    pub fn element(&self, name: &str) -> Option<Option<u32>> {
        self.dictionary().names.get(name).map(|e| e.pcode.as_deref().and_then(parse_pcode))
    }

    /// The named-dialect element of a code, where one is tied to it.
    pub fn element_name(&self, code: u32) -> Option<&str> {
        self.dictionary().name_of.get(&code).map(String::as_str)
    }

    /// Every named-dialect element.
    pub fn elements(&self) -> &BTreeMap<String, NamedElement> {
        &self.dictionary().names
    }

    /// The `para` text to write beside a code's value (empty for codes not in the dictionary).
    pub fn para(&self, code: u32) -> &str {
        self.dictionary().pcodes.get(&code).map_or("", |p| p.para.as_str())
    }

    /// The dictionary entry of a code, if it has one.
    pub fn pcode(&self, code: u32) -> Option<&Pcode> {
        self.dictionary().pcodes.get(&code)
    }
}

/// The tables of the dictionary: in the built-in file they follow the head, which is read up to the
/// first of them.
const DICTIONARY_TABLES: &[&str] = &["[pcodes.", "[accounts", "[names", "[public"];

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

/// Lays the public evidence over the dictionary: a code no entry has gets one (its para the first
/// public name, an integer range where a source documents choices); an entry whose para or range
/// a public source gives otherwise keeps both. Public names join `[names]` for reading.
fn add_public(
    pcodes: &mut BTreeMap<u32, Pcode>,
    names: &mut BTreeMap<String, NamedElement>,
    public: Public,
    shown: &str,
) -> Result<()> {
    let source_of = |keys: &[String]| -> Result<String> {
        let paths: Result<Vec<&str>> = keys
            .iter()
            .map(|k| {
                public
                    .sources
                    .get(k)
                    .map(String::as_str)
                    .ok_or_else(|| anyhow!("{shown}: [public] source '{k}' is not in [public.sources]"))
            })
            .collect();
        Ok(format!("public: {}", paths?.join("; ")))
    };
    for (name, code) in &public.pcodes {
        let Some(number) = parse_pcode(name) else { bail!("{shown}: [public.pcodes] {name}: not a P-code") };
        let values = match (&code.values, &code.meaning, &code.values_source) {
            (Some(v), Some(m), Some(s)) => Some(PublicValues {
                values: v.clone(),
                meaning: m.clone(),
                source: source_of(std::slice::from_ref(s))?,
            }),
            _ => None,
        };
        let entry = pcodes.entry(number).or_insert_with(|| Pcode {
            para: code.para.first().cloned().unwrap_or_default(),
            alias: None,
            value_type: if values.is_some() { ValueType::Integer } else { ValueType::Text },
            min: values.as_ref().and_then(|v| v.values.iter().min().copied()),
            max: values.as_ref().and_then(|v| v.values.iter().max().copied()),
            range_source: values.as_ref().map(|v| format!("{} ({})", v.meaning, v.source)),
            source: String::new(),
            public_para: Vec::new(),
            public_values: None,
        });
        entry.source = match entry.source.as_str() {
            "" => source_of(&code.sources)?,
            ours => format!("{ours}; {}", source_of(&code.sources)?),
        };
        entry.public_para = code.para.iter().filter(|p| **p != entry.para).cloned().collect();
        let differs = values.as_ref().is_some_and(|v| {
            entry.min != v.values.iter().min().copied() || entry.max != v.values.iter().max().copied()
        });
        entry.public_values = values.filter(|_| differs);
    }
    add_public_names(pcodes, names, public.names, &source_of)
}

/// Public names join `[names]`: a name `[names]` lacks is added (tied to a code where a public
/// pairing or a dictionary para text ties one); a `[names]` entry without a code gets the public one.
fn add_public_names(
    pcodes: &BTreeMap<u32, Pcode>,
    names: &mut BTreeMap<String, NamedElement>,
    public: BTreeMap<String, PublicName>,
    source_of: &dyn Fn(&[String]) -> Result<String>,
) -> Result<()> {
    let by_para = para_index(pcodes);
    for (name, mut e) in public {
        let mut source = source_of(&e.sources)?;
        // A name no public pairing ties, but that is the para text of exactly one dictionary code
        // (bundler's own, e.g. Profile1_FailoverSipserver for P967).
        if e.pcode.is_none() {
            if let Some(&[code]) = by_para.get(&para_key(&name)).map(Vec::as_slice) {
                e.pcode = Some(format!("P{code}"));
                source = format!("{source}; code: the para text of P{code} in this file");
            }
        }
        match names.get_mut(&name) {
            None => {
                names.insert(name, NamedElement { pcode: e.pcode, source, public: true });
            }
            // `[names]` knew the name but not its code; the public pairing settles it.
            Some(known) if known.pcode.is_none() && e.pcode.is_some() => {
                known.pcode = e.pcode;
                known.source = format!("{}; code from {source}", known.source);
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// How a para text and an element name are compared: letters and digits, any case, `Account<n>`
/// and `Profile<n>` alike (as tools/public-dictionary/extract.py pairs them).
fn para_key(name: &str) -> String {
    let key: String = name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    match key.strip_prefix("account") {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => format!("profile{rest}"),
        _ => key,
    }
}

/// Para key → the codes with that para text (bundler's and the public ones).
fn para_index(pcodes: &BTreeMap<u32, Pcode>) -> HashMap<String, Vec<u32>> {
    let mut index: HashMap<String, Vec<u32>> = HashMap::new();
    for (code, p) in pcodes {
        let mut keys: Vec<String> = std::iter::once(&p.para).chain(&p.public_para).map(|t| para_key(t)).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            index.entry(key).or_default().push(*code);
        }
    }
    index
}

/// Code → its named-dialect element (the `[names]` entries; public names are read, not written); a
/// code with two element names is an error.
fn element_codes(names: &BTreeMap<String, NamedElement>, shown: &str) -> Result<HashMap<u32, String>> {
    let mut name_of = HashMap::new();
    for (name, element) in names.iter().filter(|(_, e)| !e.public) {
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
    crate::rules::layout::Layouts::builtin().unwrap().htek
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::builtin as data;

    #[test]
    fn the_builtin_dictionary_reads() {
        let layouts = crate::rules::layout::Layouts::builtin().unwrap();
        let file = layouts.data(DATA_FILE).unwrap();
        let (head, dictionary) = Dictionary::read(file).unwrap();
        let text = file.builtin_head(DICTIONARY_TABLES).unwrap();
        assert!(text.len() < 10_000, "the head is read without the dictionary: {} bytes", text.len());
        let alone: Head = crate::rules::toml::parse(&file.shown, text).unwrap();
        assert_eq!((alone.format, alone.settings.aes_key), (head.format, head.settings.aes_key));
        assert!(dictionary.pcodes.len() > 2000 && dictionary.names.len() > 2000);
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
