//! Endpoints that answer with either an image or a JSON error (mini-program codes, §6): decide
//! by Content-Type, and when that says neither, by the first bytes.

use super::envelope;
use super::error::WeChatError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Image {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some(ImageKind::Png)
    } else {
        None
    }
}

/// The image in an answer, or the WeChat error it carries instead.
pub fn image_or_error(content_type: Option<&str>, bytes: Vec<u8>) -> Result<Image, WeChatError> {
    let declared_image = content_type
        .map(|t| t.trim().to_ascii_lowercase().starts_with("image/"))
        .unwrap_or(false);
    match sniff(&bytes) {
        Some(kind) => Ok(Image { kind, bytes }),
        None if declared_image => Err(WeChatError::BadResponse(
            "declared an image but the bytes are neither JPEG nor PNG".into(),
        )),
        // JSON (an error, or a success without an image, which is itself unexpected).
        None => match envelope::decode::<serde_json::Value>(&bytes) {
            Err(e) => Err(e),
            Ok(_) => Err(WeChatError::BadResponse(
                "JSON where an image was expected".into(),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_bytes_whatever_the_declared_type() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2];
        let png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A];
        assert_eq!(
            image_or_error(Some("image/jpeg"), jpeg.clone())
                .unwrap()
                .kind,
            ImageKind::Jpeg
        );
        assert_eq!(
            image_or_error(Some("image/png"), png.clone()).unwrap().kind,
            ImageKind::Png
        );
        // a wrong or missing Content-Type does not matter
        assert_eq!(
            image_or_error(Some("application/octet-stream"), png)
                .unwrap()
                .kind,
            ImageKind::Png
        );
        assert_eq!(image_or_error(None, jpeg).unwrap().kind, ImageKind::Jpeg);
    }

    #[test]
    fn json_errors_are_typed() {
        let body = br#"{"errcode":40169,"errmsg":"invalid length for scene, or the data is not json string rid: 6aac005a-01bfdbee-79769285"}"#;
        let e =
            image_or_error(Some("application/json; encoding=utf-8"), body.to_vec()).unwrap_err();
        assert!(matches!(e, WeChatError::InvalidRequest(r) if r.errcode == 40169));
        let e = image_or_error(Some("image/jpeg"), b"garbage".to_vec()).unwrap_err();
        assert!(matches!(e, WeChatError::BadResponse(_)));
        let e = image_or_error(None, b"{}".to_vec()).unwrap_err();
        assert!(matches!(e, WeChatError::BadResponse(_)));
    }
}
