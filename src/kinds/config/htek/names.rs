//! Htek config file names as a folder shows them (`cfg0012.xml`, `hl_cfg001fc110d3a9.xml_v2`, with
//! any prefix and postfix): read by `config lint`, `config resolve` and the format's detection.

/// Which vendor's format a file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HtekName {
    /// `cfg<code>.xml`.
    Common(String),
    /// `cfg<mac>.xml`, the MAC as written (maybe in capitals).
    Phone(String),
}

/// Reads an Htek config file name (`cfg0012.xml`, `hl_cfg001fc110d3a9.xml_v2`): the device code or
/// MAC in it, if it is one.
pub fn htek_name(name: &str) -> Option<HtekName> {
    let mut from = 0;
    while let Some(i) = name[from..].find("cfg").map(|i| i + from) {
        let rest = &name[i + 3..];
        let id: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        if rest[id.len()..].starts_with(".xml") {
            if id.len() == 4 && id.bytes().all(|b| b.is_ascii_digit()) {
                return Some(HtekName::Common(id));
            }
            if id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Some(HtekName::Phone(id));
            }
        }
        from = i + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htek_names_with_prefix_and_postfix() {
        assert_eq!(htek_name("cfg0012.xml"), Some(HtekName::Common("0012".into())));
        assert_eq!(htek_name("hl_cfg001fc110d3a9.xml_v2"), Some(HtekName::Phone("001fc110d3a9".into())));
        assert_eq!(htek_name("cfg001FC110D3A9.xml"), Some(HtekName::Phone("001FC110D3A9".into())));
        assert_eq!(htek_name("cfg001fc110d3a9"), None);
        assert_eq!(htek_name("phonebook.xml"), None);
        assert_eq!(htek_name("cfgcfg0012.xml"), Some(HtekName::Common("0012".into())));
    }
}
