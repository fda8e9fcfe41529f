//! The direction of imports in `src/` (issues 11 and 24), read from `src/**/*.rs` as tokens with the
//! items under `#[cfg(test)]` left out. The layers, from the top down: the command line
//! (`src/main.rs` and `src/commands/`), `src/ops`, `src/kinds`, `src/mechanisms`, `src/rules`;
//! `src/lib.rs` is the root (`Context`, `quiet()`) that every layer may use. No import points up a
//! layer; no modules import each other round at any level (the modules of a layer, the files of one
//! folder); and the library (everything but the command line) uses no clap.
//!
//! An import is any path that starts with `crate::`, `self::`, `super::` (or `bundler::` in the
//! binary), `use` lists included (`use crate::{a, b::c}`); it points at the deepest module it names.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the top down, as the first folder under `src/` (the command line's own root,
/// `src/main.rs`, belongs to `commands`).
const LAYERS: [&str; 5] = ["commands", "ops", "kinds", "mechanisms", "rules"];

/// The crates that make a command line.
const CLAP: [&str; 3] = ["clap", "clap_complete", "clap_mangen"];

/// A module by its path below the crate root (`["kinds", "config", "lint"]`); both crate roots are `[]`.
type Module = Vec<String>;

/// A source file: its path under `src/`, the module it is, whether it is the binary's, and its tokens
/// (`all`, and `code` without test items).
struct Source {
    rel: PathBuf,
    module: Module,
    binary: bool,
    all: Vec<TokenTree>,
    code: Vec<TokenTree>,
}

/// One import: the file it is written in, the module it is in, the module it names, the path as written.
struct Import {
    file: PathBuf,
    binary: bool,
    from: Module,
    to: Module,
    text: String,
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

/// The module a file under `src/` is (`kinds/config/mod.rs` → `kinds::config`), and whether it is
/// the binary's (`main.rs`, `commands/`).
fn module_of(rel: &Path) -> (Module, bool) {
    let mut parts: Module = rel.iter().map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    let binary = matches!(parts.first().map(String::as_str), Some("main" | "commands"));
    if matches!(parts.last().map(String::as_str), Some("mod"))
        || parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main")
    {
        parts.pop();
    }
    (parts, binary)
}

/// Every `.rs` file under `src`, parsed.
fn read_sources(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let rel = file.strip_prefix(src).unwrap().to_path_buf();
            let text = std::fs::read_to_string(&file).unwrap();
            let stream: TokenStream = text.parse().unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
            let (module, binary) = module_of(&rel);
            let all: Vec<TokenTree> = stream.clone().into_iter().collect();
            Source { rel, module, binary, all, code: without_test_items(stream) }
        })
        .collect()
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

/// Whether `tokens[i]` and `tokens[i + 1]` are `::`.
fn colons_at(tokens: &[TokenTree], i: usize) -> bool {
    matches!((tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

/// The path starting at `tokens[i]` (`a::b::c`, `a::{b, c::d}`, `a::*`): every path it stands for,
/// and the index after it.
fn path_at(tokens: &[TokenTree], i: usize) -> (Vec<Module>, usize) {
    let mut path = vec![tokens[i].to_string()];
    let mut j = i + 1;
    while colons_at(tokens, j) {
        match tokens.get(j + 2) {
            Some(TokenTree::Ident(id)) => path.push(id.to_string()),
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                let mut out = Vec::new();
                use_list(g.stream(), &path, &mut out);
                return (out, j + 3);
            }
            _ => break,
        }
        j += 3;
    }
    (vec![path], j)
}

/// The paths of a `use` list below `prefix`: `{self, b, c::d, e::{f}, g as h, *}`.
fn use_list(stream: TokenStream, prefix: &[String], out: &mut Vec<Module>) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for item in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        match item.first() {
            Some(TokenTree::Ident(id)) if id == "self" => out.push(prefix.to_vec()),
            Some(TokenTree::Ident(_)) => {
                for tail in path_at(item, 0).0 {
                    out.push([prefix, &tail].concat());
                }
            }
            Some(_) => out.push(prefix.to_vec()),
            None => {}
        }
    }
}

/// The paths in `tokens` that start with `crate`, `self`, `super` or `bundler`, each with the
/// module it is written in (inline `mod name { … }` taken into account).
fn paths_in(tokens: &[TokenTree], module: &[String], out: &mut Vec<(Module, Module)>) {
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    let inner = [module, &[name.to_string()]].concat();
                    paths_in(&body.stream().into_iter().collect::<Vec<_>>(), &inner, out);
                    i += 3;
                    continue;
                }
            }
            TokenTree::Ident(id)
                if matches!(id.to_string().as_str(), "crate" | "self" | "super" | "bundler")
                    && colons_at(tokens, i + 1) =>
            {
                let (paths, next) = path_at(tokens, i);
                out.extend(paths.into_iter().map(|p| (module.to_vec(), p)));
                i = next;
                continue;
            }
            TokenTree::Group(g) => paths_in(&without_test_items(g.stream()), module, out),
            _ => {}
        }
        i += 1;
    }
}

/// The deepest module of `modules` that `path`, written in module `here`, names; `None` when the
/// path is not one to the crate (`self.x`, `bundler::` outside the binary).
fn resolve(path: &[String], here: &[String], binary: bool, modules: &BTreeSet<Module>) -> Option<Module> {
    let (mut at, rest) = match path[0].as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "bundler" if binary => (Vec::new(), &path[1..]),
        "self" | "super" => {
            let rest = if path[0] == "self" { &path[1..] } else { path };
            let ups = rest.iter().take_while(|s| *s == "super").count();
            (here[..here.len().checked_sub(ups)?].to_vec(), &rest[ups..])
        }
        _ => return None,
    };
    let mut deepest = at.clone();
    for name in rest {
        at.push(name.clone());
        if modules.contains(&at) {
            deepest = at.clone();
        }
    }
    Some(deepest)
}

/// Every import of every file (outside test code).
fn imports(sources: &[Source]) -> Vec<Import> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let mut out = Vec::new();
    for source in sources {
        let mut paths = Vec::new();
        paths_in(&source.code, &source.module, &mut paths);
        for (here, path) in paths {
            if let Some(to) = resolve(&path, &here, source.binary, &modules) {
                let text = path.join("::");
                out.push(Import {
                    file: source.rel.clone(),
                    binary: source.binary,
                    from: source.module.clone(),
                    to,
                    text,
                });
            }
        }
    }
    out
}

/// The layer a file or module is in: its index in [`LAYERS`] (0 is the top); `None` for the root.
fn layer(module: &[String], binary: bool) -> Option<Result<usize, String>> {
    if binary {
        return Some(Ok(0));
    }
    let top = module.first()?;
    Some(LAYERS.iter().position(|l| l == top).ok_or_else(|| top.clone()))
}

/// Every import that points up a layer, and every file in no layer.
fn upward_imports(src: &Path) -> Vec<String> {
    let sources = read_sources(src);
    let mut found: Vec<String> = sources
        .iter()
        .filter_map(|s| match layer(&s.module, s.binary) {
            Some(Err(top)) => Some(format!("src/{} is in no layer ({top} is none of {LAYERS:?})", s.rel.display())),
            _ => None,
        })
        .collect();
    for import in imports(&sources) {
        let (Some(Ok(from)), Some(Ok(to))) = (layer(&import.from, import.binary), layer(&import.to, false)) else {
            continue;
        };
        if to < from {
            let (file, text) = (import.file.display(), &import.text);
            found.push(format!("src/{file} ({}) imports {text} ({}, a layer above)", LAYERS[from], LAYERS[to]));
        }
    }
    found.dedup();
    found
}

/// Sibling modules → the siblings they import → the first import that does (`src/FILE uses PATH`).
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// The graph of each module's children, by module.
type Levels = BTreeMap<Module, Graph>;

/// Edges between sibling modules, per parent: an import from a module under child `a` of a parent
/// to one under child `b` is the edge `a -> b` among the parent's children.
fn sibling_edges(sources: &[Source]) -> Levels {
    let mut levels = Levels::new();
    for import in imports(sources) {
        let common = import.from.iter().zip(&import.to).take_while(|(a, b)| a == b).count();
        if common == import.from.len() || common == import.to.len() {
            continue; // a module and one inside it
        }
        let parent = import.from[..common].to_vec();
        let (a, b) = (import.from[common].clone(), import.to[common].clone());
        let why = format!("src/{} uses {}", import.file.display(), import.text);
        levels.entry(parent).or_default().entry(a).or_default().entry(b).or_insert(why);
    }
    levels
}

/// A circle through `start` as `[start, …, start]`, if there is one.
fn circle_from(graph: &Graph, start: &str) -> Option<Vec<String>> {
    fn walk(graph: &Graph, start: &str, path: &mut Vec<String>, seen: &mut BTreeSet<String>) -> bool {
        let here = path.last().cloned().unwrap_or_default();
        for next in graph.get(&here).into_iter().flat_map(|edges| edges.keys()) {
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

/// Every circle among sibling modules, at every level: `parent: a -> b -> a (the imports)`, one per
/// module that starts one not already reported.
fn circles(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (parent, graph) in sibling_edges(&read_sources(src)) {
        let mut reported: BTreeSet<String> = BTreeSet::new();
        for module in graph.keys() {
            if reported.contains(module) {
                continue;
            }
            if let Some(circle) = circle_from(&graph, module) {
                let why: Vec<&str> = circle.windows(2).map(|w| graph[&w[0]][&w[1]].as_str()).collect();
                let at = if parent.is_empty() { "crate".to_string() } else { parent.join("::") };
                found.push(format!("{at}: {} ({})", circle.join(" -> "), why.join("; ")));
                reported.extend(circle);
            }
        }
    }
    found
}

/// Every use of clap outside the command line (test code included): `src/FILE: clap::Path`.
fn clap_uses(src: &Path) -> Vec<String> {
    fn walk(tokens: &[TokenTree], out: &mut BTreeSet<String>) {
        for (i, token) in tokens.iter().enumerate() {
            match token {
                TokenTree::Ident(id) if CLAP.contains(&id.to_string().as_str()) => {
                    out.extend(path_at(tokens, i).0.into_iter().map(|p| p.join("::")));
                }
                TokenTree::Group(g) => walk(&g.stream().into_iter().collect::<Vec<_>>(), out),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    for source in read_sources(src).iter().filter(|s| !s.binary) {
        let mut uses = BTreeSet::new();
        walk(&source.all, &mut uses);
        found.extend(uses.into_iter().map(|u| format!("src/{}: {u}", source.rel.display())));
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_import_points_up_a_layer() {
    let sources = read_sources(&src());
    let layers: BTreeSet<&str> = sources.iter().filter_map(|s| s.module.first().map(String::as_str)).collect();
    assert!(LAYERS.iter().all(|l| layers.contains(l)), "the walk found the layers: {layers:?}");
    let found = upward_imports(&src());
    assert!(found.is_empty(), "imports that point up a layer:\n  {}", found.join("\n  "));
}

#[test]
fn no_modules_import_each_other_in_a_circle_at_any_level() {
    let found = circles(&src());
    assert!(found.is_empty(), "modules that import each other in a circle:\n  {}", found.join("\n  "));
}

#[test]
fn only_the_command_line_uses_clap() {
    let found = clap_uses(&src());
    assert!(
        found.is_empty(),
        "the library uses clap (only src/main.rs and src/commands/ may):\n  {}",
        found.join("\n  ")
    );
}

/// Writes `files` (path under the folder, text) into `dir`.
fn plant(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A small tree in the project's shape, every import pointing down.
const CLEAN: &[(&str, &str)] = &[
    ("lib.rs", "pub mod ops; pub mod kinds; pub mod mechanisms; pub mod rules;\npub struct Context;\n"),
    ("main.rs", "mod commands;\nfn main() { bundler::ops::go(); }\n"),
    ("commands/mod.rs", "use clap::Parser;\n#[derive(Parser)]\npub struct Cli;\n"),
    ("ops/mod.rs", "use crate::{kinds::one, rules};\npub fn go() {}\n"),
    ("kinds/mod.rs", "pub mod one; pub mod two;\n"),
    ("kinds/one.rs", "use crate::Context;\nuse super::two::Two;\nfn f() { crate::mechanisms::m::g(); }\n"),
    ("kinds/two.rs", "pub struct Two;\n#[cfg(test)]\nmod tests { use crate::kinds::one; use crate::ops::go; }\n"),
    ("mechanisms/mod.rs", "pub mod m;\nmod inner { use super::m; }\n"),
    ("mechanisms/m.rs", "pub fn g() {}\npub(in crate::mechanisms) fn h() { self::g(); }\n"),
    ("rules/mod.rs", "pub(crate) fn r() {}\n"),
];

#[test]
fn the_checker_sees_an_upward_import_a_circle_and_clap_and_ignores_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    plant(src, CLEAN);
    let none: Vec<String> = Vec::new();
    assert_eq!((upward_imports(src), circles(src), clap_uses(src)), (none.clone(), none.clone(), none));
    plant(
        src,
        &[
            ("kinds/two.rs", "use self::super::super::ops::go;\nmod inner { use super::super::one::f; }\n#[cfg(test)]\nmod tests { use crate::ops::go; }\n"),
            ("rules/mod.rs", "pub mod layout;\nuse crate::{mechanisms::m::g, rules::r};\n"),
            ("rules/layout/mod.rs", "pub mod model; pub mod vendor;\n"),
            ("rules/layout/model.rs", "use super::vendor::Vendor;\n#[derive(clap::ValueEnum)]\npub enum Screen {}\n"),
            ("rules/layout/vendor.rs", "pub struct Vendor;\nfn f() { crate::rules::layout::model::Screen::x(); }\n"),
            ("util.rs", "pub fn u() {}\n"),
        ],
    );
    assert_eq!(
        upward_imports(src),
        [
            r#"src/util.rs is in no layer (util is none of ["commands", "ops", "kinds", "mechanisms", "rules"])"#,
            "src/kinds/two.rs (kinds) imports self::super::super::ops::go (ops, a layer above)",
            "src/rules/mod.rs (rules) imports crate::mechanisms::m::g (mechanisms, a layer above)",
        ]
    );
    assert_eq!(
        circles(src),
        [
            "crate: kinds -> ops -> kinds (src/kinds/two.rs uses self::super::super::ops::go; src/ops/mod.rs uses crate::kinds::one)",
            "kinds: one -> two -> one (src/kinds/one.rs uses super::two::Two; src/kinds/two.rs uses super::super::one::f)",
            "rules::layout: model -> vendor -> model (src/rules/layout/model.rs uses super::vendor::Vendor; \
             src/rules/layout/vendor.rs uses crate::rules::layout::model::Screen::x)",
        ]
    );
    assert_eq!(clap_uses(src), ["src/rules/layout/model.rs: clap::ValueEnum"]);
}
