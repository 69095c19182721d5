//! One user: the standardized profile, each WeChat identity with its sources and what WeChat
//! sent, the applications and their grants (revocable one by one), recent logins and the
//! administration about them; block, unblock and delete (with the user ID typed to confirm).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::user_links::{Corrections, merged_into, refusal_code, use_merge_texts};
use super::users::{short_time, use_users_texts};
use super::widgets::{DANGER, INPUT, LoadError, SECONDARY};
use crate::api::people::{
    delete_user, get_user_detail, revoke_user_grant, set_user_blocked, unlink_identity,
};
use crate::i18n::outcomes::{mode_label, outcome_label};
use crate::i18n::people::use_people_texts;
use crate::i18n::use_lang;
use crate::model::{ConsoleError, UserDetail};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4";

#[component]
pub fn UserPage() -> impl IntoView {
    let t = use_users_texts();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let user = Resource::new(id, get_user_detail);
    let mt = use_merge_texts();
    // (the user it was moved from, the new user's ID) after an unlink.
    let notice = RwSignal::new(None::<(String, String)>);
    view! {
        <section data-testid="page-user">
            <a href="/console/users" class="mb-3 inline-block text-sm text-emerald-700 hover:underline" data-testid="user-back">
                "← " {move || t().back}
            </a>
            {move || notice.get().filter(|(from, _)| *from == id()).map(|(_, new_id)| view! {
                <p role="status" class="mb-3 rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="user-unlinked">
                    {mt().unlinked} " "
                    <a class="font-mono underline" href=format!("/console/users/{new_id}") data-testid="user-unlinked-link">{new_id.clone()}</a>
                </p>
            })}
            <Transition fallback=|| ()>
                {move || user.get().map(|r| match r {
                    Ok(u) => view! { <Detail user=u notice reload=Callback::new(move |_| user.refetch()) /> }.into_any(),
                    Err(ConsoleError::NotFound) => view! {
                        <p class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500" data-testid="user-missing">
                            {move || t().not_found}
                        </p>
                    }.into_any(),
                    Err(e) => match merged_into(&e) {
                        Some(into) => view! {
                            <p class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-600" data-testid="user-merged">
                                {move || mt().merged_into} " "
                                <a class="font-mono text-emerald-700 underline" href=format!("/console/users/{into}") data-testid="user-merged-into">{into.clone()}</a>
                            </p>
                        }.into_any(),
                        None => view! { <LoadError error=e /> }.into_any(),
                    },
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Detail(
    user: UserDetail,
    notice: RwSignal<Option<(String, String)>>,
    reload: Callback<()>,
) -> impl IntoView {
    let t = use_users_texts();
    let mt = use_merge_texts();
    let unlinking = RwSignal::new(None::<i64>);
    let unlink_refused = RwSignal::new(None::<String>);
    let many = user.identities.len() > 1;
    let pt = use_people_texts();
    let lang = use_lang();
    let failed = RwSignal::new(false);
    let asking = RwSignal::new(None::<&'static str>);
    let typed = RwSignal::new(String::new());
    let navigate = use_navigate();
    let id = user.id.clone();
    let blocked = user.blocked_at.is_some();
    let act = {
        let id = id.clone();
        move |what: &'static str| {
            let id = id.clone();
            let confirm = typed.get_untracked();
            let navigate = navigate.clone();
            spawn_local(async move {
                let done = match what {
                    "block" => set_user_blocked(id, true).await,
                    "unblock" => set_user_blocked(id, false).await,
                    _ => delete_user(id, confirm).await,
                };
                match (what, done) {
                    ("delete", Ok(())) => navigate("/console/users", Default::default()),
                    (_, Ok(())) => {
                        asking.set(None);
                        failed.set(false);
                        reload.run(());
                    }
                    (_, Err(_)) => failed.set(true),
                }
            });
        }
    };
    let unlink = {
        let id = id.clone();
        move |_| {
            let Some(identity) = unlinking.get_untracked() else {
                return;
            };
            let id = id.clone();
            spawn_local(async move {
                match unlink_identity(id.clone(), identity).await {
                    Ok(new_id) => {
                        unlinking.set(None);
                        notice.set(Some((id, new_id)));
                        reload.run(());
                    }
                    Err(e) => unlink_refused.set(Some(refusal_code(&e).unwrap_or_default())),
                }
            });
        }
    };
    let revoke = {
        let id = id.clone();
        move |grant: String| {
            let id = id.clone();
            spawn_local(async move {
                match revoke_user_grant(id, grant).await {
                    Ok(()) => reload.run(()),
                    Err(_) => failed.set(true),
                }
            });
        }
    };
    let row = move |label: String, value: String, testid: &'static str| {
        view! {
            <div class="flex justify-between gap-4 border-t border-slate-100 py-2">
                <dt class="text-slate-500">{label}</dt>
                <dd data-testid=testid class="min-w-0 break-all text-right">{value}</dd>
            </div>
        }
    };
    let unknown = || "—".to_string();
    let phone = user.phone_number.clone().map(|p| {
        if user.phone_number_verified {
            format!("{p} ✓")
        } else {
            p
        }
    });
    let id_for_check = id.clone();
    view! {
        <div class="space-y-6">
            <div class=CARD>
                <div class="mb-3 flex flex-wrap items-center gap-4">
                    {user.picture.clone().map(|p| view! { <img src=p alt="" class="h-14 w-14 rounded-full" /> })}
                    <div class="min-w-[12rem] flex-1">
                        <h1 class="break-words text-xl font-semibold" data-testid="user-nickname">{user.nickname.clone().unwrap_or_else(unknown)}</h1>
                        <div class="break-all font-mono text-sm text-slate-500" data-testid="user-id">{id.clone()}</div>
                    </div>
                    <span data-testid="user-status" class=if blocked { "rounded bg-red-100 px-2 py-0.5 text-sm text-red-700" } else { "rounded bg-emerald-100 px-2 py-0.5 text-sm text-emerald-800" }>
                        {move || if blocked { t().blocked } else { t().active }}
                    </span>
                    {if blocked {
                        let act = act.clone();
                        view! { <button type="button" class=SECONDARY data-testid="user-unblock" on:click=move |_| act("unblock")>{move || t().unblock}</button> }.into_any()
                    } else {
                        view! { <button type="button" class=DANGER data-testid="user-block" on:click=move |_| asking.set(Some("block"))>{move || t().block}</button> }.into_any()
                    }}
                    <button type="button" class=SECONDARY data-testid="user-delete" on:click=move |_| { typed.set(String::new()); failed.set(false); asking.set(Some("delete")) }>{move || t().delete}</button>
                </div>
                {move || failed.get().then(|| view! { <p role="alert" class="mb-2 text-sm text-red-700" data-testid="user-failed">{t().failed}</p> })}
                <dl class="text-sm">
                    {move || row(pt().phone.into(), phone.clone().unwrap_or_else(unknown), "user-phone")}
                    {move || row(pt().gender.into(), user.gender.clone().unwrap_or_else(unknown), "user-gender")}
                    {move || row(pt().region.into(), user.region.clone().unwrap_or_else(unknown), "user-region")}
                    {move || row(pt().locale.into(), user.locale.clone().unwrap_or_else(unknown), "user-locale")}
                    {move || row(t().created.into(), short_time(&user.created_at), "user-created")}
                    {move || row(t().last_login.into(), user.last_login_at.as_deref().map(short_time).unwrap_or_else(unknown), "user-last-login")}
                    {user.blocked_at.clone().map(|b| view! { {move || row(t().blocked_since.into(), short_time(&b), "user-blocked-at")} })}
                </dl>
            </div>
            <div class=CARD>
                <h2 class="mb-3 font-semibold">{move || pt().identities}</h2>
                <div class="space-y-3">
                    {user.identities.into_iter().map(|i| {
                        let sources = i.sources.clone();
                        let identity_id = i.id;
                        view! {
                            <div class="rounded border border-slate-100 p-3 text-sm" data-testid="user-identity" data-openid=i.openid.clone()>
                                <div class="grid gap-x-4 gap-y-1 font-mono text-xs sm:grid-cols-[auto_1fr]">
                                    <span class="text-slate-500">"AppID"</span><span class="break-all">{i.appid.clone()}</span>
                                    <span class="text-slate-500">"OpenID"</span><span class="break-all" data-testid="user-identity-openid">{i.openid.clone()}</span>
                                    <span class="text-slate-500">"UnionID"</span><span class="break-all">{i.unionid.clone().unwrap_or_default()}</span>
                                </div>
                                <div class="mt-2 text-xs text-slate-600" data-testid="user-identity-sources">
                                    {move || t().sources} ": "
                                    {move || if sources.is_empty() { t().no_source.to_string() } else {
                                        sources.iter().map(|s| format!("{} ({})", s.display_name, mode_label(lang.get(), &s.mode).unwrap_or(s.mode.as_str()))).collect::<Vec<_>>().join(", ")
                                    }}
                                </div>
                                <div class="mt-1 text-xs text-slate-500">
                                    {move || pt().first_seen} " " {short_time(&i.first_seen)} " · " {move || pt().last_seen} " " {short_time(&i.last_seen)}
                                </div>
                                {many.then(|| view! {
                                    <button type="button" class="mt-2 text-sm text-red-700 hover:underline" data-testid="user-identity-unlink"
                                        on:click=move |_| { unlink_refused.set(None); unlinking.set(Some(identity_id)) }>{move || mt().unlink}</button>
                                })}
                                <details class="mt-2">
                                    <summary class="cursor-pointer text-xs text-emerald-700">{move || t().raw_profile}</summary>
                                    <pre class="mt-1 overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100" data-testid="user-identity-raw">{i.raw_profile.clone()}</pre>
                                </details>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </div>
            <Corrections id=id.clone() reload />
            <div class=CARD>
                <h2 class="mb-3 font-semibold">{move || t().grants}</h2>
                {if user.grants.is_empty() {
                    view! { <p class="text-sm text-slate-500">{move || t().no_grants}</p> }.into_any()
                } else {
                    view! {
                        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="user-grants">
                            <thead class="text-slate-500"><tr>
                                <th class="p-1">{move || t().application}</th>
                                <th class="p-1">{move || t().scope}</th>
                                <th class="p-1">{move || t().granted}</th>
                                <th class="p-1">{move || t().status}</th>
                                <th class="p-1"></th>
                            </tr></thead>
                            <tbody>
                                {user.grants.into_iter().map(|g| {
                                    let live = g.revoked_at.is_none();
                                    let grant_id = g.id.clone();
                                    let revoke = revoke.clone();
                                    view! {
                                        <tr class="border-t border-slate-100" data-testid="user-grant">
                                            <td class="p-1">{g.application.clone()} <span class="block font-mono text-xs text-slate-500">{g.client_id.clone()}</span></td>
                                            <td class="p-1 font-mono text-xs">{g.scope.clone()}</td>
                                            <td class="whitespace-nowrap p-1">{short_time(&g.created_at)}</td>
                                            <td class="p-1" data-testid="user-grant-status">{move || if live { t().live } else { t().revoked }}</td>
                                            <td class="p-1">{live.then(|| view! {
                                                <button type="button" class="text-sm text-red-700 hover:underline" data-testid="user-grant-revoke"
                                                    on:click=move |_| revoke(grant_id.clone())>{move || t().revoke}</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any()
                }}
            </div>
            <div class=CARD>
                <h2 class="mb-3 font-semibold">{move || t().logins}</h2>
                {if user.logins.is_empty() {
                    view! { <p class="text-sm text-slate-500">{move || t().no_logins}</p> }.into_any()
                } else {
                    view! {
                        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="user-logins">
                            <tbody>
                                {user.logins.into_iter().map(|l| {
                                    let outcome = l.outcome.clone();
                                    let mode = l.mode.clone().unwrap_or_default();
                                    view! {
                                        <tr class="border-t border-slate-100" data-testid="user-login">
                                            <td class="whitespace-nowrap p-1">{short_time(&l.at)}</td>
                                            <td class="whitespace-nowrap p-1" title=l.outcome.clone()>{move || outcome_label(lang.get(), &outcome).unwrap_or(outcome.as_str()).to_string()}</td>
                                            <td class="whitespace-nowrap p-1">{move || mode_label(lang.get(), &mode).unwrap_or(mode.as_str()).to_string()}</td>
                                            <td class="p-1 font-mono text-xs">{l.client_id.clone().unwrap_or_default()}</td>
                                            <td class="p-1 text-xs">{l.ip.clone().unwrap_or_default()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any()
                }}
            </div>
            <div class=CARD>
                <h2 class="mb-3 font-semibold">{move || t().audit}</h2>
                {if user.audit.is_empty() {
                    view! { <p class="text-sm text-slate-500">{move || t().no_audit}</p> }.into_any()
                } else {
                    view! {
                        <ul class="text-sm" data-testid="user-audit">
                            {user.audit.into_iter().map(|e| view! {
                                <li class="border-t border-slate-100 py-1">
                                    <span class="whitespace-nowrap">{short_time(&e.at)}</span> " · " {e.actor} " · "
                                    <span class="font-mono">{e.action}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
            <Show when=move || unlinking.get().is_some()>
                <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
                    <div role="dialog" aria-modal="true" data-testid="unlink-dialog" class="w-full max-w-md rounded-xl bg-white p-6 shadow-xl">
                        <h2 class="mb-2 text-lg font-semibold">{move || mt().unlink_title}</h2>
                        <p class="mb-4 text-sm text-slate-600">{move || mt().unlink_body}</p>
                        {move || unlink_refused.get().map(|code| view! { <p role="alert" class="mb-3 text-sm text-red-700" data-testid="unlink-refused">{mt().refusal(&code)}</p> })}
                        <div class="flex justify-end gap-2">
                            <button type="button" class=SECONDARY data-testid="unlink-cancel" on:click=move |_| unlinking.set(None)>{move || t().cancel}</button>
                            <button type="button" class=DANGER data-testid="unlink-ok" on:click=unlink.clone()>{move || mt().unlink}</button>
                        </div>
                    </div>
                </div>
            </Show>
            <Show when=move || asking.get().is_some()>
                <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4">
                    <div role="dialog" aria-modal="true" data-testid="confirm-dialog" class="w-full max-w-md rounded-xl bg-white p-6 shadow-xl">
                        {
                            let deleting = move || asking.get() == Some("delete");
                            let id_for_check = id_for_check.clone();
                            let act = act.clone();
                            view! {
                                <h2 class="mb-2 text-lg font-semibold">{move || if deleting() { t().delete_title } else { t().block_title }}</h2>
                                <p class="mb-4 text-sm text-slate-600">{move || if deleting() { t().delete_body } else { t().block_body }}</p>
                                <Show when=deleting>
                                    <input class=format!("{INPUT} mb-4 w-full font-mono") data-testid="confirm-typed" autocomplete="off"
                                        prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev)) />
                                </Show>
                                {move || failed.get().then(|| view! { <p role="alert" class="mb-3 text-sm text-red-700">{t().failed}</p> })}
                                <div class="flex justify-end gap-2">
                                    <button type="button" data-testid="confirm-cancel" class=SECONDARY on:click=move |_| asking.set(None)>{move || t().cancel}</button>
                                    <button type="button" data-testid="confirm-ok" class=DANGER
                                        disabled=move || deleting() && typed.get().trim() != id_for_check
                                        on:click=move |_| act(if deleting() { "delete" } else { "block" })>
                                        {move || if deleting() { t().delete_confirm } else { t().block }}
                                    </button>
                                </div>
                            }
                        }
                    </div>
                </div>
            </Show>
        </div>
    }
}
