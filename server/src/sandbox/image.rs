//! QR codes drawn as JPEG or PNG (mini-program codes); the SVG ones are `web::qr`'s.

use crate::web::qr::modules;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    /// Transparent background (`is_hyaline`).
    Png,
}

/// A square image about `width` pixels wide.
pub fn qr_image(content: &str, width: u32, format: Format) -> Option<Vec<u8>> {
    let (size, dark) = modules(content)?;
    let scale = (width as usize / size).max(1);
    let side = size * scale;
    let side16 = u16::try_from(side).ok()?;
    let mut out = Vec::new();
    match format {
        Format::Jpeg => {
            let mut pixels = vec![255u8; side * side];
            for y in 0..side {
                for x in 0..side {
                    if dark[(y / scale) * size + x / scale] {
                        pixels[y * side + x] = 0;
                    }
                }
            }
            let encoder = jpeg_encoder::Encoder::new(&mut out, 90);
            encoder
                .encode(&pixels, side16, side16, jpeg_encoder::ColorType::Luma)
                .ok()?;
        }
        Format::Png => {
            // Grey + alpha: dark modules opaque black, the rest transparent.
            let mut pixels = vec![0u8; side * side * 2];
            for y in 0..side {
                for x in 0..side {
                    if dark[(y / scale) * size + x / scale] {
                        pixels[(y * side + x) * 2 + 1] = 255;
                    }
                }
            }
            let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
            encoder.set_color(png::ColorType::GrayscaleAlpha);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().ok()?;
            writer.write_image_data(&pixels).ok()?;
            writer.finish().ok()?;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_carry_their_magic_bytes() {
        let jpeg = qr_image("http://127.0.0.1:3000/x", 430, Format::Jpeg).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let png = qr_image("http://127.0.0.1:3000/x", 430, Format::Png).unwrap();
        assert_eq!(&png[..4], &[0x89, b'P', b'N', b'G']);
    }
}
