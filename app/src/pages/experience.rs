//! Where "Experience login" lands, in its popup. The hosted login page arrives with the OpenID
//! Connect provider; until then this page shows which application and which login buttons the
//! person would see. Its URL (`/console/experience/{client_id}`) is final.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::widgets::LoadError;
use crate::api::catalog::{list_applications, list_sources};
use crate::i18n::catalog::use_catalog_texts;
use crate::lang_switch::LangSwitch;
use crate::model::ConsoleError;

#[component]
pub fn ExperiencePage() -> impl IntoView {
    let ct = use_catalog_texts();
    let params = use_params_map();
    let client_id = move || params.read().get("client_id").unwrap_or_default();
    let data = Resource::new(client_id, |client_id| async move {
        let apps = list_applications().await?;
        let app = apps
            .into_iter()
            .find(|a| a.client_id == client_id)
            .ok_or(ConsoleError::NotFound)?;
        let sources = list_sources().await?;
        let buttons: Vec<String> = sources
            .into_iter()
            .filter(|s| s.enabled && app.sources.contains(&s.id))
            .map(|s| s.display_name)
            .collect();
        Ok::<_, ConsoleError>((app.name, buttons))
    });
    view! {
        <main class="flex min-h-screen flex-col items-center bg-slate-50 p-6" data-testid="page-experience">
            <div class="mb-6 self-end"><LangSwitch /></div>
            <Transition fallback=|| ()>
                {move || {
                    data.get()
                        .map(|r| match r {
                            Ok((name, buttons)) => {
                                view! {
                                    <div class="w-full max-w-sm rounded-xl bg-white p-8 shadow">
                                        <h1 class="mb-1 text-xl font-semibold" data-testid="experience-app">{name}</h1>
                                        <p class="mb-6 text-sm text-slate-500">{move || ct().experience_sign_in_with}</p>
                                        <div class="flex flex-col gap-3">
                                            {buttons
                                                .into_iter()
                                                .map(|b| {
                                                    view! {
                                                        <button type="button" disabled data-testid="experience-source" class="rounded border border-emerald-600 px-3 py-2 text-emerald-700 opacity-80">
                                                            {b}
                                                        </button>
                                                    }
                                                })
                                                .collect_view()}
                                        </div>
                                        <p class="mt-6 text-xs text-slate-500">{move || ct().experience_pending}</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <LoadError error=e /> }.into_any(),
                        })
                }}
            </Transition>
        </main>
    }
}
