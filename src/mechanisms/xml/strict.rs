//! The strict XML reader, for files that must be well-formed (language files): roxmltree with
//! DTDs refused (also an empty `<!DOCTYPE x>`, which roxmltree lets through) and a node limit.

/// Why a file is not read: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses `text`, refusing DTDs; `what` names the kind of file in the DTD message.
pub fn parse<'a>(text: &'a str, nodes_limit: u32, what: &str) -> Result<roxmltree::Document<'a>, StrictError> {
    let lines = super::Lines::new(text);
    let dtd_refused = |at: usize| {
        let (line, column) = lines.at(at);
        StrictError {
            line,
            column,
            message: format!("DTD refused: a {what} needs no <!DOCTYPE> and entity declarations are never expanded"),
        }
    };
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit, ..Default::default() };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        if let roxmltree::Error::DtdDetected = e {
            return dtd_refused(super::find_dtd(text).unwrap_or(0));
        }
        let pos = e.pos();
        let message = e.to_string();
        // roxmltree ends its messages with " at L:C"; the position is shown in front instead.
        let message = match message.rsplit_once(" at ") {
            Some((head, tail)) if tail == pos.to_string() => head.to_string(),
            _ => message,
        };
        StrictError {
            line: pos.row as usize,
            column: pos.col as usize,
            message: format!("not well-formed XML: {message}"),
        }
    })?;
    if let Some(at) = super::find_dtd(&text[..doc.root_element().range().start]) {
        return Err(dtd_refused(at));
    }
    Ok(doc)
}
