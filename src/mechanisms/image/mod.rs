//! Image work for screen assets (wallpapers, screensavers, logos, icons): probe and decode untrusted
//! images with limits, orient, convert to sRGB, fit to the screen, encode under a byte cap, and
//! draw a contact sheet. Every function works on values only (no files, no global state), so
//! assets can be built in parallel.

pub mod color;
pub mod decode;
pub mod encode;
pub mod exif;
#[allow(unsafe_code)] // libjpeg-turbo's error manager: see the module's note
pub mod jpeg;
pub mod limits;
pub mod probe;
pub mod resize;
pub mod sheet;

pub use color::Color;
pub use decode::decode;
pub use limits::DecodeLimits;
pub use probe::{probe, Format, ImageInfo};
pub use resize::{Fit, FitStyle, Gravity};
