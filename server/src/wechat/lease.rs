//! Server access tokens shared by every instance (§5.4): one token per AppID in the database,
//! sealed with the master key. When it is missing or near expiry, exactly one caller across all
//! instances takes the row's lease and fetches a new one (stable_token, normal mode); the others
//! wait for that result instead of calling WeChat themselves. Business calls that WeChat answers
//! with 40001/40014/42001 get a fresh token and one retry.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use sea_orm::DatabaseConnection;

use super::client::WeChatClient;
use super::error::WeChatError;
use crate::clock::Clock;
use crate::crypto::Secret;
use crate::crypto::secret_box::SecretBox;
use crate::store::wechat_tokens;

/// A token is replaced this long before WeChat's expiry.
const MARGIN: Duration = Duration::seconds(60);
/// How long a refresh may hold the lease before another caller may take over: longer than one
/// call to WeChat may take (the client's timeout), so a live holder is never overtaken.
const LEASE: Duration = Duration::seconds(15);
/// How long a caller waits for another's refresh before giving up: longer than a lease, so a
/// holder that died is replaced before anyone gives up.
const WAIT: StdDuration = StdDuration::from_secs(30);

/// What the token row holds right now.
enum Fresh {
    Token((Secret<String>, Vec<u8>)),
    /// A row, but no usable token.
    Stale,
    NoRow,
}

#[derive(Clone)]
pub struct TokenService {
    db: DatabaseConnection,
    secrets: SecretBox,
    clock: Arc<dyn Clock>,
    client: WeChatClient,
    /// Names this process in the lease column; each refresh adds a number of its own.
    holder: String,
}

/// Gives a held lease back if the refresh ends without storing a token: on an error, and also
/// when the caller's future is dropped halfway (the release then runs on its own task).
struct LeaseGuard {
    db: DatabaseConnection,
    appid: String,
    holder: String,
    armed: bool,
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (db, appid, holder) = (self.db.clone(), self.appid.clone(), self.holder.clone());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let _ = wechat_tokens::release(&db, &appid, &holder).await;
            });
        }
    }
}

fn store_error(e: crate::store::StoreError) -> WeChatError {
    tracing::warn!(error = %e, "WeChat token store failed");
    WeChatError::Network("the token store is unavailable".into())
}

impl TokenService {
    pub fn new(
        db: DatabaseConnection,
        secrets: SecretBox,
        clock: Arc<dyn Clock>,
        client: WeChatClient,
    ) -> TokenService {
        TokenService {
            db,
            secrets,
            clock,
            client,
            holder: format!("{}-{:016x}", std::process::id(), rand::random::<u64>()),
        }
    }

    pub fn client(&self) -> &WeChatClient {
        &self.client
    }

    /// The current token of `appid`: the stored one while it is fresh, otherwise one fetched by
    /// whichever caller wins the lease.
    pub async fn token(
        &self,
        appid: &str,
        secret: &Secret<String>,
    ) -> Result<Secret<String>, WeChatError> {
        Ok(self.current(appid, secret).await?.0)
    }

    /// The token and its sealed form (to invalidate exactly this one later).
    async fn current(
        &self,
        appid: &str,
        secret: &Secret<String>,
    ) -> Result<(Secret<String>, Vec<u8>), WeChatError> {
        let started = tokio::time::Instant::now();
        let mut pause = StdDuration::from_millis(10);
        let mut row_known = false;
        loop {
            match self.fresh(appid).await? {
                Fresh::Token(found) => return Ok(found),
                Fresh::Stale => row_known = true,
                Fresh::NoRow => {}
            }
            let now = self.clock.now();
            if !row_known {
                wechat_tokens::ensure_row(&self.db, appid, now)
                    .await
                    .map_err(store_error)?;
                row_known = true;
            }
            let holder = format!("{}-{:08x}", self.holder, rand::random::<u32>());
            if wechat_tokens::try_lease(&self.db, appid, &holder, now, now + LEASE)
                .await
                .map_err(store_error)?
            {
                let mut guard = LeaseGuard {
                    db: self.db.clone(),
                    appid: appid.to_string(),
                    holder,
                    armed: true,
                };
                let result = self.refresh(appid, secret, &guard.holder).await;
                // A stored token ended the lease already; a failure gives it back now (the
                // guard covers only a caller that goes away halfway).
                if result.is_err() {
                    let _ = wechat_tokens::release(&self.db, appid, &guard.holder).await;
                }
                guard.armed = false;
                return result;
            }
            if started.elapsed() > WAIT {
                return Err(WeChatError::Timeout);
            }
            crate::metrics::token_waited();
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(StdDuration::from_millis(200));
        }
    }

    /// The stored token if it is good for longer than the margin.
    async fn fresh(&self, appid: &str) -> Result<Fresh, WeChatError> {
        let Some(row) = wechat_tokens::find(&self.db, appid)
            .await
            .map_err(store_error)?
        else {
            return Ok(Fresh::NoRow);
        };
        let (Some(sealed), Some(expires)) = (row.token_sealed, row.expires_at) else {
            return Ok(Fresh::Stale);
        };
        if expires - MARGIN <= self.clock.now() {
            return Ok(Fresh::Stale);
        }
        match self.secrets.open(&sealed, appid.as_bytes()) {
            Ok(plain) => match String::from_utf8(plain) {
                Ok(token) => Ok(Fresh::Token((Secret::new(token), sealed))),
                Err(_) => Ok(Fresh::Stale),
            },
            // Sealed under another master key: treat as missing and fetch a new one.
            Err(_) => Ok(Fresh::Stale),
        }
    }

    /// Called with the lease held: checks once more, fetches, stores (which ends the lease).
    async fn refresh(
        &self,
        appid: &str,
        secret: &Secret<String>,
        holder: &str,
    ) -> Result<(Secret<String>, Vec<u8>), WeChatError> {
        // Another instance may have stored a token between our read and our lease.
        if let Fresh::Token(found) = self.fresh(appid).await? {
            let _ = wechat_tokens::release(&self.db, appid, holder).await;
            return Ok(found);
        }
        let fetched = self.client.stable_token(appid, secret).await?;
        let now = self.clock.now();
        let sealed = self
            .secrets
            .seal(fetched.access_token.expose().as_bytes(), appid.as_bytes())
            .map_err(|_| WeChatError::BadResponse("cannot seal the token".into()))?;
        let expires = now + Duration::seconds(fetched.expires_in);
        wechat_tokens::store(&self.db, appid, holder, sealed.clone(), expires, now)
            .await
            .map_err(store_error)?;
        crate::metrics::token_refreshed();
        tracing::info!(
            appid,
            expires_in = fetched.expires_in,
            "WeChat server token refreshed"
        );
        Ok((fetched.access_token, sealed))
    }

    /// Runs `call` with the server token; on 40001/40014/42001 refreshes it once and retries
    /// once (§5.3, §12.12).
    pub async fn with_token<T, F, Fut>(
        &self,
        appid: &str,
        secret: &Secret<String>,
        call: F,
    ) -> Result<T, WeChatError>
    where
        F: Fn(Secret<String>) -> Fut,
        Fut: Future<Output = Result<T, WeChatError>>,
    {
        let (token, sealed) = self.current(appid, secret).await?;
        match call(token).await {
            Err(e) if e.wants_token_refresh() => {
                tracing::info!(appid, error = %e, "WeChat rejected the server token; refreshing once");
                wechat_tokens::invalidate(&self.db, appid, &sealed)
                    .await
                    .map_err(store_error)?;
                let (token, _) = self.current(appid, secret).await?;
                call(token).await
            }
            other => other,
        }
    }
}
