//! Comparing a translation's items with its template's: missing, extra and empty items are errors
//! (guide §20: "Can't leave out any items, otherwise the upgrade failed"); values identical to
//! English and placeholder differences are warnings, errors with `--strict`. Every message names
//! the item.

use super::items::{Item, Items};
use super::placeholders;
use super::position::LineIndex;
use crate::mechanisms::report::{Diagnostic, Severity};
use serde::Serialize;

/// What the comparison of one translation found, counted.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Template items present in the translation.
    pub translated: usize,
    pub missing: usize,
    pub extra: usize,
    pub empty: usize,
    pub identical: usize,
    pub placeholders: usize,
}

/// A template, ready to compare translations against.
pub struct Template {
    /// The template's path as shown in messages.
    pub shown: String,
    pub text: String,
    pub items: Items,
    count: usize,
}

impl Template {
    pub fn new(shown: String, text: String, items: Items) -> Template {
        let count = items.iter().filter(|i| i.translatable).count();
        Template { shown, text, items, count }
    }

    /// How many items a translation must have.
    pub fn item_count(&self) -> usize {
        self.count
    }
}

/// Compares `translation` (file `shown`, text indexed by `lines`) with `template`, adding a finding
/// per problem to `out`.
pub fn compare(
    shown: &str,
    lines: &LineIndex,
    translation: &Items,
    template: &Template,
    strict: bool,
    out: &mut Vec<Diagnostic>,
) -> Counts {
    let soft = if strict { Severity::Error } else { Severity::Warning };
    let mut c = Comparison { shown, lines, template, soft, counts: Counts::default(), out };
    // One pass over the translation: each item is found in the template or is extra.
    for item in translation.iter() {
        match template.items.get(&item.key) {
            None => c.extra(item),
            Some(t) if t.translatable => c.translated(item, t),
            Some(_) => {}
        }
    }
    if c.counts.translated == 0 && translation.iter().next().is_some() {
        c.none_matched();
    }
    // Only when some template item was not met: which ones, in template order.
    if c.counts.translated < template.item_count() {
        c.missing(translation);
    }
    c.counts
}

/// One comparison under way: where findings go and what has been counted.
struct Comparison<'a> {
    shown: &'a str,
    lines: &'a LineIndex<'a>,
    template: &'a Template,
    /// The severity of the findings `--strict` makes errors.
    soft: Severity,
    counts: Counts,
    out: &'a mut Vec<Diagnostic>,
}

impl Comparison<'_> {
    fn push(&mut self, item: &Item, severity: Severity, message: String) {
        let (line, column) = self.lines.at(item.offset);
        self.out.push(Diagnostic::new(self.shown, severity, message).at(line, column));
    }

    /// A translation item the template does not have (unless it is an empty untranslatable one).
    fn extra(&mut self, item: &Item) {
        if item.translatable || !item.value.is_empty() {
            self.counts.extra += 1;
            let template = &self.template.shown;
            let message = format!(
                "item '{}' is not in the template {template} (misspelt key, or a template of another firmware?)",
                item.key
            );
            self.push(item, Severity::Error, message);
        }
    }

    /// A translation of the template item `t`: empty, the same as English, other placeholders.
    fn translated(&mut self, item: &Item, t: &Item) {
        self.counts.translated += 1;
        if item.value.is_empty() {
            self.counts.empty += 1;
            self.push(item, Severity::Error, format!("item '{}' is empty (English: {})", t.key, shorten(&t.value)));
            return;
        }
        if item.value == t.value && t.value.chars().any(char::is_alphabetic) {
            self.counts.identical += 1;
            self.push(item, self.soft, format!("item '{}' is the same as English: {}", t.key, shorten(&t.value)));
        }
        if let Some(diff) = placeholders::differences(&t.value, &item.value) {
            self.counts.placeholders += 1;
            self.push(item, self.soft, format!("item '{}' has other placeholders than English: {diff}", t.key));
        }
    }

    fn none_matched(&mut self) {
        self.out.push(Diagnostic::note(
            self.shown,
            format!(
                "none of the {} items of {} is in this file: its structure differs from the template's (another root element, other id attributes or variable name?)",
                self.template.item_count(),
                self.template.shown
            ),
        ));
    }

    /// The template items the translation lacks, in template order.
    fn missing(&mut self, translation: &Items) {
        let template = self.template;
        let template_lines = LineIndex::new(&template.text);
        for t in template.items.iter().filter(|t| t.translatable && !translation.contains(&t.key)) {
            self.counts.missing += 1;
            let (line, _) = template_lines.at(t.offset);
            self.out.push(Diagnostic::error(
                self.shown,
                format!("missing item '{}' (English: {}, {} line {line})", t.key, shorten(&t.value), template.shown),
            ));
        }
    }
}

/// A value quoted for a message, cut after 60 characters.
fn shorten(value: &str) -> String {
    let mut chars = value.chars();
    let head: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("\"{head}…\"")
    } else {
        format!("\"{head}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::super::items::Item;
    use super::*;

    fn items(pairs: &[(&str, &str)]) -> Items {
        let mut items = Items::default();
        for (i, (k, v)) in pairs.iter().enumerate() {
            items.insert(Item { key: (*k).into(), value: v.to_string(), offset: 2 * i, translatable: true });
        }
        items
    }

    #[test]
    fn every_kind_of_difference_names_the_item() {
        let template = Template::new(
            "T.js".into(),
            "a\nb\nc\nd\ne\n".into(),
            items(&[("a", "Call"), ("b", "Hold"), ("c", "Line %d"), ("d", "OK"), ("e", "Mute")]),
        );
        let tr = items(&[("a", "Appel"), ("b", ""), ("c", "Ligne"), ("d", "OK"), ("z", "Zut")]);
        let text = "0123456789";
        let mut out = Vec::new();
        let c = compare("f.js", &LineIndex::new(text), &tr, &template, false, &mut out);
        assert_eq!((c.translated, c.missing, c.extra, c.empty, c.identical, c.placeholders), (4, 1, 1, 1, 1, 1));
        let msgs: Vec<String> = out.iter().map(|d| d.to_string()).collect();
        assert!(msgs.iter().any(|m| m.contains("error: item 'b' is empty (English: \"Hold\")")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("warning: item 'd' is the same as English")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("warning: item 'c' has other placeholders")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("error: item 'z' is not in the template")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("error: missing item 'e' (English: \"Mute\", T.js line 5)")),
            "{msgs:?}"
        );
        let mut strict = Vec::new();
        compare("f.js", &LineIndex::new(text), &tr, &template, true, &mut strict);
        assert!(strict.iter().all(|d| d.severity == Severity::Error));
    }

    #[test]
    fn a_file_of_another_shape_gets_one_explaining_note() {
        let template = Template::new("T.xml".into(), "a\n".into(), items(&[("/L/i", "Call")]));
        let mut out = Vec::new();
        let c = compare("f.xml", &LineIndex::new("x"), &items(&[("/Other/i", "Appel")]), &template, false, &mut out);
        assert_eq!((c.missing, c.extra), (1, 1));
        assert!(out.iter().any(|d| d.severity == Severity::Note && d.message.contains("structure differs")), "{out:?}");
    }
}
