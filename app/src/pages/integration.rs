//! How a mini-program or native application integrates: per enabled source that logs in on a
//! device, the call to make with this application's client_id (the SDK for a mini program, the
//! WeChat grant for a mobile app, the app-launch ticket for an app that launches the mini
//! program).

use leptos::prelude::*;

use crate::api::catalog::{instance_info, list_sources};
use crate::i18n::catalog::use_catalog_texts;
use crate::model::{AppType, SourceMode, SourceView};

/// The snippet for `source`, or `None` for a mode that logs in in a browser.
pub fn snippet(
    issuer: &str,
    client_id: &str,
    redirect: Option<&str>,
    source: &SourceView,
) -> Option<String> {
    let id = &source.identifier;
    Some(match source.mode {
        SourceMode::Miniprogram => format!(
            "// frontend/sdk/miniprogram (npm run build → dist/src/index.js)\n\
const {{ Datong }} = require(\"./datong/index.js\");\n\
const datong = new Datong({{ issuer: \"{issuer}\", clientId: \"{client_id}\" }});\n\
await datong.login({{ source: \"{id}\" }});\n\
// with the phone-number button: datong.login({{ source: \"{id}\", phoneCode: e.detail.code }})"
        ),
        SourceMode::MobileApp => format!(
            "POST {issuer}/oauth/token\n\
grant_type=urn:datong:params:oauth:grant-type:wechat\n\
client_id={client_id}\n\
source={id}\n\
code=<SendAuth.Resp code>\n\
scope=openid profile phone offline_access"
        ),
        SourceMode::AppLaunchMiniprogram => format!(
            "POST {issuer}/api/v1/login/app-mp\n\
{{\"client_id\": \"{client_id}\", \"source\": \"{id}\",\n \"redirect_uri\": \"{}\",\n \"scope\": \"openid profile phone offline_access\",\n \"code_challenge\": \"<S256 of your verifier>\", \"code_challenge_method\": \"S256\"}}\n\
→ WXLaunchMiniProgram(launch.user_name, launch.path, launch.miniprogram_type)\n\
→ POST finish_url {{\"code_verifier\": \"…\"}} → code → /oauth/token",
            redirect.unwrap_or("<a registered redirect URI>")
        ),
        _ => return None,
    })
}

#[component]
pub fn IntegrationHints(
    app_type: AppType,
    client_id: String,
    redirect: Option<String>,
    #[prop(into)] sources: Signal<Vec<i64>>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    let data = Resource::new(
        || (),
        |_| async move {
            Ok::<_, crate::model::ConsoleError>((instance_info().await?, list_sources().await?))
        },
    );
    let is_mini = app_type == AppType::MiniProgram;
    view! {
        <div class="mt-8 min-w-0 rounded-xl border border-slate-200 bg-white p-4 text-sm" data-testid="integration">
            <h2 class="mb-2 font-semibold">{move || ct().integrate_title}</h2>
            <p class="mb-3 text-slate-600">
                {move || if is_mini { ct().integrate_mini } else { ct().integrate_native }}
            </p>
            <Transition fallback=|| ()>
                {move || {
                    data.get()
                        .and_then(Result::ok)
                        .map(|(info, all)| {
                            let snippets: Vec<(String, String)> = all
                                .iter()
                                .filter(|s| sources.get().contains(&s.id))
                                .filter_map(|s| {
                                    snippet(&info.public_url, &client_id, redirect.as_deref(), s)
                                        .map(|code| (s.display_name.clone(), code))
                                })
                                .collect();
                            let empty = snippets.is_empty();
                            view! {
                                <Show when=move || empty>
                                    <p class="text-slate-500">{move || ct().integrate_none}</p>
                                </Show>
                                {snippets
                                    .into_iter()
                                    .map(|(name, code)| {
                                        view! {
                                            <h3 class="mt-3 font-medium">{name}</h3>
                                            <pre class="mt-1 whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs" data-testid="integration-snippet">{code}</pre>
                                        }
                                    })
                                    .collect_view()}
                            }
                        })
                }}
            </Transition>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Linking;

    fn source(mode: SourceMode) -> SourceView {
        SourceView {
            id: 1,
            identifier: "shop-mp".into(),
            mode,
            display_name: "Shop".into(),
            callback_url: "https://shop.example.com/after".into(),
            login_only: false,
            linking: Linking::Off,
            link_field: None,
            enabled: true,
            private_deployment: false,
            appid: Some("wx3000000000000003".into()),
            secret_hint: None,
            scope: None,
            page_path: None,
            env_version: None,
            original_id: None,
            embedded_qr: false,
            has_logo: false,
            applications: vec![],
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn each_device_mode_gets_its_call_and_browser_modes_none() {
        let issuer = "https://id.example.com";
        let mp = snippet(issuer, "dt_abc", None, &source(SourceMode::Miniprogram)).unwrap();
        assert!(mp.contains("clientId: \"dt_abc\"") && mp.contains("source: \"shop-mp\""));
        assert!(mp.contains(issuer));
        let app = snippet(issuer, "dt_abc", None, &source(SourceMode::MobileApp)).unwrap();
        assert!(app.contains("grant-type:wechat") && app.contains("source=shop-mp"));
        let launch = snippet(
            issuer,
            "dt_abc",
            Some("com.example.shop:/login"),
            &source(SourceMode::AppLaunchMiniprogram),
        )
        .unwrap();
        assert!(
            launch.contains("/api/v1/login/app-mp") && launch.contains("com.example.shop:/login")
        );
        assert_eq!(
            snippet(issuer, "dt_abc", None, &source(SourceMode::PcQrcode)),
            None
        );
    }
}
