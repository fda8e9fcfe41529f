//! # ringtool
//!
//! Audio in, 8 kHz G.711 ring tone out — and back.
//!
//! ```text
//! render(Source, RenderOptions) ─► Rendered { 8 kHz mono i16 samples, cut, warnings }
//! encode(samples, Codec, Container, Timestamp) ─► bytes (gsrt ring.bin, G.711 WAV, PCM WAV)
//! decode(bytes) ─► Decoded { header fields, samples, checksum_ok, length_ok, problems }
//! ```
//!
//! Inputs: WAV (8- to 32-bit integer, 32- and 64-bit float; RIFF, RIFX, RF64), MP3, FLAC
//! and Ogg Vorbis (via `symphonia`), recognised by content; and headerless PCM
//! described by the caller. Input is decoded as a stream and only as far as
//! `start_seconds + max_seconds` needs, so a two-hour file costs no more
//! memory than a short one.
//!
//! The gsrt container is Grandstream's ring-tone format (read and written by
//! SoX as `-t gsrt`); FORMATS.md §1 "Ring tones" explains why Htek `ringN.bin`
//! files are assumed to be the same.

#![warn(missing_docs)]

pub mod container;
pub mod dsp;
pub mod error;
pub mod formats;
pub mod g711;
pub mod input;
pub mod render;
pub mod timestamp;

pub use container::{decode, encode, sniff, Decoded, GsrtHeader};
pub use error::{Error, OptionField};
pub use formats::{Codec, Container, RawEncoding, RawFormat};
pub use render::{render, render_reader, RenderOptions, Rendered, Source};
pub use timestamp::Timestamp;
