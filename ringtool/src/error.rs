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
    /// An argument (codec name, raw encoding, `SOURCE_DATE_EPOCH`, ...) is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// A [`crate::RenderOptions`] field is out of range. `reason` starts with the
    /// value ("5 is at or past the end of the input"), so a caller can put the
    /// option's name in its user's words in front (`--start 5 is ...`).
    #[error("invalid option: {} {reason}", option.field())]
    BadOption {
        /// Which field.
        option: OptionField,
        /// Why, starting with the value given.
        reason: String,
    },
    /// [`crate::decode`] was given something that is neither a gsrt ring tone nor a WAV file.
    #[error("not a ring tone: {0}")]
    NotRingTone(String),
}

/// A field of [`crate::RenderOptions`], named by [`Error::BadOption`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OptionField {
    /// `start_seconds`.
    StartSeconds,
    /// `max_seconds`.
    MaxSeconds,
    /// `fade_ms`.
    FadeMs,
    /// `fade_in_ms`.
    FadeInMs,
    /// `normalize_dbfs`.
    NormalizeDbfs,
}

impl OptionField {
    /// The field's name in [`crate::RenderOptions`].
    pub fn field(self) -> &'static str {
        match self {
            OptionField::StartSeconds => "start_seconds",
            OptionField::MaxSeconds => "max_seconds",
            OptionField::FadeMs => "fade_ms",
            OptionField::FadeInMs => "fade_in_ms",
            OptionField::NormalizeDbfs => "normalize_dbfs",
        }
    }
}

/// A file that cannot be opened as every bundler command words it (`cannot open: No such file or
/// directory (os error 2)`); any other I/O error as the OS says it, without its capital letter.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => format!("cannot open: {e}"),
        _ => lower_first(&e.to_string()),
    }
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
    fn io_errors_read_as_every_command_words_them() {
        let e = Error::from(std::io::Error::other("Boom here"));
        assert_eq!(e.to_string(), "boom here");
        let e = Error::from(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(e.to_string().starts_with("cannot open: "), "{e}");
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
