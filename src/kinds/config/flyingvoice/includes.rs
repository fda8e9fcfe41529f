//! The one walk of a Flyingvoice include graph (Flyingvoice guide; FORMATS.md §2): a boot or cfg
//! file, then each `include:config` in order, depth first, later values overriding earlier ones.
//! Where the files come from is the caller's [`Source`]: a provisioning folder (`config resolve`,
//! `config lint`) or the server a phone fetches from (`bundler phone`). The walk itself finds
//! cycles and too deep nesting; the source says where an include leads and what reading it gave.
//!
//! Includes may repeat (a file included from several others), and repeats multiply: nine files of
//! ten includes each are 10^8 reads. So each file is read from its source once (a repeat re-applies
//! the bytes read the first time, as the phone applies the file again), and the whole walk follows
//! at most [`MAX_READS`] includes.

use super::fvfile::{self, Item, Kind};
use crate::mechanisms::report::Diagnostic;
use crate::rules::layout::FvData;
use anyhow::Result;
use std::collections::HashMap;
use std::rc::Rc;

/// How deep includes may nest.
pub const MAX_DEPTH: usize = 8;
/// How many includes one walk follows in all, repeats counted (real trees have a handful).
pub const MAX_READS: usize = 256;

/// What the walk meets, in the order the phone reads it.
pub enum Step<'a> {
    /// A file read (status `present`), or one listed without being read; depth 0 is the start.
    File { name: &'a str, status: &'a str, depth: usize, note: Option<String> },
    /// The findings of parsing the file just read.
    Parsed(&'a [Diagnostic]),
    /// A setting, in file order, interleaved with the settings of included files.
    Setting { file: &'a str, key: &'a str, value: &'a str, line: usize },
    /// A problem of the graph itself, at the include line that causes it.
    Problem(Diagnostic),
}

/// Where an include leads, as the source reads it.
pub enum Located {
    /// The file to read next: its name as shown (a path in the folder, or a URL).
    At(String),
    /// Not followed: what the listing shows of it, and the problem reported at the include line.
    NotFollowed { listed: Option<Listed>, problem: Option<String> },
}

/// A file listed but not read.
pub struct Listed {
    pub name: String,
    pub status: &'static str,
    pub note: Option<String>,
}

/// What reading a located file gave.
pub enum Fetched {
    Got(Vec<u8>),
    /// Nothing to read; the problem reported at the include line.
    NotRead(String),
}

/// Where the files come from.
pub trait Source {
    /// Where `target`, written in the file `from`, leads.
    fn locate(&mut self, from: &str, target: &str) -> Located;
    /// Reads `name`, which the include of `target` led to.
    fn fetch(&mut self, name: &str, target: &str) -> Result<Fetched>;
}

/// Reads `start` (whose content is `bytes`) and follows its includes, telling `on` each step.
pub fn walk(
    source: &mut dyn Source,
    data: &FvData,
    start: &str,
    bytes: &[u8],
    on: &mut dyn for<'s> FnMut(Step<'s>),
) -> Result<()> {
    let mut walk = Walk { source, data, stack: Vec::new(), on, read: HashMap::new(), follows: 0 };
    walk.follow(start, bytes, 0)
}

struct Walk<'a> {
    source: &'a mut dyn Source,
    data: &'a FvData,
    stack: Vec<String>,
    on: &'a mut dyn for<'s> FnMut(Step<'s>),
    /// What reading each file gave, so that no file is read twice.
    read: HashMap<String, Result<Rc<Vec<u8>>, String>>,
    /// Includes followed so far (past [`MAX_READS`], none is).
    follows: usize,
}

impl Walk<'_> {
    fn follow(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<()> {
        let kind = Kind::of(name).unwrap_or(Kind::Cfg);
        let parsed = fvfile::parse(name, bytes, kind, &self.data.syntax);
        (self.on)(Step::File { name, status: "present", depth, note: None });
        (self.on)(Step::Parsed(&parsed.diagnostics));
        self.stack.push(name.to_string());
        for item in &parsed.items {
            match item {
                Item::Setting { key, value, line } => (self.on)(Step::Setting { file: name, key, value, line: *line }),
                Item::Include { target, line, column } => {
                    if let Some(problem) = self.include(name, target, depth)? {
                        (self.on)(Step::Problem(Diagnostic::error(name, problem).at(*line, *column)));
                    }
                }
            }
        }
        self.stack.pop();
        Ok(())
    }

    /// Follows one include of `from`; `Some(problem)` when it cannot be followed.
    fn include(&mut self, from: &str, target: &str, depth: usize) -> Result<Option<String>> {
        let next = match self.source.locate(from, target) {
            Located::At(next) => next,
            Located::NotFollowed { listed, problem } => {
                if let Some(Listed { name, status, note }) = listed {
                    (self.on)(Step::File { name: &name, status, depth: depth + 1, note });
                }
                return Ok(problem);
            }
        };
        if let Some(i) = self.stack.iter().position(|p| *p == next) {
            let chain: Vec<&str> = self.stack[i..].iter().chain([&next]).map(String::as_str).collect();
            return Ok(Some(format!(
                "includes '{target}', which is already being read: an include cycle ({})",
                chain.join(" → ")
            )));
        }
        if depth + 1 > MAX_DEPTH {
            return Ok(Some(format!("includes '{target}': includes nest deeper than {MAX_DEPTH} levels")));
        }
        self.follows += 1;
        if self.follows > MAX_READS {
            return Ok((self.follows == MAX_READS + 1).then(|| {
                format!("includes '{target}': more than {MAX_READS} includes in all (files included again and again?); this and later includes are not followed")
            }));
        }
        let read = match self.read.get(&next) {
            Some(read) => read.clone(),
            None => {
                let read = match self.source.fetch(&next, target)? {
                    Fetched::Got(bytes) => Ok(Rc::new(bytes)),
                    Fetched::NotRead(problem) => Err(problem),
                };
                self.read.insert(next.clone(), read.clone());
                read
            }
        };
        match read {
            Ok(bytes) => self.follow(&next, &bytes, depth + 1).map(|()| None),
            Err(problem) => Ok(Some(problem)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight files `f0.cfg`…`f7.cfg` (as deep as includes nest), each including the next one ten
    /// times, and the start file f0 ten times: 10^8 reads unbounded.
    struct Repeats {
        fetched: Vec<String>,
    }

    impl Source for Repeats {
        fn locate(&mut self, _from: &str, target: &str) -> Located {
            Located::At(target.to_string())
        }
        fn fetch(&mut self, name: &str, _target: &str) -> Result<Fetched> {
            self.fetched.push(name.to_string());
            let n: usize = name[1..2].parse().unwrap();
            let body = if n < 7 { format!("include:config \"f{}.cfg\"\n", n + 1).repeat(10) } else { String::new() };
            Ok(Fetched::Got(format!("#!version:1.0.0.1\nk.{n} = v\n{body}").into_bytes()))
        }
    }

    #[test]
    fn repeated_includes_are_read_once_and_bounded_in_all() {
        let data = crate::rules::layout::Layouts::builtin().unwrap().flyingvoice.clone();
        let mut source = Repeats { fetched: Vec::new() };
        let start = "#!version:1.0.0.1\n".to_string() + &"include:config \"f0.cfg\"\n".repeat(10);
        let (mut files, mut problems) = (0, Vec::new());
        walk(&mut source, &data, "start.boot", start.as_bytes(), &mut |step| match step {
            Step::File { .. } => files += 1,
            Step::Problem(d) => problems.push(d.message.clone()),
            _ => {}
        })
        .unwrap();
        let names: Vec<String> = (0..8).map(|n| format!("f{n}.cfg")).collect();
        assert_eq!(source.fetched, names, "each file fetched once");
        assert_eq!(files, 1 + MAX_READS, "the start file and MAX_READS includes");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("more than 256 includes"), "{problems:?}");
    }
}
