//! Pieces the console's catalog pages share: labelled fields with their errors, switches, a
//! confirmation dialog, the shown-once secret panel, and the "experience login" button.

use leptos::prelude::*;

use crate::i18n::catalog::{CatalogTexts, field_error_text, use_catalog_texts};
use crate::i18n::use_lang;
use crate::model::ConsoleError;

/// Where "Experience login" goes for an application (final; the login issue fills it in).
pub fn experience_url(client_id: &str) -> String {
    let id: String = client_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    format!("/console/experience/{id}")
}

/// The field errors for `field`, in the page's language.
#[component]
pub fn FieldErrors(field: &'static str, error: RwSignal<Option<ConsoleError>>) -> impl IntoView {
    let lang = use_lang();
    move || {
        error
            .get()
            .map(|e| e.for_field(field))
            .unwrap_or_default()
            .into_iter()
            .map(|fe| {
                view! {
                    <p class="text-sm text-red-600" data-testid=format!("error-{field}")>
                        {field_error_text(lang.get(), &fe)}
                    </p>
                }
            })
            .collect_view()
    }
}

/// A labelled form row with its errors underneath.
#[component]
pub fn Field(
    label: fn(&CatalogTexts) -> &'static str,
    field: &'static str,
    error: RwSignal<Option<ConsoleError>>,
    #[prop(optional)] hint: Option<fn(&CatalogTexts) -> &'static str>,
    children: Children,
) -> impl IntoView {
    let ct = use_catalog_texts();
    view! {
        <div class="flex flex-col gap-1" data-field=field>
            <label class="text-sm font-medium text-slate-700" for=field>
                {move || label(ct())}
            </label>
            {children()}
            {hint.map(|h| view! { <p class="text-xs text-slate-500">{move || h(ct())}</p> })}
            <FieldErrors field error />
        </div>
    }
}

/// What went wrong with a whole operation (field errors are shown at their fields).
#[component]
pub fn ErrorBanner(error: RwSignal<Option<ConsoleError>>) -> impl IntoView {
    let ct = use_catalog_texts();
    move || {
        error.get().map(|e| {
            let text = match e {
                ConsoleError::Invalid(_) => ct().check_fields.to_string(),
                ConsoleError::NotFound => ct().gone.to_string(),
                ConsoleError::Unauthenticated => ct().signed_out.to_string(),
                ConsoleError::Failed(_) => ct().failed.to_string(),
            };
            view! {
                <div
                    role="alert"
                    data-testid="form-error"
                    class="rounded border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700"
                >
                    {text}
                </div>
            }
        })
    }
}

/// A load that failed: a readable line (the page stays usable).
#[component]
pub fn LoadError(error: ConsoleError) -> impl IntoView {
    let signal = RwSignal::new(Some(error));
    view! { <ErrorBanner error=signal /> }
}

/// A loaded list: `rows` when it has entries, the empty state when not, else the error.
pub fn loaded_list<T, V: IntoView + 'static>(
    result: Result<Vec<T>, ConsoleError>,
    empty: fn(&CatalogTexts) -> &'static str,
    rows: impl FnOnce(Vec<T>) -> V,
) -> AnyView {
    let ct = use_catalog_texts();
    match result {
        Ok(list) if !list.is_empty() => rows(list).into_any(),
        Ok(_) => view! {
            <div
                data-testid="empty-state"
                class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500"
            >
                {move || empty(ct())}
            </div>
        }
        .into_any(),
        Err(e) => view! { <LoadError error=e /> }.into_any(),
    }
}

/// An on/off switch.
#[component]
pub fn Switch(
    checked: Signal<bool>,
    on_toggle: Callback<bool>,
    testid: String,
    label: Signal<String>,
    #[prop(optional)] disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            role="switch"
            aria-checked=move || checked.get().to_string()
            aria-label=move || label.get()
            data-testid=testid
            disabled=move || disabled.get()
            on:click=move |_| on_toggle.run(!checked.get_untracked())
            class="relative inline-flex h-6 w-11 shrink-0 items-center rounded-full bg-slate-300 transition aria-checked:bg-emerald-600 disabled:opacity-50"
        >
            <span class=move || {
                if checked.get() {
                    "inline-block h-5 w-5 rounded-full bg-white shadow translate-x-5 transition"
                } else {
                    "inline-block h-5 w-5 rounded-full bg-white shadow translate-x-0.5 transition"
                }
            }></span>
        </button>
    }
}

/// A modal question with Cancel and a (dangerous) confirm button.
#[component]
pub fn ConfirmDialog(
    open: RwSignal<bool>,
    title: fn(&CatalogTexts) -> &'static str,
    body: Signal<String>,
    confirm: fn(&CatalogTexts) -> &'static str,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    view! {
        <Show when=move || open.get()>
            <div class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40">
                <div
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="confirm-title"
                    data-testid="confirm-dialog"
                    class="w-full max-w-md rounded-xl bg-white p-6 shadow-xl"
                >
                    <h2 id="confirm-title" class="mb-2 text-lg font-semibold">
                        {move || title(ct())}
                    </h2>
                    <p class="mb-6 text-sm text-slate-600">{move || body.get()}</p>
                    <div class="flex justify-end gap-2">
                        <button
                            type="button"
                            data-testid="confirm-cancel"
                            class="rounded border px-3 py-1.5 hover:bg-slate-100"
                            on:click=move |_| open.set(false)
                        >
                            {move || ct().cancel}
                        </button>
                        <button
                            type="button"
                            data-testid="confirm-ok"
                            class="rounded bg-red-600 px-3 py-1.5 text-white hover:bg-red-700"
                            on:click=move |_| {
                                open.set(false);
                                on_confirm.run(());
                            }
                        >
                            {move || confirm(ct())}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// A secret shown this once (client secret, API token), with the warning.
#[component]
pub fn ShownOnce(
    label: fn(&CatalogTexts) -> &'static str,
    value: String,
    testid: &'static str,
) -> impl IntoView {
    let ct = use_catalog_texts();
    view! {
        <div class="rounded-xl border border-amber-300 bg-amber-50 p-4" data-testid="shown-once">
            <p class="mb-2 text-sm font-medium text-amber-900">{move || label(ct())}</p>
            <input
                readonly
                data-testid=testid
                value=value
                class="w-full rounded border bg-white px-3 py-2 font-mono text-sm"
                on:focus=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        if let Some(input) = ev
                            .target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                        {
                            input.select();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            />
            <p class="mt-2 text-xs text-amber-800">{move || ct().shown_once}</p>
        </div>
    }
}

/// Opens the hosted login page for an application in a popup window.
#[component]
pub fn ExperienceButton(
    client_id: String,
    #[prop(optional)] testid: Option<String>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    let url = experience_url(&client_id);
    let href = url.clone();
    view! {
        <button
            type="button"
            data-testid=testid.unwrap_or_else(|| "experience-login".into())
            data-url=url
            class="rounded border border-emerald-600 px-3 py-1.5 text-sm text-emerald-700 hover:bg-emerald-50"
            on:click=move |_| {
                let _ = window()
                    .open_with_url_and_target_and_features(
                        &href,
                        "datong-experience",
                        "popup,width=480,height=760",
                    );
            }
        >
            {move || ct().experience_login}
        </button>
    }
}

/// Styles shared by the forms.
pub const INPUT: &str = "rounded border border-slate-300 px-3 py-2 text-sm focus:border-emerald-600 focus:outline-none read-only:bg-slate-100 read-only:text-slate-500";
pub const PRIMARY: &str =
    "rounded bg-emerald-600 px-4 py-2 text-sm text-white hover:bg-emerald-700 disabled:opacity-60";
pub const SECONDARY: &str = "rounded border px-3 py-1.5 text-sm hover:bg-slate-100";
pub const DANGER: &str =
    "rounded border border-red-300 px-3 py-1.5 text-sm text-red-700 hover:bg-red-50";
