//! Tar archives the phones fetch (`hlpres.tar`, `Language.tar`): one deterministic ustar writer and
//! one strict reader for untrusted tars, shared by every command.

mod inspect;
mod reader;
mod writer;

pub use inspect::{looks_like_tar, over_cap, TarInspector};
pub use reader::{read_tar, TarEntry, TarLimits};
pub use writer::{TarBuilder, MAX_NAME_BYTES};
