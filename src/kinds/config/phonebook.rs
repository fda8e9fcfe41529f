//! `--phonebook contacts.csv`: a phonebook XML resource for Flyingvoice phones.
//!
//! Flyingvoice does not publish its phonebook format (FORMATS.md §2), so the shape written is
//! Yealink's phonebook XML with groups — an assumption, kept with its keys in
//! `layouts/flyingvoice-config.toml`:
//!
//! ```text
//! <?xml version="1.0" encoding="UTF-8"?>
//! <YealinkIPPhoneBook>
//! <Title>Phonebook</Title>
//! <Menu Name="Sales">
//! <Unit Name="Alice Example" Phone1="1001" Phone2="+15550100" Phone3="" />
//! </Menu>
//! </YealinkIPPhoneBook>
//! ```
//!
//! The CSV has columns `name`, `numbers` (one to three, separated by `;`) and optionally `group`.

use super::csv_input::CsvFile;
use crate::mechanisms::report::Diagnostic;
use crate::mechanisms::xml::write::{escape, unrepresentable};
use crate::rules::layout::fv_config::PhonebookRules;
use anyhow::{bail, Result};
use std::fmt::Write as _;
use std::path::Path;

struct Contact {
    name: String,
    numbers: Vec<String>,
}

/// Contacts by group, in the order the groups first appear.
type Groups = Vec<(String, Vec<Contact>)>;

/// Reads the contacts CSV and renders the phonebook XML. Every bad row is reported; any makes it fail.
pub fn build(path: &Path, rules: &PhonebookRules) -> Result<String> {
    let mut csv = CsvFile::open(path)?;
    let groups = read_groups(&mut csv, rules)?;
    Ok(render(&groups, rules))
}

/// The columns `name`, `numbers` and (optional) `group`; any other column is an error.
fn columns(csv: &CsvFile) -> Result<(usize, usize, Option<usize>)> {
    let name_col = csv.require_column("name")?;
    let numbers_col = csv.require_column("numbers")?;
    let group_col = csv.column("group");
    if let Some(extra) = csv
        .columns
        .iter()
        .enumerate()
        .find(|(i, _)| ![Some(name_col), Some(numbers_col), group_col].contains(&Some(*i)))
    {
        bail!("{}:1: unknown column '{}': a phonebook has columns name, numbers, group", csv.shown, extra.1);
    }
    Ok((name_col, numbers_col, group_col))
}

/// Every row's contact, grouped; every bad row is reported, and any makes it fail.
fn read_groups(csv: &mut CsvFile, rules: &PhonebookRules) -> Result<Groups> {
    let (name_col, numbers_col, group_col) = columns(csv)?;
    let shown = csv.shown.clone();
    let mut groups: Groups = Vec::new();
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut count = 0usize;
    while let Some(row) = csv.next_row()? {
        let line = row.line as usize;
        let cell = |i: usize| row.fields.get(i).unwrap_or_default().trim().to_string();
        let name = cell(name_col);
        let group = group_col.map(cell).filter(|g| !g.is_empty()).unwrap_or_else(|| rules.default_group.clone());
        let numbers: Vec<String> =
            cell(numbers_col).split(';').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        if let Some(msg) = problem(&name, &group, &numbers, rules) {
            errors.push(Diagnostic::error(shown.clone(), msg).at(line, 1));
            continue;
        }
        count += 1;
        if count > rules.max_contacts {
            bail!("{shown}:{line}: more than {} contacts", rules.max_contacts);
        }
        let contact = Contact { name, numbers };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(contact),
            None => groups.push((group, vec![contact])),
        }
    }
    if !errors.is_empty() {
        return Err(super::phones::refuse(&errors));
    }
    if count == 0 {
        bail!("{shown}: no contacts (only a header row)");
    }
    Ok(groups)
}

/// What is wrong with one contact row, if anything.
fn problem(name: &str, group: &str, numbers: &[String], rules: &PhonebookRules) -> Option<String> {
    if name.is_empty() {
        Some("the name is empty".to_string())
    } else if numbers.is_empty() {
        Some(format!("{name} has no number"))
    } else if numbers.len() > rules.max_numbers {
        Some(format!("{name} has {} numbers; a phonebook entry holds at most {}", numbers.len(), rules.max_numbers))
    } else {
        [name, group]
            .into_iter()
            .chain(numbers.iter().map(String::as_str))
            .find_map(unrepresentable)
            .map(|why| format!("a value {why}"))
    }
}

/// The phonebook XML of `groups`.
fn render(groups: &Groups, rules: &PhonebookRules) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<YealinkIPPhoneBook>\n");
    let _ = writeln!(xml, "<Title>{}</Title>", escape(&rules.title, false));
    for (group, contacts) in groups {
        let _ = writeln!(xml, "<Menu Name=\"{}\">", escape(group, true));
        for c in contacts {
            let _ = write!(xml, "<Unit Name=\"{}\"", escape(&c.name, true));
            for i in 0..rules.max_numbers {
                let _ =
                    write!(xml, " Phone{}=\"{}\"", i + 1, escape(c.numbers.get(i).map_or("", String::as_str), true));
            }
            xml.push_str(" />\n");
        }
        xml.push_str("</Menu>\n");
    }
    xml.push_str("</YealinkIPPhoneBook>\n");
    xml
}
/// The roots of the Yealink-style phonebooks Flyingvoice phones are given: the grouped book bundler
/// writes, and the flat directory of FusionPBX's FIP templates (`flyingvoice/fip*/directory.xml`),
/// with the element that holds one contact in each.
const PHONEBOOK_ROOTS: &[(&str, &str)] =
    &[("YealinkIPPhoneBook", "Unit"), ("YealinkIPPhoneDirectory", "DirectoryEntry")];

/// `bundler inspect` for phonebook XML (read with the recovering reader, as files from elsewhere).
pub struct PhonebookInspector;

impl PhonebookInspector {
    fn root(
        bytes: &[u8],
    ) -> Option<(crate::mechanisms::xml::recover::Element, Vec<crate::mechanisms::xml::recover::Finding>)> {
        let text = crate::mechanisms::xml::decode::decode(bytes).ok()?;
        let doc = crate::mechanisms::xml::recover::read(&text.text);
        let root = doc.nodes.into_iter().find_map(|n| match n {
            crate::mechanisms::xml::recover::Node::Element(e) => Some(e),
            _ => None,
        })?;
        PHONEBOOK_ROOTS.iter().any(|(r, _)| *r == root.name).then_some((root, doc.findings))
    }
}

impl crate::mechanisms::findings::Inspector for PhonebookInspector {
    fn recognises(
        &self,
        name: &str,
        bytes: &[u8],
        _: &crate::mechanisms::findings::Options,
        _: &crate::Context,
    ) -> bool {
        name.to_ascii_lowercase().ends_with(".xml")
            && bytes.windows(12).take(4096).any(|w| w == b"<YealinkIPPh")
            && Self::root(bytes).is_some()
    }

    fn inspect(
        &self,
        shown: &str,
        bytes: &[u8],
        _: &crate::mechanisms::findings::Options,
        _: &crate::Context,
    ) -> Result<crate::mechanisms::findings::FileReport> {
        let Some((root, findings)) = Self::root(bytes) else { bail!("{shown}: not a Yealink-style phonebook") };
        let entry = PHONEBOOK_ROOTS.iter().find(|(r, _)| *r == root.name).map_or("", |(_, e)| *e);
        let mut r = crate::mechanisms::findings::FileReport::new(shown, format!("phonebook XML (<{}>)", root.name));
        fn count(e: &crate::mechanisms::xml::recover::Element, name: &str) -> usize {
            e.elements().map(|c| usize::from(c.name == name) + count(c, name)).sum()
        }
        r.field("contacts", count(&root, entry));
        r.diagnostics
            .extend(findings.into_iter().map(|f| Diagnostic::new(shown, f.severity, f.message).at(f.line, f.column)));
        Ok(r)
    }
}
