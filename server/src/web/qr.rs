//! QR codes as inline SVG (the sandbox's QR login page, the "open in WeChat" page), and the
//! module grid the sandbox's images are drawn from.

use qrcode::{Color, EcLevel, QrCode};

/// The dark/light modules of `content`, with a four-module quiet zone.
pub fn modules(content: &str) -> Option<(usize, Vec<bool>)> {
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
    #[test]
    fn svg_draws_the_modules() {
        let svg = super::qr_svg("hello", 200).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"));
    }
}
