//! The hosted login page's strings.

use leptos::prelude::*;

use super::{Lang, use_lang};

pub struct LoginTexts {
    pub sign_in_to: &'static str,
    pub continue_with: &'static str,
    pub no_methods: &'static str,
    pub expired: &'static str,
    pub failed: &'static str,
}

pub static EN: LoginTexts = LoginTexts {
    sign_in_to: "Sign in to",
    continue_with: "Continue with",
    no_methods: "This application has no login method enabled yet.",
    expired: "This sign-in link has expired or is unknown. Go back to the application and start again.",
    failed: "Something went wrong. Please try again.",
};

pub static ZH_CN: LoginTexts = LoginTexts {
    sign_in_to: "登录",
    continue_with: "使用以下方式继续",
    no_methods: "此应用尚未启用任何登录方式。",
    expired: "登录链接已过期或无效，请返回应用重新开始。",
    failed: "出错了，请重试。",
};

impl Lang {
    pub fn login(self) -> &'static LoginTexts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}

pub fn use_login_texts() -> impl Fn() -> &'static LoginTexts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().login()
}
