//! Strings of the Overview page and its charts.

use super::Lang;

pub struct OverviewTexts {
    pub users: &'static str,
    pub identities: &'static str,
    pub applications: &'static str,
    pub sources: &'static str,
    pub logins_chart: &'static str,
    pub users_chart: &'static str,
    pub failures_chart: &'static str,
    pub no_logins: &'static str,
    pub no_users: &'static str,
    pub no_failures: &'static str,
    pub new_users: &'static str,
    pub other: &'static str,
    pub no_mode: &'static str,
    /// "Last 30 days, counted in UTC+8"; `{days}` and `{offset}` are filled in.
    pub period: &'static str,
    /// "{failed} of {all} attempts refused"
    pub failed_of: &'static str,
}

static EN: OverviewTexts = OverviewTexts {
    users: "Users",
    identities: "WeChat identities",
    applications: "Applications",
    sources: "Identity sources",
    logins_chart: "Logins per day, by mode",
    users_chart: "New users per day",
    failures_chart: "Refused logins, by reason",
    no_logins: "No logins in this period",
    no_users: "No new users in this period",
    no_failures: "No refused logins in this period",
    new_users: "New users",
    other: "Other",
    no_mode: "No mode",
    period: "The last {days} days; days begin at midnight UTC{offset}.",
    failed_of: "{failed} of {all} finished attempts were refused.",
};

static ZH_CN: OverviewTexts = OverviewTexts {
    users: "用户",
    identities: "微信身份",
    applications: "应用",
    sources: "身份源",
    logins_chart: "每日登录次数（按登录方式）",
    users_chart: "每日新增用户",
    failures_chart: "登录失败原因分布",
    no_logins: "这段时间没有登录",
    no_users: "这段时间没有新用户",
    no_failures: "这段时间没有失败的登录",
    new_users: "新增用户",
    other: "其他",
    no_mode: "未知方式",
    period: "最近 {days} 天；按 UTC{offset} 零点分日。",
    failed_of: "已结束的 {all} 次登录中有 {failed} 次失败。",
};

impl Lang {
    pub fn overview(self) -> &'static OverviewTexts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}
