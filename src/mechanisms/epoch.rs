//! The build time stamped into outputs, for reproducible builds.
//!
//! Outputs that carry a time (ring-tone headers, tar entries) take it from `SOURCE_DATE_EPOCH`
//! (the reproducible-builds convention, seconds since 1970-01-01 UTC) when it is set; otherwise
//! they use 0, the epoch itself, so the same inputs always give the same bytes.

use anyhow::{bail, Result};

/// Seconds since the Unix epoch to stamp into outputs: `SOURCE_DATE_EPOCH`, else 0.
pub fn build_time() -> Result<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(_) => Ok(0),
        Ok(v) => match v.trim().parse::<i64>() {
            Ok(secs) if secs >= 0 => Ok(secs),
            _ => bail!("SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not '{v}'"),
        },
    }
}
