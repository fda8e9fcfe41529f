//! Contact sheet: every asset at its real pixel size on a neutral gray background, each labelled
//! with its name, dimensions and bytes against its cap, for a look before the tar goes out.

use font8x8::UnicodeFonts;
use image::{Rgb, RgbImage, RgbaImage};

const MARGIN: u32 = 16;
const GAP: u32 = 16;
const LINE: u32 = 10;
const BACKGROUND: Rgb<u8> = Rgb([0x80, 0x80, 0x80]);
const FRAME: Rgb<u8> = Rgb([0x30, 0x30, 0x30]);
const INK: Rgb<u8> = Rgb([0xFF, 0xFF, 0xFF]);
const MIN_WIDTH: u32 = 800;

/// One picture on the sheet with its label lines.
pub struct SheetItem {
    pub image: RgbaImage,
    pub label: Vec<String>,
}

/// Lays the items out in rows (left to right, wrapping) and draws them at 1:1 with a frame and
/// their labels below. Transparent pixels show the sheet's gray.
pub fn contact_sheet(items: &[SheetItem]) -> RgbImage {
    let cell = |it: &SheetItem| {
        let text_w = it.label.iter().map(|l| l.chars().count() as u32 * 8).max().unwrap_or(0);
        (it.image.width().max(text_w) + 2, it.image.height() + 2 + 4 + LINE * it.label.len() as u32)
    };
    let widest = items.iter().map(|i| cell(i).0).max().unwrap_or(0);
    let width = MIN_WIDTH.max(widest + 2 * MARGIN);
    // First pass: positions.
    let mut placed = Vec::new();
    let (mut x, mut y, mut row_h) = (MARGIN, MARGIN, 0);
    for it in items {
        let (cw, ch) = cell(it);
        if x > MARGIN && x + cw > width - MARGIN {
            x = MARGIN;
            y += row_h + GAP;
            row_h = 0;
        }
        placed.push((x, y));
        x += cw + GAP;
        row_h = row_h.max(ch);
    }
    let height = y + row_h + MARGIN;
    let mut sheet = RgbImage::from_pixel(width, height.max(2 * MARGIN), BACKGROUND);
    for (it, &(x, y)) in items.iter().zip(&placed) {
        let (w, h) = it.image.dimensions();
        fill(&mut sheet, x, y, w + 2, h + 2, FRAME);
        for (px, py, p) in it.image.enumerate_pixels() {
            let a = p[3] as u32;
            let dst = sheet.get_pixel_mut(x + 1 + px, y + 1 + py);
            let under = if a == 255 { *dst } else { BACKGROUND };
            for c in 0..3 {
                dst[c] = ((p[c] as u32 * a + under[c] as u32 * (255 - a) + 127) / 255) as u8;
            }
        }
        for (i, line) in it.label.iter().enumerate() {
            draw_text(&mut sheet, x, y + h + 2 + 4 + i as u32 * LINE, line);
        }
    }
    sheet
}

fn fill(img: &mut RgbImage, x: u32, y: u32, w: u32, h: u32, c: Rgb<u8>) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, c);
        }
    }
}

/// Draws text with the 8×8 public-domain `font8x8` glyphs; characters it lacks show as `?`.
fn draw_text(img: &mut RgbImage, x: u32, y: u32, text: &str) {
    for (i, ch) in text.chars().enumerate() {
        let glyph = font8x8::BASIC_FONTS.get(ch).or_else(|| font8x8::BASIC_FONTS.get('?')).unwrap_or([0; 8]);
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    let (px, py) = (x + i as u32 * 8 + col, y + row as u32);
                    if px < img.width() && py < img.height() {
                        img.put_pixel(px, py, INK);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_appear_at_real_size_with_labels() {
        let red = SheetItem {
            image: RgbaImage::from_pixel(480, 320, image::Rgba([255, 0, 0, 255])),
            label: vec!["a".into()],
        };
        let clear =
            SheetItem { image: RgbaImage::from_pixel(65, 65, image::Rgba([0, 0, 0, 0])), label: vec!["icon".into()] };
        let sheet = contact_sheet(&[red, clear]);
        assert!(sheet.width() >= 480 + 2 * MARGIN);
        assert_eq!(sheet.get_pixel(MARGIN + 1, MARGIN + 1).0, [255, 0, 0]);
        assert_eq!(sheet.get_pixel(MARGIN + 480, MARGIN + 320).0, [255, 0, 0]);
        // The transparent icon shows the sheet's gray; some label pixels are white.
        let icon_x = MARGIN + 482 + GAP;
        assert_eq!(sheet.get_pixel(icon_x + 10, MARGIN + 10).0, BACKGROUND.0);
        assert!(sheet.pixels().any(|p| p.0 == INK.0));
    }
}
