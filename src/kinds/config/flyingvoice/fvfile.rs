//! The Flyingvoice boot and cfg file format, read line by line with every problem at its line and
//! column, plus the vocabulary from `layouts/flyingvoice-config.toml`.
//!
//! Guide: `#` starts a comment; a boot file lists `include:config <file.cfg>` or
//! `include:config "file.cfg"` lines (relative to the boot file, or absolute URLs), loaded top to
//! bottom, later values overriding earlier ones; a cfg file holds one `parameter=value` per line,
//! with no line break inside a value. Public (Yealink): the first line is `#!version:1.0.0.1` and
//! spaces around `=` are fine.

use crate::mechanisms::report::{Diagnostic, Severity};
use crate::rules::layout::fv_config::Syntax;
use std::collections::HashMap;

/// Boot and cfg files larger than this are refused.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Whether a file is a boot file (includes) or a cfg file (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Boot,
    Cfg,
}

impl Kind {
    /// The kind a file name says (`.boot` or `.cfg`), if either.
    pub fn of(name: &str) -> Option<Kind> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".boot") {
            Some(Kind::Boot)
        } else if lower.ends_with(".cfg") {
            Some(Kind::Cfg)
        } else {
            None
        }
    }
}

/// One meaningful line.
#[derive(Debug, Clone)]
pub enum Item {
    Include { target: String, line: usize, column: usize },
    Setting { key: String, value: String, line: usize },
}

/// What reading a file found.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// The settings, in file order.
    pub fn settings(&self) -> impl Iterator<Item = (&str, &str, usize)> {
        self.items.iter().filter_map(|i| match i {
            Item::Setting { key, value, line, .. } => Some((key.as_str(), value.as_str(), *line)),
            Item::Include { .. } => None,
        })
    }
}

/// Why a parameter name cannot be written as `name = value`, if so.
pub fn bad_key(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("the parameter name is empty".into());
    }
    if key.starts_with('#') {
        return Some(format!("parameter name '{key}' starts with '#', which makes the line a comment"));
    }
    if let Some(c) = key.chars().find(|c| c.is_whitespace() || c.is_control() || *c == '=') {
        return Some(format!("parameter name '{key}' contains {}", describe_char(c)));
    }
    None
}

/// Why a value cannot be written on one `name = value` line, if so.
pub fn bad_value(value: &str) -> Option<String> {
    if value.contains(['\n', '\r']) {
        return Some("the value has a line break; cfg values must stay on one line (guide)".into());
    }
    value.chars().find(|c| c.is_control() && *c != '\t').map(|c| format!("the value contains {}", describe_char(c)))
}

fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '=' => "'='".into(),
        c => format!("the character U+{:04X}", c as u32),
    }
}

/// Reads a boot or cfg file. Every finding is reported; the items are what a phone would act on.
pub fn parse(shown: &str, bytes: &[u8], kind: Kind, syntax: &Syntax) -> Parsed {
    let mut reader = LineReader { shown, kind, syntax, parsed: Parsed::default(), first_value: HashMap::new() };
    if let Some(text) = reader.decode(bytes) {
        for (index, raw) in text.split('\n').enumerate() {
            reader.line(index + 1, raw.strip_suffix('\r').unwrap_or(raw));
        }
    }
    reader.parsed
}

/// The state of reading one file: what was found so far, and the first value of each key.
struct LineReader<'a> {
    shown: &'a str,
    kind: Kind,
    syntax: &'a Syntax,
    parsed: Parsed,
    /// Each key's first line and value, to tell a key set twice.
    first_value: HashMap<String, (usize, String)>,
}

impl LineReader<'_> {
    /// Records a finding at `line`, `column`.
    fn report(&mut self, severity: Severity, line: usize, column: usize, msg: String) {
        self.parsed.diagnostics.push(Diagnostic::new(self.shown, severity, msg).at(line, column));
    }

    /// The text of `bytes` without a byte-order mark (a warning: files in the field have one);
    /// `None` (with the error recorded at its line) when it is not UTF-8.
    fn decode<'b>(&mut self, bytes: &'b [u8]) -> Option<&'b str> {
        let mut bytes = bytes;
        if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
            self.report(
                Severity::Warning,
                1,
                1,
                "the file starts with a UTF-8 byte-order mark: read without it; whether the phone skips it is not documented (it may take it as part of the first line); save it without BOM".into(),
            );
            bytes = rest;
        }
        match std::str::from_utf8(bytes) {
            Ok(t) => Some(t),
            Err(e) => {
                let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
                self.report(Severity::Error, line, 1, "not UTF-8 text; save the file as UTF-8".into());
                None
            }
        }
    }

    /// Reads line number `line` (1-based, without its line break): a blank line, a comment, an
    /// include or a setting, or a finding.
    fn line(&mut self, line: usize, raw: &str) {
        let version_line = self.syntax.version_line.as_str();
        if line == 1 && raw.trim_end() != version_line {
            self.report(
                Severity::Warning,
                1,
                1,
                format!("the first line is not '{version_line}'; Yealink-style phones ignore a file without it"),
            );
        }
        let t = raw.trim();
        let column = raw.len() - raw.trim_start().len() + 1;
        if t.is_empty() {
            return;
        }
        if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"].iter().any(|m| t.starts_with(m)) {
            self.report(Severity::Error, line, column, "leftover merge-conflict marker; resolve the conflict".into());
            return;
        }
        if t.starts_with('#') {
            return;
        }
        let directive = self.syntax.include.split_inclusive(':').next().unwrap_or_default();
        if t.get(..directive.len()).is_some_and(|p| p.eq_ignore_ascii_case(directive)) {
            self.include(t, line, column);
        } else {
            self.setting(t, line, column);
        }
    }

    /// Reads an include line `t` (trimmed), starting at `column`.
    fn include(&mut self, t: &str, line: usize, column: usize) {
        match include_target(t, &self.syntax.include) {
            Err(msg) => self.report(Severity::Error, line, column, msg),
            Ok((target, bare)) => {
                if bare {
                    let msg = format!(
                        "include without <> or \"\": read as '{target}' (the guide writes {} <{target}>)",
                        self.syntax.include
                    );
                    self.report(Severity::Warning, line, column, msg);
                }
                if self.kind == Kind::Cfg {
                    self.report(
                        Severity::Warning,
                        line,
                        column,
                        "include in a cfg file: the guide describes includes in boot files only; the phone may ignore it".into(),
                    );
                }
                self.parsed.items.push(Item::Include { target, line, column });
            }
        }
    }

    /// Reads a `parameter = value` line `t` (trimmed), starting at `column`.
    fn setting(&mut self, t: &str, line: usize, column: usize) {
        let Some((key, value)) = t.split_once('=') else {
            self.report(
                Severity::Error,
                line,
                column,
                "no '=': each line is 'parameter = value', a '#' comment or an include".into(),
            );
            return;
        };
        let (key, value) = (key.trim(), value.trim());
        if let Some(why) = bad_key(key) {
            self.report(Severity::Error, line, column, why);
            return;
        }
        match self.first_value.get(key) {
            Some((first, earlier)) if earlier != value => {
                let msg = format!(
                    "'{key}' is set twice in this file: '{value}' here, '{earlier}' on line {first}; the later one wins"
                );
                self.report(Severity::Warning, line, column, msg);
            }
            Some(_) => {}
            None => {
                self.first_value.insert(key.to_string(), (line, value.to_string()));
            }
        }
        self.parsed.items.push(Item::Setting { key: key.to_string(), value: value.to_string(), line });
    }
}

/// The file named by `include:config <file.cfg>` or `include:config "file.cfg"` (`keyword` being
/// the layout's `[syntax] include`), and whether it was written bare (`include:config file.cfg`,
/// read as the phones in the field are given it).
fn include_target(t: &str, keyword: &str) -> Result<(String, bool), String> {
    let form = format!("expected {keyword} <file.cfg> or {keyword} \"file.cfg\"");
    // `get` keeps both cuts on character boundaries (a name may hold any UTF-8).
    let word = t.get(..keyword.len()).is_some_and(|w| w.eq_ignore_ascii_case(keyword));
    let Some(rest) = t.get(keyword.len()..).filter(|r| word && r.starts_with(' ')).map(str::trim) else {
        return Err(format!("bad include: {form}"));
    };
    let (inner, bare) = match (rest.chars().next(), rest.chars().last()) {
        (Some('<'), Some('>')) | (Some('"'), Some('"')) if rest.len() >= 2 => (rest[1..rest.len() - 1].trim(), false),
        (Some(c), _) if !matches!(c, '<' | '"') && !rest.contains(['<', '>', '"', ' ']) => (rest, true),
        _ => return Err(format!("bad include: the file name must be in <> or \"\": {form}")),
    };
    if inner.is_empty() {
        return Err("bad include: no file name".into());
    }
    if !inner.to_ascii_lowercase().ends_with(".cfg") {
        return Err(format!(
            "bad include: '{inner}' is not a *.cfg file (the guide: \"the configuration file format must be *.cfg\")"
        ));
    }
    Ok((inner.to_string(), bare))
}

/// Renders a cfg or boot file: the version line, then the lines given.
pub fn render(version_line: &str, lines: impl IntoIterator<Item = String>) -> String {
    let mut s = String::with_capacity(256);
    s.push_str(version_line);
    s.push('\n');
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_include_keyword_cut_inside_a_character_is_refused_without_a_panic() {
        for line in ["include:confi\u{da} a.cfg", "include:config\u{da}a.cfg", "include:\u{da}"] {
            assert!(include_target(line, "include:config").unwrap_err().starts_with("bad include"), "{line}");
        }
        assert_eq!(
            include_target("include:config \"\u{da}.cfg\"", "include:config").unwrap(),
            ("\u{da}.cfg".into(), false)
        );
    }

    fn v() -> Syntax {
        Syntax { version_line: "#!version:1.0.0.1".into(), include: "include:config".into() }
    }

    fn lines(text: &str, kind: Kind) -> Vec<String> {
        parse("f", text.as_bytes(), kind, &v()).diagnostics.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn reads_includes_and_settings() {
        let p = parse(
            "f.boot",
            b"#!version:1.0.0.1\r\n# c\ninclude:config <a.cfg>\ninclude:config \"sub dir/b.cfg\"\nx = 1\n",
            Kind::Boot,
            &v(),
        );
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        let targets: Vec<&str> = p
            .items
            .iter()
            .filter_map(|i| if let Item::Include { target, .. } = i { Some(target.as_str()) } else { None })
            .collect();
        assert_eq!(targets, ["a.cfg", "sub dir/b.cfg"]);
        assert_eq!(p.settings().collect::<Vec<_>>(), [("x", "1", 5)]);
    }

    #[test]
    fn finds_each_listed_problem() {
        let all = lines("\u{FEFF}#!version:1.0.0.1\na=1\nno equals here\na = 2\n<<<<<<< HEAD\n=======\n>>>>>>> b\ninclude:config a.cfg\ninclude:config <a.txt>\n", Kind::Cfg);
        let has = |needle: &str| assert!(all.iter().any(|l| l.contains(needle)), "{needle} not in {all:#?}");
        has("f:1:1: warning: the file starts with a UTF-8 byte-order mark");
        has("f:3:1: error: no '='");
        has("f:4:1: warning: 'a' is set twice in this file: '2' here, '1' on line 2");
        has("f:5:1: error: leftover merge-conflict marker");
        has("f:6:1: error: leftover merge-conflict marker");
        has("f:7:1: error: leftover merge-conflict marker");
        has("f:8:1: warning: include without <> or \"\": read as 'a.cfg'");
        has("f:9:1: error: bad include: 'a.txt' is not a *.cfg file");
        assert!(lines("a=1\n", Kind::Cfg)[0].contains("f:1:1: warning: the first line is not"));
        assert!(lines("#!version:1.0.0.1\ninclude:config <a.cfg>\n", Kind::Cfg)[0].contains("include in a cfg file"));
        assert!(lines("#!version:1.0.0.1\na b = 1\n", Kind::Cfg)[0].contains("contains a space"));
        assert!(lines("#!version:1.0.0.1\na=\u{e9}\u{ff}", Kind::Cfg).is_empty());
        let bad = parse("f", b"#!version:1.0.0.1\n\xff\n", Kind::Cfg, &v());
        assert!(bad.diagnostics[0].to_string().starts_with("f:2:1: error: not UTF-8"));
    }
}
