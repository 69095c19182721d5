//! The console's sections. Later issues fill them; until then each says clearly that it is empty.

use leptos::prelude::*;

use crate::i18n::{Texts, use_texts};

#[component]
fn Section(
    title: fn(&Texts) -> &'static str,
    intro: fn(&Texts) -> &'static str,
    testid: &'static str,
) -> impl IntoView {
    let tr = use_texts();
    view! {
        <section data-testid=testid>
            <h1 class="text-2xl font-semibold mb-1" data-testid="page-title">
                {move || title(tr())}
            </h1>
            <p class="text-slate-500 mb-6">{move || intro(tr())}</p>
            <div
                data-testid="empty-state"
                class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500"
            >
                {move || tr().nothing_yet}
            </div>
        </section>
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    view! { <Section title=|t| t.overview intro=|t| t.overview_intro testid="page-overview" /> }
}

#[component]
pub fn Applications() -> impl IntoView {
    view! {
        <Section title=|t| t.applications intro=|t| t.applications_intro testid="page-applications" />
    }
}

#[component]
pub fn Sources() -> impl IntoView {
    view! {
        <Section
            title=|t| t.identity_sources
            intro=|t| t.identity_sources_intro
            testid="page-sources"
        />
    }
}

#[component]
pub fn Users() -> impl IntoView {
    view! { <Section title=|t| t.users intro=|t| t.users_intro testid="page-users" /> }
}

#[component]
pub fn Logs() -> impl IntoView {
    view! { <Section title=|t| t.logs intro=|t| t.logs_intro testid="page-logs" /> }
}
