//! SIP (RFC 3261), the parts `notify` and PnP (`serve --pnp`, `phone --pnp`) share: messages read
//! leniently and written strictly ([`message`]), SIP URIs read strictly ([`uri`]), and the
//! non-INVITE client transaction with its timers and a blocking UDP/TCP link ([`transaction`]).
//!
//! Hand-written (about 400 lines) instead of rsip: these are the few messages two commands
//! exchange, and the writer must refuse what rsip wrote unchecked (CR/LF from a target or user).

pub mod message;
pub mod profile;
pub mod transaction;
pub mod uri;

pub use message::Message;
pub use uri::Uri;

use std::hash::{BuildHasher, Hasher};

/// The SIP port when none is named (RFC 3261 §19.1.2).
pub const DEFAULT_PORT: u16 = 5060;

/// The `branch` prefix of RFC 3261 transactions (§8.1.1.7).
pub const BRANCH_MAGIC: &str = "z9hG4bK";

/// A random token for tags, branches, Call-IDs and cnonces (std's per-process random hash keys,
/// mixed with the time and a counter: unique, not secret).
pub fn token() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{:016x}", h.finish())
}

/// A new Via branch.
pub fn branch() -> String {
    format!("{BRANCH_MAGIC}{}", token())
}

/// The User-Agent bundler sends.
pub fn user_agent() -> &'static str {
    concat!("bundler/", env!("CARGO_PKG_VERSION"))
}
