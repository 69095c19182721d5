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
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use crate::i18n::{LangSignal, initial_lang};
use crate::pages::{
    applications, experience::ExperienceResult, layout::ConsoleLayout, not_found::NotFound,
    overview, sections, signin::SignInPage, sources, tokens, users, webhooks,
};

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
    // Marks the page as interactive (browser tests wait for it before clicking).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/datong.css" />
        <Title text=move || tr().product />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=SignInPage />
                <Route path=path!("/console/experience/result") view=ExperienceResult />
                <ParentRoute path=path!("/console") view=ConsoleLayout>
                    <Route path=path!("") view=overview::Overview ssr=SsrMode::Async />
                    <Route path=path!("applications") view=applications::Applications />
                    <Route path=path!("applications/new") view=applications::NewApplication />
                    <Route path=path!("applications/:id") view=applications::ApplicationPage />
                    <Route path=path!("sources") view=sources::Sources />
                    <Route path=path!("sources/new") view=sources::NewSource />
                    <Route path=path!("sources/:id") view=sources::SourcePage />
                    <Route path=path!("tokens") view=tokens::Tokens />
                    <Route path=path!("webhooks") view=webhooks::Webhooks />
                    <Route path=path!("users") view=users::Users />
                    <Route path=path!("users/:id") view=users::UserPage />
                    <Route path=path!("users/:id/merge") view=users::MergePage />
                    <Route path=path!("logs") view=sections::Logs />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
