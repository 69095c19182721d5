//! The console's frame: navigation, language switch, signed-in administrator, sign-out.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};

use crate::api::{SignOut, console_session};
use crate::i18n::{Texts, use_texts};
use crate::lang_switch::LangSwitch;

#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let tr = use_texts();
    let session = Resource::new(|| (), |_| console_session());
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            let _ = window().location().set_href("/signin");
        }
    });
    // A session that ended while the page was open: back to sign-in.
    Effect::new(move |_| {
        if let Some(Err(_)) = session.get() {
            let _ = window().location().set_href("/signin");
        }
    });

    let link = move |href: &'static str,
                     label: fn(&Texts) -> &'static str,
                     testid: &'static str| {
        view! {
            <A href=href exact=href == "/console" attr:data-testid=testid attr:class="block rounded px-3 py-2 hover:bg-slate-800 aria-[current=page]:bg-emerald-700">
                {move || label(tr())}
            </A>
        }
    };

    view! {
        <div class="min-h-screen flex flex-col md:flex-row">
            <aside class="w-full md:w-56 md:shrink-0 bg-slate-900 text-slate-100 p-4 flex flex-col gap-3 md:gap-6">
                <div class="text-lg font-semibold">{move || tr().product}</div>
                <nav class="flex flex-row flex-wrap md:flex-col gap-1 text-sm" data-testid="console-nav">
                    {link("/console", |t| t.overview, "nav-overview")}
                    {link("/console/applications", |t| t.applications, "nav-applications")}
                    {link("/console/sources", |t| t.identity_sources, "nav-sources")}
                    {link("/console/users", |t| t.users, "nav-users")}
                    {link("/console/webhooks", |t| t.webhooks, "nav-webhooks")}
                    {link("/console/tokens", |t| t.api_tokens, "nav-tokens")}
                    {link("/console/logs", |t| t.logs, "nav-logs")}
                </nav>
            </aside>
            <div class="flex-1 min-w-0 flex flex-col">
                <header class="flex flex-wrap items-center justify-end gap-2 md:gap-4 border-b bg-white px-4 md:px-6 py-3 text-sm">
                    <LangSwitch />
                    <Suspense>
                        {move || {
                            session
                                .get()
                                .and_then(Result::ok)
                                .map(|s| {
                                    view! {
                                        <span class="text-slate-500">
                                            {move || tr().signed_in_as} " "
                                            <strong data-testid="admin-name" class="text-slate-900">
                                                {s.admin_name}
                                            </strong>
                                        </span>
                                    }
                                })
                        }}
                    </Suspense>
                    <ActionForm action=sign_out>
                        <button type="submit" data-testid="sign-out" class="rounded border px-3 py-1 hover:bg-slate-100">
                            {move || tr().sign_out}
                        </button>
                    </ActionForm>
                </header>
                <main class="min-w-0 p-4 md:p-8">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}
