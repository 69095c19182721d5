//! What a developer needs beside a source's form: its direct login link (logs a person in with
//! this source alone, then continues at the callback URL), and for an in-WeChat web page source
//! the web authorization domain to allow in the official account and, per application using the
//! source, the address to open inside WeChat for experience login.

use leptos::prelude::*;

use crate::api::catalog::{instance_info, list_applications};
use crate::i18n::catalog::use_catalog_texts;

/// The host (and port) of a URL, as an official account's domain setting takes it.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.split('/').next().unwrap_or("").to_string()
}

#[component]
pub fn WebpageHints(#[prop(into)] applications: Signal<Vec<i64>>) -> impl IntoView {
    let ct = use_catalog_texts();
    let data = Resource::new(
        || (),
        |_| async move {
            Ok::<_, crate::model::ConsoleError>((
                instance_info().await?,
                list_applications().await?,
            ))
        },
    );
    view! {
        <div class="mt-6 rounded-xl border border-slate-200 bg-white p-4 text-sm" data-testid="webpage-hints">
            <h2 class="mb-2 font-semibold">{move || ct().in_wechat_title}</h2>
            <Transition fallback=|| ()>
                {move || {
                    data.get()
                        .and_then(Result::ok)
                        .map(|(info, apps)| {
                            let base = info.public_url.clone();
                            let linked: Vec<_> = apps
                                .into_iter()
                                .filter(|a| applications.get().contains(&a.id))
                                .collect();
                            let empty = linked.is_empty();
                            view! {
                                <p class="text-slate-600">{move || ct().webpage_domain}</p>
                                <p class="mb-3 break-all font-mono" data-testid="webpage-domain">{host_of(&base)}</p>
                                <p class="text-slate-600">
                                    {move || if empty { ct().webpage_no_apps } else { ct().webpage_experience }}
                                </p>
                                <ul>
                                    {linked
                                        .into_iter()
                                        .map(|a| {
                                            let url = format!("{base}/console/experience/{}", a.client_id);
                                            view! {
                                                <li class="break-all">
                                                    {a.name} ": "
                                                    <span class="font-mono" data-testid="webpage-experience-url">{url}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                        })
                }}
            </Transition>
        </div>
    }
}

/// The source's direct login link, with a copy button.
#[component]
pub fn DirectLink(identifier: String) -> impl IntoView {
    let ct = use_catalog_texts();
    let info = Resource::new(|| (), |_| instance_info());
    let copied = RwSignal::new(false);
    view! {
        <div class="mt-6 rounded-xl border border-slate-200 bg-white p-4 text-sm" data-testid="direct-link-panel">
            <h2 class="mb-2 font-semibold">{move || ct().direct_link_title}</h2>
            <p class="mb-2 text-slate-600">{move || ct().direct_link_hint}</p>
            <Transition fallback=|| ()>
                {move || {
                    let identifier = identifier.clone();
                    info.get()
                        .and_then(Result::ok)
                        .map(move |i| {
                            let url = format!("{}/login/wechat/{identifier}", i.public_url);
                            let to_copy = url.clone();
                            view! {
                                <div class="flex flex-wrap items-center gap-2">
                                    <span class="break-all font-mono" data-testid="direct-link">{url}</span>
                                    <button
                                        type="button"
                                        class="rounded border border-slate-300 px-2 py-1 text-xs hover:bg-slate-50"
                                        data-testid="copy-direct-link"
                                        on:click=move |_| {
                                            #[cfg(feature = "hydrate")]
                                            {
                                                let clipboard = window().navigator().clipboard();
                                                let _ = clipboard.write_text(&to_copy);
                                            }
                                            #[cfg(not(feature = "hydrate"))]
                                            let _ = &to_copy;
                                            copied.set(true);
                                        }
                                    >
                                        {move || if copied.get() { ct().copied } else { ct().copy }}
                                    </button>
                                </div>
                            }
                        })
                }}
            </Transition>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_domain_is_the_host_and_port() {
        assert_eq!(super::host_of("https://id.example.com"), "id.example.com");
        assert_eq!(super::host_of("http://127.0.0.1:3000/x"), "127.0.0.1:3000");
    }
}
