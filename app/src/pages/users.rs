//! The Users page: everyone Datong unified, newest login first, searched by user ID, phone,
//! OpenID, UnionID or name and filtered by source, application and status. The search lives
//! in the address (`?q=…&source=…&app=…&status=…`), so it survives a reload and can be linked.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::widgets::LoadError;
use crate::api::catalog::{list_applications, list_sources};
use crate::api::people::list_users;
use crate::i18n::outcomes::mode_label;
use crate::i18n::use_lang;
use crate::i18n::users::UsersTexts;
use crate::model::{UserQuery, UserSummary};

pub use super::user_detail::UserPage;
pub use super::user_merge::MergePage;

const SELECT: &str = "mt-1 rounded border border-slate-300 px-2 py-1.5 text-sm text-slate-900";

/// The page's texts, following the language switch.
pub fn use_users_texts() -> impl Fn() -> &'static UsersTexts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().users()
}

/// The search in the address, as the API's query.
fn query_from(params: &leptos_router::params::ParamsMap) -> UserQuery {
    let get = |k: &str| params.get(k).filter(|v| !v.trim().is_empty());
    UserQuery {
        q: get("q"),
        source: get("source"),
        client_id: get("app"),
        blocked: match get("status").as_deref() {
            Some("blocked") => Some(true),
            Some("active") => Some(false),
            _ => None,
        },
        cursor: None,
        limit: None,
    }
}

#[component]
pub fn Users() -> impl IntoView {
    let t = use_users_texts();
    let tr = crate::i18n::use_texts();
    let params = use_query_map();
    let query = Memo::new(move |_| query_from(&params.read()));
    let first = Resource::new(move || query.get(), list_users);
    // Pages after the first, appended by "Show more"; emptied when the search changes.
    let more = RwSignal::new(Vec::<UserSummary>::new());
    let next = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        query.track();
        more.set(Vec::new());
        next.set(None);
    });
    let sources = Resource::new(|| (), |_| list_sources());
    let apps = Resource::new(|| (), |_| list_applications());
    let loading = RwSignal::new(false);
    let load_more = move |cursor: String| {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let asked = query.get_untracked();
        let mut q = asked.clone();
        q.cursor = Some(cursor);
        spawn_local(async move {
            let page = list_users(q).await;
            loading.set(false);
            // A page of a search that changed meanwhile is dropped.
            if query.get_untracked() != asked {
                return;
            }
            if let Ok(page) = page {
                more.update(|m| m.extend(page.users));
                next.set(Some(page.next_cursor.unwrap_or_default()));
            }
        });
    };
    let value = move |k: &'static str| params.read().get(k).unwrap_or_default();
    // The form's fields; submitting puts them in the address (the search follows from it).
    let fields = ["q", "source", "app", "status"].map(|k| (k, RwSignal::new(value(k))));
    // The address changed (a link, back and forward): the fields follow it.
    Effect::new(move |_| {
        let p = params.read();
        for (k, v) in fields {
            v.set(p.get(k).unwrap_or_default());
        }
    });
    let navigate = use_navigate();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let query: Vec<String> = fields
            .iter()
            .map(|(k, v)| (k, v.get_untracked()))
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect();
        navigate(
            &format!("/console/users?{}", query.join("&")),
            Default::default(),
        );
    };
    let bind = move |k: &'static str| {
        fields
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| RwSignal::new(String::new()))
    };
    view! {
        <section data-testid="page-users">
            <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">{move || tr().users}</h1>
            <p class="mb-6 text-slate-500">{move || tr().users_intro}</p>
            <form method="get" action="/console/users" on:submit=submit>
                <div class="mb-4 flex flex-wrap items-end gap-3">
                    <label class="flex min-w-64 flex-1 flex-col text-xs text-slate-500">
                        {move || t().search_label}
                        <input
                            type="search"
                            name="q"
                            maxlength="256"
                            data-testid="users-search"
                            class=SELECT
                            placeholder=move || t().search_hint
                            prop:value=move || bind("q").get() on:input=move |ev| bind("q").set(event_target_value(&ev))
                        />
                    </label>
                    <label class="flex flex-col text-xs text-slate-500">
                        {move || tr().identity_sources}
                        <select name="source" class=SELECT data-testid="users-filter-source" prop:value=move || bind("source").get() on:change=move |ev| bind("source").set(event_target_value(&ev))>
                            <option value="">{move || t().any_source}</option>
                            <Transition fallback=|| ()>
                                {move || sources.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|s| {
                                    let selected = bind("source").get_untracked() == s.identifier;
                                    view! { <option value=s.identifier.clone() selected=selected>{s.display_name}</option> }
                                }).collect_view()}
                            </Transition>
                        </select>
                    </label>
                    <label class="flex flex-col text-xs text-slate-500">
                        {move || tr().applications}
                        <select name="app" class=SELECT data-testid="users-filter-app" prop:value=move || bind("app").get() on:change=move |ev| bind("app").set(event_target_value(&ev))>
                            <option value="">{move || t().any_application}</option>
                            <Transition fallback=|| ()>
                                {move || apps.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|a| {
                                    let selected = bind("app").get_untracked() == a.client_id;
                                    view! { <option value=a.client_id.clone() selected=selected>{a.name}</option> }
                                }).collect_view()}
                            </Transition>
                        </select>
                    </label>
                    <label class="flex flex-col text-xs text-slate-500">
                        {move || t().status}
                        <select name="status" class=SELECT data-testid="users-filter-status" prop:value=move || bind("status").get() on:change=move |ev| bind("status").set(event_target_value(&ev))>
                            <option value="">{move || t().any_status}</option>
                            <option value="active">{move || t().only_active}</option>
                            <option value="blocked">{move || t().only_blocked}</option>
                        </select>
                    </label>
                    <button type="submit" data-testid="users-search-go" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">
                        {move || t().search}
                    </button>
                </div>
            </form>
            <Transition fallback=|| ()>
                {move || {
                    first.get().map(|r| match r {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(page) if page.users.is_empty() => view! {
                            <div data-testid="empty-state" class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500">
                                {move || t().no_match}
                            </div>
                        }.into_any(),
                        Ok(page) => {
                            let first_next = page.next_cursor.clone();
                            view! {
                                <div class="overflow-x-auto">
                                    <table class="w-full rounded-xl border border-slate-200 bg-white text-sm" data-testid="users-table">
                                        <thead class="text-left text-slate-500">
                                            <tr>
                                                <th class="p-2">{move || t().user}</th>
                                                <th class="p-2">{move || t().phone}</th>
                                                <th class="p-2">{move || t().identities}</th>
                                                <th class="p-2">{move || t().modes}</th>
                                                <th class="p-2">{move || t().created}</th>
                                                <th class="p-2">{move || t().last_login}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {page.users.into_iter().map(|u| view! { <UserRow user=u /> }).collect_view()}
                                            {move || more.get().into_iter().map(|u| view! { <UserRow user=u /> }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                {move || {
                                    let cursor = match next.get() {
                                        None => first_next.clone(),
                                        Some(c) if !c.is_empty() => Some(c),
                                        Some(_) => None,
                                    };
                                    cursor.map(|c| view! {
                                        <button type="button" data-testid="users-more" class="mt-3 rounded border px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-50"
                                            disabled=move || loading.get()
                                            on:click=move |_| load_more(c.clone())>
                                            {move || t().more}
                                        </button>
                                    })
                                }}
                            }.into_any()
                        }
                    })
                }}
            </Transition>
        </section>
    }
}

/// A query-string value: unreserved characters as they are, the rest percent-encoded (UTF-8).
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shows a stored time (`2026-12-06T10:00:00Z`) as `2026-12-06 10:00`.
pub fn short_time(at: &str) -> String {
    at.get(..16)
        .map_or_else(|| at.to_string(), |s| s.replace('T', " "))
}

#[component]
fn UserRow(user: UserSummary) -> impl IntoView {
    let t = use_users_texts();
    let lang = use_lang();
    let href = format!("/console/users/{}", user.id);
    let modes = user.modes.clone();
    view! {
        <tr class="border-t border-slate-100 align-top" data-testid="users-row" data-user=user.id.clone()>
            <td class="p-2">
                <a href=href class="flex items-center gap-2 hover:underline" data-testid="users-link">
                    {user.picture.clone().map(|p| view! { <img src=p alt="" class="h-8 w-8 shrink-0 rounded-full" /> })}
                    <span class="min-w-0">
                        <span class="block font-medium" data-testid="users-name">{user.nickname.clone().unwrap_or_else(|| "—".into())}</span>
                        <span class="block break-all font-mono text-xs text-slate-500">{user.id.clone()}</span>
                    </span>
                </a>
                {user.blocked.then(|| view! {
                    <span class="mt-1 inline-block rounded bg-red-100 px-1.5 text-xs text-red-700" data-testid="users-blocked">{move || t().blocked}</span>
                })}
            </td>
            <td class="whitespace-nowrap p-2 font-mono" data-testid="users-phone">{user.phone_masked.clone().unwrap_or_default()}</td>
            <td class="p-2" data-testid="users-identities">{user.identities}</td>
            <td class="p-2 text-xs">
                {move || modes.iter().map(|m| mode_label(lang.get(), m).unwrap_or(m.as_str()).to_string()).collect::<Vec<_>>().join(" · ")}
            </td>
            <td class="whitespace-nowrap p-2">{short_time(&user.created_at)}</td>
            <td class="whitespace-nowrap p-2">{user.last_login_at.as_deref().map(short_time).unwrap_or_default()}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn search_text_is_percent_encoded_for_the_address() {
        assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode("张"), "%E5%BC%A0");
        assert_eq!(encode("u_AZ-09.~"), "u_AZ-09.~");
    }
}
