//! How large an untrusted image may be: the limits that probing (BMP, GIF and WebP headers read
//! by the `image` crate) and decoding share, kept apart so both import them one way.

/// How large an untrusted image may be.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Most pixels (width × height) an image may claim.
    pub max_pixels: u64,
    /// Most bytes a decoder may allocate.
    pub max_alloc: u64,
    /// Largest width or height.
    pub max_side: u32,
}

impl Default for DecodeLimits {
    /// 50 megapixels, 512 MiB, 30,000 pixels a side.
    fn default() -> Self {
        DecodeLimits { max_pixels: 50_000_000, max_alloc: 512 * 1024 * 1024, max_side: 30_000 }
    }
}

impl DecodeLimits {
    /// The same limits in the `image` crate's terms.
    pub fn image_limits(&self) -> image::Limits {
        let mut l = image::Limits::default();
        l.max_image_width = Some(self.max_side);
        l.max_image_height = Some(self.max_side);
        l.max_alloc = Some(self.max_alloc);
        l
    }
}
