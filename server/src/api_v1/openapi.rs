//! The OpenAPI document of the management API, generated from the handlers' annotations and
//! the data types (`utoipa`), served at `/api/v1/openapi.json`.

use app::model::{
    AppType, ApplicationInput, ApplicationView, ApplicationWithSecret, AuditEntry, DeliveryView,
    FieldError, GrantView, IdentityDetail, IdentityRef, LinkField, Linking, LoginLogEntry,
    MergeField, MergePreview, MergeRequest, ModeSeries, Overview, ReasonCount, SourceInput,
    SourceMode, SourceRef, SourceView, Unlinked, UserDetail, UserPage, UserQuery, UserSummary,
    WebhookInput, WebhookView, WebhookWithSecret,
};
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::{applications, overview, sources, users, webhooks};

/// Every error: a stable `code`, a sentence, and for validation the offending field(s).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    code: String,
    message: String,
    field: Option<String>,
    errors: Option<Vec<FieldError>>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An admin API token (`dtk_…`), from the console or `datong admin token create NAME`",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Datong management API", description = "Identity sources, applications, their associations, and users."),
    paths(
        sources::list, sources::get, sources::create, sources::update, sources::delete,
        sources::logo, sources::set_logo, sources::remove_logo,
        applications::list, applications::get, applications::create, applications::update,
        applications::delete, applications::rotate_secret, applications::enable_source,
        applications::disable_source, applications::logo, applications::set_logo,
        applications::remove_logo,
        users::list, users::get, users::block, users::unblock, users::delete,
        users::revoke_grant, users::merge_preview, users::merge, users::link, users::unlink,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::deliveries, webhooks::resend, webhooks::test, overview::get,
    ),
    components(schemas(
        SourceInput, SourceView, SourceMode, Linking, LinkField, ApplicationInput,
        ApplicationView, ApplicationWithSecret, AppType, FieldError, ErrorBody, ErrorDetail,
        UserQuery, UserPage, UserSummary, UserDetail, IdentityDetail, SourceRef, GrantView,
        LoginLogEntry, AuditEntry, MergePreview, MergeField, MergeRequest, IdentityRef, Unlinked,
        WebhookInput, WebhookView, WebhookWithSecret, DeliveryView, Overview, ModeSeries,
        ReasonCount,
    )),
    modifiers(&Security),
)]
struct ApiDoc;

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
