#![allow(unused)]
use std::path::Path;
#[derive(Debug)]
pub struct Error;
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("stub")
    }
}
impl std::error::Error for Error {}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawEncoding {
    S16Le,
    U8,
    Ulaw,
    Alaw,
}
impl std::str::FromStr for RawEncoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        todo!()
    }
}
#[derive(Clone, Debug)]
pub struct RawFormat {
    pub encoding: RawEncoding,
    pub rate: u32,
    pub channels: u16,
}
pub enum Source<'a> {
    File(&'a Path),
    Raw { path: &'a Path, format: RawFormat },
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    Ulaw,
    Alaw,
}
impl std::str::FromStr for Codec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        todo!()
    }
}
impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("stub")
    }
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    Gsrt,
    G711Wav,
    PcmWav,
}
impl std::str::FromStr for Container {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        todo!()
    }
}
impl std::fmt::Display for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("stub")
    }
}
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub start_seconds: f64,
    pub max_seconds: f64,
    pub fade_ms: u32,
    pub normalize_dbfs: Option<f64>,
}
pub struct Rendered {
    pub samples: Vec<i16>,
    pub input_seconds: Option<f64>,
    pub cut: bool,
    pub warnings: Vec<String>,
}
pub fn render(src: &Source, opts: &RenderOptions) -> Result<Rendered, Error> {
    todo!()
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
}
impl Timestamp {
    pub fn from_unix(secs: i64) -> Timestamp {
        todo!()
    }
}
pub fn encode(samples: &[i16], codec: Codec, container: Container, stamp: Timestamp) -> Vec<u8> {
    todo!()
}
pub struct GsrtHeader {
    pub words: u32,
    pub checksum: u16,
    pub version: u32,
    pub stamp: Timestamp,
    pub name: String,
    pub payload_type: u16,
}
pub struct Decoded {
    pub container: Container,
    pub codec: Option<Codec>,
    pub sample_rate: u32,
    pub channels: u16,
    pub samples: Vec<i16>,
    pub gsrt: Option<GsrtHeader>,
    pub checksum_ok: Option<bool>,
    pub length_ok: Option<bool>,
    pub problems: Vec<String>,
}
impl Decoded {
    pub fn seconds(&self) -> f64 {
        todo!()
    }
}
pub fn decode(bytes: &[u8]) -> Result<Decoded, Error> {
    todo!()
}
pub fn sniff(bytes: &[u8]) -> Option<Container> {
    todo!()
}
