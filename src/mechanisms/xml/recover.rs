//! The recovering XML reader: for files bundler did not write. It reads as the phones read
//! (references leniently, see `refs`), keeps going after a syntax error (the element the error is
//! in is lost, reading resumes on the next line), and returns the elements with their positions
//! plus every finding. DTDs are refused (no entity is ever expanded); depth and node count are
//! bounded.

use super::refs::{self, Decoded, Found};
use super::{find_dtd, Lines};
use crate::mechanisms::report::Severity;
use xmlparser::{ElementEnd, Token, Tokenizer};

/// More nodes than this in one file: reading stops there, with an error.
const MAX_NODES: usize = 1_000_000;
/// Elements nested deeper than this: reading stops there, with an error.
const MAX_DEPTH: usize = 64;

/// An element with its attributes and children, and where its start tag is.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, Decoded)>,
    pub children: Vec<Node>,
    pub line: usize,
    pub column: usize,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub enum Node {
    Element(Element),
    /// Text (CDATA included) with its references decoded, and where it starts.
    Text {
        text: Decoded,
        line: usize,
        column: usize,
    },
}

/// A finding at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

/// What reading found: the top-level nodes (one root element in a good file) and the findings.
#[derive(Debug, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub findings: Vec<Finding>,
}

impl Element {
    /// An attribute's decoded value.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.value.as_str())
    }

    /// The child elements.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|c| if let Node::Element(e) = c { Some(e) } else { None })
    }

    /// The element's own text, its text children joined; literal whitespace before the first and
    /// after the last piece is counted in `lead`/`trail`.
    pub fn text(&self) -> Decoded {
        let texts: Vec<&Decoded> = self
            .children
            .iter()
            .filter_map(|c| if let Node::Text { text, .. } = c { Some(text) } else { None })
            .collect();
        match texts.as_slice() {
            [] => Decoded::default(),
            [one] => (*one).clone(),
            many => Decoded {
                value: many.iter().map(|t| t.value.as_str()).collect(),
                lead: many[0].lead,
                trail: many[many.len() - 1].trail,
            },
        }
    }
}

/// Reads `text`, recovering from what it can.
pub fn read(text: &str) -> Document {
    let mut b = Builder { lines: Lines::new(text), ..Builder::default() };
    if let Some(at) = find_dtd(text) {
        let msg = "DTD refused: a config needs no <!DOCTYPE>, and entity declarations are never expanded";
        b.found.push((at, Severity::Error, msg.to_string()));
        return b.finish();
    }
    let mut tokens = Tokenizer::from(text);
    loop {
        match tokens.next() {
            None => break,
            Some(Ok(token)) => {
                if let Err(stop) = b.token(token) {
                    b.found.push(stop);
                    break;
                }
            }
            Some(Err(e)) => {
                let (row, col) = (e.pos().row as usize, e.pos().col as usize);
                let at = b.lines.offset(row, col);
                // xmlparser puts " at L:C" into its messages; the position is shown in front instead.
                b.syntax_error(at, &e.to_string().replace(&format!(" at {row}:{col}"), ""));
                // Resume on the next line: one broken element costs that element.
                let Some(next) = text[at..].find('\n').map(|i| at + i + 1) else { break };
                tokens = Tokenizer::from_fragment(text, next..text.len());
            }
        }
    }
    b.finish()
}

/// Builds the tree from tokens.
#[derive(Default)]
struct Builder<'a> {
    lines: Lines<'a>,
    /// Open elements, outermost first.
    stack: Vec<Element>,
    /// An element whose start tag is being read (attributes to come).
    pending: Option<Element>,
    nodes: Vec<Node>,
    count: usize,
    found: Vec<Found>,
}

impl Default for Lines<'_> {
    fn default() -> Self {
        Lines::new("")
    }
}

impl Builder<'_> {
    /// Takes one token; `Err` (the finding) when a limit stops reading.
    fn token(&mut self, token: Token) -> Result<(), Found> {
        self.count += 1;
        if self.count > MAX_NODES {
            return Err((0, Severity::Error, format!("more than {MAX_NODES} XML nodes: not read further")));
        }
        match token {
            Token::ElementStart { prefix, local, span } => {
                let name = if prefix.is_empty() { local.to_string() } else { format!("{prefix}:{local}") };
                let (line, column) = self.lines.at(span.start());
                self.pending = Some(Element { name, line, column, ..Element::default() });
            }
            Token::Attribute { prefix, local, value, span } => {
                let decoded = refs::decode(value.as_str(), value.start(), &mut self.found);
                let name = if prefix.is_empty() { local.to_string() } else { format!("{prefix}:{local}") };
                if let Some(el) = &mut self.pending {
                    if el.attributes.iter().any(|(n, _)| *n == name) {
                        let msg = format!("attribute {name} is given twice in <{}>: the first is kept", el.name);
                        self.found.push((span.start(), Severity::Warning, msg));
                    } else {
                        el.attributes.push((name, decoded));
                    }
                }
            }
            Token::ElementEnd { end, span } => return self.element_end(end, span.start()),
            Token::Text { text } => {
                let decoded = refs::decode(text.as_str(), text.start(), &mut self.found);
                self.text(decoded, text.start());
            }
            Token::Cdata { text, .. } => {
                let value = Decoded { value: text.to_string(), lead: 0, trail: 0 };
                self.text(value, text.start());
            }
            _ => {}
        }
        Ok(())
    }

    fn element_end(&mut self, end: ElementEnd, at: usize) -> Result<(), Found> {
        match end {
            ElementEnd::Open => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err((
                        at,
                        Severity::Error,
                        format!("elements nested more than {MAX_DEPTH} deep: not read further"),
                    ));
                }
                self.stack.extend(self.pending.take());
            }
            ElementEnd::Empty => {
                if let Some(el) = self.pending.take() {
                    self.attach(Node::Element(el));
                }
            }
            ElementEnd::Close(prefix, local) => {
                let name = if prefix.is_empty() { local.to_string() } else { format!("{prefix}:{local}") };
                self.close(&name, at);
            }
        }
        Ok(())
    }

    /// `</name>`: closes the open element of that name (and, reported, any left open inside it).
    fn close(&mut self, name: &str, at: usize) {
        let Some(depth) = self.stack.iter().rposition(|e| e.name == name) else {
            // `<e>5</f>`: a leaf closed by a wrong name is read as closed (its text kept).
            if self.stack.last().is_some_and(|e| e.elements().next().is_none()) {
                let el = self.stack.pop().expect("a last element");
                let msg = format!("not well-formed XML: </{name}> closes <{}>: read as </{}>", el.name, el.name);
                self.found.push((at, Severity::Error, msg));
                self.attach(Node::Element(el));
            } else {
                self.found.push((
                    at,
                    Severity::Error,
                    format!("not well-formed XML: </{name}> closes no open element: ignored"),
                ));
            }
            return;
        };
        while self.stack.len() > depth + 1 {
            let inner = self.stack.pop().expect("deeper than depth");
            let msg = format!("not well-formed XML: <{}> is not closed before </{name}>: closed there", inner.name);
            self.found.push((at, Severity::Error, msg));
            self.attach(Node::Element(inner));
        }
        let el = self.stack.pop().expect("the element found");
        self.attach(Node::Element(el));
    }

    fn text(&mut self, text: Decoded, at: usize) {
        let (line, column) = self.lines.at(at);
        self.attach(Node::Text { text, line, column });
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => self.nodes.push(node),
        }
    }

    /// A syntax error at byte `at`: reported; an element whose start tag it broke is lost.
    fn syntax_error(&mut self, at: usize, message: &str) {
        let lost = match self.pending.take() {
            Some(el) => format!(": <{}> is not read; reading goes on at the next line", el.name),
            None => ": reading goes on at the next line".to_string(),
        };
        self.found.push((at, Severity::Error, format!("not well-formed XML: {message}{lost}")));
    }

    fn finish(mut self) -> Document {
        if let Some(el) = self.pending.take() {
            let msg = format!("not well-formed XML: <{}> ends with the file: not read", el.name);
            self.found.push((self.lines.text.len(), Severity::Error, msg));
        }
        while let Some(el) = self.stack.pop() {
            let msg = format!("not well-formed XML: <{}> is not closed", el.name);
            let at = self.lines.offset(el.line, el.column);
            self.found.push((at, Severity::Error, msg));
            self.attach(Node::Element(el));
        }
        let lines = &self.lines;
        let mut findings: Vec<Finding> = self
            .found
            .into_iter()
            .map(|(at, severity, message)| {
                let (line, column) = lines.at(at);
                Finding { line, column, severity, message }
            })
            .collect();
        findings.sort_by_key(|f| (f.line, f.column));
        Document { nodes: self.nodes, findings }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(doc: &Document) -> &Element {
        doc.nodes.iter().find_map(|n| if let Node::Element(e) = n { Some(e) } else { None }).unwrap()
    }

    #[test]
    fn reads_a_clean_file_with_positions() {
        let doc = read("<?xml version=\"1.0\"?>\n<a v=\"1\">\n  <b x=\"&amp;\">t</b>\n  <c/>\n</a>\n");
        assert!(doc.findings.is_empty(), "{:?}", doc.findings);
        let a = root(&doc);
        assert_eq!((a.name.as_str(), a.line, a.column, a.attribute("v")), ("a", 2, 1, Some("1")));
        let kids: Vec<&Element> = a.elements().collect();
        assert_eq!((kids[0].line, kids[0].column, kids[0].attribute("x")), (3, 3, Some("&")));
        assert_eq!(kids[0].text().value, "t");
        assert_eq!(kids[1].name, "c");
    }

    #[test]
    fn a_broken_element_costs_itself_not_the_file() {
        let doc = read("<a>\n<b>1</b>\n<c x=1>2</c>\n<d>3 & 4</d>\n<e>5</f>\n<g>&copy;</g>\n</a>");
        let a = root(&doc);
        let names: Vec<&str> = a.elements().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["b", "d", "e", "g"], "{:?}", doc.findings);
        let at: Vec<(usize, Severity)> = doc.findings.iter().map(|f| (f.line, f.severity)).collect();
        assert!(at.contains(&(3, Severity::Error)), "{:?}", doc.findings);
        assert!(at.contains(&(4, Severity::Warning)), "{:?}", doc.findings);
        assert!(at.contains(&(5, Severity::Error)), "{:?}", doc.findings);
        assert!(at.contains(&(6, Severity::Warning)), "{:?}", doc.findings);
        assert_eq!(a.elements().last().unwrap().text().value, "©");
    }

    #[test]
    fn limits_and_dtds() {
        let doc = read("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>");
        assert!(doc.nodes.is_empty() && doc.findings[0].message.contains("DTD refused"));
        let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
        let doc = read(&deep);
        assert!(doc.findings.iter().any(|f| f.message.contains("nested more than")));
        let doc = read("<a><b>");
        assert_eq!(doc.findings.len(), 2);
    }
}
