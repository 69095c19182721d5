//! QR codes drawn as JPEG or PNG (mini-program codes) and SVG (the QR login page).

use qrcode::{Color, EcLevel, QrCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    /// Transparent background (`is_hyaline`).
    Png,
}

/// The dark/light modules of `content`, with a four-module quiet zone.
fn modules(content: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(content.as_bytes(), EcLevel::M).ok()?;
    let inner = code.width();
    let colors = code.to_colors();
    let size = inner + 8;
    let mut dark = vec![false; size * size];
    for y in 0..inner {
        for x in 0..inner {
            dark[(y + 4) * size + x + 4] = colors[y * inner + x] == Color::Dark;
        }
    }
    Some((size, dark))
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

/// An inline SVG of `content`, `px` pixels wide.
pub fn qr_svg(content: &str, px: u32) -> Option<String> {
    let (size, dark) = modules(content)?;
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if dark[y * size + x] {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
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
        let svg = qr_svg("hello", 200).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"));
    }
}
