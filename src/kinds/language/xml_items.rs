//! Items of an XML language file (the LCD files), found from the file's own shape.
//!
//! The template's inner format is not published (FORMATS.md "Languages"), so no schema is assumed:
//! every element that carries text is an item, and so is every attribute that carries text other
//! than the attributes that name an element (`id`, `name`, `key`, … from the layout data). An item
//! is identified by its element path plus those naming attributes, XPath-like:
//! `/Language/item[@id="Call"]`, `/menu[@name="Main"]/entry/@label`. When siblings share a path the
//! second and later ones get a position (`/strings/string[2]`). The root element is unique, so its
//! attributes never name it: `<Language name="English">` gives the item `/Language/@name`.
//!
//! DTDs (and so entity declarations) are refused outright: no entity is ever expanded, and a
//! "billion laughs" file fails at its `<!DOCTYPE`.

use super::items::{FastMap, Item, ParseError, Parsed};
use super::position::LineIndex;

/// More nodes than this in one file is refused (a language file has a few thousand items).
const MAX_NODES: u32 = 4_000_000;
/// Elements nested deeper than this are refused (every item key holds its whole path).
const MAX_DEPTH: usize = 100;
/// Item keys longer than this are refused (long names or id values, nested).
const MAX_KEY_BYTES: usize = 4096;

/// Which attributes name an element and which are never text.
pub struct AttributeRules<'a> {
    pub id_attributes: &'a [String],
    pub ignored_attributes: &'a [String],
}

impl AttributeRules<'_> {
    fn is_id(&self, name: &str) -> bool {
        self.id_attributes.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    fn is_ignored(&self, name: &str) -> bool {
        self.ignored_attributes.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Parses `text` as XML and lists its items. Not well-formed XML, or any DTD, is an error.
pub fn parse(text: &str, rules: &AttributeRules) -> Result<Parsed, ParseError> {
    let doc = read_document(text)?;
    let mut parsed = Parsed::with_capacity(text.len() / 64);
    // How often a path was met, for the paths met more than once (items) or at all (elements that
    // only hold other elements); the second and later get a position, `[2]`, `[3]`, …
    let mut repeats: FastMap<String, u32> = FastMap::default();
    // The key of the current element, built in one buffer; the stack holds each open ancestor
    // and the length of its key in the buffer.
    let mut path = String::new();
    let mut stack: Vec<(roxmltree::NodeId, usize)> = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let parent = node.parent().map(|p| p.id());
        while stack.last().is_some_and(|(id, _)| Some(*id) != parent) {
            stack.pop();
        }
        let at = |message: String| {
            let (line, column) = LineIndex::new(text).at(node.range().start);
            ParseError { line, column, message }
        };
        if stack.len() >= MAX_DEPTH {
            return Err(at(format!("elements nested more than {MAX_DEPTH} deep")));
        }
        path.truncate(stack.last().map_or(0, |(_, len)| *len));
        path.push('/');
        path.push_str(node.tag_name().name());
        // The root element is unique: its attributes name nothing (`<Language name="English">`
        // holds the language's name, which a translation changes), so they are items.
        let is_root = node.parent().is_some_and(|p| p.is_root());
        if !is_root {
            push_id_attributes(&mut path, node, rules);
        }
        if path.len() > MAX_KEY_BYTES {
            return Err(at(format!("element path with its id attributes is over {MAX_KEY_BYTES} bytes")));
        }
        add_element_item(&mut parsed, &mut repeats, &mut path, node);
        add_attribute_items(&mut parsed, &path, node, rules, is_root);
        stack.push((node.id(), path.len()));
    }
    Ok(parsed)
}

/// Parses the XML with the strict reader (DTDs refused).
fn read_document(text: &str) -> Result<roxmltree::Document<'_>, ParseError> {
    crate::mechanisms::xml::strict::parse(text, MAX_NODES, "language file").map_err(|e| ParseError {
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

/// Appends `[@id="…"]` for each id attribute of `node`, in the layout's order of id attributes.
fn push_id_attributes(path: &mut String, node: roxmltree::Node, rules: &AttributeRules) {
    let mut ids: Vec<(usize, roxmltree::Attribute)> = node
        .attributes()
        .filter_map(|a| rules.id_attributes.iter().position(|n| n.eq_ignore_ascii_case(a.name())).map(|p| (p, a)))
        .collect();
    ids.sort_by_key(|(p, _)| *p);
    for (_, a) in ids {
        let quote = if a.value().contains('"') { '\'' } else { '"' };
        path.push_str("[@");
        path.push_str(a.name());
        path.push('=');
        path.push(quote);
        path.push_str(a.value());
        path.push(quote);
        path.push(']');
    }
}

/// The element's own item (an element with text, or an empty leaf), numbering repeated paths;
/// `path` gets the position of a repeated element.
fn add_element_item(parsed: &mut Parsed, repeats: &mut FastMap<String, u32>, path: &mut String, node: roxmltree::Node) {
    let text_value = own_text(node);
    let offset = node.range().start;
    let has_children = node.children().any(|c| c.is_element());
    if !text_value.is_empty() || !has_children {
        // An element with text is an item; an empty leaf too (in a translation, an item whose
        // text was removed), though not one to translate.
        let translatable = !text_value.is_empty();
        let item = Item { key: path.as_str().into(), value: text_value, offset, translatable };
        if let Err(item) = parsed.items.try_insert(item) {
            let n = repeats.entry(path.clone()).or_insert(1);
            *n += 1;
            path.push_str(&format!("[{n}]"));
            parsed.items.insert(Item { key: path.as_str().into(), ..item });
        }
    } else {
        let n = repeats.entry(path.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            path.push_str(&format!("[{n}]"));
        }
    }
}

/// The element's attributes that hold text, as items `path/@name`.
fn add_attribute_items(parsed: &mut Parsed, path: &str, node: roxmltree::Node, rules: &AttributeRules, is_root: bool) {
    for a in node.attributes() {
        if a.namespace().is_some() || (!is_root && rules.is_id(a.name())) || rules.is_ignored(a.name()) {
            continue;
        }
        let mut key = String::with_capacity(path.len() + 2 + a.name().len());
        key.push_str(path);
        key.push_str("/@");
        key.push_str(a.name());
        parsed.items.insert(Item {
            key: key.into(),
            value: a.value().trim().to_string(),
            offset: a.range().start,
            translatable: a.value().chars().any(char::is_alphabetic),
        });
    }
}

/// The element's own text (its text children, not its descendants'), trimmed.
fn own_text(node: roxmltree::Node) -> String {
    let mut texts = node.children().filter(|c| c.is_text());
    match (texts.next(), texts.next()) {
        (None, _) => return String::new(),
        (Some(only), None) => return only.text().unwrap_or_default().trim().to_string(),
        _ => {}
    }
    let mut s = String::new();
    for c in node.children().filter(|c| c.is_text()) {
        s.push_str(c.text().unwrap_or_default());
    }
    let trimmed = s.trim();
    if trimmed.len() == s.len() {
        s
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> (Vec<String>, Vec<String>) {
        (vec!["id".into(), "name".into()], vec!["type".into()])
    }

    fn keys(text: &str) -> Vec<(String, String)> {
        let (ids, ignored) = rules();
        let r = AttributeRules { id_attributes: &ids, ignored_attributes: &ignored };
        parse(text, &r)
            .unwrap()
            .items
            .iter()
            .filter(|i| i.translatable)
            .map(|i| (i.key.to_string(), i.value.clone()))
            .collect()
    }

    #[test]
    fn element_text_with_ids() {
        let k = keys("<L><item id=\"Call\"> Call </item><item id=\"Dial\">Dial &amp; go</item><g><item>x</item><item>y</item></g></L>");
        assert_eq!(
            k,
            [
                ("/L/item[@id=\"Call\"]".to_string(), "Call".to_string()),
                ("/L/item[@id=\"Dial\"]".into(), "Dial & go".into()),
                ("/L/g/item".into(), "x".into()),
                ("/L/g/item[2]".into(), "y".into()),
            ]
        );
    }

    #[test]
    fn root_attributes_are_text_not_names() {
        let k = keys("<Language name=\"English\"><item id=\"Call\">Call</item></Language>");
        assert_eq!(
            k,
            [
                ("/Language/@name".to_string(), "English".to_string()),
                ("/Language/item[@id=\"Call\"]".into(), "Call".into()),
            ]
        );
    }

    #[test]
    fn values_in_attributes() {
        let k =
            keys("<L><m name=\"Main\" type=\"menu\" label=\"Main menu\" w=\"12\"><e id=\"1\" text=\"Hold\"/></m></L>");
        assert_eq!(
            k,
            [
                ("/L/m[@name=\"Main\"]/@label".to_string(), "Main menu".to_string()),
                ("/L/m[@name=\"Main\"]/e[@id=\"1\"]/@text".into(), "Hold".into()),
            ]
        );
    }

    #[test]
    fn empty_leaves_are_candidates_not_items() {
        let (ids, ignored) = rules();
        let r = AttributeRules { id_attributes: &ids, ignored_attributes: &ignored };
        let p = parse("<L><i id=\"a\">  </i><i id=\"b\" t=\"\"/></L>", &r).unwrap();
        assert!(p.items.iter().all(|i| !i.translatable && i.value.is_empty()));
        assert!(p.items.contains("/L/i[@id=\"a\"]") && p.items.contains("/L/i[@id=\"b\"]/@t"));
    }

    #[test]
    fn errors_have_positions_and_dtd_is_refused() {
        let (ids, ignored) = rules();
        let r = AttributeRules { id_attributes: &ids, ignored_attributes: &ignored };
        let e = parse("<L>\n  <i>x</j>\n</L>", &r).unwrap_err();
        assert_eq!((e.line, e.column), (2, 7), "{e:?}");
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n<l>&b;</l>";
        let e = parse(bomb, &r).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("DTD"));
        assert!(parse("<l>&nbsp;</l>", &r).unwrap_err().message.contains("nbsp"));
        assert!(parse("<!-- <!DOCTYPE x> --><l/>", &r).is_ok());
        let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        let e = parse(&deep, &r).unwrap_err();
        assert_eq!((e.line, e.column, e.message.as_str()), (1, 301, "elements nested more than 100 deep"));
        let long = format!("<l><i id=\"{}\">x</i></l>", "k".repeat(5000));
        assert!(parse(&long, &r).unwrap_err().message.contains("over 4096 bytes"));
    }
}
