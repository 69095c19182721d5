//! Logos: PNG or JPEG up to 1 MB, recognised by decoding the bytes (never by a file name or a
//! declared type), stored re-encoded as PNG so nothing but pixels survives.

use app::model::FieldError;
use image::ImageFormat;

pub const MAX_BYTES: usize = 1024 * 1024;
/// Larger images are refused rather than decoded (a small file can claim huge dimensions).
const MAX_SIDE: u32 = 4096;

pub fn to_png(field: &str, bytes: &[u8]) -> Result<Vec<u8>, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(
            field,
            "required",
            "Choose a PNG or JPEG image.",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(FieldError::new(
            field,
            "too_large",
            "The image is larger than 1 MB.",
        ));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => f,
        _ => {
            return Err(FieldError::new(
                field,
                "unsupported_image",
                "Only PNG and JPEG images are accepted (SVG and other formats are not).",
            ));
        }
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(64 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| {
        FieldError::new(
            field,
            "unsupported_image",
            "The file could not be read as a PNG or JPEG image.",
        )
    })?;
    let mut out = std::io::Cursor::new(Vec::new());
    decoded.write_to(&mut out, ImageFormat::Png).map_err(|_| {
        FieldError::new(
            field,
            "unsupported_image",
            "The image could not be converted.",
        )
    })?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([7, 193, 96, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([7, 193, 96]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    fn code(r: Result<Vec<u8>, FieldError>) -> String {
        match r {
            Ok(bytes) => {
                assert!(
                    bytes.starts_with(&[0x89, b'P', b'N', b'G']),
                    "re-encoded as PNG"
                );
                "ok".into()
            }
            Err(e) => e.code,
        }
    }

    #[test]
    fn logo_rules() {
        assert_eq!(code(to_png("logo", &png(64, 64))), "ok");
        assert_eq!(code(to_png("logo", &jpeg(64, 64))), "ok");
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(code(to_png("logo", svg)), "unsupported_image");
        assert_eq!(code(to_png("logo", b"GIF89a....")), "unsupported_image");
        // A PNG signature followed by garbage is not a PNG.
        let mut fake = png(8, 8)[..16].to_vec();
        fake.extend_from_slice(&[0u8; 64]);
        assert_eq!(code(to_png("logo", &fake)), "unsupported_image");
        assert_eq!(code(to_png("logo", &vec![0u8; MAX_BYTES + 1])), "too_large");
        assert_eq!(code(to_png("logo", b"")), "required");
    }
}
