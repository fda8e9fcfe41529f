//! File-name patterns from the layouts (`*.png`, `{model}-FVUI_V*.bin` after substitution): `*`
//! matches any run of characters, everything else matches itself, ignoring ASCII case.

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p = pattern.to_ascii_lowercase();
    let n = name.to_ascii_lowercase();
    let mut parts = p.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = n.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn star_patterns() {
        assert!(matches("*.png", "MenuIcon.PNG"));
        assert!(!matches("*.png", "logo.jpg"));
        assert!(matches("FIP13G-FVUI_V*.bin", "FIP13G-FVUI_V0.5.32.3_202105111814_RC.bin"));
        assert!(!matches("FIP13G-FVUI_V*.bin", "FIP14G-FVUI_V0.5.32.3_RC.bin"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*bc", "abc_"));
        assert!(matches("exact", "EXACT") && !matches("exact", "exactly"));
        assert!(!matches("ab*ba", "aba"));
    }
}
