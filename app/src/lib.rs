//! Everything the browser sees: the console's pages, its data types and its server functions.
//! Nothing here holds a secret or talks to the database; see [`backend::ConsoleBackend`].
// Leptos view types nest deeply; the console's forms pass the default limit in release builds.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
mod charts;
#[cfg(feature = "ssr")]
pub mod cookies;
pub mod html;
pub mod i18n;
mod lang_switch;
pub mod model;
mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::i18n::{LangSignal, initial_lang};
use crate::pages::{layout::ConsoleLayout, not_found::NotFound, routes::*, signin::SignInPage};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = initial_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(LangSignal(RwSignal::new(initial_lang())));
    let tr = i18n::use_texts();
    // While the router fetches the next page's wasm chunk, `<body data-routing>` says so
    // (browser tests wait for it to go; the page's own data may still be loading after).
    let (routing, set_routing) = signal(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = if routing.get() {
                body.set_attribute("data-routing", "")
            } else {
                body.remove_attribute("data-routing")
            };
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = routing;

    view! {
        <Stylesheet id="leptos" href="/pkg/datong.css" />
        <Title text=move || tr().product />
        <Router set_is_routing=set_routing>
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=SignInPage />
                <Route path=path!("/console/experience/result") view={Lazy::<ExperienceRoute>::new()} />
                <ParentRoute path=path!("/console") view=ConsoleLayout>
                    <Route path=path!("") view={Lazy::<OverviewRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("applications") view={Lazy::<ApplicationsRoute>::new()} />
                    <Route path=path!("applications/new") view={Lazy::<NewApplicationRoute>::new()} />
                    <Route path=path!("applications/:id") view={Lazy::<ApplicationRoute>::new()} />
                    <Route path=path!("sources") view={Lazy::<SourcesRoute>::new()} />
                    <Route path=path!("sources/new") view={Lazy::<NewSourceRoute>::new()} />
                    <Route path=path!("sources/:id") view={Lazy::<SourceRoute>::new()} />
                    <Route path=path!("tokens") view={Lazy::<TokensRoute>::new()} />
                    <Route path=path!("webhooks") view={Lazy::<WebhooksRoute>::new()} />
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()} />
                    <Route path=path!("users/:id") view={Lazy::<UserRoute>::new()} />
                    <Route path=path!("users/:id/merge") view={Lazy::<MergeRoute>::new()} />
                    <Route path=path!("logs") view={Lazy::<LogsRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
