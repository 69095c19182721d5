//! Codes and tokens. A login creates a grant (application, user, scope) and a single-use code;
//! the code buys an ID token, an access token (both RS256 JWTs) and, with `offline_access`, a
//! refresh token that is replaced on every use. A replayed code or refresh token revokes the
//! grant, and with it everything issued from it.

use std::sync::Arc;

use app::model::ApplicationView;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, Set};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::crypto::token::{random_token, token_hash};
use crate::identity::Identities;
use crate::store::entities::{auth_code, grant, refresh_token};
use crate::store::{StoreError, grants as db};
use crate::tokens::claims::{self, Person};
use crate::tokens::keys::{KeyError, SigningKeys};

/// How long an authorization code can be redeemed.
pub fn code_ttl() -> Duration {
    Duration::seconds(60)
}

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// RFC 6749 `invalid_grant`, with a description for the client.
    #[error("invalid grant: {0}")]
    Invalid(&'static str),
    /// The token belongs to another client (RFC 7009 §2.1: refused).
    #[error("the token was issued to another client")]
    Foreign,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What the token endpoint hands out.
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scope: String,
}

/// What a login passes on to the code.
#[derive(Clone, Debug)]
pub struct CodeRequest<'a> {
    pub user_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub auth_time: DateTime<Utc>,
}

/// A verified access token: its grant and claims.
#[derive(Clone, Debug)]
pub struct Access {
    pub grant: grant::Model,
    pub claims: Value,
}

#[derive(Clone)]
pub struct Grants {
    db: DatabaseConnection,
    keys: SigningKeys,
    clock: Arc<dyn Clock>,
    issuer: String,
    identities: Identities,
}

/// The PKCE S256 transform of a verifier.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// PKCE (RFC 7636): a challenge at authorize needs its verifier now, and a verifier without a
/// challenge is refused too (no downgrade either way).
fn check_pkce(challenge: Option<&str>, verifier: Option<&str>) -> Result<(), GrantError> {
    match (challenge, verifier) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(GrantError::Invalid("code_verifier is required")),
        (None, Some(_)) => Err(GrantError::Invalid(
            "code_verifier sent, but no code_challenge was given at authorize",
        )),
        (Some(c), Some(v)) if valid_verifier(v) && s256(v) == c => Ok(()),
        (Some(_), Some(_)) => Err(GrantError::Invalid("code_verifier does not match")),
    }
}

fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

impl Grants {
    /// Identity resolution, shared by every login of this instance.
    pub fn identities(&self) -> &Identities {
        &self.identities
    }

    pub fn new(
        db: DatabaseConnection,
        keys: SigningKeys,
        clock: Arc<dyn Clock>,
        issuer: String,
        outbox: crate::webhooks::Outbox,
    ) -> Grants {
        let identities = Identities::new(db.clone(), clock.clone()).with_outbox(outbox);
        Grants {
            db,
            keys,
            clock,
            issuer,
            identities,
        }
    }

    /// A grant for `app` and a code for it, valid [`code_ttl`].
    pub async fn issue_code(
        &self,
        app: &ApplicationView,
        req: CodeRequest<'_>,
    ) -> Result<String, GrantError> {
        let now = self.clock.now();
        let grant_id = random_token();
        db::insert_grant(
            &self.db,
            grant::ActiveModel {
                id: Set(grant_id.clone()),
                application_id: Set(app.id),
                user_id: Set(req.user_id.to_string()),
                scope: Set(req.scope.to_string()),
                auth_time: Set(req.auth_time),
                created_at: Set(now),
                revoked_at: Set(None),
            },
        )
        .await?;
        let code = random_token();
        db::insert_code(
            &self.db,
            auth_code::ActiveModel {
                id: Set(token_hash(&code)),
                grant_id: Set(grant_id),
                redirect_uri: Set(req.redirect_uri.to_string()),
                code_challenge: Set(req.code_challenge.map(str::to_string)),
                nonce: Set(req.nonce.map(str::to_string)),
                expires_at: Set(now + code_ttl()),
                used_at: Set(None),
            },
        )
        .await?;
        Ok(code)
    }

    /// Tokens straight away, for a login that happened at the token endpoint (the WeChat
    /// grant): a new grant for `app` and the token response, with `nonce` in the ID token.
    pub async fn issue_tokens(
        &self,
        app: &ApplicationView,
        user_id: &str,
        scope: &str,
        nonce: Option<&str>,
        auth_time: DateTime<Utc>,
    ) -> Result<Issued, GrantError> {
        let grant = grant::Model {
            id: random_token(),
            application_id: app.id,
            user_id: user_id.to_string(),
            scope: scope.to_string(),
            auth_time,
            created_at: self.clock.now(),
            revoked_at: None,
        };
        db::insert_grant(&self.db, grant.clone().into()).await?;
        self.mint(app, &grant, nonce).await
    }

    /// Redeems a code for `app` (already authenticated). Every check the code is bound by:
    /// client, redirect URI, PKCE (a challenge at authorize needs its verifier here, and a
    /// verifier without a challenge is refused), lifetime, single use.
    pub async fn redeem_code(
        &self,
        app: &ApplicationView,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Issued, GrantError> {
        let now = self.clock.now();
        let hash = token_hash(code);
        let unknown = GrantError::Invalid("the code is unknown");
        let (row, grant) = db::code(&self.db, &hash).await?.ok_or(unknown)?;
        let grant = Self::grant_of(app, grant, "the code was issued to another client")?;
        const REPLAY: &str = "the code was used already; the tokens issued for it are revoked";
        if row.used_at.is_some() {
            // A replay: whoever holds the first answer loses it too.
            return Err(self.replayed(&grant, REPLAY).await);
        }
        // Checked before the code is spent, so a stolen code sent with a wrong verifier or
        // redirect URI cannot burn the rightful client's login.
        if row.expires_at <= now {
            return Err(GrantError::Invalid("the code has expired"));
        }
        if grant.revoked_at.is_some() {
            return Err(GrantError::Invalid("the grant was revoked"));
        }
        if redirect_uri != Some(row.redirect_uri.as_str()) {
            return Err(GrantError::Invalid(
                "redirect_uri differs from the one the code was issued for",
            ));
        }
        check_pkce(row.code_challenge.as_deref(), verifier)?;
        if !db::spend_code(&self.db, &hash, now).await? {
            // Another redemption won the race: a replay.
            return Err(self.replayed(&grant, REPLAY).await);
        }
        self.mint(app, &grant, row.nonce.as_deref()).await
    }

    /// The grant read with a code or token, which must be `app`'s (`foreign` says why not
    /// otherwise).
    fn grant_of(
        app: &ApplicationView,
        grant: Option<grant::Model>,
        foreign: &'static str,
    ) -> Result<grant::Model, GrantError> {
        match grant {
            Some(g) if g.application_id == app.id => Ok(g),
            Some(_) => Err(GrantError::Invalid(foreign)),
            None => Err(GrantError::Invalid("the grant no longer exists")),
        }
    }

    /// A code or refresh token came back a second time: the grant ends, and `why` is the answer.
    async fn replayed(&self, grant: &grant::Model, why: &'static str) -> GrantError {
        match db::revoke_grant(&self.db, &grant.id, self.clock.now()).await {
            Ok(()) => GrantError::Invalid(why),
            Err(e) => e.into(),
        }
    }

    /// Replaces a refresh token. A token used before revokes its whole grant.
    pub async fn refresh(&self, app: &ApplicationView, token: &str) -> Result<Issued, GrantError> {
        let now = self.clock.now();
        let hash = token_hash(token);
        let unknown = GrantError::Invalid("the refresh token is unknown");
        let (row, grant) = db::refresh(&self.db, &hash).await?.ok_or(unknown)?;
        let grant = Self::grant_of(app, grant, "the refresh token was issued to another client")?;
        if row.used_at.is_some() || !db::spend_refresh(&self.db, &hash, now).await? {
            return Err(self
                .replayed(
                    &grant,
                    "the refresh token was used already; the grant is revoked",
                )
                .await);
        }
        if grant.revoked_at.is_some() {
            return Err(GrantError::Invalid("the grant was revoked"));
        }
        if row.expires_at <= now {
            return Err(GrantError::Invalid("the refresh token has expired"));
        }
        self.mint(app, &grant, None).await
    }

    /// Revokes the grant behind a refresh or access token of `app` (RFC 7009: unknown tokens
    /// are not an error).
    pub async fn revoke(&self, app: &ApplicationView, token: &str) -> Result<(), GrantError> {
        let now = self.clock.now();
        let grant_id = match db::refresh(&self.db, &token_hash(token)).await? {
            Some((r, _)) => Some(r.grant_id),
            None => self.verify_access(token).await.ok().map(|a| a.grant.id),
        };
        if let Some(id) = grant_id
            && let Some(g) = db::grant(&self.db, &id).await?
        {
            if g.application_id != app.id {
                return Err(GrantError::Foreign);
            }
            db::revoke_grant(&self.db, &id, now).await?;
        }
        Ok(())
    }

    /// The claims of a JWT this issuer signed with a published key (expiry not checked: an ID
    /// token hint at logout may be old); `None` for anything else.
    pub async fn signed_by_us(&self, token: &str) -> Result<Option<Value>, KeyError> {
        Ok(self
            .keys
            .verify(token)
            .await?
            .ok()
            .filter(|claims| claims["iss"] == self.issuer.as_str()))
    }

    /// The claims of an access token we signed and that has not expired, and its grant id.
    async fn access_claims(&self, token: &str) -> Result<(Value, String), GrantError> {
        let claims = self.signed_by_us(token).await?.ok_or(BAD_ACCESS)?;
        let now = self.clock.now().timestamp();
        let fresh = claims["exp"].as_i64().is_some_and(|exp| exp > now);
        if !fresh || claims["token_use"] != "access" {
            return Err(BAD_ACCESS);
        }
        let gid = claims["gid"].as_str().ok_or(BAD_ACCESS)?.to_string();
        Ok((claims, gid))
    }

    /// Checks an access token: signature, issuer, expiry, and that its grant still stands.
    pub async fn verify_access(&self, token: &str) -> Result<Access, GrantError> {
        let (claims, gid) = self.access_claims(token).await?;
        let grant = db::grant(&self.db, &gid).await?.ok_or(BAD_ACCESS)?;
        if grant.revoked_at.is_some() {
            return Err(GrantError::Invalid("the access token was revoked"));
        }
        Ok(Access { grant, claims })
    }

    /// What `/oauth/userinfo` answers for an access token: the person and the scope granted.
    /// One statement when the token is good (the grant, its user and their identities).
    pub async fn userinfo(&self, token: &str) -> Result<(Person, String), GrantError> {
        let (claims, gid) = self.access_claims(token).await?;
        // The scope is the grant's, copied into the token we signed.
        let scope = claims["scope"].as_str().ok_or(BAD_ACCESS)?.to_string();
        if let Some((user, identities)) =
            crate::store::identities::user_of_grant(&self.db, &gid).await?
        {
            let profile = serde_json::from_str(&user.profile).unwrap_or_default();
            let person = Person::from_record((user, profile, identities));
            // Blocking revokes every grant; this also covers a grant made in the same instant.
            if person.blocked {
                return Err(GrantError::Invalid("the user is blocked"));
            }
            return Ok((person, scope));
        }
        // Why not: the grant is gone or revoked, or its user is.
        match db::grant(&self.db, &gid).await? {
            None => Err(BAD_ACCESS),
            Some(g) if g.revoked_at.is_some() => {
                Err(GrantError::Invalid("the access token was revoked"))
            }
            Some(_) => Err(GrantError::Invalid("the user no longer exists")),
        }
    }

    /// The person as claims describe them.
    pub async fn person(&self, user_id: &str) -> Result<Option<Person>, GrantError> {
        Ok(self
            .identities
            .user_record(user_id)
            .await?
            .map(Person::from_record))
    }

    async fn mint(
        &self,
        app: &ApplicationView,
        grant: &grant::Model,
        nonce: Option<&str>,
    ) -> Result<Issued, GrantError> {
        let now = self.clock.now();
        let iat = now.timestamp();
        let person = self
            .person(&grant.user_id)
            .await?
            .ok_or(GrantError::Invalid("the user no longer exists"))?;
        // A block that landed after the login's check (between a phone's confirmation and the
        // browser's finish, say) still stops every token here.
        if person.blocked {
            return Err(GrantError::Invalid("the user is blocked"));
        }
        let access = json!({
            "iss": self.issuer,
            "sub": grant.user_id,
            "aud": app.client_id,
            "client_id": app.client_id,
            "scope": grant.scope,
            "iat": iat,
            "exp": iat + app.access_token_ttl,
            "jti": random_token(),
            "gid": grant.id,
            "token_use": "access",
        });
        let access_token = self.keys.sign_access(&access).await?;
        let mut id = claims::user_claims(&person, &grant.scope);
        for (k, v) in [
            ("iss", json!(self.issuer)),
            ("aud", json!(app.client_id)),
            ("azp", json!(app.client_id)),
            ("iat", json!(iat)),
            ("exp", json!(iat + app.id_token_ttl)),
            ("auth_time", json!(grant.auth_time.timestamp())),
            ("at_hash", json!(at_hash(&access_token))),
        ] {
            id.insert(k.into(), v);
        }
        if let Some(n) = nonce {
            id.insert("nonce".into(), json!(n));
        }
        let id_token = self.keys.sign("JWT", &Value::Object(id)).await?;
        let refresh_token = if claims::has_scope(&grant.scope, "offline_access") {
            let token = random_token();
            db::insert_refresh(
                &self.db,
                refresh_token::ActiveModel {
                    id: Set(token_hash(&token)),
                    grant_id: Set(grant.id.clone()),
                    created_at: Set(now),
                    expires_at: Set(now + Duration::seconds(app.refresh_token_ttl)),
                    used_at: Set(None),
                },
            )
            .await?;
            Some(token)
        } else {
            None
        };
        Ok(Issued {
            access_token,
            id_token,
            refresh_token,
            expires_in: app.access_token_ttl,
            scope: grant.scope.clone(),
        })
    }
}

const BAD_ACCESS: GrantError = GrantError::Invalid("the access token is invalid or expired");

/// OpenID Connect's `at_hash`: the left half of the access token's SHA-256, base64url.
fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}
