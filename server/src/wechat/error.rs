//! WeChat's error codes as typed values. Decisions are made on `errcode` only; `errmsg` (with
//! its rid) is kept verbatim for logs and never matched on.

/// What WeChat said, kept for logs: the errcode and the errmsg with its request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeChatReply {
    pub errcode: i64,
    pub errmsg: String,
}

impl std::fmt::Display for WeChatReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "errcode {}: {}", self.errcode, self.errmsg)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeChatError {
    /// -1: busy; worth one retry with backoff.
    #[error("WeChat is busy ({0})")]
    SystemBusy(WeChatReply),
    /// 40001, 40014, 42001: the server access token is stale; refresh it and retry once.
    #[error("WeChat access token invalid or expired ({0})")]
    AccessTokenInvalid(WeChatReply),
    /// 40013: the AppID is unknown, or a code belongs to another app.
    #[error("invalid AppID ({0})")]
    InvalidAppId(WeChatReply),
    /// 40125, 40243, 41002, 41004: wrong, frozen or missing AppID/AppSecret; 50004, 50007:
    /// the token API is forbidden or the account frozen (a configuration problem too).
    #[error("invalid WeChat credentials ({0})")]
    InvalidCredentials(WeChatReply),
    /// 40029, 42003, 41008: a login or phone code that is wrong, foreign or expired.
    #[error("invalid or expired code ({0})")]
    InvalidCode(WeChatReply),
    /// 40163: the code was already exchanged.
    #[error("code already used ({0})")]
    CodeUsed(WeChatReply),
    /// 40226: WeChat blocked this (high-risk) user's login.
    #[error("login blocked by WeChat ({0})")]
    CodeBlocked(WeChatReply),
    /// 40030, 41003, 42002, 42007: the user must authorize again.
    #[error("refresh token invalid or expired ({0})")]
    RefreshTokenInvalid(WeChatReply),
    /// 40003, 41009: the openid does not belong to this app or token.
    #[error("invalid openid ({0})")]
    InvalidOpenId(WeChatReply),
    /// 48001, 48004, 50001, 50002: the token's scope or the app lacks this API.
    #[error("API not authorized ({0})")]
    Unauthorized(WeChatReply),
    /// 45011: per-minute limit; wait for the next minute.
    #[error("WeChat rate limit ({0})")]
    RateLimited(WeChatReply),
    /// 45009, 45029: daily or lifetime quota used up; do not loop.
    #[error("WeChat quota exhausted ({0})")]
    QuotaExhausted(WeChatReply),
    /// 40164, 89503, 89506, 89507: this server's IP is not on the app's whitelist.
    #[error("server IP not allowed by the WeChat app ({0})")]
    IpNotAllowed(WeChatReply),
    /// Parameter errors: a bug on our side or a misconfigured source (page, scene, method...).
    #[error("WeChat rejected the request ({0})")]
    InvalidRequest(WeChatReply),
    /// A virtual identity from a moments "snapshot" page view (`is_snapshotuser: 1`): not a
    /// real user, must not log in.
    #[error("snapshot (virtual) WeChat user")]
    SnapshotUser,
    /// Any other errcode.
    #[error("WeChat error ({0})")]
    Other(WeChatReply),
    /// The call did not complete in time.
    #[error("WeChat did not answer in time")]
    Timeout,
    /// Too many calls for this AppID are already waiting on WeChat; this one was not sent.
    #[error("too many calls to WeChat are waiting for this AppID")]
    Crowded,
    /// The call failed below HTTP (connection refused, TLS, DNS...).
    #[error("cannot reach WeChat: {0}")]
    Network(String),
    /// WeChat answered something that is not the documented shape.
    #[error("unexpected answer from WeChat: {0}")]
    BadResponse(String),
}

impl WeChatError {
    /// The typed error for a non-zero errcode.
    pub fn from_reply(reply: WeChatReply) -> WeChatError {
        use WeChatError::*;
        match reply.errcode {
            -1 => SystemBusy(reply),
            40001 | 40014 | 42001 => AccessTokenInvalid(reply),
            40013 => InvalidAppId(reply),
            40125 | 40243 | 41002 | 41004 | 50004 | 50007 => InvalidCredentials(reply),
            40029 | 42003 | 41008 => InvalidCode(reply),
            40163 => CodeUsed(reply),
            40226 => CodeBlocked(reply),
            40030 | 41003 | 42002 | 42007 => RefreshTokenInvalid(reply),
            40003 | 41009 => InvalidOpenId(reply),
            48001 | 48004 | 50001 | 50002 => Unauthorized(reply),
            45011 => RateLimited(reply),
            45009 | 45029 => QuotaExhausted(reply),
            40164 | 89503 | 89506 | 89507 => IpNotAllowed(reply),
            40002 | 40097 | 40129 | 40159 | 40169 | 41001 | 41030 | 43001 | 43002 | 43003
            | 85096 => InvalidRequest(reply),
            _ => Other(reply),
        }
    }

    /// The codes after which a fresh server access token and one retry may succeed.
    pub fn wants_token_refresh(&self) -> bool {
        matches!(self, WeChatError::AccessTokenInvalid(_))
    }

    /// The codes that end a login attempt: the user has to start again (never auto-retry a
    /// code exchange).
    pub fn restarts_login(&self) -> bool {
        matches!(self, WeChatError::InvalidCode(_) | WeChatError::CodeUsed(_))
    }

    pub fn errcode(&self) -> Option<i64> {
        use WeChatError::*;
        match self {
            SystemBusy(r)
            | AccessTokenInvalid(r)
            | InvalidAppId(r)
            | InvalidCredentials(r)
            | InvalidCode(r)
            | CodeUsed(r)
            | CodeBlocked(r)
            | RefreshTokenInvalid(r)
            | InvalidOpenId(r)
            | Unauthorized(r)
            | RateLimited(r)
            | QuotaExhausted(r)
            | IpNotAllowed(r)
            | InvalidRequest(r)
            | Other(r) => Some(r.errcode),
            SnapshotUser | Timeout | Crowded | Network(_) | BadResponse(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: i64) -> WeChatError {
        WeChatError::from_reply(WeChatReply {
            errcode: code,
            errmsg: "whatever, rid: 6aac007a-6c02c771-26bf69c4".into(),
        })
    }

    #[test]
    fn codes_map_to_kinds() {
        assert!(matches!(err(-1), WeChatError::SystemBusy(_)));
        assert!(matches!(err(40029), WeChatError::InvalidCode(_)));
        assert!(matches!(err(42003), WeChatError::InvalidCode(_)));
        assert!(matches!(err(40163), WeChatError::CodeUsed(_)));
        assert!(matches!(err(40013), WeChatError::InvalidAppId(_)));
        assert!(matches!(err(40125), WeChatError::InvalidCredentials(_)));
        assert!(matches!(err(45011), WeChatError::RateLimited(_)));
        assert!(matches!(err(48001), WeChatError::Unauthorized(_)));
        assert!(matches!(err(40226), WeChatError::CodeBlocked(_)));
        assert!(
            matches!(err(61023), WeChatError::Other(_)),
            "third-party code, not sns"
        );
        for code in [40001, 40014, 42001] {
            assert!(err(code).wants_token_refresh(), "{code}");
        }
        assert!(!err(40029).wants_token_refresh());
        assert!(err(40163).restarts_login() && err(40029).restarts_login());
        assert!(!err(-1).restarts_login());
        assert_eq!(err(45009).errcode(), Some(45009));
    }

    #[test]
    fn display_keeps_errmsg_verbatim() {
        let shown = err(40163).to_string();
        assert!(
            shown.contains("errcode 40163") && shown.contains("rid: 6aac007a"),
            "{shown}"
        );
    }
}
