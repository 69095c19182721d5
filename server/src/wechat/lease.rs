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
/// How long a refresh may hold the lease before another caller may take over.
const LEASE: Duration = Duration::seconds(30);
/// How long a caller waits for another's refresh before giving up.
const WAIT: StdDuration = StdDuration::from_secs(20);

#[derive(Clone)]
pub struct TokenService {
    db: DatabaseConnection,
    secrets: SecretBox,
    clock: Arc<dyn Clock>,
    client: WeChatClient,
    /// Names this process in the lease column.
    holder: String,
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
        loop {
            if let Some(found) = self.fresh(appid).await? {
                return Ok(found);
            }
            let now = self.clock.now();
            wechat_tokens::ensure_row(&self.db, appid, now)
                .await
                .map_err(store_error)?;
            if wechat_tokens::try_lease(&self.db, appid, &self.holder, now, now + LEASE)
                .await
                .map_err(store_error)?
            {
                return self.refresh(appid, secret).await;
            }
            if started.elapsed() > WAIT {
                return Err(WeChatError::Timeout);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(StdDuration::from_millis(200));
        }
    }

    /// The stored token if it is good for longer than the margin.
    async fn fresh(&self, appid: &str) -> Result<Option<(Secret<String>, Vec<u8>)>, WeChatError> {
        let Some(row) = wechat_tokens::find(&self.db, appid)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let (Some(sealed), Some(expires)) = (row.token_sealed, row.expires_at) else {
            return Ok(None);
        };
        if expires - MARGIN <= self.clock.now() {
            return Ok(None);
        }
        match self.secrets.open(&sealed, appid.as_bytes()) {
            Ok(plain) => match String::from_utf8(plain) {
                Ok(token) => Ok(Some((Secret::new(token), sealed))),
                Err(_) => Ok(None),
            },
            // Sealed under another master key: treat as missing and fetch a new one.
            Err(_) => Ok(None),
        }
    }

    /// Called with the lease held: checks once more, fetches, stores, releases.
    async fn refresh(
        &self,
        appid: &str,
        secret: &Secret<String>,
    ) -> Result<(Secret<String>, Vec<u8>), WeChatError> {
        // Another instance may have stored a token between our read and our lease.
        if let Some(found) = self.fresh(appid).await? {
            let _ = wechat_tokens::release(&self.db, appid, &self.holder).await;
            return Ok(found);
        }
        let fetched = match self.client.stable_token(appid, secret).await {
            Ok(t) => t,
            Err(e) => {
                let _ = wechat_tokens::release(&self.db, appid, &self.holder).await;
                return Err(e);
            }
        };
        let now = self.clock.now();
        let sealed = self
            .secrets
            .seal(fetched.access_token.expose().as_bytes(), appid.as_bytes())
            .map_err(|_| WeChatError::BadResponse("cannot seal the token".into()))?;
        let expires = now + Duration::seconds(fetched.expires_in);
        wechat_tokens::store(&self.db, appid, &self.holder, sealed.clone(), expires, now)
            .await
            .map_err(store_error)?;
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
