//! The code a ticket shows: WeChat's unlimited mini-program code for the ticket's scene, with the
//! source's logo in the centre, cropped to a circle on a white disc. The logo spans a fifth of
//! the code's width (4 % of its area), well inside what the code's error correction restores.

use image::imageops::FilterType;
use image::{ImageFormat, Rgba};

/// The logo's diameter as a fraction of the code's width.
const LOGO_FRACTION: f32 = 0.20;
/// The white disc around the logo, as a multiple of the logo's diameter.
const DISC_FRACTION: f32 = 1.12;

/// `code` (JPEG or PNG) with `logo` (PNG or JPEG) in its centre, as PNG; `None` when either
/// cannot be read.
pub fn with_logo(code: &[u8], logo: &[u8]) -> Option<Vec<u8>> {
    let mut canvas = image::load_from_memory(code).ok()?.to_rgba8();
    let (w, h) = canvas.dimensions();
    let side = w.min(h) as f32;
    let logo_d = (side * LOGO_FRACTION).round().max(8.0) as u32;
    let disc_r = logo_d as f32 * DISC_FRACTION / 2.0;
    let logo = image::load_from_memory(logo)
        .ok()?
        .resize_to_fill(logo_d, logo_d, FilterType::Triangle)
        .to_rgba8();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let logo_r = logo_d as f32 / 2.0;
    let left = (cx - logo_r).round() as i64;
    let top = (cy - logo_r).round() as i64;
    let reach = disc_r.ceil() as i64 + 1;
    for y in (cy as i64 - reach).max(0)..(cy as i64 + reach).min(h as i64) {
        for x in (cx as i64 - reach).max(0)..(cx as i64 + reach).min(w as i64) {
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let (px, py) = (x as u32, y as u32);
            // The white disc, its edge softened over one pixel.
            let disc = coverage(disc_r - d);
            if disc > 0.0 {
                blend(canvas.get_pixel_mut(px, py), [255, 255, 255], disc);
            }
            let (lx, ly) = (x - left, y - top);
            if (0..logo_d as i64).contains(&lx) && (0..logo_d as i64).contains(&ly) {
                let p = logo.get_pixel(lx as u32, ly as u32);
                let a = coverage(logo_r - d) * f32::from(p[3]) / 255.0;
                if a > 0.0 {
                    blend(canvas.get_pixel_mut(px, py), [p[0], p[1], p[2]], a);
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    canvas.write_to(&mut out, ImageFormat::Png).ok()?;
    Some(out.into_inner())
}

/// How much of a pixel lies inside an edge `inside` pixels away (clamped to 0..1).
fn coverage(inside: f32) -> f32 {
    (inside + 0.5).clamp(0.0, 1.0)
}

fn blend(pixel: &mut Rgba<u8>, color: [u8; 3], alpha: f32) {
    for (c, new) in pixel.0.iter_mut().take(3).zip(color) {
        *c = (f32::from(*c) * (1.0 - alpha) + f32::from(new) * alpha).round() as u8;
    }
    pixel.0[3] = pixel.0[3].max((alpha * 255.0) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::image::{Format, qr_image};

    fn decode(png: &[u8]) -> String {
        let gray = image::load_from_memory(png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(gray);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one code found");
        grids[0].decode().unwrap().1
    }

    fn logo() -> Vec<u8> {
        let mut img = image::RgbaImage::new(64, 64);
        for p in img.pixels_mut() {
            *p = Rgba([200, 20, 20, 255]);
        }
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn the_logo_sits_in_a_white_disc_and_the_code_still_scans() {
        let content = "http://127.0.0.1:3000/sandbox/wechat/phone/mp?appid=wx5e2e000000000003&scene=AbCdEfGhIjKlMnOpQrStUvWxYz012345&page=&env_version=release";
        let code = qr_image(content, 430, Format::Jpeg).unwrap();
        let png = with_logo(&code, &logo()).unwrap();
        let out = image::load_from_memory(&png).unwrap().to_rgba8();
        let original = image::load_from_memory(&code).unwrap().to_rgba8();
        assert_eq!(out.dimensions(), original.dimensions());
        let (w, h) = out.dimensions();
        let centre = out.get_pixel(w / 2, h / 2);
        assert!(
            centre[0] > 150 && centre[1] < 80,
            "the logo is in the centre: {centre:?}"
        );
        // Just outside the logo, inside the disc: white.
        let ring = out.get_pixel(w / 2 + (w as f32 * 0.105) as u32, h / 2);
        assert!(ring.0[..3].iter().all(|c| *c > 240), "white disc: {ring:?}");
        assert_eq!(
            out.get_pixel(2, 2),
            original.get_pixel(2, 2),
            "the rest is untouched"
        );
        assert_eq!(decode(&png), content);
    }

    #[test]
    fn unreadable_images_are_refused() {
        assert!(with_logo(b"not an image", &logo()).is_none());
        let code = qr_image("x", 300, Format::Jpeg).unwrap();
        assert!(with_logo(&code, b"nor this").is_none());
    }
}
