//! The experience login's result, in its popup: the user an application would receive (ID,
//! standardized profile, WeChat identities) as a card and as the userinfo JSON, with a way to
//! log out and try again. The login itself runs through server routes
//! (`/console/experience/{client_id}` and its callback).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::widgets::LoadError;
use crate::api::people::get_user;
use crate::i18n::people::use_people_texts;
use crate::lang_switch::LangSwitch;
use crate::model::UserView;

#[component]
pub fn ExperienceResult() -> impl IntoView {
    let query = use_query_map();
    let user_id = move || query.read().get("user").unwrap_or_default();
    let client_id = move || query.read().get("app").unwrap_or_default();
    let user = Resource::new(user_id, get_user);
    view! {
        <main class="flex min-h-screen flex-col items-center bg-slate-50 p-6" data-testid="page-experience-result">
            <div class="mb-6 self-end"><LangSwitch /></div>
            <Transition fallback=|| ()>
                {move || {
                    user.get()
                        .map(|r| match r {
                            Ok(u) => view! { <UserCard user=u client_id=client_id() /> }.into_any(),
                            Err(e) => view! { <LoadError error=e /> }.into_any(),
                        })
                }}
            </Transition>
        </main>
    }
}

#[component]
fn UserCard(user: UserView, client_id: String) -> impl IntoView {
    let t = use_people_texts();
    let or_unknown = move |v: Option<String>| v.unwrap_or_else(|| t().unknown.to_string());
    let phone = user.phone_number.clone();
    let verified = user.phone_number_verified;
    let row = move |label: &'static str, value: String, testid: &'static str| {
        view! {
            <div class="flex justify-between gap-4 border-t border-slate-100 py-2">
                <dt class="text-slate-500">{label}</dt>
                <dd data-testid=testid class="min-w-0 break-all text-right">{value}</dd>
            </div>
        }
    };
    view! {
        <div class="w-full max-w-2xl space-y-6">
            <div class="rounded-xl bg-white p-6 shadow">
                <h1 class="mb-1 text-xl font-semibold">{move || t().result_title}</h1>
                <p class="mb-4 text-sm text-slate-500">{move || t().result_intro}</p>
                <div class="mb-4 flex items-center gap-4">
                    {user.picture.clone().map(|p| view! { <img src=p alt="" class="h-14 w-14 rounded-full" /> })}
                    <div>
                        <div class="text-lg font-medium" data-testid="experience-nickname">{or_unknown(user.nickname.clone())}</div>
                        <div class="break-all font-mono text-sm" data-testid="experience-user-id">{user.id.clone()}</div>
                    </div>
                </div>
                <dl class="text-sm">
                    {row(t().user_id, user.id.clone(), "experience-sub")}
                    {row(t().gender, or_unknown(user.gender.clone()), "experience-gender")}
                    {row(
                        t().phone,
                        phone
                            .map(|p| if verified { format!("{p} ({})", t().verified) } else { p })
                            .unwrap_or_else(|| t().unknown.to_string()),
                        "experience-phone",
                    )}
                    {row(t().locale, or_unknown(user.locale.clone()), "experience-locale")}
                    {row(t().region, or_unknown(user.region.clone()), "experience-region")}
                </dl>
            </div>
            <div class="rounded-xl bg-white p-6 shadow">
                <h2 class="mb-3 font-semibold">{move || t().identities}</h2>
                <div class="overflow-x-auto"><table class="w-full text-left text-xs">
                    <thead class="text-slate-500">
                        <tr><th class="p-1">"AppID"</th><th class="p-1">"OpenID"</th><th class="p-1">"UnionID"</th><th class="p-1">{move || t().last_seen}</th></tr>
                    </thead>
                    <tbody>
                        {user
                            .identities
                            .iter()
                            .map(|i| {
                                view! {
                                    <tr class="border-t border-slate-100 font-mono" data-testid="experience-identity">
                                        <td class="p-1">{i.appid.clone()}</td>
                                        <td class="p-1">{i.openid.clone()}</td>
                                        <td class="p-1">{i.unionid.clone().unwrap_or_default()}</td>
                                        <td class="p-1">{i.last_seen.clone()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table></div>
            </div>
            <div class="rounded-xl bg-white p-6 shadow">
                <h2 class="mb-1 font-semibold">{move || t().claims}</h2>
                <p class="mb-3 text-xs text-slate-500">{move || t().claims_intro}</p>
                <pre class="overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100" data-testid="experience-claims">{user.claims_json.clone()}</pre>
            </div>
            <div class="flex gap-3">
                <a rel="external" data-testid="experience-logout" class="rounded bg-emerald-600 px-4 py-2 text-white"
                    href=format!("/console/experience/{client_id}/logout")>{move || t().log_out_again}</a>
                <a rel="external" data-testid="experience-again" class="rounded border border-slate-300 px-4 py-2"
                    href=format!("/console/experience/{client_id}")>{move || t().log_in_again}</a>
            </div>
        </div>
    }
}
