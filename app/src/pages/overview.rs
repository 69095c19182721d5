//! The Overview: how many users, identities, applications and sources there are, and three
//! charts of the last 30 days (logins by mode, new users, refused logins by reason). The charts
//! are SVG drawn by the server and the route renders before it answers, so the page reads the
//! same without JavaScript.

use leptos::prelude::*;

use super::widgets::LoadError;
use crate::api::overview::{DAYS, load_overview};
use crate::i18n::{use_lang, use_texts};
use crate::model::OverviewPage;

#[component]
pub fn Overview() -> impl IntoView {
    let tr = use_texts();
    let lang = use_lang();
    let page = Resource::new(move || lang.get().code().to_string(), load_overview);
    view! {
        <section data-testid="page-overview">
            <h1 class="text-2xl font-semibold mb-1" data-testid="page-title">
                {move || tr().overview}
            </h1>
            <p class="text-slate-500 mb-6">{move || tr().overview_intro}</p>
            <Transition fallback=|| ()>
                {move || {
                    page.get()
                        .map(|r| match r {
                            Ok(p) => view! { <Figures page=p /> }.into_any(),
                            Err(error) => view! { <LoadError error /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Figures(page: OverviewPage) -> impl IntoView {
    let lang = use_lang();
    let t = move || lang.get().overview();
    let f = page.figures;
    let card = |testid: &'static str,
                n: u64,
                label: fn(&crate::i18n::overview::OverviewTexts) -> &'static str| {
        view! {
            <div class="rounded-xl border border-slate-200 bg-white p-4" data-testid=testid>
                <div class="text-2xl font-semibold tabular-nums">{n}</div>
                <div class="text-sm text-slate-500">{move || label(t())}</div>
            </div>
        }
    };
    let offset = format!("{:+}", f.utc_offset_hours);
    let period = move || {
        t().period
            .replace("{days}", &DAYS.to_string())
            .replace("{offset}", &offset)
    };
    let (failed, all) = (f.failed, f.failed + f.logins);
    let failed_of = move || {
        t().failed_of
            .replace("{failed}", &failed.to_string())
            .replace("{all}", &all.to_string())
    };
    view! {
        <div class="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="overview-counts">
            {card("count-users", f.users, |t| t.users)}
            {card("count-identities", f.identities, |t| t.identities)}
            {card("count-applications", f.applications, |t| t.applications)}
            {card("count-sources", f.sources, |t| t.sources)}
        </div>
        <p class="mt-6 mb-3 text-sm text-slate-500" data-testid="overview-period">{period}</p>
        <div class="grid gap-4 md:grid-cols-2">
            <figure
                class="rounded-xl border border-slate-200 bg-white p-4 md:col-span-2"
                data-testid="chart-logins"
            >
                <figcaption class="mb-2 font-medium">{move || t().logins_chart}</figcaption>
                <div inner_html=page.logins_chart></div>
            </figure>
            <figure class="rounded-xl border border-slate-200 bg-white p-4" data-testid="chart-users">
                <figcaption class="mb-2 font-medium">{move || t().users_chart}</figcaption>
                <div inner_html=page.users_chart></div>
            </figure>
            <figure
                class="rounded-xl border border-slate-200 bg-white p-4"
                data-testid="chart-failures"
            >
                <figcaption class="mb-2 font-medium">{move || t().failures_chart}</figcaption>
                <div inner_html=page.failures_chart></div>
                <p class="mt-2 text-sm text-slate-500" data-testid="failed-of">{failed_of}</p>
            </figure>
        </div>
    }
}
