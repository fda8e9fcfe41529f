//! bundler as a library: the command line (the binary's `src/main.rs` and `src/commands/`, the only
//! code that knows clap) and the fuzz targets (fuzz/) use it.
//!
//! Four layers, each a folder, imports pointing down only (`tests/it/module_graph.rs` keeps it so):
//! `ops` (what commands do) above `kinds` (ring tones, hlpres, language packs, firmware, configs)
//! above `mechanisms` (one of each: XML, tar, pixels, walking a tree, …) above `rules` (the
//! layouts as typed data). This root holds what every command gets: [`Context`] and [`quiet`].

// No unsafe code but the glue to libjpeg-turbo's error callbacks (`mechanisms/image/jpeg.rs`, the
// one module allowed it).
#![deny(unsafe_code)]

pub mod kinds;
pub mod mechanisms;
pub mod ops;
pub mod rules;

/// What every command gets besides its own arguments.
pub struct Context {
    pub layouts: rules::layout::Layouts,
}

impl Context {
    /// The built-in layouts, extended by the `*.toml` files of `layouts_dir` when given.
    pub fn load(layouts_dir: Option<&std::path::Path>) -> anyhow::Result<Context> {
        use rules::layout::{Layouts, MAX_LAYOUT_BYTES, MAX_LAYOUT_FILES};
        let overrides = match layouts_dir {
            Some(dir) => mechanisms::tomlfile::read_folder(dir, MAX_LAYOUT_FILES, MAX_LAYOUT_BYTES)?,
            None => Vec::new(),
        };
        Ok(Context { layouts: Layouts::load(&overrides)? })
    }
}

/// Whether `-q/--quiet` was given: summaries and progress are left out, errors and findings stay.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether summaries and progress are to be left out (`-q`).
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets `-q/--quiet` for the whole run (main does, once).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}
