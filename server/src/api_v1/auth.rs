//! Who calls the management API: an admin API token (`Authorization: Bearer dtk_…`) or a
//! signed-in administrator's console session (the guard has checked its origin and put the
//! `Admin` on the request).

use app::backend::Admin;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use crate::catalog::Actor;
use crate::crypto::token::token_hash;
use crate::state::AppState;
use crate::store;
use crate::web::ApiError;

/// A caller the management API admits.
pub struct Caller {
    pub actor: Actor,
    /// Only a console session may manage API tokens.
    pub session: bool,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .unwrap_or("");
            if token.is_empty() {
                return Err(invalid_token());
            }
            let found =
                store::api_tokens::use_token(&state.db, &token_hash(token), state.clock.now())
                    .await
                    .map_err(|_| {
                        ApiError::new(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "unavailable",
                            "the database is unavailable",
                        )
                    })?;
            return match found {
                Some(t) => Ok(Caller {
                    actor: Actor::Token(t.name),
                    session: false,
                }),
                None => Err(invalid_token()),
            };
        }
        match parts.extensions.get::<Admin>() {
            Some(admin) => Ok(Caller {
                actor: Actor::Admin(admin.name().to_string()),
                session: true,
            }),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send an admin API token as `Authorization: Bearer …`, or sign in to the console",
            )),
        }
    }
}

fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "this API token is unknown or revoked",
    )
}
