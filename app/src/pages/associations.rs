//! The association panel, on both sides: on a source's page the applications (with experience
//! login for those using it), on an application's page the sources. Each row has a switch that
//! enables or disables the pair.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use super::widgets::{ErrorBanner, ExperienceButton, LoadError, Switch};
use crate::api::catalog::{associate, list_applications, list_sources};
use crate::i18n::catalog::{CatalogTexts, mode_texts, use_catalog_texts};
use crate::i18n::use_lang;
use crate::model::{ConsoleError, SourceMode};

/// The other side of a pair, as a row shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counterpart {
    pub id: i64,
    pub name: String,
    /// A source's mode, shown under its name.
    pub mode: Option<SourceMode>,
    /// An application's client_id, for its experience-login button.
    pub client_id: Option<String>,
}

/// Which side the page is.
#[derive(Clone, Copy, PartialEq)]
pub enum Side {
    /// A source's page: the rows are applications.
    Source,
    /// An application's page: the rows are sources.
    Application,
}

/// What differs between the two sides: test ids, links and texts.
struct Shape {
    testid: &'static str,
    row_testid: &'static str,
    switch: &'static str,
    href: &'static str,
    title: fn(&CatalogTexts) -> &'static str,
    intro: fn(&CatalogTexts) -> &'static str,
    empty: fn(&CatalogTexts) -> &'static str,
    empty_testid: &'static str,
}

impl Side {
    fn shape(self) -> Shape {
        match self {
            Side::Source => Shape {
                testid: "source-applications",
                row_testid: "source-app-row",
                switch: "use-app",
                href: "/console/applications",
                title: |t| t.applications_using,
                intro: |t| t.applications_using_intro,
                empty: |t| t.no_applications,
                empty_testid: "no-applications",
            },
            Side::Application => Shape {
                testid: "application-sources",
                row_testid: "application-source-row",
                switch: "use-source",
                href: "/console/sources",
                title: |t| t.enabled_sources,
                intro: |t| t.enabled_sources_intro,
                empty: |t| t.no_sources,
                empty_testid: "no-sources",
            },
        }
    }
}

async fn counterparts(side: Side) -> Result<Vec<Counterpart>, ConsoleError> {
    Ok(match side {
        Side::Source => list_applications()
            .await?
            .into_iter()
            .map(|a| Counterpart {
                id: a.id,
                name: a.name,
                mode: None,
                client_id: Some(a.client_id),
            })
            .collect(),
        Side::Application => list_sources()
            .await?
            .into_iter()
            .map(|s| Counterpart {
                id: s.id,
                name: s.display_name,
                mode: Some(s.mode),
                client_id: None,
            })
            .collect(),
    })
}

/// `own` is this page's id; `linked` the ids of the rows currently on; `on_changed` is told of
/// each change once the server has made it.
#[component]
pub fn AssociationPanel(
    side: Side,
    own: i64,
    linked: Signal<Vec<i64>>,
    on_changed: Callback<(i64, bool)>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let rows = Resource::new(|| (), move |_| counterparts(side));
    let error = RwSignal::new(None::<ConsoleError>);
    let Shape {
        testid,
        row_testid,
        switch,
        href,
        title,
        intro,
        empty,
        empty_testid,
    } = side.shape();
    let row = move |c: Counterpart| {
        let other = c.id;
        let on = Signal::derive(move || linked.get().contains(&other));
        let busy = RwSignal::new(false);
        let (app_id, source_id) = match side {
            Side::Source => (other, own),
            Side::Application => (own, other),
        };
        let toggle = Callback::new(move |want: bool| {
            busy.set(true);
            spawn_local(async move {
                match associate(app_id, source_id, want).await {
                    Ok(_) => {
                        error.set(None);
                        on_changed.run((other, want));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        });
        let name = c.name.clone();
        let mode = c.mode;
        view! {
            <li class="flex items-center justify-between gap-3 py-2" data-testid=row_testid>
                <div>
                    <a href=format!("{href}/{other}") class="text-emerald-700 hover:underline">
                        {c.name.clone()}
                    </a>
                    {mode
                        .map(|m| {
                            view! { <div class="text-xs text-slate-500">{move || mode_texts(lang.get(), m).0}</div> }
                        })}
                </div>
                <div class="flex items-center gap-2">
                    {c
                        .client_id
                        .map(|client_id| {
                            view! {
                                <Show when=move || on.get()>
                                    <ExperienceButton client_id=client_id.clone() testid=format!("experience-{other}") />
                                </Show>
                            }
                        })}
                    <Switch
                        checked=on
                        on_toggle=toggle
                        testid=format!("{switch}-{other}")
                        label=Signal::derive(move || format!("{} {}", ct().use_in, name))
                        disabled=busy.into()
                    />
                </div>
            </li>
        }
    };
    view! {
        <aside class="rounded-xl border border-slate-200 bg-white p-5" data-testid=testid>
            <h2 class="mb-1 font-semibold">{move || title(ct())}</h2>
            <p class="mb-3 text-sm text-slate-500">{move || intro(ct())}</p>
            <ErrorBanner error />
            <Transition fallback=|| ()>
                {move || {
                    rows.get()
                        .map(|r| match r {
                            Ok(list) if !list.is_empty() => {
                                view! { <ul class="divide-y divide-slate-100">{list.into_iter().map(row).collect_view()}</ul> }
                                    .into_any()
                            }
                            Ok(_) => {
                                view! {
                                    <p class="text-sm text-slate-500" data-testid=empty_testid>{move || empty(ct())}</p>
                                }
                                    .into_any()
                            }
                            Err(e) => view! { <LoadError error=e /> }.into_any(),
                        })
                }}
            </Transition>
        </aside>
    }
}
