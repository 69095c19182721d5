//! The login log on the Logs page: every attempt with its outcome, newest first, filtered by
//! outcome, identity source, application and user.

use leptos::prelude::*;

use super::widgets::LoadError;
use crate::api::people::login_log;
use crate::i18n::outcomes::{mode_label, outcome_label};
use crate::i18n::people::use_people_texts;
use crate::i18n::{Lang, use_lang};
use crate::model::LoginLogFilter;

fn text_filter(
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label class="flex flex-col text-xs text-slate-500">
            {label}
            <input
                class="mt-1 rounded border border-slate-300 px-2 py-1 text-sm text-slate-900"
                data-testid=testid
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        </label>
    }
}

/// An outcome in words (its code when unknown).
fn outcome_words(lang: Lang, code: &str) -> String {
    outcome_label(lang, code).map_or_else(|| code.to_string(), str::to_string)
}

/// A mode in words (its code when unknown).
fn mode_words(lang: Lang, code: &str) -> String {
    mode_label(lang, code).map_or_else(|| code.to_string(), str::to_string)
}

#[component]
pub fn LoginLog() -> impl IntoView {
    let t = use_people_texts();
    let lang = use_lang();
    let outcome = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let client = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let applied = RwSignal::new(LoginLogFilter::default());
    let some = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let apply = move || {
        applied.set(LoginLogFilter {
            outcome: some(outcome.get_untracked()),
            source: some(source.get_untracked()),
            client_id: some(client.get_untracked()),
            user_id: some(user.get_untracked()),
        })
    };
    let lines = Resource::new(move || applied.get(), login_log);
    view! {
        <section class="mb-10" data-testid="login-log">
            <h2 class="mb-3 text-lg font-semibold">{move || t().login_log}</h2>
            <form
                class="mb-4 flex flex-wrap items-end gap-3"
                on:submit=move |ev| {
                    ev.prevent_default();
                    apply();
                }
            >
                <label class="flex flex-col text-xs text-slate-500">
                    {move || t().outcome}
                    <select
                        class="mt-1 rounded border border-slate-300 px-2 py-1 text-sm text-slate-900"
                        data-testid="log-filter-outcome"
                        on:change=move |ev| {
                            outcome.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        <option value="">{move || t().all_outcomes}</option>
                        <option value="success">{move || t().successes}</option>
                        <option value="failure">{move || t().failures}</option>
                    </select>
                </label>
                {move || text_filter(t().source, "log-filter-source", source)}
                {move || text_filter(t().application, "log-filter-client", client)}
                {move || text_filter(t().user, "log-filter-user", user)}
                <button type="submit" data-testid="log-filter-apply" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">
                    {move || t().filter}
                </button>
            </form>
            <Transition fallback=|| ()>
                {move || {
                    lines
                        .get()
                        .map(|r| {
                            let list = match r {
                                Ok(list) => list,
                                Err(e) => return view! { <LoadError error=e /> }.into_any(),
                            };
                            view! {
                                <div class="overflow-x-auto"><table class="w-full rounded-xl border border-slate-200 bg-white text-sm" data-testid="login-log-table">
                                    <thead class="text-left text-slate-500">
                                        <tr>
                                            <th class="p-2">{move || t().when}</th>
                                            <th class="p-2">{move || t().outcome}</th>
                                            <th class="p-2">{move || t().source}</th>
                                            <th class="p-2">{move || t().mode}</th>
                                            <th class="p-2">{move || t().application}</th>
                                            <th class="p-2">{move || t().user}</th>
                                            <th class="p-2">{move || t().address}</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|l| {
                                                let failed = !matches!(
                                                    l.outcome.as_str(),
                                                    "success" | "bound" | "bind_declined"
                                                );
                                                view! {
                                                    <tr class="border-t border-slate-100 align-top" data-testid="login-log-row">
                                                        <td class="whitespace-nowrap p-2">{l.at}</td>
                                                        <td class="p-2">
                                                            <span class:text-red-700=failed data-testid="login-log-outcome" data-code=l.outcome.clone() title=l.outcome.clone()>
                                                                {
                                                                    let code = l.outcome.clone();
                                                                    move || outcome_words(lang.get(), &code)
                                                                }
                                                            </span>
                                                            <div class="text-xs text-slate-500">{l.detail.unwrap_or_default()}</div>
                                                        </td>
                                                        <td class="p-2 font-mono">{l.source.unwrap_or_default()}</td>
                                                        <td class="p-2" title=l.mode.clone().unwrap_or_default() data-testid="login-log-mode">
                                                            {
                                                                let code = l.mode.clone().unwrap_or_default();
                                                                move || mode_words(lang.get(), &code)
                                                            }
                                                        </td>
                                                        <td class="p-2 font-mono">{l.client_id.unwrap_or_default()}</td>
                                                        <td class="p-2 font-mono" data-testid="login-log-user">
                                                            {l.user_id.map(|u| view! {
                                                                <a class="text-emerald-700 hover:underline" href=format!("/console/users/{u}")>{u.clone()}</a>
                                                            })}
                                                        </td>
                                                        <td class="p-2" title=l.user_agent.unwrap_or_default()>{l.ip.unwrap_or_default()}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table></div>
                            }
                                .into_any()
                        })
                }}
            </Transition>
        </section>
    }
}
