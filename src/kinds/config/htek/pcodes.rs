//! Checking a setting's value against the Htek P-code dictionary (its type and range); the
//! dictionary itself is layout data (`crate::rules::layout::htek_config`).

use crate::mechanisms::report::Severity;
use crate::rules::layout::htek_config::{HtekData, Pcode, ValueType};

/// How serious breaking an entry's type or range is: an error when the rule is published
/// (guide/public), a warning when it is our assumption.
fn severity(entry: &Pcode) -> Severity {
    match &entry.range_source {
        Some(s) if s.starts_with("assumed") => Severity::Warning,
        _ => Severity::Error,
    }
}

/// Checking values against the dictionary, for the readers and writers of Htek configs.
pub trait CheckValue {
    /// Checks a value against the code's type and range. `None` when it fits or nothing is known.
    fn check_value(&self, code: u32, value: &str) -> Option<(Severity, String)>;
}

/// A note when `n` is outside the entry's range but a public source documents it: sources
/// disagree, both are kept, and the value one of them documents is accepted.
fn disagreement(code: u32, entry: &Pcode, n: i64, lo: &str, hi: &str) -> Option<(Severity, String)> {
    let v = entry.public_values.as_ref().filter(|v| v.values.contains(&n))?;
    let values: Vec<String> = v.values.iter().map(i64::to_string).collect();
    Some((
        Severity::Note,
        format!(
            "P{code} ({}) = {n}: sources disagree: {lo}–{hi} ({}), but {} documents {} ({}); accepted",
            entry.para,
            entry.range_source.as_deref().unwrap_or("dictionary"),
            v.source,
            values.join(", "),
            v.meaning
        ),
    ))
}

impl CheckValue for HtekData {
    /// Checks a value against the code's type and range. `None` when it fits or nothing is known.
    fn check_value(&self, code: u32, value: &str) -> Option<(Severity, String)> {
        let entry = self.pcode(code)?;
        if value.is_empty() {
            return None;
        }
        let why = |what: String| -> Option<(Severity, String)> {
            let source = entry.range_source.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            Some((severity(entry), format!("P{code} ({}) {what}{source}", entry.para)))
        };
        match entry.value_type {
            ValueType::Text => None,
            ValueType::Integer => match value.trim().parse::<i64>() {
                Err(_) => why(format!("must be a whole number, not '{value}'")),
                Ok(n) if entry.min.is_some_and(|m| n < m) || entry.max.is_some_and(|m| n > m) => {
                    let lo = entry.min.map_or("…".to_string(), |m| m.to_string());
                    let hi = entry.max.map_or("…".to_string(), |m| m.to_string());
                    disagreement(code, entry, n, &lo, &hi).or_else(|| why(format!("is {n}, outside {lo}–{hi}")))
                }
                Ok(_) => None,
            },
            ValueType::Boolean if value != "0" && value != "1" => why(format!("must be 0 or 1, not '{value}'")),
            ValueType::Boolean => None,
            ValueType::Url if value.chars().any(char::is_whitespace) => {
                why(format!("is a URL and cannot contain spaces: '{value}'"))
            }
            ValueType::Url | ValueType::HttpUrl if crate::rules::layout::url_without_host(value).is_some() => Some((
                Severity::Error,
                format!(
                    "P{code} ({}): {}",
                    entry.para,
                    crate::rules::layout::url_without_host(value).unwrap_or_default()
                ),
            )),
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

    use crate::rules::layout::htek_config::builtin as data;

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
        // P130 = 3 (DNS SRV): FusionPBX documents it, Wazo's template lists 0–2: a note, accepted.
        let (severity, msg) = d.check_value(130, "3").unwrap();
        assert_eq!(severity, Severity::Note, "{msg}");
        assert!(msg.contains("DNS SRV") && msg.contains("fusionpbx/fusionpbx"), "{msg}");
        assert_eq!(d.check_value(130, "4").unwrap().0, Severity::Error);
        assert_eq!(d.check_value(830, "4").unwrap().0, Severity::Error);
        assert!(d.check_value(830, "3").is_none());
        assert!(d.check_value(331, "phonebook.xml").unwrap().1.contains("no host"));
        assert!(d.check_value(192, "/").unwrap().1.contains("no host"));
        assert!(d.check_value(192, "firmware.example.com:5688/Htek").is_none());
    }
}
