//! Strings of the Webhooks page, and the words for its field errors.

use super::Lang;

pub struct WebhookTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub url: &'static str,
    pub url_hint: &'static str,
    pub description: &'static str,
    pub events: &'static str,
    pub create: &'static str,
    pub secret_once: &'static str,
    pub none: &'static str,
    pub enabled: &'static str,
    pub disabled: &'static str,
    pub enable: &'static str,
    pub disable: &'static str,
    pub delete: &'static str,
    pub delete_confirm: &'static str,
    pub send_test: &'static str,
    pub test_sent: &'static str,
    pub deliveries: &'static str,
    pub no_deliveries: &'static str,
    pub refresh: &'static str,
    pub event: &'static str,
    pub status: &'static str,
    pub attempts: &'static str,
    pub answer: &'static str,
    pub when: &'static str,
    pub resend: &'static str,
    pub statuses: [(&'static str, &'static str); 3],
    pub failed: &'static str,
}

impl WebhookTexts {
    pub fn status(&self, code: &str) -> String {
        self.statuses
            .iter()
            .find(|(k, _)| *k == code)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| code.to_string())
    }
}

pub static EN: WebhookTexts = WebhookTexts {
    title: "Webhooks",
    intro: "Endpoints that receive signed events about users (Standard Webhooks signatures; README has the recipe).",
    url: "Endpoint URL",
    url_hint: "https://…, or http:// to 127.0.0.1 or localhost",
    description: "Description",
    events: "Events",
    create: "Add endpoint",
    secret_once: "Signing secret: copy it now, it is not shown again.",
    none: "No endpoints yet.",
    enabled: "On",
    disabled: "Off",
    enable: "Turn on",
    disable: "Turn off",
    delete: "Delete",
    delete_confirm: "Delete this endpoint and its deliveries?",
    send_test: "Send test event",
    test_sent: "Test event queued.",
    deliveries: "Recent deliveries",
    no_deliveries: "No deliveries yet.",
    refresh: "Refresh",
    event: "Event",
    status: "Status",
    attempts: "Attempts",
    answer: "Last answer",
    when: "Last attempt",
    resend: "Resend",
    statuses: [
        ("pending", "Pending"),
        ("delivered", "Delivered"),
        ("failed", "Failed"),
    ],
    failed: "That did not work. Try again.",
};

pub static ZH_CN: WebhookTexts = WebhookTexts {
    title: "Webhook 推送",
    intro: "接收用户事件的地址，每次推送都带签名（Standard Webhooks 约定，校验方法见 README）。",
    url: "接收地址",
    url_hint: "https://…，或指向 127.0.0.1 / localhost 的 http://",
    description: "说明",
    events: "事件",
    create: "添加接收地址",
    secret_once: "签名密钥：请立即复制，之后不再显示。",
    none: "还没有接收地址。",
    enabled: "已启用",
    disabled: "已停用",
    enable: "启用",
    disable: "停用",
    delete: "删除",
    delete_confirm: "删除这个接收地址及其推送记录？",
    send_test: "发送测试事件",
    test_sent: "测试事件已排队。",
    deliveries: "最近推送",
    no_deliveries: "还没有推送。",
    refresh: "刷新",
    event: "事件",
    status: "状态",
    attempts: "次数",
    answer: "最近回应",
    when: "最近尝试",
    resend: "重新推送",
    statuses: [
        ("pending", "待推送"),
        ("delivered", "已送达"),
        ("failed", "已失败"),
    ],
    failed: "操作未成功，请重试。",
};

/// A field error in the page's language (English: the server's sentence).
pub fn field_error(lang: Lang, code: &str, message: &str) -> String {
    if lang == Lang::En {
        return message.to_string();
    }
    match code {
        "invalid_url" => "不是有效的网址。",
        "scheme_not_allowed" => "请使用 https（http 仅限 127.0.0.1 或 localhost）。",
        "credentials_in_url" => "网址中不能包含用户名或密码。",
        "own_origin" => "不能指向本 Datong 实例。",
        "no_events" => "请至少选择一个事件。",
        "unknown_event" => "没有这个事件。",
        "too_long" => "太长了。",
        _ => message,
    }
    .to_string()
}

impl Lang {
    pub fn webhooks(self) -> &'static WebhookTexts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}
