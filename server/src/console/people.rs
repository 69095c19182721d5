//! Users and the login log for the console: the experience login's result page and the Logs
//! page's login lines.

use app::model::{ConsoleError, IdentityView, LoginLogEntry, LoginLogFilter, UserView};
use sea_orm::DatabaseConnection;

use super::shown_time as time;
use crate::clock::Clock;
use crate::identity::Identities;
use crate::store::logins::{self, LogFilter};
use crate::tokens::claims::{Person, user_claims};

fn failed(e: impl std::fmt::Display) -> ConsoleError {
    tracing::error!(error = %e, "console: storage unavailable");
    ConsoleError::Failed("storage unavailable".into())
}

pub async fn user(
    db: &DatabaseConnection,
    clock: std::sync::Arc<dyn Clock>,
    id: &str,
) -> Result<UserView, ConsoleError> {
    let record = Identities::new(db.clone(), clock)
        .user_record(id)
        .await
        .map_err(failed)?
        .ok_or(ConsoleError::NotFound)?;
    let (user, profile, identities) = record.clone();
    let claims = user_claims(&Person::from_record(record), "openid profile phone");
    let region = profile.region();
    Ok(UserView {
        id: user.id,
        nickname: profile.nickname,
        picture: profile.picture,
        gender: profile.gender,
        phone_number: profile.phone_number,
        phone_number_verified: profile.phone_number_verified,
        locale: profile.locale,
        region,
        identities: identities
            .into_iter()
            .map(|i| IdentityView {
                appid: i.appid,
                openid: i.openid,
                unionid: i.unionid,
                first_seen: time(i.first_seen),
                last_seen: time(i.last_seen),
            })
            .collect(),
        claims_json: serde_json::to_string_pretty(&claims).unwrap_or_default(),
        created_at: time(user.created_at),
        updated_at: time(user.updated_at),
    })
}

pub async fn login_log(
    db: &DatabaseConnection,
    filter: LoginLogFilter,
    limit: u64,
) -> Result<Vec<LoginLogEntry>, ConsoleError> {
    let some = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = LogFilter {
        source_identifier: some(filter.source),
        client_id: some(filter.client_id),
        user_id: some(filter.user_id),
        outcome: some(filter.outcome),
    };
    Ok(logins::log_lines(db, &filter, limit)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|l| crate::people::log_entry(l, time))
        .collect())
}
