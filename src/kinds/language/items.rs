//! Items: the translatable strings of a language file, found the same way in a template and in its
//! translations so the two can be compared key by key.

use std::collections::hash_map::Entry;
use std::sync::Arc;

/// Item maps are hashed with foldhash (seeded per process): several times faster than SipHash
/// on the short keys of a language file, and still not predictable by whoever wrote the file.
pub type FastMap<K, V> = foldhash::HashMap<K, V>;

/// One translatable string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What identifies the item in every translation: an XPath-like path for XML
    /// (`/Language/item[@id="Call"]`, `/strings/string[2]/@text`), a JavaScript accessor for web
    /// files (`lang.Call`, `lang["Call Now"]`).
    pub key: Arc<str>,
    /// The text, with entities and escapes resolved and surrounding white space removed.
    pub value: String,
    /// Byte offset in the file's text where the item is, for `line:column`.
    pub offset: usize,
    /// Whether, in a template, this is text to translate. Every string of a script is; in XML an
    /// element's text is when it is not empty, an attribute when it holds a letter (so sizes and
    /// numbers are not items). Other candidates are kept so a translation that emptied an item is
    /// reported as empty rather than missing.
    pub translatable: bool,
}

/// The items of one file in document order, each key once.
#[derive(Debug, Default)]
pub struct Items {
    list: Vec<Item>,
    /// Keys share their text with the items (`Arc`, so files can be checked on several threads): one allocation per key.
    by_key: FastMap<Arc<str>, usize>,
}

impl Items {
    /// Adds an item. When the key is already there the new value replaces the old one (as a later
    /// assignment does in a script) and the replaced item is returned.
    pub fn insert(&mut self, item: Item) -> Option<Item> {
        match self.by_key.entry(Arc::clone(&item.key)) {
            Entry::Occupied(e) => Some(std::mem::replace(&mut self.list[*e.get()], item)),
            Entry::Vacant(e) => {
                e.insert(self.list.len());
                self.list.push(item);
                None
            }
        }
    }

    /// Room for `n` items without growing.
    pub fn with_capacity(n: usize) -> Items {
        Items { list: Vec::with_capacity(n), by_key: FastMap::with_capacity_and_hasher(n, Default::default()) }
    }

    /// Adds an item whose key is new; gives it back when the key is already there.
    pub fn try_insert(&mut self, item: Item) -> Result<(), Item> {
        match self.by_key.entry(Arc::clone(&item.key)) {
            Entry::Occupied(_) => Err(item),
            Entry::Vacant(e) => {
                e.insert(self.list.len());
                self.list.push(item);
                Ok(())
            }
        }
    }

    /// The item with `key`.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.by_key.get(key).map(|&i| &self.list[i])
    }

    /// Whether `key` is an item.
    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// Every item in document order.
    pub fn iter(&self) -> impl Iterator<Item = &Item> {
        self.list.iter()
    }
}

/// Why a file could not be parsed, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A parsed language file: its items and the warnings found on the way (duplicate keys).
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Items,
    /// Warnings at byte offsets.
    pub warnings: Vec<(usize, String)>,
}

impl Parsed {
    /// An empty result with room for `n` items.
    pub fn with_capacity(n: usize) -> Parsed {
        Parsed { items: Items::with_capacity(n), warnings: Vec::new() }
    }
}
