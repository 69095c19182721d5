//! Strings of the experience login's result page and of the login log.

use leptos::prelude::*;

use super::{Lang, use_lang};

pub struct PeopleTexts {
    pub result_title: &'static str,
    pub result_intro: &'static str,
    pub user_id: &'static str,
    pub nickname: &'static str,
    pub gender: &'static str,
    pub phone: &'static str,
    pub verified: &'static str,
    pub locale: &'static str,
    pub region: &'static str,
    pub identities: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub claims: &'static str,
    pub claims_intro: &'static str,
    pub log_out_again: &'static str,
    pub log_in_again: &'static str,
    pub unknown: &'static str,
    pub login_log: &'static str,
    pub audit_log: &'static str,
    pub when: &'static str,
    pub outcome: &'static str,
    pub source: &'static str,
    pub application: &'static str,
    pub mode: &'static str,
    pub user: &'static str,
    pub address: &'static str,
    pub all_outcomes: &'static str,
    pub successes: &'static str,
    pub failures: &'static str,
    pub filter: &'static str,
}

pub static EN: PeopleTexts = PeopleTexts {
    result_title: "Experience login: result",
    result_intro: "Who logged in, as the application sees them.",
    user_id: "User ID",
    nickname: "Nickname",
    gender: "Gender",
    phone: "Phone number",
    verified: "verified by WeChat",
    locale: "Locale",
    region: "Region",
    identities: "WeChat identities",
    first_seen: "First seen",
    last_seen: "Last seen",
    claims: "Claims (userinfo)",
    claims_intro: "What /oauth/userinfo returns with the scopes openid profile phone.",
    log_out_again: "Log out and log in again",
    log_in_again: "Log in again",
    unknown: "—",
    login_log: "Logins",
    audit_log: "Administration",
    when: "When",
    outcome: "Outcome",
    source: "Identity source",
    application: "Application (client_id)",
    mode: "Mode",
    user: "User ID",
    address: "Address",
    all_outcomes: "All outcomes",
    successes: "Successes",
    failures: "Failures",
    filter: "Filter",
};

pub static ZH_CN: PeopleTexts = PeopleTexts {
    result_title: "体验登录：结果",
    result_intro: "登录的用户，即应用所见的信息。",
    user_id: "用户 ID",
    nickname: "昵称",
    gender: "性别",
    phone: "手机号",
    verified: "已经微信验证",
    locale: "语言",
    region: "地区",
    identities: "微信身份",
    first_seen: "首次出现",
    last_seen: "最近出现",
    claims: "声明（userinfo）",
    claims_intro: "以 openid profile phone 权限调用 /oauth/userinfo 返回的内容。",
    log_out_again: "退出并重新登录",
    log_in_again: "重新登录",
    unknown: "—",
    login_log: "登录日志",
    audit_log: "管理操作",
    when: "时间",
    outcome: "结果",
    source: "身份源",
    application: "应用（client_id）",
    mode: "登录方式",
    user: "用户 ID",
    address: "地址",
    all_outcomes: "全部结果",
    successes: "成功",
    failures: "失败",
    filter: "筛选",
};

impl Lang {
    pub fn people(self) -> &'static PeopleTexts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}

pub fn use_people_texts() -> impl Fn() -> &'static PeopleTexts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().people()
}
