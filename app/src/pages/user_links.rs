//! The account-correction parts of a user's page: link an identity of another user here (by
//! its OpenID), start a merge of another user into this one, and the words for a refusal.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::widgets::{INPUT, SECONDARY};
use crate::api::people::link_identity;
use crate::i18n::merges::MergeTexts;
use crate::i18n::use_lang;
use crate::model::ConsoleError;

pub fn use_merge_texts() -> impl Fn() -> &'static MergeTexts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().merges()
}

/// The code of a refusal the server gave (`unionid_conflict`, …), if it gave one.
pub fn refusal_code(e: &ConsoleError) -> Option<String> {
    match e {
        ConsoleError::Invalid(errors) => errors.first().map(|f| f.code.clone()),
        _ => None,
    }
}

/// The user a merged user went into, if that is why a page has no user.
pub fn merged_into(e: &ConsoleError) -> Option<String> {
    match e {
        ConsoleError::Invalid(errors) => errors
            .first()
            .filter(|f| f.code == "user_merged")
            .map(|f| f.message.clone()),
        _ => None,
    }
}

#[component]
pub fn Corrections(id: String, reload: Callback<()>) -> impl IntoView {
    let t = use_merge_texts();
    let openid = RwSignal::new(String::new());
    let other = RwSignal::new(String::new());
    let refusal = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let link = {
        let id = id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, openid) = (id.clone(), openid.get_untracked());
            if openid.trim().is_empty() || busy.get_untracked() {
                return;
            }
            busy.set(true);
            spawn_local(async move {
                let done = link_identity(id, openid).await;
                busy.set(false);
                match done {
                    Ok(()) => reload.run(()),
                    Err(e) => refusal.set(Some(refusal_code(&e).unwrap_or_default())),
                }
            });
        }
    };
    let preview = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let from = other.get_untracked().trim().to_string();
        if from.is_empty() {
            return;
        }
        let from = super::users::encode(&from);
        navigate(
            &format!("/console/users/{id}/merge?from={from}"),
            Default::default(),
        );
    };
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-4" data-testid="user-corrections">
            <h2 class="mb-1 font-semibold">{move || t().correct}</h2>
            <p class="mb-3 text-sm text-slate-500">{move || t().correct_hint}</p>
            {move || refusal.get().map(|code| view! {
                <p role="alert" class="mb-3 text-sm text-red-700" data-testid="user-link-refused">{t().refusal(&code)}</p>
            })}
            <div class="grid gap-4 md:grid-cols-2">
                <form class="space-y-2" on:submit=link>
                    <label class="block text-sm text-slate-600" for="link-openid">{move || t().link_label}</label>
                    <div class="flex gap-2">
                        <input id="link-openid" class=format!("{INPUT} min-w-0 flex-1 font-mono") data-testid="user-link-openid" autocomplete="off"
                            prop:value=move || openid.get() on:input=move |ev| openid.set(event_target_value(&ev)) />
                        <button type="submit" class=SECONDARY data-testid="user-link" disabled=move || busy.get()>{move || t().link}</button>
                    </div>
                </form>
                <form class="space-y-2" on:submit=preview>
                    <label class="block text-sm text-slate-600" for="merge-from">{move || t().merge_label}</label>
                    <div class="flex gap-2">
                        <input id="merge-from" class=format!("{INPUT} min-w-0 flex-1 font-mono") data-testid="user-merge-from" autocomplete="off"
                            prop:value=move || other.get() on:input=move |ev| other.set(event_target_value(&ev)) />
                        <button type="submit" class=SECONDARY data-testid="user-merge-preview">{move || t().preview}</button>
                    </div>
                </form>
            </div>
        </div>
    }
}
