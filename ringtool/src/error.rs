//! The crate's error type.
//!
//! Every variant displays as one lower-case line that names the reason only;
//! the caller adds the file name (`bundler: ring.mp3: no audio samples`).

/// Why rendering, encoding or decoding a ring tone failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The operating system refused a read (missing file, permissions, ...).
    #[error("{}", io_reason(.0))]
    Io(#[from] std::io::Error),
    /// The input has zero bytes.
    #[error("empty file")]
    Empty,
    /// The input is a valid container that holds no samples (after `start_seconds`).
    #[error("no audio samples")]
    NoSamples,
    /// The first bytes match none of the supported formats.
    #[error("not a recognised audio format")]
    Unrecognised,
    /// A recognised format with a variant this crate does not handle
    /// (ADPCM WAV, 9 channels, 4000 Hz, ...). The text names which.
    #[error("unsupported {0}")]
    Unsupported(String),
    /// The data ends before the length its header declares.
    #[error("truncated input: {0}")]
    Truncated(String),
    /// The bytes claim to be a format but break its rules (bad header, undecodable stream).
    #[error("corrupt {0}")]
    Corrupt(String),
    /// A [`crate::RenderOptions`] field (or other argument) is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// [`crate::decode`] was given something that is neither a gsrt ring tone nor a WAV file.
    #[error("not a ring tone: {0}")]
    NotRingTone(String),
}

/// The OS message without its capital letter ("no such file or directory (os error 2)").
fn io_reason(e: &std::io::Error) -> String {
    lower_first(&e.to_string())
}

/// Lower-cases the first character so third-party messages fit our one-line style.
pub(crate) fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_lower_case() {
        let e = Error::from(std::io::Error::other("Boom here"));
        assert_eq!(e.to_string(), "boom here");
    }

    #[test]
    fn messages_are_one_line() {
        let all = [
            Error::Empty,
            Error::NoSamples,
            Error::Unrecognised,
            Error::Unsupported("wav encoding: ima adpcm (format tag 0x0011)".into()),
            Error::Truncated("data ends at frame 10 of 100 declared".into()),
        ];
        for e in all {
            let s = e.to_string();
            assert!(!s.contains('\n'), "{s}");
            assert_eq!(s, lower_first(&s), "{s}");
        }
    }
}
