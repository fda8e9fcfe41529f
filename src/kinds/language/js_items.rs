//! Items of a web language file: a JavaScript script that only sets strings.
//!
//! The template's shape is not published; the vendor's English template is data: a script that
//! sets strings. Every way such a file sets a string is accepted and every string it sets is an
//! item, keyed by the JavaScript path that reaches it:
//! `var lang = { "Call": "Call", menu: { hold: 'Hold' } };` gives `lang.Call` and `lang.menu.hold`;
//! `lang["Call Now"] = "Call now";` gives `lang["Call Now"]`; array elements get `[i]`.
//!
//! The phone's web UI runs this file, so nothing but that data may be in it: calls (`alert(…)`,
//! `$.extend(…)`), names or expressions as values (`document.cookie`, `(…)`), functions, operators
//! other than `+` between strings, `${…}` templates are errors at their line and column; the only
//! constructor is an empty `new Array()` / `new Object()` to start an assignment script. A string
//! holding `<script` or `</script` (any case) is an error too: inside the page's `<script>` it would
//! end the script and start another.

use super::items::{Item, ParseError, Parsed};
use super::position::LineIndex;

/// Parses `text` as a key/value script and lists its items.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let tokens = Lexer { text, pos: 0 }.tokens().map_err(|e| e.located(text))?;
    let mut p = Parser { tokens, pos: 0, depth: 0, parsed: Parsed::default() };
    p.script().map_err(|e| e.located(text))?;
    Ok(p.parsed)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Str(String),
    Num(&'a str),
    Punct(char),
    Eof,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    /// A line break came between this token and the one before (ends a statement without `;`).
    newline_before: bool,
}

/// An error at a byte offset, before it is turned into `line:column`.
struct At {
    offset: usize,
    message: String,
}

impl At {
    fn located(self, text: &str) -> ParseError {
        let (line, column) = LineIndex::new(text).at(self.offset);
        ParseError { line, column, message: self.message }
    }
}

fn at(offset: usize, message: impl Into<String>) -> At {
    At { offset, message: message.into() }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn tokens(mut self) -> Result<Vec<Token<'a>>, At> {
        let mut out = Vec::new();
        loop {
            let newline_before = self.skip_space_and_comments()?;
            let start = self.pos;
            let Some(c) = self.text[self.pos..].chars().next() else {
                out.push(Token { tok: Tok::Eof, start, newline_before: true });
                return Ok(out);
            };
            let tok = match c {
                '"' | '\'' | '`' => Tok::Str(no_script_tag(self.string(c)?, start)?),
                c if c.is_ascii_digit() || (c == '.' && self.next_is_digit()) => {
                    self.pos += self.text[self.pos..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
                        .unwrap_or(self.text.len() - self.pos);
                    Tok::Num(&self.text[start..self.pos])
                }
                c if c.is_alphabetic() || c == '_' || c == '$' => {
                    let len = self.text[self.pos..]
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                        .unwrap_or(self.text.len() - self.pos);
                    self.pos += len;
                    Tok::Ident(&self.text[start..self.pos])
                }
                '{' | '}' | '[' | ']' | '(' | ')' | ',' | ';' | ':' | '=' | '.' | '+' | '-' => {
                    self.pos += 1;
                    if c == '=' && self.text[self.pos..].starts_with(['=', '>']) {
                        return Err(at(start, "operators are not key/value data: the file may only set strings"));
                    }
                    Tok::Punct(c)
                }
                other => {
                    return Err(at(
                        start,
                        format!(
                            "unexpected character '{other}': a web language file only sets strings (key: \"value\")"
                        ),
                    ))
                }
            };
            out.push(Token { tok, start, newline_before });
        }
    }

    fn next_is_digit(&self) -> bool {
        self.text.as_bytes().get(self.pos + 1).is_some_and(u8::is_ascii_digit)
    }

    /// Skips white space and comments; whether a line break was among them.
    fn skip_space_and_comments(&mut self) -> Result<bool, At> {
        let mut newline = false;
        loop {
            let rest = &self.text[self.pos..];
            let trimmed = rest.trim_start();
            newline |= rest[..rest.len() - trimmed.len()].contains(['\n', '\r', '\u{2028}', '\u{2029}']);
            self.pos += rest.len() - trimmed.len();
            if trimmed.starts_with("//") {
                let end = trimmed.find('\n').unwrap_or(trimmed.len());
                self.pos += end;
            } else if let Some(body) = trimmed.strip_prefix("/*") {
                let Some(end) = body.find("*/") else {
                    return Err(at(self.pos, "comment is never closed with */"));
                };
                newline |= body[..end].contains('\n');
                self.pos += end + 4;
            } else {
                return Ok(newline);
            }
        }
    }

    /// Reads a quoted string starting at `self.pos` and returns its value with escapes resolved.
    fn string(&mut self, quote: char) -> Result<String, At> {
        let start = self.pos;
        self.pos += 1;
        if let Some(value) = self.plain_string(quote) {
            return Ok(value);
        }
        let mut value = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.pos += i + 1;
                    return Ok(value);
                }
                '$' if quote == '`' && self.text[self.pos + i..].starts_with("${") => {
                    return Err(at(self.pos + i, "${…} in a template string is code, not a translation"));
                }
                '\n' | '\r' if quote != '`' => break,
                '\\' => {
                    let Some((j, e)) = chars.next() else { break };
                    self.escape(&mut chars, j, e, &mut value)?;
                }
                c => value.push(c),
            }
        }
        Err(at(start, "string is never closed: a quote is missing before the end of the line"))
    }

    /// Most strings have no escapes: one closed by `quote` before any `\`, line end or `$` is taken
    /// whole (and the lexer moved past it).
    fn plain_string(&mut self, quote: char) -> Option<String> {
        let rest = &self.text.as_bytes()[self.pos..];
        let q = quote as u8;
        let end = rest.iter().position(|&b| b == q || b == b'\\' || b == b'\n' || b == b'\r' || b == b'$')?;
        if rest[end] != q {
            return None;
        }
        let value = self.text[self.pos..self.pos + end].to_string();
        self.pos += end + 1;
        Some(value)
    }

    /// The escape `\e` (`e` at `j` in `chars`, which it may move past what the escape takes) added
    /// to `value`.
    fn escape(&self, chars: &mut std::str::CharIndices, j: usize, e: char, value: &mut String) -> Result<(), At> {
        match e {
            'n' => value.push('\n'),
            't' => value.push('\t'),
            'r' => value.push('\r'),
            'b' => value.push('\u{8}'),
            'f' => value.push('\u{c}'),
            'v' => value.push('\u{b}'),
            '0' => value.push('\0'),
            '\r' => {
                if self.text[self.pos + j + 1..].starts_with('\n') {
                    chars.next();
                }
            }
            '\n' | '\u{2028}' | '\u{2029}' => {}
            'x' | 'u' => {
                let escape_at = self.pos + j - 1;
                let rest = &self.text[self.pos + j + 1..];
                let (code, used) = hex_escape(e, rest).ok_or_else(|| at(escape_at, "malformed \\x or \\u escape"))?;
                for _ in 0..used {
                    chars.next();
                }
                value.push(code);
            }
            other => value.push(other),
        }
        Ok(())
    }
}

/// The character of a `\xHH`, `\uHHHH` or `\u{H…}` escape (after the letter) and how many
/// characters of `rest` it used. Surrogate pairs `\uD83D\uDE00` are joined.
fn hex_escape(kind: char, rest: &str) -> Option<(char, usize)> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok();
    if kind == 'x' {
        let h = rest.get(..2)?;
        return Some((char::from_u32(hex(h)?)?, 2));
    }
    if let Some(body) = rest.strip_prefix('{') {
        let end = body.find('}')?;
        return Some((char::from_u32(hex(&body[..end])?)?, end + 2));
    }
    let first = hex(rest.get(..4)?)?;
    if (0xD800..0xDC00).contains(&first) {
        if let Some(low) = rest.get(4..10).filter(|s| s.starts_with("\\u")).and_then(|s| hex(&s[2..])) {
            if (0xDC00..0xE000).contains(&low) {
                let c = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
                return Some((char::from_u32(c)?, 10));
            }
        }
    }
    Some((char::from_u32(first).unwrap_or('\u{FFFD}'), 4))
}

/// What an expression evaluated to: a string (with where it starts) or anything else.
enum Value {
    Str(String),
    Other,
}

/// Objects and arrays nested deeper than this are refused (the parser recurses).
const MAX_DEPTH: usize = 200;
/// Item keys longer than this are refused (every key holds its whole path).
const MAX_KEY_BYTES: usize = 4096;

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
    parsed: Parsed,
}

impl<'a> Parser<'a> {
    /// The current token (the end-of-file token once past the end).
    fn peek(&self) -> &Token<'a> {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    /// The current token, moving past it (`self.pos -= 1` steps back to it).
    /// A string's value is moved out (it is read once); the token stays "a string" for messages.
    fn next(&mut self) -> Token<'a> {
        let i = self.pos.min(self.tokens.len() - 1);
        self.pos += 1;
        let t = &mut self.tokens[i];
        let tok = match &mut t.tok {
            Tok::Str(s) => Tok::Str(std::mem::take(s)),
            other => other.clone(),
        };
        Token { tok, start: t.start, newline_before: t.newline_before }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek().tok == Tok::Punct(c) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), At> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("expected '{c}' {what}")))
        }
    }

    fn unexpected(&self, expected: &str) -> At {
        let t = self.peek();
        let found = match &t.tok {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Num(_) => "a number".to_string(),
            Tok::Punct(c) => format!("'{c}'"),
            Tok::Eof => "the end of the file".to_string(),
        };
        at(t.start, format!("{expected}, found {found}"))
    }

    fn script(&mut self) -> Result<(), At> {
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Eof => return Ok(()),
                Tok::Punct(';') => {
                    self.next();
                }
                Tok::Punct('{') => {
                    self.expr(String::new(), t.start)?;
                    self.end_statement()?;
                }
                Tok::Ident("var" | "let" | "const") => self.declaration(t.start)?,
                Tok::Ident("export") => self.export_default(t.start)?,
                Tok::Ident("function" | "if" | "for" | "while" | "return" | "class") => {
                    return Err(at(t.start, "code is not key/value data: a web language file only sets strings"));
                }
                Tok::Ident(_) => self.assignment(t.start)?,
                _ => {
                    return Err(
                        self.unexpected("expected a statement such as `var lang = {…}` or `lang[\"Key\"] = \"Value\"`")
                    )
                }
            }
        }
    }

    /// `var a = …, b = …;` (or `let`, `const`), starting at `start`.
    fn declaration(&mut self, start: usize) -> Result<(), At> {
        self.next();
        loop {
            let name = match self.next() {
                Token { tok: Tok::Ident(n), .. } => n.to_string(),
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected("expected a variable name"));
                }
            };
            if self.eat('=') {
                self.expr(name, start)?;
            }
            if !self.eat(',') {
                break;
            }
        }
        self.end_statement()
    }

    /// `export default …;`, starting at `start`.
    fn export_default(&mut self, start: usize) -> Result<(), At> {
        self.next();
        if self.peek().tok != Tok::Ident("default") {
            return Err(self.unexpected("expected 'default' after 'export'"));
        }
        self.next();
        self.expr(String::new(), start)?;
        self.end_statement()
    }

    /// `lang["Key"] = …;` (or `lang.Key`), starting at `start`; a call is refused.
    fn assignment(&mut self, start: usize) -> Result<(), At> {
        let path = self.target()?;
        if self.eat('=') {
            self.expr(path, start)?;
        } else if self.peek().tok == Tok::Punct('(') {
            return Err(at(start, format!("'{path}(…)' is a call: {RUNS}")));
        } else {
            return Err(self.unexpected(&format!("expected '=' after '{path}'")));
        }
        self.end_statement()
    }

    fn end_statement(&mut self) -> Result<(), At> {
        let t = self.peek();
        if t.tok == Tok::Punct(';') {
            self.next();
            Ok(())
        } else if t.newline_before || matches!(t.tok, Tok::Eof | Tok::Punct('}')) {
            Ok(())
        } else {
            Err(self.unexpected("expected ';' or a line break after the statement"))
        }
    }

    /// `name`, `name.member`, `name["key"]`, `name[0]`, as the item path it names.
    fn target(&mut self) -> Result<String, At> {
        let mut path = match self.next().tok {
            Tok::Ident(n) => n.to_string(),
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("expected a name"));
            }
        };
        loop {
            if self.eat('.') {
                match self.next().tok {
                    Tok::Ident(n) => path = child(&path, n),
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected("expected a property name after '.'"));
                    }
                }
            } else if self.eat('[') {
                let key = self.next();
                match key.tok {
                    Tok::Str(s) => path = child(&path, &s),
                    Tok::Num(n) => path = child(&path, n),
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected("expected a quoted key or a number inside [ ]"));
                    }
                }
                self.expect(']', "to close the key")?;
            } else {
                return Ok(path);
            }
        }
    }

    /// `expr := term ('+' term)*`; strings joined with `+` are one string. Records the items it
    /// sets under `path` (an item when the whole value is a string).
    fn expr(&mut self, path: String, offset: usize) -> Result<(), At> {
        if path.len() > MAX_KEY_BYTES {
            return Err(at(offset, format!("key path over {MAX_KEY_BYTES} bytes")));
        }
        let value = self.sum(&path)?;
        if let Value::Str(s) = value {
            if !path.is_empty() {
                let replaced = self.parsed.items.insert(Item {
                    key: path.as_str().into(),
                    value: if s.trim().len() == s.len() { s } else { s.trim().to_string() },
                    offset,
                    translatable: true,
                });
                if replaced.is_some() {
                    self.parsed.warnings.push((offset, format!("'{path}' is set a second time; the later value wins")));
                }
            }
        }
        Ok(())
    }

    fn sum(&mut self, path: &str) -> Result<Value, At> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(at(self.peek().start, format!("values nested more than {MAX_DEPTH} deep")));
        }
        let value = self.sum_inner(path);
        self.depth -= 1;
        value
    }

    fn sum_inner(&mut self, path: &str) -> Result<Value, At> {
        let mut value = self.term(path)?;
        while self.eat('+') {
            let next = self.term(path)?;
            value = match (value, next) {
                (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
                _ => return Err(at(self.tokens[self.pos - 1].start, "only strings may be joined with '+'")),
            };
        }
        Ok(value)
    }

    fn term(&mut self, path: &str) -> Result<Value, At> {
        let t = self.next();
        match t.tok {
            Tok::Str(s) => Ok(Value::Str(s)),
            Tok::Num(_) => Ok(Value::Other),
            Tok::Punct('-') => match self.next().tok {
                Tok::Num(_) => Ok(Value::Other),
                _ => {
                    self.pos -= 1;
                    Err(self.unexpected("expected a number after '-'"))
                }
            },
            Tok::Punct('(') => Err(at(t.start, format!("an expression in parentheses is not a value: {RUNS}"))),
            Tok::Punct('{') => {
                self.object(path)?;
                Ok(Value::Other)
            }
            Tok::Punct('[') => {
                self.array(path)?;
                Ok(Value::Other)
            }
            Tok::Ident("true" | "false" | "null") => Ok(Value::Other),
            Tok::Ident("new") => self.empty_constructor(t.start),
            Tok::Ident(name) => Err(at(t.start, format!("'{name}' is not a value: {RUNS}"))),
            _ => {
                self.pos -= 1;
                Err(self.unexpected("expected a value (a string, number, { … } or [ … ])"))
            }
        }
    }

    /// `new Array()` or `new Object()`, empty: how an assignment script starts its object.
    fn empty_constructor(&mut self, start: usize) -> Result<Value, At> {
        let empty = matches!(self.next().tok, Tok::Ident("Array" | "Object")) && self.eat('(') && self.eat(')');
        if !empty {
            return Err(at(start, format!("only an empty `new Array()` or `new Object()` may be constructed: {RUNS}")));
        }
        Ok(Value::Other)
    }

    fn object(&mut self, path: &str) -> Result<(), At> {
        loop {
            if self.eat('}') {
                return Ok(());
            }
            let key = self.next();
            let name = match key.tok {
                Tok::Ident(n) => n.to_string(),
                Tok::Str(s) => s,
                Tok::Num(n) => n.to_string(),
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected("expected a key (a name or a quoted string) or '}'"));
                }
            };
            self.expect(':', &format!("after the key '{name}'"))?;
            self.expr(child(path, &name), key.start)?;
            if !self.eat(',') {
                self.expect('}', "or ',' after the value")?;
                return Ok(());
            }
        }
    }

    fn array(&mut self, path: &str) -> Result<(), At> {
        let mut i = 0;
        loop {
            if self.eat(']') {
                return Ok(());
            }
            let start = self.peek().start;
            self.expr(child(path, &i.to_string()), start)?;
            i += 1;
            if !self.eat(',') {
                self.expect(']', "or ',' after the element")?;
                return Ok(());
            }
        }
    }
}

/// Why anything but data is refused.
const RUNS: &str = "the phone's web UI runs this file, so it may only set strings (key: \"value\")";

/// A string's value, or the error when it holds a script tag.
fn no_script_tag(value: String, offset: usize) -> Result<String, At> {
    let lower = value.to_lowercase();
    if lower.contains("<script") || lower.contains("</script") {
        return Err(at(
            offset,
            "a string holds a <script> tag: in the phone's web page it would end the script and run another",
        ));
    }
    Ok(value)
}

/// `parent.name` for identifier-like names, `parent[3]` for indexes, else `parent["name"]`, so
/// `lang["Call"]`, `lang.Call` and `{Call: …}` all name the same item, as they do in JavaScript.
fn child(parent: &str, name: &str) -> String {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        return format!("{parent}[{name}]");
    }
    let ident = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    match (parent.is_empty(), ident) {
        (true, true) => name.to_string(),
        (false, true) => format!("{parent}.{name}"),
        (_, false) => format!("{parent}[{}]", quote(name)),
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap().items.iter().map(|i| (i.key.to_string(), i.value.clone())).collect()
    }

    #[test]
    fn object_literal_and_assignments_give_the_same_kind_of_keys() {
        let a = items("// web\nvar lang = {\n  \"Call\": \"Call\",\n  Hold: 'Hold %s',\n  menu: { main: \"Main\" + ' menu' },\n  n: 3,\n};\n");
        assert_eq!(
            a,
            [
                ("lang.Call".to_string(), "Call".to_string()),
                ("lang.Hold".into(), "Hold %s".into()),
                ("lang.menu.main".into(), "Main menu".into())
            ]
        );
        let b = items("var lang = new Array();\nlang[\"Call\"] = \"Call\";\nlang['Call Now'] = \"Now\\n\\u00e9\"\nlang.days = [\"Mon\", `Tue`]\n");
        assert_eq!(
            b,
            [
                ("lang.Call".to_string(), "Call".to_string()),
                ("lang[\"Call Now\"]".into(), "Now\né".into()),
                ("lang.days[0]".into(), "Mon".into()),
                ("lang.days[1]".into(), "Tue".into())
            ]
        );
    }

    #[test]
    fn duplicate_keys_warn_and_the_later_wins() {
        let p = parse("a = {x: \"1\", x: \"2\"}").unwrap();
        assert_eq!(p.items.get("a.x").unwrap().value, "2");
        assert_eq!(p.warnings.len(), 1);
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse("var lang = {\n  \"Call\": \"Call\",\n  \"Hold\" \"Hold\"\n};").unwrap_err();
        assert_eq!((e.line, e.column), (3, 10), "{e:?}");
        assert!(e.message.contains("expected ':'"), "{}", e.message);
        let e = parse("var lang = {\n  \"Call\": \"Call\n};").unwrap_err();
        assert_eq!((e.line, e.column), (2, 11));
        assert!(e.message.contains("never closed"));
        let e = parse("var lang = {").unwrap_err();
        assert_eq!((e.line, e.column), (1, 13));
        assert!(e.message.contains("found the end of the file"), "{}", e.message);
        let e = parse("lang.x = \"a\" lang.y = \"b\"").unwrap_err();
        assert_eq!((e.line, e.column), (1, 14));
        assert!(parse("function f() {}").is_err());
        let deep = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&deep).unwrap_err().message.contains("nested more than 200"));
        let long = format!("x = {{\"{}\": \"v\"}}", "k".repeat(5000));
        assert!(parse(&long).unwrap_err().message.contains("over 4096 bytes"));
        assert!(parse("x = `a ${b}`").is_err());
        assert!(parse("/* unclosed").is_err());
    }

    #[test]
    fn anything_but_data_is_an_error_at_its_place() {
        let cases = [
            ("var lang = {\"a\": \"A\"};\nalert(document.cookie);\n", (2, 1), "'alert(…)' is a call"),
            ("$.extend(lang, {a: 'A'})", (1, 1), "is a call"),
            ("var lang = {\n  a: document.cookie\n};", (2, 6), "'document' is not a value"),
            ("var lang = {a: (\"A\")};", (1, 16), "in parentheses"),
            ("x = {a: \"A\" + 1}", (1, 15), "only strings may be joined"),
            ("x = {a: \"</script><script>alert(1)//\"}", (1, 9), "<script> tag"),
            ("x = {a: '\\x3cSCRIPT src=x>'}", (1, 9), "<script> tag"),
            ("x = new Image()", (1, 5), "only an empty `new Array()`"),
            ("x = {a: function () {}}", (1, 9), "'function' is not a value"),
        ];
        for (text, place, word) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!((e.line, e.column), place, "{text}: {e:?}");
            assert!(e.message.contains(word), "{text}: {}", e.message);
        }
        assert_eq!(items("var lang = new Array();\nlang.a = \"<b>A</b>\";\nx = {n: 1, t: true, z: null}").len(), 1);
    }

    #[test]
    fn crlf_and_json_are_fine() {
        assert_eq!(items("{\r\n\"a\": \"b\"\r\n}\r\n"), [("a".to_string(), "b".to_string())]);
        assert_eq!(items("x = 'a'\r\ny = 'b'\r\n").len(), 2);
    }
}
