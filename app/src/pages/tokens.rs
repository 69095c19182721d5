//! Admin API tokens: create one (shown once), see who made each and when it was last used,
//! revoke.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::widgets::{
    ConfirmDialog, DANGER, ErrorBanner, Field, INPUT, PRIMARY, ShownOnce, loaded_list,
};
use crate::api::catalog::{create_token, list_tokens, revoke_token};
use crate::i18n::catalog::use_catalog_texts;
use crate::model::{ConsoleError, NewApiToken};

#[component]
pub fn Tokens() -> impl IntoView {
    let ct = use_catalog_texts();
    let tokens = Resource::new(|| (), |_| list_tokens());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ConsoleError>);
    let created = RwSignal::new(None::<NewApiToken>);
    let revoking = RwSignal::new(None::<(i64, String)>);
    let confirm_open = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked();
        spawn_local(async move {
            match create_token(n).await {
                Ok(t) => {
                    error.set(None);
                    name.set(String::new());
                    created.set(Some(t));
                    tokens.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let revoke = Callback::new(move |_| {
        if let Some((id, _)) = revoking.get_untracked() {
            spawn_local(async move {
                match revoke_token(id).await {
                    Ok(()) => {
                        error.set(None);
                        tokens.refetch();
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    });
    let revoke_body = Signal::derive(move || {
        format!(
            "{} {}",
            ct().revoke_token_body,
            revoking.get().map(|(_, n)| n).unwrap_or_default()
        )
    });

    view! {
        <section data-testid="page-tokens" class="max-w-4xl">
            <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">{move || ct().tokens_title}</h1>
            <p class="mb-6 text-slate-500">{move || ct().tokens_intro}</p>
            <form class="mb-6 flex items-end gap-3 rounded-xl border border-slate-200 bg-white p-5" on:submit=on_submit novalidate>
                <div class="flex-1">
                    <Field label=|t| t.token_name field="name" error>
                        <input
                            id="name"
                            data-testid="field-token-name"
                            class=INPUT
                            autocomplete="off"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev))
                        />
                    </Field>
                </div>
                <button type="submit" class=PRIMARY data-testid="create-token">{move || ct().create_token}</button>
            </form>
            <ErrorBanner error />
            {move || {
                created
                    .get()
                    .map(|t| {
                        view! {
                            <div class="mb-6">
                                <ShownOnce label=|t| t.new_token value=t.token testid="new-token" />
                            </div>
                        }
                    })
            }}
            <Transition fallback=|| ()>
                {move || {
                    tokens
                        .get()
                        .map(|r| {
                            loaded_list(
                                r,
                                |t| t.no_tokens,
                                |list| view! {
                                    <div class="overflow-x-auto"><table class="w-full rounded-xl border border-slate-200 bg-white text-sm" data-testid="token-table">
                                        <thead class="text-left text-slate-500">
                                            <tr>
                                                <th class="p-3">{move || ct().token_name}</th>
                                                <th class="p-3">{move || ct().created_by}</th>
                                                <th class="p-3">{move || ct().created_at}</th>
                                                <th class="p-3">{move || ct().last_used}</th>
                                                <th class="p-3"></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|t| {
                                                    let id = t.id;
                                                    let name = t.name.clone();
                                                    let revoked = t.revoked_at.is_some();
                                                    view! {
                                                        <tr class="border-t border-slate-100" data-testid="token-row">
                                                            <td class="p-3">{t.name.clone()}</td>
                                                            <td class="p-3">{t.created_by}</td>
                                                            <td class="p-3 whitespace-nowrap">{t.created_at}</td>
                                                            <td class="p-3 whitespace-nowrap">{t.last_used_at.unwrap_or_else(|| "—".into())}</td>
                                                            <td class="p-3 text-right">
                                                                {if revoked {
                                                                    view! { <span class="text-slate-500" data-testid="token-revoked">{move || ct().revoked}</span> }.into_any()
                                                                } else {
                                                                    view! {
                                                                        <button
                                                                            type="button"
                                                                            class=DANGER
                                                                            data-testid="revoke-token"
                                                                            on:click=move |_| {
                                                                                revoking.set(Some((id, name.clone())));
                                                                                confirm_open.set(true);
                                                                            }
                                                                        >
                                                                            {move || ct().revoke}
                                                                        </button>
                                                                    }
                                                                        .into_any()
                                                                }}
                                                            </td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table></div>
                                },
                            )
                        })
                }}
            </Transition>
            <ConfirmDialog open=confirm_open title=|t| t.revoke_token_title body=revoke_body confirm=|t| t.revoke on_confirm=revoke />
        </section>
    }
}
