//! The sandbox's short-lived state: codes, tokens, session keys, QR logins, quotas and fault
//! knobs. It lives in memory (a restart ends every session, as a WeChat outage would) and is
//! swept of expired entries as it grows.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::faults::Faults;

/// Code lifetimes (§2.1, §3, §4.1, §4.5).
pub const WEBSITE_CODE_LIFETIME: Duration = Duration::minutes(10);
pub const SHORT_CODE_LIFETIME: Duration = Duration::minutes(5);
/// User and server access tokens.
pub const TOKEN_LIFETIME: Duration = Duration::seconds(7200);
/// sns refresh tokens: 30 days, not renewable.
pub const REFRESH_LIFETIME: Duration = Duration::days(30);
/// A superseded classic server token keeps working this long (§5.1).
pub const GRACE: Duration = Duration::minutes(5);
/// A QR login page stops waiting after this long (`wx_errcode=402`).
pub const QR_LIFETIME: Duration = Duration::minutes(5);

/// What a code stands for.
#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub appid: String,
    pub persona: i64,
    /// `snsapi_login`, `snsapi_base`, `snsapi_userinfo`; empty for js and phone codes.
    pub scope: String,
    pub issued: DateTime<Utc>,
    pub lifetime: Duration,
    pub used: bool,
}

impl CodeGrant {
    /// A fresh, unused grant issued at `now`.
    pub fn new(
        appid: &str,
        persona: i64,
        scope: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> CodeGrant {
        CodeGrant {
            appid: appid.to_string(),
            persona,
            scope: scope.to_string(),
            issued: now,
            lifetime,
            used: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct UserToken {
    pub appid: String,
    pub persona: i64,
    pub scope: String,
    pub expires: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub appid: String,
    pub persona: i64,
    pub scope: String,
    pub expires: DateTime<Utc>,
    pub access_token: String,
}

#[derive(Clone, Debug)]
pub struct ServerToken {
    pub appid: String,
    pub expires: DateTime<Utc>,
    /// When a newer classic token replaced this one.
    pub superseded: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QrStatus {
    Waiting,
    Scanned { persona: i64 },
    Confirmed { code: String },
    Denied,
}

#[derive(Clone, Debug)]
pub struct QrLogin {
    pub appid: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub created: DateTime<Utc>,
    pub status: QrStatus,
}

/// An in-WeChat consent page waiting for the user's answer.
#[derive(Clone, Debug)]
pub struct PendingConsent {
    pub appid: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub persona: i64,
    pub created: DateTime<Utc>,
}

/// How a code redemption failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeFailure {
    /// Unknown or another app's code.
    Invalid,
    Expired,
    Used,
}

#[derive(Default)]
pub struct Live {
    pub oauth_codes: HashMap<String, CodeGrant>,
    pub js_codes: HashMap<String, CodeGrant>,
    pub phone_codes: HashMap<String, CodeGrant>,
    pub user_tokens: HashMap<String, UserToken>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// (mini-program appid, persona) → current session_key.
    pub session_keys: HashMap<(String, i64), String>,
    pub server_tokens: HashMap<String, ServerToken>,
    pub classic_latest: HashMap<String, String>,
    pub stable_latest: HashMap<String, String>,
    pub stable_forced: HashMap<String, Vec<DateTime<Utc>>>,
    pub daily: HashMap<(String, &'static str, NaiveDate), u32>,
    pub per_minute: HashMap<(String, i64, i64), u32>,
    pub qr: HashMap<String, QrLogin>,
    pub consents: HashMap<String, PendingConsent>,
    pub faults: Faults,
    /// How many new server tokens each appid was given (for the console and tests).
    pub token_issues: HashMap<String, u32>,
    /// How many successful server-token calls (classic or stable) each appid made.
    pub token_calls: HashMap<String, u32>,
    writes: u32,
}

impl Live {
    /// Issues a code of `lifetime` into `map`.
    pub fn issue(map: &mut HashMap<String, CodeGrant>, grant: CodeGrant, code: String) {
        map.insert(code, grant);
    }

    /// Issues a new OAuth code (website, official account, mobile app) and returns it.
    pub fn issue_oauth_code(
        &mut self,
        appid: &str,
        persona: i64,
        scope: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> String {
        let code = super::ids::login_code();
        self.oauth_codes.insert(
            code.clone(),
            CodeGrant::new(appid, persona, scope, now, lifetime),
        );
        self.sweep(now);
        code
    }

    /// Redeems a single-use code for `appid`.
    pub fn redeem(
        map: &mut HashMap<String, CodeGrant>,
        code: &str,
        appid: &str,
        now: DateTime<Utc>,
    ) -> Result<CodeGrant, CodeFailure> {
        let Some(grant) = map.get_mut(code) else {
            return Err(CodeFailure::Invalid);
        };
        if grant.appid != appid {
            return Err(CodeFailure::Invalid);
        }
        if now > grant.issued + grant.lifetime {
            return Err(CodeFailure::Expired);
        }
        if grant.used {
            return Err(CodeFailure::Used);
        }
        grant.used = true;
        Ok(grant.clone())
    }

    /// The appid a server access token belongs to, or WeChat's errcode for it.
    pub fn server_token_appid(&self, token: &str, now: DateTime<Utc>) -> Result<String, i64> {
        if token.is_empty() {
            return Err(41001);
        }
        let Some(found) = self.server_tokens.get(token) else {
            return Err(40001);
        };
        if let Some(at) = found.superseded
            && now > at + self.faults.grace()
        {
            return Err(40001);
        }
        if now > found.expires {
            return Err(42001);
        }
        Ok(found.appid.clone())
    }

    /// Counts a call against a daily quota; false once `limit` is passed.
    pub fn take_daily(
        &mut self,
        appid: &str,
        what: &'static str,
        limit: u32,
        now: DateTime<Utc>,
    ) -> bool {
        let used = self
            .daily
            .entry((appid.to_string(), what, now.date_naive()))
            .or_insert(0);
        *used += 1;
        *used <= limit
    }

    /// Counts a call against a per-minute, per-user quota.
    pub fn take_minute(
        &mut self,
        appid: &str,
        persona: i64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> bool {
        let used = self
            .per_minute
            .entry((appid.to_string(), persona, now.timestamp() / 60))
            .or_insert(0);
        *used += 1;
        *used <= limit
    }

    /// Drops what has expired, every few hundred writes.
    pub fn sweep(&mut self, now: DateTime<Utc>) {
        self.writes = self.writes.wrapping_add(1);
        if !self.writes.is_multiple_of(512) {
            return;
        }
        for map in [
            &mut self.oauth_codes,
            &mut self.js_codes,
            &mut self.phone_codes,
        ] {
            map.retain(|_, g| now <= g.issued + g.lifetime);
        }
        self.user_tokens.retain(|_, t| now <= t.expires);
        self.refresh_tokens.retain(|_, t| now <= t.expires);
        let grace = self.faults.grace();
        self.server_tokens
            .retain(|_, t| now <= t.expires && t.superseded.is_none_or(|at| now <= at + grace));
        self.qr
            .retain(|_, q| now <= q.created + QR_LIFETIME + Duration::minutes(5));
        self.consents
            .retain(|_, c| now <= c.created + Duration::minutes(30));
        let today = now.date_naive();
        self.daily.retain(|(_, _, day), _| *day == today);
        let minute = now.timestamp() / 60;
        self.per_minute.retain(|(_, _, m), _| *m == minute);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(appid: &str, issued: DateTime<Utc>, lifetime: Duration) -> CodeGrant {
        CodeGrant::new(appid, 1, "snsapi_login", issued, lifetime)
    }

    #[test]
    fn codes_are_single_use_for_their_app_within_their_lifetime() {
        let t0 = Utc::now();
        let mut map = HashMap::new();
        Live::issue(
            &mut map,
            grant("wxa", t0, WEBSITE_CODE_LIFETIME),
            "c1".into(),
        );
        Live::issue(&mut map, grant("wxa", t0, SHORT_CODE_LIFETIME), "c2".into());
        assert_eq!(
            Live::redeem(&mut map, "c1", "wxb", t0).unwrap_err(),
            CodeFailure::Invalid,
            "another app's code"
        );
        assert!(Live::redeem(&mut map, "c1", "wxa", t0 + Duration::minutes(9)).is_ok());
        assert_eq!(
            Live::redeem(&mut map, "c1", "wxa", t0 + Duration::minutes(9)).unwrap_err(),
            CodeFailure::Used
        );
        assert_eq!(
            Live::redeem(&mut map, "c2", "wxa", t0 + Duration::minutes(6)).unwrap_err(),
            CodeFailure::Expired,
            "a five-minute code after six minutes"
        );
        assert_eq!(
            Live::redeem(&mut map, "nope", "wxa", t0).unwrap_err(),
            CodeFailure::Invalid
        );
    }

    #[test]
    fn superseded_server_tokens_work_through_the_grace_period() {
        let t0 = Utc::now();
        let mut live = Live::default();
        live.server_tokens.insert(
            "old".into(),
            ServerToken {
                appid: "wxa".into(),
                expires: t0 + TOKEN_LIFETIME,
                superseded: Some(t0),
            },
        );
        assert_eq!(
            live.server_token_appid("old", t0 + Duration::minutes(4)),
            Ok("wxa".into())
        );
        assert_eq!(
            live.server_token_appid("old", t0 + Duration::minutes(6)),
            Err(40001)
        );
        assert_eq!(live.server_token_appid("", t0), Err(41001));
        assert_eq!(live.server_token_appid("unknown", t0), Err(40001));
        live.server_tokens.insert(
            "current".into(),
            ServerToken {
                appid: "wxa".into(),
                expires: t0 + TOKEN_LIFETIME,
                superseded: None,
            },
        );
        assert_eq!(
            live.server_token_appid("current", t0 + TOKEN_LIFETIME + Duration::seconds(1)),
            Err(42001)
        );
    }
}
