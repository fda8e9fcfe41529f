//! MAC addresses as phones spell them in file names: 12 lowercase hex digits (`001fc110d3a9`).
//!
//! Both guides name per-phone files by the lowercase MAC (Htek guide §2.1; Flyingvoice: "case-sensitive").
//! Input may use the usual spellings: `00:1F:C1:10:D3:A9`, `00-1f-c1-10-d3-a9`, `001f.c110.d3a9` or
//! `001FC110D3A9`.

use std::fmt;

/// A MAC address normalised to 12 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac([u8; 12]);

impl Mac {
    /// Reads a MAC in any usual spelling. The error says what is wrong (non-hex digit, length,
    /// separators) and quotes the input.
    pub fn parse(text: &str) -> Result<Mac, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("the MAC is empty".to_string());
        }
        if let Some(bad) = t.chars().find(|c| !c.is_ascii_hexdigit() && !matches!(c, ':' | '-' | '.')) {
            return Err(format!("MAC '{t}' has a character that is not a hex digit: '{bad}'"));
        }
        let digits: Vec<u8> = t.bytes().filter(u8::is_ascii_hexdigit).map(|b| b.to_ascii_lowercase()).collect();
        if digits.len() != 12 {
            return Err(format!("MAC '{t}' has {} hex digits; a MAC has 12", digits.len()));
        }
        if !separators_well_placed(t) {
            return Err(format!(
                "MAC '{t}' has its separators in the wrong place (write 00:1f:c1:10:d3:a9 or 001fc110d3a9)"
            ));
        }
        let mut mac = [0u8; 12];
        mac.copy_from_slice(&digits);
        let mac = Mac(mac);
        mac.check_unicast().map_err(|why| format!("MAC '{t}' {why}"))?;
        Ok(mac)
    }

    /// Refuses addresses no phone has: all zeros, broadcast, and multicast (the low bit of the
    /// first octet set, IEEE 802 "I/G" bit).
    fn check_unicast(&self) -> Result<(), &'static str> {
        if self.0.iter().all(|d| *d == b'0') {
            return Err("is all zeros: not a phone's address");
        }
        if self.0.iter().all(|d| *d == b'f') {
            return Err("is the broadcast address: not a phone's address");
        }
        let second = (self.0[1] as char).to_digit(16).unwrap_or(0);
        if second & 1 == 1 {
            return Err("is a multicast address (the first octet is odd): not a phone's address");
        }
        Ok(())
    }

    /// The first three octets (the OUI), as 6 lowercase hex digits (`001fc1`).
    pub fn oui(&self) -> &str {
        &self.as_str()[..6]
    }

    /// The 12 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A warning when `mac` is outside the vendor's OUIs (`layouts/<vendor>.toml` `ouis`), else `None`.
pub fn oui_warning(mac: &Mac, vendor: &crate::rules::layout::Vendor) -> Option<String> {
    if vendor.ouis.is_empty() || vendor.ouis.iter().any(|o| o == mac.oui()) {
        return None;
    }
    let known: Vec<String> = vendor.ouis.iter().map(|o| format!("{}:{}:{}", &o[..2], &o[2..4], &o[4..])).collect();
    Some(format!(
        "MAC {mac} does not start with {}'s prefix {} (layouts/{}.toml ouis): a typo, or not a {} phone?",
        vendor.family,
        known.join(" or "),
        vendor.vendor,
        vendor.family
    ))
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// No separators, or one kind of separator splitting the digits into pairs (`:`/`-`) or, Cisco
/// style, into groups of four (`.`).
fn separators_well_placed(t: &str) -> bool {
    let seps: Vec<(usize, char)> = t.char_indices().filter(|(_, c)| !c.is_ascii_hexdigit()).collect();
    if seps.is_empty() {
        return true;
    }
    let kind = seps[0].1;
    if seps.iter().any(|(_, c)| *c != kind) {
        return false;
    }
    let positions: Vec<usize> = seps.iter().map(|(i, _)| *i).collect();
    match kind {
        ':' | '-' => positions == [2, 5, 8, 11, 14],
        _ => positions == [4, 9],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_spellings_normalise() {
        for s in ["00:1F:C1:10:D3:A9", "00-1f-c1-10-d3-a9", "001FC110D3A9", " 001fc110d3a9 ", "001f.c110.d3a9"] {
            assert_eq!(Mac::parse(s).unwrap().as_str(), "001fc110d3a9", "{s}");
        }
    }

    #[test]
    fn bad_macs_say_why() {
        assert!(Mac::parse("001fc110d3a").unwrap_err().contains("11 hex digits"));
        assert!(Mac::parse("001fc110d3a9ff").unwrap_err().contains("14 hex digits"));
        assert!(Mac::parse("001fc110d3ag").unwrap_err().contains("'g'"));
        assert!(Mac::parse("").unwrap_err().contains("empty"));
        assert!(Mac::parse("00:1f-c1:10:d3:a9").unwrap_err().contains("separators"));
        assert!(Mac::parse("001:fc1:10d:3a9").unwrap_err().contains("separators"));
        assert!(Mac::parse("00:00:00:00:00:00").unwrap_err().contains("all zeros"));
        assert!(Mac::parse("FFFFFFFFFFFF").unwrap_err().contains("broadcast"));
        assert!(Mac::parse("01:00:5e:00:00:01").unwrap_err().contains("multicast"));
        assert_eq!(Mac::parse("02:1f:c1:10:d3:a9").unwrap().oui(), "021fc1");
    }
}
