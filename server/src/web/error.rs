//! The JSON error every API caller gets: `{"error": {"code": "...", "message": "..."}}`, with a
//! stable `code` to match on. Validation errors add the offending `field` and, when several
//! rules broke, every one of them in `errors`.

use app::model::FieldError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// 422 `validation_failed`, naming the first broken field and listing them all.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "invalid input".into());
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message,
            fields,
        }
    }
}

/// A JSON request body as `T`, or a 400 with `code` and serde's reason (unknown fields named).
pub fn json_body<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    code: &'static str,
) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            format!("the JSON body does not fit: {e}"),
        )
    })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(first) = self.fields.first() {
            error["field"] = json!(first.field);
            error["errors"] = json!(self.fields);
        }
        (self.status, Json(json!({ "error": error }))).into_response()
    }
}
