//! Placeholders a translation must keep: printf conversions (`%s`, `%d`, `%1$s`, `%.2f`), braces
//! (`{0}`, `{name}`) and line breaks (`\n` written out, or a real line break in a script string).
//! A translation may move them, but not lose or add any.

use std::collections::BTreeMap;

/// Each placeholder of `s` with how often it occurs.
pub fn placeholders(s: &str) -> BTreeMap<&str, usize> {
    let mut found = BTreeMap::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let len = match bytes[i] {
            b'%' => printf_len(&bytes[i..]),
            b'{' => brace_len(&bytes[i..]),
            b'\\' if bytes.get(i + 1) == Some(&b'n') => 2,
            b'\n' => {
                *found.entry("\\n").or_insert(0) += 1;
                i += 1;
                continue;
            }
            _ => 0,
        };
        if len > 0 {
            let p = &s[i..i + len];
            if p != "%%" {
                *found.entry(p).or_insert(0) += 1;
            }
            i += len;
        } else {
            i += 1;
        }
    }
    found
}

/// How the placeholders of `translated` differ from those of `english`, as a readable list
/// (`'%d' 1× in English, 0× here`), or `None` when they match.
pub fn differences(english: &str, translated: &str) -> Option<String> {
    let (a, b) = (placeholders(english), placeholders(translated));
    if a == b {
        return None;
    }
    let mut keys: Vec<&str> = a.keys().chain(b.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let parts: Vec<String> = keys
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (a.get(k).copied().unwrap_or(0), b.get(k).copied().unwrap_or(0));
            (x != y).then(|| format!("'{k}' {x}× in English, {y}× here"))
        })
        .collect();
    Some(parts.join("; "))
}

/// Length of a printf conversion at the start of `b` (which starts with `%`), or 0.
fn printf_len(b: &[u8]) -> usize {
    if b.get(1) == Some(&b'%') {
        return 2;
    }
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    // Positional argument `1$`.
    let save = i;
    if !(digits(&mut i) && b.get(i) == Some(&b'$')) {
        i = save;
    } else {
        i += 1;
    }
    while matches!(b.get(i), Some(b'-' | b'+' | b'0' | b'#' | b'\'')) {
        i += 1;
    }
    if b.get(i) == Some(&b'*') {
        i += 1;
    } else {
        digits(&mut i);
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if b.get(i) == Some(&b'*') {
            i += 1;
        } else {
            digits(&mut i);
        }
    }
    for len in ["hh", "ll", "h", "l", "L", "q", "j", "z", "t"] {
        if b[i.min(b.len())..].starts_with(len.as_bytes()) {
            i += len.len();
            break;
        }
    }
    match b.get(i) {
        Some(
            b'd' | b'i' | b'o' | b'u' | b'x' | b'X' | b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' | b'c'
            | b's' | b'p' | b'n' | b'@',
        ) => i + 1,
        _ => 0,
    }
}

/// Length of `{0}` or `{name}` at the start of `b`, or 0.
fn brace_len(b: &[u8]) -> usize {
    let inner = b[1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    if inner > 0 && b.get(1 + inner) == Some(&b'}') {
        inner + 2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_printf_braces_and_line_breaks() {
        let p = placeholders("%s of %d, %1$s %-5.2f 100%% {0} {name} a\\nb\nc { x }");
        let keys: Vec<(&str, usize)> = p.into_iter().collect();
        assert_eq!(keys, [("%-5.2f", 1), ("%1$s", 1), ("%d", 1), ("%s", 1), ("\\n", 2), ("{0}", 1), ("{name}", 1)]);
    }

    #[test]
    fn order_may_change_counts_may_not() {
        assert_eq!(differences("%s calls %d", "%d appels %s"), None);
        let d = differences("Line %d\\nnext", "Ligne").unwrap();
        assert_eq!(d, "'%d' 1× in English, 0× here; '\\n' 1× in English, 0× here");
        assert!(differences("50% off", "50 % de remise").is_none());
    }
}
