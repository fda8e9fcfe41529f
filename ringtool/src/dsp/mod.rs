//! The signal stages of [`crate::render()`], each a small function or type that
//! can be tested alone: downmix → resample → fade → normalize → quantize, plus
//! the level statistics that produce the warnings.

pub mod downmix;
pub mod envelope;
pub mod fir;
pub mod halve;
pub mod resample;
pub mod stats;

/// Converts a level in dBFS to a linear amplitude (0 dBFS = 1.0).
pub fn db_to_amplitude(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Converts a linear amplitude to dBFS (`-inf` for 0).
pub fn amplitude_to_db(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}
