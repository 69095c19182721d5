//! Identity sources: the list, the mode cards and form of a new source, and a source's page
//! (its form, the applications using it, experience login, deletion).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::associations::{AssociationPanel, Side};
use super::source_form::SourceForm;
use super::widgets::{ConfirmDialog, DANGER, ErrorBanner, LoadError, loaded_list};
use crate::api::catalog::{delete_source, get_source, list_sources};
use crate::i18n::catalog::{mode_texts, use_catalog_texts};
use crate::i18n::use_lang;
use crate::model::{ConsoleError, SourceMode, SourceView};

#[component]
pub fn Sources() -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let sources = Resource::new(|| (), |_| list_sources());
    view! {
        <section data-testid="page-sources">
            <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">
                        {move || ct().sources_title}
                    </h1>
                    <p class="text-slate-500">{move || ct().sources_intro}</p>
                </div>
                <A
                    href="/console/sources/new"
                    attr:data-testid="new-source"
                    attr:class="rounded bg-emerald-600 px-4 py-2 text-sm text-white hover:bg-emerald-700"
                >
                    {move || ct().new_source}
                </A>
            </div>
            <Transition fallback=|| ()>
                {move || {
                    sources
                        .get()
                        .map(|r| {
                            loaded_list(
                                r,
                                |t| t.no_sources,
                                |list| view! {
                                    <div class="overflow-x-auto"><table class="w-full rounded-xl border border-slate-200 bg-white text-sm" data-testid="source-table">
                                        <thead class="text-left text-slate-500">
                                            <tr>
                                                <th class="p-3">{move || ct().display_name}</th>
                                                <th class="p-3">{move || ct().identifier}</th>
                                                <th class="p-3">{move || ct().mode}</th>
                                                <th class="p-3">{move || ct().status}</th>
                                                <th class="p-3">{move || ct().applications_using}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|s| {
                                                    let href = format!("/console/sources/{}", s.id);
                                                    let mode = s.mode;
                                                    let enabled = s.enabled;
                                                    view! {
                                                        <tr class="border-t border-slate-100" data-testid="source-row">
                                                            <td class="p-3">
                                                                <A href=href attr:class="text-emerald-700 hover:underline">
                                                                    {s.display_name}
                                                                </A>
                                                            </td>
                                                            <td class="p-3 font-mono">{s.identifier}</td>
                                                            <td class="p-3">{move || mode_texts(lang.get(), mode).0}</td>
                                                            <td class="p-3">
                                                                {move || if enabled { ct().enabled } else { ct().disabled }}
                                                            </td>
                                                            <td class="p-3">{s.applications.len()}</td>
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
        </section>
    }
}

/// A new source: first the mode (cards), then that mode's form.
#[component]
pub fn NewSource() -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let query = use_query_map();
    let mode = move || query.read().get("mode").and_then(|m| SourceMode::parse(&m));
    view! {
        <section data-testid="page-new-source">
            <A href="/console/sources" attr:class="text-sm text-emerald-700 hover:underline">
                {move || ct().back_to_sources}
            </A>
            {move || match mode() {
                None => {
                    view! {
                        <h1 class="mb-1 mt-2 text-2xl font-semibold" data-testid="page-title">
                            {move || ct().choose_mode}
                        </h1>
                        <p class="mb-6 text-slate-500">{move || ct().choose_mode_intro}</p>
                        <div class="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-3">
                            {SourceMode::ALL
                                .into_iter()
                                .map(|m| {
                                    view! {
                                        <A
                                            href=format!("/console/sources/new?mode={}", m.as_str())
                                            attr:data-testid=format!("mode-card-{}", m.as_str())
                                            attr:class="block rounded-xl border border-slate-200 bg-white p-5 hover:border-emerald-600 hover:shadow"
                                        >
                                            <div class="font-semibold">{move || mode_texts(lang.get(), m).0}</div>
                                            <div class="mt-1 text-sm text-slate-500">
                                                {move || mode_texts(lang.get(), m).1}
                                            </div>
                                            <div class="mt-2 font-mono text-xs text-slate-400">{m.as_str()}</div>
                                        </A>
                                    }
                                })
                                .collect_view()}
                        </div>
                    }
                        .into_any()
                }
                Some(m) => {
                    view! {
                        <h1 class="mb-1 mt-2 text-2xl font-semibold" data-testid="page-title">
                            {move || ct().new_source}
                            " · "
                            {move || mode_texts(lang.get(), m).0}
                        </h1>
                        <p class="mb-6 text-slate-500">{move || mode_texts(lang.get(), m).1}</p>
                        <SourceForm mode=m current=None />
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// One source: its form, the applications that use it, and deletion.
#[component]
pub fn SourcePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    let source = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_source(id).await,
            None => Err(ConsoleError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || {
                source
                    .get()
                    .map(|r| match r {
                        Ok(view) => view! { <SourceEditor view /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn SourceEditor(view: SourceView) -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let mode = view.mode;
    let id = view.id;
    let current = RwSignal::new(view);
    let confirm_open = RwSignal::new(false);
    let error = RwSignal::new(None::<ConsoleError>);
    let navigate = use_navigate();
    let on_delete = Callback::new(move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_source(id).await {
                Ok(()) => navigate("/console/sources", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let delete_body = Signal::derive(move || {
        let s = current.get();
        format!(
            "{} {} ({})",
            ct().delete_source_body,
            s.display_name,
            s.identifier
        )
    });
    view! {
        <section data-testid="page-source">
            <A href="/console/sources" attr:class="text-sm text-emerald-700 hover:underline">
                {move || ct().back_to_sources}
            </A>
            <div class="mb-6 mt-2 flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">
                        {move || current.get().display_name}
                    </h1>
                    <p class="text-slate-500">
                        {move || mode_texts(lang.get(), mode).0}
                        " · "
                        <span class="font-mono">{move || current.get().identifier}</span>
                    </p>
                </div>
                <button type="button" class=DANGER data-testid="delete-source" on:click=move |_| confirm_open.set(true)>
                    {move || ct().delete}
                </button>
            </div>
            <ErrorBanner error />
            <div class="grid grid-cols-1 gap-8 xl:grid-cols-3">
                <div class="xl:col-span-2">
                    <SourceForm mode current=Some(current) />
                    {mode
                        .starts_in_browser()
                        .then(|| {
                            view! {
                                <super::webpage_hints::DirectLink identifier=current
                                    .get_untracked()
                                    .identifier />
                            }
                        })}
                    {(mode == SourceMode::Webpage)
                        .then(|| {
                            view! {
                                <super::webpage_hints::WebpageHints applications=Signal::derive(move || {
                                    current.get().applications
                                }) />
                            }
                        })}
                </div>
                <AssociationPanel
                    side=Side::Source
                    own=id
                    linked=Signal::derive(move || current.get().applications)
                    on_changed=Callback::new(move |(app_id, on): (i64, bool)| {
                        current
                            .update(|s| {
                                s.applications.retain(|a| *a != app_id);
                                if on {
                                    s.applications.push(app_id);
                                }
                            })
                    })
                />
            </div>
            <ConfirmDialog
                open=confirm_open
                title=|t| t.delete_source_title
                body=delete_body
                confirm=|t| t.delete
                on_confirm=on_delete
            />
        </section>
    }
}
