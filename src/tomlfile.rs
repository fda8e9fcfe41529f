//! The one TOML loader: a file's text parsed into typed data (or a plain table), every error
//! reported as `file:line:col: message`. Layouts, manifests, `common.toml` and `settings.toml` all
//! read through it.

use anyhow::{anyhow, Result};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::Path;

/// Reads a UTF-8 text file of at most `max_bytes`: (how errors name it, its text).
pub fn read_text(path: &Path, max_bytes: u64) -> Result<(String, String)> {
    let shown = path.display().to_string();
    let bytes = crate::input::read_limited(path, max_bytes)?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow!("{shown}: not UTF-8 text"))?;
    Ok((shown, text))
}

/// Parses `text` (the file `shown`) into `T`; a syntax or type error names the file, line and
/// column where it was found.
pub fn parse<T: DeserializeOwned>(shown: &str, text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| at(shown, text, e.span().unwrap_or(0..0), e.message().trim()))
}

/// An error at a byte span of `text`, as `shown:line:col: message`.
pub fn at(shown: &str, text: &str, span: Range<usize>, message: impl std::fmt::Display) -> anyhow::Error {
    let (line, col) = crate::report::line_col(text, span.start);
    anyhow!("{shown}:{line}:{col}: {message}")
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
