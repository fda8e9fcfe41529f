//! TOML read with positions: a text parsed into typed data (or a plain table), every error reported as
//! `file:line:col: message`. Layouts, manifests, `common.toml` and `settings.toml` all parse through
//! it; reading the files is `crate::mechanisms::tomlfile`'s.

use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use std::ops::Range;

/// Parses `text` (the file `shown`) into `T`; a syntax or type error names the file, line and
/// column where it was found.
pub fn parse<T: DeserializeOwned>(shown: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| at(shown, text, e.span().unwrap_or(0..0), e.message().trim()))
}

/// An error at a byte span of `text`, as `shown:line:col: message`.
pub fn at(shown: &str, text: &str, span: Range<usize>, message: impl std::fmt::Display) -> anyhow::Error {
    let (line, col) = line_col(text, span.start);
    anyhow!("{shown}:{line}:{col}: {message}")
}

/// The 1-based line and column (in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_line_and_column() {
        let e = parse::<toml::Table>("a.toml", "x = 1\ny = \n").unwrap_err().to_string();
        assert!(e.starts_with("a.toml:2:"), "{e}");
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            n: u32,
        }
        let e = parse::<T>("b.toml", "\n\nn = \"text\"\n").unwrap_err().to_string();
        assert!(e.starts_with("b.toml:3:5:"), "{e}");
    }
}
