//! Prepares the built-in vendor layouts (`layouts/htek.toml`, `layouts/flyingvoice.toml`) for a fast
//! start: each is parsed here, once, and stored as JSON of the same table, which the binary reads
//! with `serde_json` in a fraction of the time a TOML parse takes (`src/rules/layout/mod.rs`,
//! `docs/benchmarks.md`). The TOML files stay the one source: a test checks them with positions, and
//! a file that does not parse fails the build here, naming it.

use std::path::Path;

/// The vendor layout files built into the binary.
const VENDOR_FILES: [&str; 2] = ["htek.toml", "flyingvoice.toml"];

fn main() {
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in VENDOR_FILES {
        let path = Path::new("layouts").join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = serde_json::to_string(&table).expect("a TOML table is JSON");
        std::fs::write(Path::new(&out).join(format!("{name}.json")), json).expect("OUT_DIR is writable");
    }
}
