//! The Htek config XML shape (guide §2.4), both ways: rendering settings into it and reading a file
//! back with every deviation reported at its line and column. The one reader of both dialects:
//! P-code elements (`<P47 para="…">`) and, for newer firmware, named elements
//! (`<FirmwareUpGrade_HlpresUrl>`, FORMATS.md §3), mapped to P-codes by `[names]` in the layouts.
//!
//! ```text
//! <?xml version="1.0" encoding="UTF-8" ?>
//! <hl_provision version="1">
//! <config version="1">
//! <P47 para="Account1_Sipserver">192.168.0.68:5060</P47>
//! <P967 para="Profile1_FailoverSipserver" />
//! </config>
//! </hl_provision>
//! ```

use super::pcodes::CheckValue;
use crate::mechanisms::report::{Diagnostic, Severity};
use crate::mechanisms::xml::recover::{self, Element, Node};
use crate::mechanisms::xml::write;
use crate::rules::layout::htek_config::{parse_pcode, Dialect, Document, HtekData};
use std::collections::HashMap;

/// One setting as its line of a P-code-dialect config file (`<P47 para="…">value</P47>`, or
/// `<P47 para="…" />` when empty), with the dictionary's `para` text and the value escaped.
pub fn setting_line(data: &HtekData, code: u32, value: &str) -> String {
    write::element(&format!("P{code}"), &[("para", data.para(code))], value)
}

/// Renders settings in `dialect`. The named dialect can write only codes with an element name
/// (`[names]`): the error is the first code without one.
pub fn render_in<'a>(
    dialect: Dialect,
    settings: impl IntoIterator<Item = (u32, &'a str)>,
    data: &HtekData,
) -> Result<String, u32> {
    let mut s = String::with_capacity(512);
    let doc = &data.document;
    let (root, config, version) = (&doc.root, &doc.config, &doc.version);
    s.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<{root} version=\"{version}\">\n<{config} version=\"{version}\">\n"
    ));
    for (code, value) in settings {
        match dialect {
            Dialect::Pcode => s.push_str(&setting_line(data, code, value)),
            Dialect::Named => {
                let name = data.element_name(code).ok_or(code)?;
                s.push_str(&write::element(name, &[], value));
            }
        }
    }
    s.push_str(&format!("</{config}>\n</{root}>\n"));
    Ok(s)
}

/// One setting read from a file, with where it is.
#[derive(Debug, Clone)]
pub struct ReadSetting {
    /// The P-code (`<P47>`, or a named element tied to one).
    pub code: Option<u32>,
    /// The element name in the named dialect (`FirmwareUpGrade_HlpresUrl`).
    pub name: Option<String>,
    pub value: String,
    pub line: usize,
    pub column: usize,
}

impl ReadSetting {
    /// How resolve shows the setting: `P47`, else the element name.
    pub fn key(&self) -> String {
        match (self.code, &self.name) {
            (Some(code), _) => format!("P{code}"),
            (None, Some(name)) => name.clone(),
            (None, None) => String::new(),
        }
    }
}

/// What reading a config file found: its settings (in file order) and every problem.
#[derive(Debug, Default)]
pub struct ReadXml {
    pub settings: Vec<ReadSetting>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads a config file's bytes: the declared encoding honoured, a BOM dropped (see
/// `crate::mechanisms::xml::decode`), then [`read`].
pub fn read_bytes(shown: &str, bytes: &[u8], data: &HtekData) -> ReadXml {
    match crate::mechanisms::xml::decode::decode(bytes) {
        Ok(text) => {
            let mut found = read(shown, &text.text, data);
            let whole = text.findings.into_iter().map(|(sev, msg)| Diagnostic::new(shown, sev, msg).at(1, 1));
            found.diagnostics.splice(0..0, whole);
            found
        }
        Err(e) => ReadXml {
            settings: Vec::new(),
            diagnostics: vec![
                Diagnostic::error(shown, format!("{} (and not an AES-encrypted config)", e.message)).at(e.line, 1)
            ],
        },
    }
}

/// Reads config XML text with the recovering reader (a bare `&`, an HTML entity, a broken element
/// cost a warning or that element, not the file): the `hl_provision`/`config` shape, P-code names,
/// duplicate codes, and values against the dictionary. A value's surrounding whitespace written
/// literally is layout, not value (one rule for every setting; a note says so).
pub fn read(shown: &str, text: &str, data: &HtekData) -> ReadXml {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let doc = recover::read(text);
    let mut found = ReadXml::default();
    for f in &doc.findings {
        found.diagnostics.push(Diagnostic::new(shown, f.severity, f.message.clone()).at(f.line, f.column));
    }
    let mut report = |severity: Severity, (line, col): (usize, usize), msg: String| {
        found.diagnostics.push(Diagnostic::new(shown, severity, msg).at(line, col));
    };
    let Some(config) = config_element(&doc.nodes, &data.document, &mut report) else {
        return found;
    };
    let mut first_seen: HashMap<String, (usize, String)> = HashMap::new();
    for node in &config.children {
        if let Some(setting) = read_setting(node, data, &mut report, &mut first_seen) {
            found.settings.push(setting);
        }
    }
    found.diagnostics.sort_by_key(|d| (d.line, d.column));
    found
}

/// Records a finding at (line, column).
type Report<'a> = dyn FnMut(Severity, (usize, usize), String) + 'a;

fn at(e: &Element) -> (usize, usize) {
    (e.line, e.column)
}

/// The one `<config>` inside the root element (`[document]` of htek-config.toml names both), or
/// `None` (reported) when the file's shape is wrong.
fn config_element<'a>(nodes: &'a [Node], shape: &Document, report: &mut Report) -> Option<&'a Element> {
    let (root_name, config_name, v) = (&shape.root, &shape.config, &shape.version);
    stray_text(nodes, report);
    let mut roots = nodes.iter().filter_map(|n| if let Node::Element(e) = n { Some(e) } else { None });
    let Some(root) = roots.next() else {
        let msg =
            format!("no element: an Htek config is <{root_name} version=\"{v}\"><{config_name} version=\"{v}\">…");
        report(Severity::Error, (1, 1), msg);
        return None;
    };
    for extra in roots {
        report(Severity::Error, at(extra), format!("<{}> after the root element: a file has one root", extra.name));
    }
    if root.name != *root_name {
        let msg =
            format!("the root element is <{}>; an Htek config starts with <{root_name} version=\"{v}\">", root.name);
        report(Severity::Error, at(root), msg);
        return None;
    }
    check_version(root, v, &mut |msg| report(Severity::Warning, at(root), msg));
    let mut configs = root.elements();
    let config = match configs.next() {
        Some(c) if c.name == *config_name => c,
        Some(other) => {
            let msg = format!(
                "<{}> directly inside <{root_name}>: settings go inside <{config_name} version=\"{v}\">",
                other.name
            );
            report(Severity::Error, at(other), msg);
            return None;
        }
        None => {
            report(Severity::Error, at(root), format!("<{root_name}> has no <{config_name} version=\"{v}\"> element"));
            return None;
        }
    };
    for extra in configs {
        let msg = format!("<{}> after <{config_name}>: <{root_name}> holds exactly one <{config_name}>", extra.name);
        report(Severity::Error, at(extra), msg);
    }
    check_version(config, v, &mut |msg| report(Severity::Warning, at(config), msg));
    stray_text(&root.children, report);
    Some(config)
}

/// One child of `<config>` as a setting, checked against the dictionary and the settings before
/// it; `None` for what is not a setting (reported when it should have been one).
fn read_setting(
    node: &Node,
    data: &HtekData,
    report: &mut Report,
    first_seen: &mut HashMap<String, (usize, String)>,
) -> Option<ReadSetting> {
    let node = match node {
        Node::Text { text, line, column } => {
            if !text.value.trim().is_empty() {
                let msg = "text directly inside <config>: each value goes inside its <Pnnn> element";
                report(Severity::Error, (*line, *column), msg.into());
            }
            return None;
        }
        Node::Element(e) => e,
    };
    let name = node.name.as_str();
    let pos = at(node);
    let (code, named) = element_key(name, data, &mut |severity, msg| report(severity, pos, msg))?;
    if let Some(child) = node.elements().next() {
        let msg = format!("<{}> inside <{name}>: a P-value is plain text", child.name);
        report(Severity::Error, at(child), msg);
        return None;
    }
    let setting = ReadSetting { code, name: named, value: value_of(node, report), line: pos.0, column: pos.1 };
    check_twice(&setting, report, first_seen);
    if let Some((severity, msg)) = code.and_then(|c| data.check_value(c, &setting.value)) {
        report(severity, pos, msg);
    }
    Some(setting)
}

/// The value rule: literal whitespace around a value is layout (pretty-printing), not value; it is
/// dropped with a note. Whitespace written as references (`&#32;`, `&#10;`) is kept.
fn value_of(node: &Element, report: &mut Report) -> String {
    let text = node.text();
    let trimmed = text.trimmed();
    if trimmed.len() != text.value.len() && !trimmed.is_empty() {
        let msg = format!(
            "<{}>: whitespace around the value is layout and is dropped: read as '{trimmed}' (write &#32; or &#10; to keep it)",
            node.name
        );
        report(Severity::Note, at(node), msg);
    }
    trimmed.to_string()
}

/// A setting given twice: a warning with the same value, an error with another.
fn check_twice(setting: &ReadSetting, report: &mut Report, first_seen: &mut HashMap<String, (usize, String)>) {
    let key = setting.key();
    let pos = (setting.line, setting.column);
    if let Some((line, earlier)) = first_seen.get(&key) {
        let value = &setting.value;
        let key = match (&setting.name, setting.code) {
            (Some(name), Some(_)) => format!("{name} ({key})"),
            _ => key.clone(),
        };
        if earlier == value {
            report(Severity::Warning, pos, format!("{key} is set twice to the same value (first at line {line})"));
        } else {
            report(
                Severity::Error,
                pos,
                format!("{key} is set twice: '{value}' here and '{earlier}' at line {line}; which one the phone keeps is not documented"),
            );
        }
    } else {
        first_seen.insert(key, (setting.line, setting.value.clone()));
    }
}

/// What an element name stands for: `(P-code, element name if named)`; `None` (reported) when it
/// is neither a P-code nor a name to keep. A name bundler does not know is a warning and kept.
fn element_key(
    name: &str,
    data: &HtekData,
    report: &mut dyn FnMut(Severity, String),
) -> Option<(Option<u32>, Option<String>)> {
    if let Some(code) = parse_pcode(name) {
        return Some((Some(code), None));
    }
    if let Some(code) = data.element(name) {
        return Some((code, Some(name.to_string())));
    }
    // `<p48>`, `<P0047>`, `<Pabc>`: meant as a P-code (element names of the named dialect have a `_`).
    if name.starts_with(['P', 'p']) && !name.contains('_') {
        report(
            Severity::Error,
            format!("<{name}> is not a P-code (a capital P and a number without leading zeros, e.g. <P47>)"),
        );
        return None;
    }
    report(
        Severity::Warning,
        format!("<{name}> is neither a P-code nor a named-dialect element bundler knows (layouts/htek-config.toml [names]): kept, not checked"),
    );
    Some((None, Some(name.to_string())))
}

fn check_version(node: &Element, want: &str, report: &mut dyn FnMut(String)) {
    let name = &node.name;
    match node.attribute("version") {
        Some(v) if v == want => {}
        Some(v) => report(format!("<{name} version=\"{v}\">: the guide's files have version=\"{want}\"")),
        None => report(format!("<{name}> has no version attribute; the guide's files have version=\"{want}\"")),
    }
}

/// Reports non-blank text among `nodes` (outside the settings).
fn stray_text(nodes: &[Node], report: &mut Report) {
    for n in nodes {
        if let Node::Text { text, line, column } = n {
            if !text.value.trim().is_empty() {
                report(Severity::Error, (*line, *column), "text outside the settings".to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::layout::htek_config::builtin as data;

    #[test]
    fn renders_the_guide_shape_and_reads_it_back() {
        let d = data();
        let xml =
            render_in(Dialect::Pcode, [(47, "192.168.0.68:5060"), (967, ""), (35, "a<b & \"c\"\r\n")], &d).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<hl_provision version=\"1\">\n<config version=\"1\">\n\
             <P47 para=\"Account1_Sipserver\">192.168.0.68:5060</P47>\n\
             <P967 para=\"Profile1_FailoverSipserver\" />\n\
             <P35 para=\"Account1_SipUserId\">a&lt;b &amp; \"c\"&#13;&#10;</P35>\n\
             </config>\n</hl_provision>\n"
        );
        let back = read("x.xml", &xml, &d);
        assert!(back.diagnostics.is_empty(), "{:?}", back.diagnostics);
        let values: Vec<(u32, &str)> = back.settings.iter().map(|s| (s.code.unwrap(), s.value.as_str())).collect();
        assert_eq!(values, [(47, "192.168.0.68:5060"), (967, ""), (35, "a<b & \"c\"\r\n")]);
        assert_eq!(back.settings[0].line, 4);
    }

    #[test]
    fn shape_problems_are_found_where_they_are() {
        let d = data();
        let msgs =
            |text: &str| -> Vec<String> { read("f.xml", text, &d).diagnostics.iter().map(|d| d.to_string()).collect() };
        let m = msgs("<hl_provision version=\"1\"><config version=\"1\">\n<P47>a</P47>\n<p48>x</p48>\n<P47>b</P47>\n<P0047/>\n<P8631>xyz</P8631>\n</config></hl_provision>");
        assert!(m.iter().any(|l| l.starts_with("f.xml:3:1: error: <p48> is not a P-code")), "{m:?}");
        assert!(m.iter().any(|l| l.starts_with("f.xml:4:1: error: P47 is set twice")), "{m:?}");
        assert!(m.iter().any(|l| l.contains("<P0047> is not a P-code")), "{m:?}");
        assert!(m.iter().any(|l| l.starts_with("f.xml:6:1: error: P8631") && l.contains("hex digits")), "{m:?}");
        assert!(msgs("<hl_provision><config version=\"1\"><P47>a</P47>")
            .iter()
            .any(|m| m.contains("<config> is not closed")));
        assert!(msgs("<settings/>")[0].contains("root element is <settings>"));
        assert!(
            msgs("<hl_provision version=\"1\"><P47>a</P47></hl_provision>")[0].contains("settings go inside <config")
        );
        let m = msgs("<hl_provision version=\"1\"><config version=\"1\">\n<FirmwareUpGrade_HlpresUrl>ftp://x</FirmwareUpGrade_HlpresUrl>\n<Foo_Bar>1</Foo_Bar>\n<P20176>y</P20176>\n</config></hl_provision>");
        assert!(m.iter().any(|l| l.starts_with("f.xml:2:1: error: P20176") && l.contains("http")), "{m:?}");
        assert!(m.iter().any(|l| l.starts_with("f.xml:3:1: warning: <Foo_Bar> is neither")), "{m:?}");
        assert!(m.iter().any(|l| l.starts_with("f.xml:4:1: error: P20176 is set twice")), "{m:?}");
        assert!(msgs("<!DOCTYPE x [<!ENTITY a \"b\">]><hl_provision/>")[0].contains("DTD refused"));
    }
}
