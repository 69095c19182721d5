//! The hosted login page: the application's name and logo and one button per identity source
//! it enables (or, for a PC QR source that asks for it, WeChat's QR code inline), in the
//! browser's language.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::login_view;
use crate::i18n::login::use_login_texts;
use crate::lang_switch::LangSwitch;
use crate::model::{ConsoleError, LoginButton};

/// A source whose QR code shows inside the page: an iframe that starts the login (our route,
/// which redirects to WeChat's iframe variant of the QR page). WeChat then sends the top window
/// to the callback, which the sandbox attribute allows without a click in the frame.
fn embedded_qr(b: LoginButton) -> impl IntoView {
    view! {
        <div class="flex flex-col items-center gap-2" data-testid="login-embedded" data-mode=b.mode.as_str()>
            <p class="text-sm font-medium text-slate-700">{b.display_name.clone()}</p>
            <iframe
                src=b.href
                title=b.display_name
                data-testid="login-qr-frame"
                width="300"
                height="400"
                class="border-0"
                sandbox="allow-scripts allow-same-origin allow-top-navigation"
            ></iframe>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let lt = use_login_texts();
    let query = use_query_map();
    let request = move || query.read().get("request").unwrap_or_default();
    let view_data = Resource::new(request, |r| async move {
        if r.is_empty() {
            Err(ConsoleError::NotFound)
        } else {
            login_view(r).await
        }
    });
    view! {
        <main class="flex min-h-screen flex-col items-center bg-slate-50 p-6" data-testid="page-login">
            <div class="mb-6 self-end"><LangSwitch /></div>
            <Transition fallback=|| ()>
                {move || {
                    view_data
                        .get()
                        .map(|r| match r {
                            Ok(v) => {
                                let empty = v.buttons.is_empty();
                                view! {
                                    <div class="w-full max-w-sm rounded-xl bg-white p-8 text-center shadow">
                                        {v
                                            .app_logo
                                            .map(|src| {
                                                view! { <img src=src alt="" data-testid="login-logo" class="mx-auto mb-4 h-16 w-16 rounded-full object-cover" /> }
                                            })}
                                        <p class="text-sm text-slate-500">{move || lt().sign_in_to}</p>
                                        <h1 class="mb-6 text-xl font-semibold" data-testid="login-app">{v.app_name}</h1>
                                        <p class="mb-3 text-sm text-slate-500">{move || lt().continue_with}</p>
                                        <div class="flex flex-col gap-3">
                                            {v
                                                .buttons
                                                .into_iter()
                                                .map(|b| {
                                                    if b.embedded {
                                                        embedded_qr(b).into_any()
                                                    } else {
                                                        view! {
                                                            // A server route, not a page of this app:
                                                            // the browser must load it.
                                                            <a
                                                                href=b.href
                                                                rel="external"
                                                                data-testid="login-source"
                                                                data-mode=b.mode.as_str()
                                                                class="rounded bg-emerald-600 px-3 py-2 text-white hover:bg-emerald-700"
                                                            >
                                                                {b.display_name}
                                                            </a>
                                                        }
                                                            .into_any()
                                                    }
                                                })
                                                .collect_view()}
                                        </div>
                                        {empty
                                            .then(|| {
                                                view! { <p class="text-sm text-amber-700" data-testid="login-none">{move || lt().no_methods}</p> }
                                            })}
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(ConsoleError::NotFound) => {
                                view! {
                                    <p role="alert" data-testid="login-error" class="max-w-sm text-center text-slate-700">
                                        {move || lt().expired}
                                    </p>
                                }
                                    .into_any()
                            }
                            Err(_) => {
                                view! {
                                    <p role="alert" data-testid="login-error" class="max-w-sm text-center text-red-700">
                                        {move || lt().failed}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </main>
    }
}
