//! Decoded pictures shared by every asset built while sharing is on: a release builds each
//! model's `hlpres.tar` in parallel from the same photos, and the Huffman decoding of an 8–12 MP
//! JPEG (which no DCT scaling shortens) is most of the work, so each photo is decoded once per
//! run at each DCT scale the targets ask for, not once per model and slot.
//!
//! A target's decode scale is chosen from that target alone ([`decoded_size`] of its own wish), so
//! whether a decode is shared or not never changes an output: the same bytes at the same scale
//! decode to the same pixels. A decode is shared only with the same input name and the same
//! bytes (compared in full). Sharing is on inside [`sharing`] (nested calls and threads count
//! together); the decodes are dropped when the last caller leaves.

use crate::mechanisms::image::decode::{decode, decoded_size, Decoded};
use crate::mechanisms::image::DecodeLimits;
use anyhow::{anyhow, Result};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One input at one decoded size: its bytes (to tell a changed file) and the decode, made once.
struct Slot {
    bytes: Vec<u8>,
    decoded: OnceLock<Result<Arc<Decoded>, String>>,
}

/// The decodes of the callers inside [`sharing`], by input name and decoded size.
struct Shared {
    users: usize,
    slots: BTreeMap<(String, (u32, u32)), Arc<Slot>>,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared { users: 0, slots: BTreeMap::new() });

fn shared() -> std::sync::MutexGuard<'static, Shared> {
    // A panic while holding the lock leaves the map consistent (inserts are single steps).
    SHARED.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Leaves sharing when dropped (also on a panic), dropping the decodes after the last caller.
struct Leave;

impl Drop for Leave {
    fn drop(&mut self) {
        let mut s = shared();
        s.users -= 1;
        if s.users == 0 {
            s.slots.clear();
        }
    }
}

/// Runs `work` with decodes shared among all the assets it builds (on any thread).
pub fn sharing<T>(work: impl FnOnce() -> T) -> T {
    shared().users += 1;
    let _leave = Leave;
    work()
}

/// Decodes `bytes` (the input shown as `source`) as [`decode`] does, sharing the result with
/// every other asset of the same input at the same decoded size while sharing is on.
pub fn decode_shared(
    source: &str,
    bytes: &[u8],
    limits: &DecodeLimits,
    wanted: &dyn Fn(u32, u32) -> (u32, u32),
) -> Result<Arc<Decoded>> {
    let fresh = || decode(bytes, limits, Some(wanted)).map(Arc::new);
    if shared().users == 0 {
        return fresh();
    }
    let size = decoded_size(bytes, Some(wanted))?;
    let slot = {
        let mut s = shared();
        let slot = s.slots.entry((source.to_string(), size));
        Arc::clone(slot.or_insert_with(|| Arc::new(Slot { bytes: bytes.to_vec(), decoded: OnceLock::new() })))
    };
    if slot.bytes != bytes {
        // The file changed between two reads in one run: decode what this asset read.
        return fresh();
    }
    let decoded = slot.decoded.get_or_init(|| fresh().map_err(|e| format!("{e:#}")));
    decoded.clone().map_err(|e| anyhow!(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::RgbImage;

    fn jpeg(w: u32, h: u32, shade: u8) -> Vec<u8> {
        let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, shade]));
        crate::mechanisms::image::encode::encode_jpeg(&img, 90).unwrap()
    }

    #[test]
    fn same_input_and_scale_is_decoded_once_and_a_changed_input_is_not_shared() {
        let (a, b) = (jpeg(400, 300, 10), jpeg(400, 300, 200));
        let quarter = |w: u32, h: u32| (w / 4, h / 4);
        let limits = DecodeLimits::default();
        let (first, again, changed, unshared) = sharing(|| {
            let first = decode_shared("photo.jpg", &a, &limits, &quarter).unwrap();
            let again = decode_shared("photo.jpg", &a, &limits, &|w, h| (w / 4 + 1, h / 4 + 1)).unwrap();
            let changed = decode_shared("photo.jpg", &b, &limits, &quarter).unwrap();
            (first, again, changed, decode_shared("other.jpg", &a, &limits, &quarter).unwrap())
        });
        assert_eq!((first.image.width(), first.image.height()), (100, 75));
        // 101×76 is more than 2/8 gives: 3/8, so a decode of its own.
        assert_eq!((again.image.width(), again.image.height()), (150, 113));
        assert!(!Arc::ptr_eq(&first, &again));
        assert_ne!(first.image.as_bytes(), changed.image.as_bytes(), "changed bytes are decoded anew");
        assert_eq!(first.image.as_bytes(), unshared.image.as_bytes());
        let shared_twice = sharing(|| {
            let one = decode_shared("photo.jpg", &a, &limits, &quarter).unwrap();
            (one, decode_shared("photo.jpg", &a, &limits, &|w, h| (w / 5, h / 5)).unwrap())
        });
        assert!(Arc::ptr_eq(&shared_twice.0, &shared_twice.1), "same scale: one decode");
        let outside = decode_shared("photo.jpg", &a, &limits, &quarter).unwrap();
        assert_eq!(outside.image.as_bytes(), first.image.as_bytes());
    }

    #[test]
    fn a_decode_error_is_shared_too() {
        let limits = DecodeLimits::default();
        let mut broken = jpeg(64, 64, 0);
        broken.truncate(broken.len() / 2);
        let errors: Vec<String> = sharing(|| {
            (0..2).map(|_| decode_shared("x.jpg", &broken, &limits, &|w, h| (w, h)).unwrap_err().to_string()).collect()
        });
        assert_eq!(errors[0], errors[1]);
    }
}
