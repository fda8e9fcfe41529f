//! Progress bars for long steps (release items, hlpres images, configs for many phones, firmware
//! zip members, verify of a large tree): drawn on standard error only when it is a terminal and
//! `-q` was not given, so pipes, logs and `--json` output never see them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Steps with fewer units than this finish too fast to need a bar.
const MIN_UNITS: u64 = 2;

/// Whether bars are drawn at all.
pub fn enabled() -> bool {
    !crate::quiet() && std::io::stderr().is_terminal()
}

/// A bar of `len` units labelled `what`; hidden when progress is off or the step is short.
/// `len` 0 means the total is unknown (rows of a CSV read as a stream): a counter is shown.
pub fn bar(len: u64, what: &str) -> ProgressBar {
    if !enabled() || (len > 0 && len < MIN_UNITS) {
        return ProgressBar::hidden();
    }
    let (bar, template) = if len == 0 {
        (ProgressBar::new_spinner(), "{spinner} {prefix} {pos} {msg}")
    } else {
        (ProgressBar::new(len), "{prefix} {bar:30} {pos}/{len} {msg}")
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    bar.set_prefix(what.to_string());
    bar
}
