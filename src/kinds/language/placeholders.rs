//! Placeholders a translation must keep: printf conversions (`%s`, `%d`, `%1$s`, `%.2f`), braces
//! (`{0}`, `{name}`) and line breaks (`\n` written out, or a real line break in a script string).
//! A translation may move them, but not lose or add any.

use std::collections::BTreeMap;

/// Each placeholder of `s` with how often it occurs.
pub fn placeholders(s: &str) -> BTreeMap<&str, usize> {
    let mut found = BTreeMap::new();
    for p in sorted(s) {
        *found.entry(p).or_insert(0) += 1;
    }
    found
}

/// The placeholders of `s`, sorted (a line break counts as `\n`).
fn sorted(s: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Placeholders { s, i: 0 }.collect();
    found.sort_unstable();
    found
}

/// The bytes a placeholder can start with.
static STARTS: [bool; 256] = {
    let mut t = [false; 256];
    t[b'%' as usize] = true;
    t[b'{' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// The placeholders of a string in order of appearance.
struct Placeholders<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Iterator for Placeholders<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.s.as_bytes();
        while self.i < bytes.len() {
            // Skip ordinary text quickly.
            match bytes[self.i..].iter().position(|&b| STARTS[b as usize]) {
                Some(skip) => self.i += skip,
                None => {
                    self.i = bytes.len();
                    return None;
                }
            }
            let i = self.i;
            let len = match bytes[i] {
                b'%' => printf_len(&bytes[i..]),
                b'{' => brace_len(&bytes[i..]),
                b'\\' if bytes.get(i + 1) == Some(&b'n') => 2,
                b'\n' => {
                    self.i += 1;
                    return Some("\\n");
                }
                _ => 0,
            };
            self.i += len.max(1);
            if len > 0 && &self.s[i..i + len] != "%%" {
                return Some(&self.s[i..i + len]);
            }
        }
        None
    }
}

/// How the placeholders of `translated` differ from those of `english`, as a readable list
/// (`'%d' 1× in English, 0× here`), or `None` when they match.
pub fn differences(english: &str, translated: &str) -> Option<String> {
    // Same placeholders in the same order (the usual case) needs no allocation; moved ones are
    // fine too.
    let in_order = |s| Placeholders { s, i: 0 };
    if in_order(english).eq(in_order(translated)) || sorted(english) == sorted(translated) {
        return None;
    }
    let (a, b) = (placeholders(english), placeholders(translated));
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
    // Length modifiers: hh, h, ll, l, L, q, j, z, t.
    i += match (b.get(i), b.get(i + 1)) {
        (Some(b'h'), Some(b'h')) | (Some(b'l'), Some(b'l')) => 2,
        (Some(b'h' | b'l' | b'L' | b'q' | b'j' | b'z' | b't'), _) => 1,
        _ => 0,
    };
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
