//! Creating administrators and resetting their passwords (first start and the `admin` CLI).

use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::crypto::{Secret, password, token};
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("administrator names are 1 to 64 characters: letters, digits, `.`, `_` or `-`")]
    InvalidName,
    #[error("passwords have at least {} characters", password::MIN_PASSWORD_LEN)]
    WeakPassword,
    #[error("an administrator named `{0}` already exists")]
    Exists(String),
    #[error("no administrator is named `{0}`")]
    NotFound(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        AdminError::Store(e)
    }
}

pub fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

async fn hash_checked(pw: &str) -> Result<String, AdminError> {
    if pw.chars().count() < password::MIN_PASSWORD_LEN {
        return Err(AdminError::WeakPassword);
    }
    let pw = pw.to_string();
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AdminError::Hash(e.to_string()))?
        .map_err(AdminError::Hash)
}

pub async fn create(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    name: &str,
    pw: &str,
) -> Result<(), AdminError> {
    if !valid_name(name) {
        return Err(AdminError::InvalidName);
    }
    let hash = hash_checked(pw).await?;
    match store::admins::create(db, name, &hash, clock.now()).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict) => Err(AdminError::Exists(name.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Sets a new password, ends the administrator's sessions and lifts their sign-in lock.
pub async fn reset_password(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    name: &str,
    pw: &str,
) -> Result<(), AdminError> {
    let hash = hash_checked(pw).await?;
    let admin = store::admins::find_by_name(db, name)
        .await?
        .ok_or_else(|| AdminError::NotFound(name.to_string()))?;
    store::admins::set_password_hash(db, name, &hash, clock.now()).await?;
    store::sessions::delete_for_admin(db, admin.id).await?;
    store::sign_in_failures::clear(db, &format!("account:{name}")).await?;
    Ok(())
}

/// On the very first start, creates `admin`. Its password is the configured one, or a generated
/// one that is logged exactly once (it is not stored anywhere in clear).
pub async fn ensure_first_admin(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    configured: Option<&Secret<String>>,
) -> Result<(), AdminError> {
    if store::admins::count(db).await? > 0 {
        return Ok(());
    }
    let generated = configured.is_none();
    let pw = match configured {
        Some(p) => p.expose().clone(),
        None => token::random_password(),
    };
    match create(db, clock, "admin", &pw).await {
        // Another instance created it first: fine.
        Err(AdminError::Exists(_)) => return Ok(()),
        other => other?,
    }
    if generated {
        tracing::warn!(
            "created the first administrator `admin` with the one-time password {pw} \
             (shown only now; change it with `datong admin reset-password admin`)"
        );
    } else {
        tracing::info!("created the first administrator `admin` with the configured password");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names() {
        assert!(valid_name("admin"));
        assert!(valid_name("ops.team-1_a"));
        assert!(!valid_name(""));
        assert!(!valid_name("has space"));
        assert!(!valid_name("<script>"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
