//! Imports between the crate's top-level modules point one way (issue 11): reads `src/**/*.rs`,
//! collects each top-level module's `crate::NAME` references outside `#[cfg(test)]` items, and
//! fails naming the circle when two or more top-level modules import each other round.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level module a source file belongs to (`src/kinds/config/htek.rs` → `config`); `None` for the
/// crate roots.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "bin")).then(|| name.to_string())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `#` + this bracket group is `#[cfg(test)]`.
fn is_cfg_test(group: &proc_macro2::Group) -> bool {
    let text: String = group.stream().to_string().chars().filter(|c| !c.is_whitespace()).collect();
    text == "cfg(test)"
}

/// Drops every item marked `#[cfg(test)]` (the attribute, further attributes, and the item up to
/// its `;` or closing brace group).
fn without_test_items(stream: TokenStream) -> Vec<TokenTree> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let cfg_test = matches!((&tokens[i], tokens.get(i + 1)),
            (TokenTree::Punct(p), Some(TokenTree::Group(g)))
                if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket && is_cfg_test(g));
        if !cfg_test {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        }
        i += 2;
        while i < tokens.len() {
            match &tokens[i] {
                TokenTree::Punct(p) if p.as_char() == ';' => break,
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    if matches!(tokens.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
                        i += 1;
                    }
                    break;
                }
                _ => i += 1,
            }
        }
        i += 1;
    }
    out
}

/// The names right after `crate::` anywhere in `tokens` (including `use crate::{a, b::c}`).
fn crate_refs(tokens: &[TokenTree], out: &mut BTreeSet<String>) {
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(g) => crate_refs(&without_test_items(g.stream()), out),
            TokenTree::Ident(id) if id == "crate" => {
                let colons = matches!((tokens.get(i + 1), tokens.get(i + 2)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':');
                match tokens.get(i + 3) {
                    Some(TokenTree::Ident(name)) if colons => {
                        out.insert(name.to_string());
                    }
                    Some(TokenTree::Group(g)) if colons && g.delimiter() == Delimiter::Brace => {
                        heads_of_use_list(g.stream(), out)
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The first name of each comma-separated path of a `use` list.
fn heads_of_use_list(stream: TokenStream, out: &mut BTreeSet<String>) {
    let mut at_start = true;
    for token in stream {
        match token {
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            TokenTree::Ident(id) if at_start => {
                out.insert(id.to_string());
                at_start = false;
            }
            _ => at_start = false,
        }
    }
}

/// Top-level module → the other top-level modules it names through `crate::`.
fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(module) = top_module(src, file) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let stream: TokenStream = text.parse().unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        let mut refs = BTreeSet::new();
        crate_refs(&without_test_items(stream), &mut refs);
        let edges = graph.entry(module.clone()).or_default();
        edges.extend(refs.into_iter().filter(|r| *r != module && modules.contains(r)));
    }
    graph
}

/// A circle through `start` as `a -> b -> a`, if there is one.
fn circle_from(graph: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &Graph, start: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        let here = path.last().cloned().unwrap_or_default();
        for next in graph.get(&here).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

/// Every circle found, one per module that starts one not already reported.
fn circles(graph: &Graph) -> Vec<String> {
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut found = Vec::new();
    for module in graph.keys() {
        if reported.contains(module) {
            continue;
        }
        if let Some(path) = circle_from(graph, module) {
            reported.extend(path.iter().cloned());
            found.push(path.join(" -> "));
        }
    }
    found
}

#[test]
fn top_level_modules_import_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(graph.contains_key("layout") && graph.contains_key("config"), "the walk found the modules");
    let found = circles(&graph);
    assert!(found.is_empty(), "top-level modules import each other in a circle:\n  {}", found.join("\n  "));
}

#[test]
fn the_checker_sees_a_circle_and_ignores_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::thing;\n#[cfg(test)]\nmod tests { use crate::c::X; }\n").unwrap();
    std::fs::write(src.join("b/mod.rs"), "pub mod inner;\n").unwrap();
    std::fs::write(src.join("b/inner.rs"), "fn f() { crate::a::g(); }\n").unwrap();
    std::fs::write(src.join("c.rs"), "use crate::{a, b::inner};\n").unwrap();
    let graph = module_graph(src);
    assert_eq!(graph["a"], BTreeSet::from(["b".to_string()]), "{graph:?}");
    assert_eq!(graph["c"], BTreeSet::from(["a".to_string(), "b".to_string()]));
    assert_eq!(circles(&graph), ["a -> b -> a"]);
    std::fs::write(src.join("b/inner.rs"), "#[cfg(test)]\nfn f() { crate::a::g(); }\n").unwrap();
    assert!(circles(&module_graph(src)).is_empty());
}
