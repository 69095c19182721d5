//! Why a login stops, the same way in every mode: one stable code (the login log's reason and
//! the API error's `code`), one HTTP status, and one sentence per language for the end user's
//! page. WeChat's errors reach it through one conversion, so a blocked user is `blocked` with
//! 403 whether the website QR or the mini program met it.

use axum::http::StatusCode;

use super::texts::Lang;
use crate::catalog::CatalogError;
use crate::store::StoreError;
use crate::web::ApiError;
use crate::wechat::WeChatError;

/// Declares [`Reason`] with each variant's stable code, once.
macro_rules! reasons {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// The reasons a login can stop. Their codes are stable: logs, tickets and API callers
        /// see them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Reason {
            $($(#[$doc])* $variant,)*
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }
        }
    };
}

reasons! {
    /// The authorization request expired or never existed.
    RequestExpired = "request_expired",
    /// The source does not exist, is off, or is not enabled for the application.
    SourceUnavailable = "source_unavailable",
    /// The source has no usable AppID and AppSecret (or no default mini program).
    SourceUnconfigured = "source_unconfigured",
    /// The source's mode cannot log in this way (not yet, or not here).
    ModeUnavailable = "mode_unavailable",
    StateMissing = "state_missing",
    StateUnknown = "state_unknown",
    /// The state belongs to another browser or another source.
    StateMismatch = "state_mismatch",
    /// The state was already spent with another code.
    StateReused = "state_reused",
    /// The person said no in WeChat.
    Cancelled = "cancelled",
    SnapshotUser = "snapshot_user",
    LoginOnly = "login_only",
    AskToBind = "ask_to_bind",
    /// WeChat refused the code: wrong, expired or already used.
    InvalidCode = "invalid_code",
    /// The code (or phone code) was issued to another app.
    ForeignCode = "foreign_code",
    /// The phone-number code was issued to another mini program.
    ForeignPhoneCode = "foreign_phone_code",
    /// The source's mode does not fit the application's type (WeChat grant).
    WrongMode = "wrong_mode",
    WeChatBusy = "wechat_busy",
    Blocked = "blocked",
    /// An administrator blocked this user in Datong.
    UserBlocked = "user_blocked",
    WeChatError = "wechat_error",
    StorageError = "storage_error",
    /// The database failed after WeChat's code was spent: this login cannot go on, a new one
    /// can (what a reload of such a callback shows).
    Interrupted = "login_interrupted",
    /// A repeated callback whose first one has not finished yet.
    StillWorking = "still_working",
    TicketUnknown = "ticket_unknown",
    TicketExpired = "ticket_expired",
    TicketFinished = "ticket_finished",
    /// A ticket finished that was not confirmed, or by another browser.
    TicketRefused = "ticket_refused",
    OtherBrowser = "other_browser",
    RateLimited = "rate_limited",
    InvalidRequest = "invalid_request",
    /// No such pending binding.
    BindingUnknown = "binding_unknown",
    /// The binding was already bound or declined.
    BindingUsed = "binding_used",
    /// The binding waited longer than ten minutes.
    BindingExpired = "bind_expired",
    /// The proving login found no account here.
    BindNoAccount = "bind_no_account",
}

impl Reason {
    /// The reason a stored code names (tickets and attempts keep codes).
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }

    pub fn status(self) -> StatusCode {
        use Reason::*;
        match self {
            Cancelled => StatusCode::OK,
            RequestExpired | TicketUnknown => StatusCode::NOT_FOUND,
            StateMissing | StateUnknown | StateMismatch | StateReused | InvalidCode
            | ForeignCode | ForeignPhoneCode | WrongMode | TicketRefused | InvalidRequest
            | BindingUnknown | BindingUsed => StatusCode::BAD_REQUEST,
            BindNoAccount => StatusCode::FORBIDDEN,
            BindingExpired => StatusCode::GONE,
            SourceUnavailable | SnapshotUser | LoginOnly | AskToBind | Blocked | UserBlocked
            | OtherBrowser => StatusCode::FORBIDDEN,
            TicketFinished | Interrupted => StatusCode::CONFLICT,
            TicketExpired => StatusCode::GONE,
            RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ModeUnavailable => StatusCode::NOT_IMPLEMENTED,
            WeChatBusy | WeChatError => StatusCode::BAD_GATEWAY,
            SourceUnconfigured | StorageError | StillWorking => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// What the person is told, in `lang` (the catalogue's sentence for this reason).
    pub fn text(self, lang: Lang) -> &'static str {
        super::texts::reason(self, lang)
    }
}

/// A login stopped: the reason, and a detail for the log (never shown to the person).
#[derive(Debug)]
pub struct Refusal {
    pub reason: Reason,
    pub detail: Option<String>,
    /// The user the person turned out to be, when the login stops after knowing it (a blocked
    /// user): the log line names them.
    pub user_id: Option<String>,
}

impl Refusal {
    pub fn new(reason: Reason) -> Refusal {
        Refusal {
            reason,
            detail: None,
            user_id: None,
        }
    }

    /// The person is `user_id`, whom an administrator blocked.
    pub fn blocked_user(user_id: String) -> Refusal {
        Refusal {
            reason: Reason::UserBlocked,
            detail: Some("blocked by an administrator".into()),
            user_id: Some(user_id),
        }
    }

    pub fn with(reason: Reason, detail: impl Into<String>) -> Refusal {
        Refusal {
            reason,
            detail: Some(detail.into()),
            user_id: None,
        }
    }

    /// The JSON error an API caller (the page's script, the mini program) gets.
    pub fn api(&self) -> ApiError {
        ApiError::new(
            self.reason.status(),
            self.reason.code(),
            self.reason.text(Lang::En),
        )
    }
}

impl From<Reason> for Refusal {
    fn from(reason: Reason) -> Refusal {
        Refusal::new(reason)
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> ApiError {
        if r.reason == Reason::StorageError {
            tracing::error!(detail = ?r.detail, "login: storage unavailable");
        }
        r.api()
    }
}

impl From<Reason> for ApiError {
    fn from(r: Reason) -> ApiError {
        Refusal::new(r).api()
    }
}

/// The one mapping of WeChat's errors to reasons; the detail keeps the errcode for the log.
impl From<WeChatError> for Refusal {
    fn from(e: WeChatError) -> Refusal {
        use WeChatError as W;
        let reason = match &e {
            W::SnapshotUser => Reason::SnapshotUser,
            W::InvalidCode(_) | W::CodeUsed(_) => Reason::InvalidCode,
            W::InvalidAppId(_) => Reason::ForeignCode,
            W::CodeBlocked(_) => Reason::Blocked,
            W::SystemBusy(_) | W::RateLimited(_) | W::Timeout | W::Crowded | W::Network(_) => {
                Reason::WeChatBusy
            }
            _ => Reason::WeChatError,
        };
        let detail = match e.errcode() {
            Some(c) => format!("errcode {c}: {e}"),
            None => e.to_string(),
        };
        Refusal::with(reason, detail)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::with(Reason::StorageError, e.to_string())
    }
}

impl From<crate::tokens::grants::GrantError> for Refusal {
    fn from(e: crate::tokens::grants::GrantError) -> Refusal {
        Refusal::with(Reason::StorageError, e.to_string())
    }
}

impl From<CatalogError> for Refusal {
    fn from(e: CatalogError) -> Refusal {
        match e {
            CatalogError::NotFound(what) => {
                Refusal::with(Reason::SourceUnavailable, format!("no such {what}"))
            }
            other => Refusal::with(Reason::StorageError, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wechat::WeChatReply;

    fn reply(errcode: i64) -> WeChatReply {
        WeChatReply {
            errcode,
            errmsg: "x".into(),
        }
    }

    #[test]
    fn codes_are_unique_and_read_back() {
        for &r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert!(!r.text(Lang::En).is_empty() && !r.text(Lang::ZhCn).is_empty());
        }
        assert_eq!(Reason::from_code("nonsense"), None);
    }

    #[test]
    fn the_logs_page_has_words_for_every_outcome() {
        use super::super::LoginOutcome;
        use app::i18n::outcomes::outcome_label;
        let outcomes = Reason::ALL
            .iter()
            .map(|&r| LoginOutcome::Refused(r))
            .chain([
                LoginOutcome::Success,
                LoginOutcome::Escalated,
                LoginOutcome::Bound,
                LoginOutcome::Declined,
            ]);
        for outcome in outcomes {
            for lang in [Lang::En, Lang::ZhCn] {
                assert!(
                    outcome_label(lang, outcome.code()).is_some(),
                    "{} has no words in {lang:?}",
                    outcome.code()
                );
            }
        }
    }

    #[test]
    fn one_mapping_of_wechat_errors() {
        let of = |errcode| Refusal::from(WeChatError::from_reply(reply(errcode)));
        let blocked = of(40226);
        assert_eq!(
            (blocked.reason, blocked.reason.status()),
            (Reason::Blocked, StatusCode::FORBIDDEN)
        );
        assert!(blocked.detail.unwrap().contains("40226"));
        assert_eq!(of(40163).reason, Reason::InvalidCode);
        assert_eq!(of(40029).reason, Reason::InvalidCode);
        assert_eq!(of(40013).reason, Reason::ForeignCode);
        assert_eq!(of(-1).reason, Reason::WeChatBusy);
        assert_eq!(of(45011).reason, Reason::WeChatBusy);
        assert_eq!(of(40125).reason, Reason::WeChatError);
        assert_eq!(
            Refusal::from(WeChatError::SnapshotUser).reason,
            Reason::SnapshotUser
        );
    }
}
