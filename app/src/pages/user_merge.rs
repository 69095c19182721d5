//! The merge preview: the user that stays and the user merged into it side by side, each
//! profile field with a choice where the two differ, the identities that move, and why the
//! merge would be refused, before anything changes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::user_links::{refusal_code, use_merge_texts};
use super::widgets::{DANGER, LoadError, SECONDARY};
use crate::api::people::{merge_users, preview_merge};
use crate::i18n::merges::counted;
use crate::model::{MergePreview, MergeRequest, UserDetail};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4";

#[component]
pub fn MergePage() -> impl IntoView {
    let t = use_merge_texts();
    let params = use_params_map();
    let query = use_query_map();
    let ids = move || {
        (
            params.read().get("id").unwrap_or_default(),
            query.read().get("from").unwrap_or_default(),
        )
    };
    let preview = Resource::new(ids, |(id, from)| preview_merge(id, from));
    view! {
        <section data-testid="page-merge" class="space-y-4">
            <a href=move || format!("/console/users/{}", ids().0) class="inline-block text-sm text-emerald-700 hover:underline">
                "← " {move || t().cancel}
            </a>
            <h1 class="text-xl font-semibold">{move || t().title}</h1>
            <p class="text-sm text-slate-600">{move || t().intro}</p>
            <Transition fallback=|| ()>
                {move || preview.get().map(|r| match r {
                    Ok(p) => view! { <Preview preview=p /> }.into_any(),
                    Err(e) => match refusal_code(&e) {
                        Some(code) => view! {
                            <p role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800" data-testid="merge-refused">{move || t().refusal(&code)}</p>
                        }.into_any(),
                        None => view! { <LoadError error=e /> }.into_any(),
                    },
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Side(user: UserDetail, label: &'static str, testid: &'static str) -> impl IntoView {
    let t = use_merge_texts();
    let (identities, grants) = (user.identities.len(), user.grants.len());
    view! {
        <div class=CARD data-testid=testid>
            <div class="mb-2 text-xs uppercase tracking-wide text-slate-500">{label}</div>
            <div class="flex items-center gap-3">
                {user.picture.clone().map(|p| view! { <img src=p alt="" class="h-10 w-10 rounded-full" /> })}
                <div class="min-w-0">
                    <div class="font-semibold">{user.nickname.clone().unwrap_or_else(|| "—".into())}</div>
                    <a href=format!("/console/users/{}", user.id) class="break-all font-mono text-xs text-emerald-700 hover:underline">{user.id.clone()}</a>
                </div>
            </div>
            <div class="mt-2 text-sm text-slate-600">
                {move || counted(identities, t().n_identities)} " · " {move || counted(grants, t().n_grants)}
            </div>
        </div>
    }
}

#[component]
fn Preview(preview: MergePreview) -> impl IntoView {
    let t = use_merge_texts();
    let navigate = use_navigate();
    let use_from = RwSignal::new(Vec::<String>::new());
    let failed = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let into = preview.into.id.clone();
    let from = preview.from.id.clone();
    let refused = preview.refusal.clone();
    let merge = {
        let (into, from) = (into.clone(), from.clone());
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let request = MergeRequest {
                from: from.clone(),
                use_from: use_from.get_untracked(),
            };
            let into = into.clone();
            let navigate = navigate.clone();
            spawn_local(async move {
                match merge_users(into.clone(), request).await {
                    Ok(()) => navigate(&format!("/console/users/{into}"), Default::default()),
                    Err(e) => {
                        busy.set(false);
                        failed.set(Some(refusal_code(&e).unwrap_or_default()));
                    }
                }
            });
        }
    };
    let choose = move |field: String, theirs: bool| {
        use_from.update(|v| {
            v.retain(|f| *f != field);
            if theirs {
                v.push(field);
            }
        })
    };
    let moving = preview.from.identities.clone();
    view! {
        <div class="grid gap-4 md:grid-cols-2">
            <Side user=preview.into.clone() label=t().stays testid="merge-into" />
            <Side user=preview.from.clone() label=t().goes testid="merge-from" />
        </div>
        <div class=CARD>
            <div class="overflow-x-auto">
                <table class="w-full text-left text-sm" data-testid="merge-fields">
                    <thead class="text-slate-500"><tr>
                        <th class="p-1">{move || t().field}</th>
                        <th class="p-1">{move || t().stays}</th>
                        <th class="p-1">{move || t().goes}</th>
                    </tr></thead>
                    <tbody>
                        {preview.fields.into_iter().map(|f| {
                            let key = f.field.clone();
                            let label_key = f.field.clone();
                            let cell = |value: Option<String>, theirs: bool| {
                                let key = key.clone();
                                let picture = (key == "picture").then(|| value.clone()).flatten();
                                let shown = match picture {
                                    Some(url) => view! { <img src=url alt="" class="h-8 w-8 rounded-full" /> }.into_any(),
                                    None => view! { {value.unwrap_or_else(|| "—".into())} }.into_any(),
                                };
                                if f.conflict {
                                    let name = format!("keep-{key}");
                                    let testid = if theirs { "merge-keep-from" } else { "merge-keep-into" };
                                    view! {
                                        <label class="flex items-start gap-2">
                                            <input type="radio" name=name data-testid=testid checked=!theirs
                                                on:change=move |_| choose(key.clone(), theirs) />
                                            <span class="min-w-0 break-all">{shown}</span>
                                        </label>
                                    }.into_any()
                                } else {
                                    view! { <span class="break-all text-slate-600">{shown}</span> }.into_any()
                                }
                            };
                            view! {
                                <tr class="border-t border-slate-100 align-top" data-testid="merge-field" data-field=f.field.clone()>
                                    <td class="whitespace-nowrap p-1 text-slate-500">{move || t().field(&label_key)}</td>
                                    <td class="p-1">{cell(f.into.clone(), false)}</td>
                                    <td class="p-1">{cell(f.from.clone(), true)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
        <div class=CARD>
            <h2 class="mb-2 font-semibold">{move || t().moves}</h2>
            <ul class="space-y-1 font-mono text-xs" data-testid="merge-moving">
                {moving.into_iter().map(|i| view! {
                    <li class="break-all">{i.appid} " · " {i.openid} {i.unionid.map(|u| format!(" · {u}"))}</li>
                }).collect_view()}
            </ul>
            <p class="mt-2 text-sm text-slate-500">{move || t().grants_note}</p>
        </div>
        {refused.clone().map(|code| view! {
            <p role="alert" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800" data-testid="merge-refused">{move || t().refusal(&code)}</p>
        })}
        {move || failed.get().map(|code| view! {
            <p role="alert" class="text-sm text-red-700" data-testid="merge-failed">{t().refusal(&code)}</p>
        })}
        <div class="flex justify-end gap-2">
            <a href=format!("/console/users/{into}") class=SECONDARY>{move || t().cancel}</a>
            <button type="button" class=DANGER data-testid="merge-confirm" disabled=move || refused.is_some() || busy.get() on:click=merge>
                {move || t().merge}
            </button>
        </div>
    }
}
