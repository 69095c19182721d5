//! The one text catalogue of every page an end user sees (hosted login, mini-program code,
//! web-page hand-off, refusals, binding), in zh-CN and English. A string is added to both tables
//! or the build fails. The language is the browser's choice: the `datong_lang` cookie (the
//! console's switch sets it too), else `Accept-Language`.

use axum::http::{HeaderMap, header};

use app::i18n::LANG_COOKIE;
pub use app::i18n::Lang;

use super::refusal::Reason;

/// The language of a request.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    app::cookies::get(headers, LANG_COOKIE)
        .and_then(|v| Lang::from_code(&v))
        .unwrap_or_else(|| {
            let accept = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Lang::from_accept_language(accept)
        })
}

/// The strings of the pages (the reasons' sentences are in [`reason`]).
pub struct Texts {
    pub title: &'static str,
    pub cannot_continue: &'static str,
    pub retry: &'static str,
    pub start_again: &'static str,
    pub other_lang: &'static str,
    pub sign_in_to: &'static str,
    pub continue_with: &'static str,
    pub no_methods: &'static str,
    pub mp_title: &'static str,
    pub mp_hint: &'static str,
    pub choose_another: &'static str,
    pub sandbox_phone: &'static str,
    pub mp_waiting: &'static str,
    pub mp_scanned: &'static str,
    pub mp_confirmed: &'static str,
    pub mp_cancelled: &'static str,
    pub mp_expired: &'static str,
    pub mp_used: &'static str,
    pub mp_refresh: &'static str,
    pub mp_network: &'static str,
    pub mp_failed: &'static str,
    pub open_in_wechat: &'static str,
    pub open_in_wechat_hint: &'static str,
    pub bind_title: &'static str,
    pub bind_intro: &'static str,
    pub bind_phone: &'static str,
    pub bind_existing: &'static str,
    pub bind_no_proof: &'static str,
    pub bind_create: &'static str,
    pub bind_create_hint: &'static str,
    pub device_title: &'static str,
    pub device_intro: &'static str,
    pub device_none: &'static str,
    pub device_no_sandbox: &'static str,
    pub device_browser: &'static str,
    pub device_done_title: &'static str,
    pub device_done: &'static str,
}

pub static EN: Texts = Texts {
    title: "Sign in",
    cannot_continue: "Sign-in cannot continue",
    retry: "Try again",
    start_again: "Return to the application and start again.",
    other_lang: "中文",
    sign_in_to: "Sign in to",
    continue_with: "Continue with",
    no_methods: "This application has no login method enabled yet.",
    mp_title: "Log in with WeChat",
    mp_hint: "Scan the mini-program code with WeChat and allow your phone number on the phone.",
    choose_another: "Choose another way",
    sandbox_phone: "Open in the sandbox phone",
    mp_waiting: "Scan the code with WeChat",
    mp_scanned: "Scanned on the phone. Confirm there.",
    mp_confirmed: "Confirmed. Signing you in…",
    mp_cancelled: "The login was cancelled on the phone.",
    mp_expired: "The code has expired.",
    mp_used: "This code was already used.",
    mp_refresh: "Refresh code",
    mp_network: "Datong cannot be reached. Check the connection and try again.",
    mp_failed: "The login did not succeed. Refresh the code and try again.",
    open_in_wechat: "Open this page in WeChat",
    open_in_wechat_hint: "This way of logging in works inside WeChat only. Scan the code with WeChat to continue there.",
    bind_title: "Link your WeChat account",
    bind_intro: "This WeChat account is new here ({}). If you already have an account, log in to it once and this WeChat account will be linked to it.",
    bind_phone: "The phone number {} verified by WeChat belongs to an account here. Log in to it to link them.",
    bind_existing: "I already have an account: log in with",
    bind_no_proof: "No other way of logging in is offered here to prove an existing account.",
    bind_create: "Create a new account",
    bind_create_hint: "Or start afresh with this WeChat account:",
    device_title: "Experience login on the phone",
    device_intro: "This application logs in inside a mini program or a mobile app, not in a browser. Open the sandbox phone: it runs a sample of your mini program or app, which logs in with these settings and comes back here with the user.",
    device_none: "This application enables no mini-program, mobile-app or app-launch source.",
    device_no_sandbox: "The WeChat sandbox is off: try these modes in your own mini program or app (see the application's integration notes).",
    device_browser: "Log in in the browser instead",
    device_done_title: "Done",
    device_done: "Your WeChat account is set up. Go back to {} and log in again.",
};

pub static ZH_CN: Texts = Texts {
    title: "登录",
    cannot_continue: "无法继续登录",
    retry: "重试",
    start_again: "请返回应用重新开始。",
    other_lang: "English",
    sign_in_to: "登录",
    continue_with: "使用以下方式继续",
    no_methods: "此应用尚未启用任何登录方式。",
    mp_title: "微信扫码登录",
    mp_hint: "使用微信扫描小程序码，在手机上授权手机号即可登录。",
    choose_another: "选择其他登录方式",
    sandbox_phone: "在沙箱手机中打开",
    mp_waiting: "请使用微信扫描小程序码",
    mp_scanned: "已扫码，请在手机上确认",
    mp_confirmed: "已确认，正在登录…",
    mp_cancelled: "已在手机上取消登录",
    mp_expired: "小程序码已过期",
    mp_used: "此小程序码已使用",
    mp_refresh: "刷新小程序码",
    mp_network: "无法连接大同，请检查网络后重试",
    mp_failed: "登录未成功，请刷新小程序码后重试",
    open_in_wechat: "请在微信中打开此页面",
    open_in_wechat_hint: "此登录方式仅能在微信内使用。请用微信扫描下方二维码，在微信中继续。",
    bind_title: "绑定微信账号",
    bind_intro: "此微信账号（{}）在此尚无账号。如果您已有账号，请登录一次，此微信账号即会与其绑定。",
    bind_phone: "微信验证的手机号 {} 已属于此处的一个账号。登录该账号即可绑定。",
    bind_existing: "我已有账号，使用以下方式登录：",
    bind_no_proof: "此处未提供其他可证明已有账号的登录方式。",
    bind_create: "创建新账号",
    bind_create_hint: "或使用此微信账号创建新账号：",
    device_title: "在手机上体验登录",
    device_intro: "此应用在小程序或移动应用内登录，而非浏览器。打开沙箱手机：它运行您的小程序或应用的示例，按以下设置登录，并带着用户回到这里。",
    device_none: "此应用未启用小程序、移动应用或 App 拉起小程序身份源。",
    device_no_sandbox: "微信沙箱未开启：请在您自己的小程序或应用中体验这些方式（见应用的接入说明）。",
    device_browser: "改为在浏览器中登录",
    device_done_title: "已完成",
    device_done: "您的微信账号已设置好。请返回{}重新登录。",
};

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// What the OpenID Connect edge says on a page of its own (a request it cannot send back to the
/// application, the end of a session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Said {
    NoClientId,
    UnknownClient,
    NoRedirectUri,
    UnregisteredRedirect,
    BadRedirectUrl,
    StorageDown,
    LogoutMismatch,
    UnregisteredLogoutRedirect,
    SignedOutTitle,
    SignedOut,
    SignOutQuestion,
    SignOutButton,
    CrossSiteForm,
    TooLarge,
    OtherIssuer,
    ExperienceNoUser,
    ExperienceCodeRefused,
    ExperienceMismatch,
}

/// The sentence for `said`, in `lang`.
pub fn said(said: Said, lang: Lang) -> &'static str {
    use Said::*;
    let (en, zh) = match said {
        NoClientId => (
            "The request names no application (client_id is missing).",
            "请求未指明应用（缺少 client_id）。",
        ),
        UnknownClient => (
            "No application has this client_id.",
            "没有应用使用此 client_id。",
        ),
        NoRedirectUri => (
            "The request has no redirect_uri.",
            "请求缺少 redirect_uri。",
        ),
        UnregisteredRedirect => (
            "This redirect_uri is not registered for the application (it must match exactly).",
            "此 redirect_uri 未在应用中登记（须完全一致）。",
        ),
        BadRedirectUrl => (
            "The redirect URI is not a valid URL.",
            "回调地址不是有效的 URL。",
        ),
        StorageDown => (
            "Datong cannot reach its database; try again shortly.",
            "大同暂时无法访问数据库，请稍后再试。",
        ),
        LogoutMismatch => (
            "client_id and the id_token_hint name different applications. You were not signed out.",
            "client_id 与 id_token_hint 指向不同的应用。未执行退出。",
        ),
        UnregisteredLogoutRedirect => (
            "This post_logout_redirect_uri is not registered for the application (it must match exactly, and the application must be named by client_id or id_token_hint). You were not signed out.",
            "此 post_logout_redirect_uri 未在应用中登记（须完全一致，且须以 client_id 或 id_token_hint 指明应用）。未执行退出。",
        ),
        SignedOutTitle => ("Signed out", "已退出登录"),
        SignedOut => (
            "You are signed out of Datong. Applications you used may keep you signed in until you sign out there too.",
            "你已退出大同。已登录的应用可能仍保持登录，需在应用中单独退出。",
        ),
        SignOutQuestion => ("Sign out of Datong?", "退出大同？"),
        SignOutButton => ("Sign out", "退出"),
        CrossSiteForm => (
            "This form was sent from another site.",
            "此表单来自其他网站。",
        ),
        TooLarge => (
            "What was sent is too large (at most 2 MB). Nothing was saved.",
            "提交的内容过大（最多 2 MB），未保存任何内容。",
        ),
        OtherIssuer => (
            "This login was initiated by another issuer.",
            "此次登录由其他身份提供方发起。",
        ),
        ExperienceNoUser => (
            "The login ended without a user (the application received an error).",
            "登录未完成（应用收到了错误）。",
        ),
        ExperienceCodeRefused => (
            "The login's code was refused (used already or expired). Start the experience login again.",
            "登录授权码已被使用或已过期，请重新体验登录。",
        ),
        ExperienceMismatch => (
            "This experience login was not started in this browser, or it expired. Start it again from the console.",
            "此次体验登录并非在本浏览器发起，或已过期，请从控制台重新开始。",
        ),
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}

/// The sentence for a refusal, in `lang`.
pub fn reason(reason: Reason, lang: Lang) -> &'static str {
    let (en, zh) = {
        use Reason::*;
        match reason {
            RequestExpired => (
                "This login has expired or was never started here. Go back to the application and sign in again.",
                "此次登录已过期或不存在，请返回应用重新登录。",
            ),
            SourceUnavailable => (
                "This way of logging in is not offered for this application, or was switched off. Choose another.",
                "此应用未提供这种登录方式，或已停用，请选择其他方式。",
            ),
            SourceUnconfigured => (
                "This way of logging in is not fully configured (no WeChat AppID and AppSecret).",
                "此登录方式尚未配置完整（缺少微信 AppID 与 AppSecret）。",
            ),
            ModeUnavailable => (
                "This way of logging in is not available here; choose another.",
                "此登录方式在此不可用，请选择其他方式。",
            ),
            StateMissing => (
                "WeChat sent no state back, so this login cannot be trusted. Start again.",
                "微信未返回 state，无法确认此次登录，请重新开始。",
            ),
            StateUnknown => (
                "This login has expired or was never started here. Start again.",
                "此次登录已过期或不存在，请重新开始。",
            ),
            StateMismatch => (
                "This login was started in another browser. Start again here.",
                "此次登录是在其他浏览器中发起的，请在本浏览器重新开始。",
            ),
            StateReused => (
                "This login link was already used. Start again.",
                "此登录链接已被使用，请重新开始。",
            ),
            Cancelled => ("The login was cancelled in WeChat.", "已在微信中取消登录。"),
            SnapshotUser => (
                "WeChat identified a preview (snapshot) visitor, not a real account. Open the page in WeChat itself to log in.",
                "微信识别为快照页访客而非真实用户，请在微信中打开页面后登录。",
            ),
            LoginOnly => (
                "This way of logging in only admits existing accounts, and this WeChat account has none here.",
                "此登录方式仅允许已有账号登录，该微信账号尚未注册。",
            ),
            AskToBind => (
                "This WeChat account must first be bound to an existing account.",
                "该微信账号需先绑定已有账号。",
            ),
            InvalidCode => (
                "WeChat did not accept the login code (expired or already used). Start again.",
                "微信未接受此登录凭证（已过期或已使用），请重新开始。",
            ),
            ForeignCode => (
                "WeChat issued this code to another app. Start again.",
                "该凭证属于其他微信应用，请重新开始。",
            ),
            ForeignPhoneCode => (
                "WeChat issued this phone number to another mini program. Start again.",
                "该手机号凭证属于其他小程序，请重新开始。",
            ),
            WrongMode => (
                "This way of logging in does not fit this application.",
                "此登录方式不适用于该应用。",
            ),
            WeChatBusy => (
                "WeChat is busy. Try again in a moment.",
                "微信繁忙，请稍后再试。",
            ),
            Blocked => (
                "WeChat blocked this login for the account's safety.",
                "出于账号安全考虑，微信拦截了此次登录。",
            ),
            UserBlocked => (
                "This account has been suspended. Contact the service's support if you think this is a mistake.",
                "该账号已被停用。如有疑问，请联系服务方客服。",
            ),
            WeChatError => (
                "WeChat did not accept this login. Try again.",
                "微信未能完成此次登录，请重试。",
            ),
            StorageError => (
                "Datong cannot reach its database; try again shortly.",
                "大同暂时无法访问数据库，请稍后再试。",
            ),
            Interrupted => (
                "This login was interrupted by a fault on our side. Start again: it takes one more scan.",
                "此次登录因服务端故障中断，请重新开始，再扫一次码即可。",
            ),
            StillWorking => (
                "This login is still being completed. Refresh the page in a moment.",
                "登录仍在处理中，请稍后刷新页面。",
            ),
            TicketUnknown => (
                "No such code; refresh it on the computer.",
                "二维码不存在，请在电脑上刷新。",
            ),
            TicketExpired => (
                "This code has expired; refresh it on the computer.",
                "二维码已过期，请在电脑上刷新。",
            ),
            TicketFinished => (
                "This code was already used or cancelled.",
                "二维码已被使用或已取消。",
            ),
            TicketRefused => (
                "This code was already used, has expired, or belongs to another browser. Start again.",
                "此二维码已使用、已过期或属于其他浏览器，请重新开始。",
            ),
            OtherBrowser => (
                "This login belongs to another browser.",
                "此次登录属于其他浏览器。",
            ),
            RateLimited => (
                "Too many attempts from this address; wait a minute.",
                "此地址请求过于频繁，请一分钟后再试。",
            ),
            InvalidRequest => ("The request is malformed.", "请求格式错误。"),
            BindingUnknown => (
                "This account binding is unknown. Start the login again.",
                "此账号绑定不存在，请重新登录。",
            ),
            BindingUsed => (
                "This account binding was already completed.",
                "此账号绑定已完成。",
            ),
            BindingExpired => (
                "This account binding waited more than ten minutes and has expired. Start the login again.",
                "此账号绑定已超过十分钟，已失效，请重新登录。",
            ),
            BindNoAccount => (
                "No account here uses that way of logging in. Choose another, or create a new account.",
                "没有账号使用该登录方式，请选择其他方式，或创建新账号。",
            ),
        }
    };
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    }
}
