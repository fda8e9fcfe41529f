//! Firmware versions: dotted integers of four or five parts (`1.0.3.73`, `2.0.4.6.41`), compared as
//! tuples. They are not semantic versions (FORMATS.md §1 "Firmware layout and names").

use anyhow::{bail, Result};
use std::fmt;
use std::str::FromStr;

/// A firmware version, compared part by part as integers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(Vec<u32>);

impl FromStr for Version {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Version> {
        let parts: Vec<&str> = s.split('.').collect();
        if !(4..=5).contains(&parts.len()) {
            bail!("firmware version '{s}' must have 4 or 5 dotted numbers (like 1.0.3.73 or 2.0.4.6.41)");
        }
        let mut nums = Vec::with_capacity(parts.len());
        for p in parts {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                bail!("firmware version '{s}' must have 4 or 5 dotted numbers (like 1.0.3.73 or 2.0.4.6.41)");
            }
            nums.push(p.parse()?);
        }
        Ok(Version(nums))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

impl Version {
    /// The first 4- or 5-part dotted version found in a file name
    /// (`Firmware_Htek_2.0.4.6.41_20191104.zip` → 2.0.4.6.41, `fw924.rom_1.0.3.73` → 1.0.3.73).
    pub fn find_in(name: &str) -> Option<Version> {
        let bytes = name.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.')) {
                let end =
                    bytes[i..].iter().position(|b| !(b.is_ascii_digit() || *b == b'.')).map_or(bytes.len(), |p| i + p);
                let run = name[i..end].trim_end_matches('.');
                if let Ok(v) = run.parse::<Version>() {
                    return Some(v);
                }
                i = end;
            } else {
                i += 1;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn compares_as_integer_tuples() {
        assert!(v("1.0.3.73") > v("1.0.3.9"));
        assert!(v("2.0.4.6.41") > v("2.0.4.6"));
        assert!(v("1.0.3.71") < v("1.0.3.72"));
        assert_eq!(v("2.0.4.6.41").to_string(), "2.0.4.6.41");
    }

    #[test]
    fn refuses_other_shapes() {
        for bad in ["1.0.3", "1.0.3.4.5.6", "1.0.x.3", "1..3.4", "", "v1.0.3.73"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_versions_in_names() {
        assert_eq!(Version::find_in("Firmware_Htek_2.0.4.6.41_20191104.zip"), Some(v("2.0.4.6.41")));
        assert_eq!(Version::find_in("hl_fw924.rom_1.0.3.73"), Some(v("1.0.3.73")));
        assert_eq!(Version::find_in("FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin"), Some(v("0.5.32.3")));
        assert_eq!(Version::find_in("fw924.rom"), None);
    }
}
