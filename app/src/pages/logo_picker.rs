//! Choosing a logo (a source's mini-program-code logo, an application's logo): the server
//! decodes the file as soon as it is chosen and the preview shows the PNG it made; nothing is
//! saved until the form is.

use leptos::prelude::*;

use super::widgets::{FieldErrors, SECONDARY};
use crate::i18n::catalog::{CatalogTexts, use_catalog_texts};
use crate::model::ConsoleError;

/// The logo as a form holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Logo {
    /// Whatever is stored (maybe nothing).
    Keep,
    /// A newly chosen image, as the server re-encoded it (base64 PNG). Only the browser makes
    /// one.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    New(String),
    Remove,
}

impl Logo {
    /// The server functions' `logo` argument: absent keeps, `""` removes, else the new image.
    pub fn arg(&self) -> Option<String> {
        match self {
            Logo::Keep => None,
            Logo::New(png) => Some(png.clone()),
            Logo::Remove => Some(String::new()),
        }
    }
}

/// The preview, the file input, "remove", and the logo's errors (`error` carries the form's).
#[component]
pub fn LogoPicker(
    logo: RwSignal<Logo>,
    /// Where the stored logo is served, if there is one.
    stored: Signal<Option<String>>,
    label: fn(&CatalogTexts) -> &'static str,
    hint: fn(&CatalogTexts) -> &'static str,
    error: RwSignal<Option<ConsoleError>>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    let pick_error = RwSignal::new(None::<ConsoleError>);
    let src = move || match logo.get() {
        Logo::New(png) => Some(format!("data:image/png;base64,{png}")),
        Logo::Remove => None,
        Logo::Keep => stored.get(),
    };
    view! {
        <div class="flex flex-col gap-2" data-field="logo">
            <span class="text-sm font-medium text-slate-700">{move || label(ct())}</span>
            <div class="flex items-center gap-4">
                <div class="flex h-20 w-20 items-center justify-center overflow-hidden rounded-full border border-slate-200 bg-slate-50">
                    {move || {
                        src()
                            .map(|src| {
                                view! { <img src=src alt="" data-testid="logo-preview" class="h-full w-full object-cover" /> }
                            })
                    }}
                </div>
                <div class="flex flex-col gap-2">
                    // The browser's own file input says "Choose File / No file chosen" in its
                    // language, not the console's: a button of ours in front of a hidden input.
                    <label class=format!("{SECONDARY} cursor-pointer text-center") data-testid="choose-logo">
                        {move || ct().choose_image}
                        <input
                            type="file"
                            accept="image/png,image/jpeg"
                            data-testid="field-logo"
                            class="sr-only"
                            on:change=move |ev| pick(ev, logo, pick_error)
                        />
                    </label>
                    <Show when=move || src().is_some()>
                        <button
                            type="button"
                            class=SECONDARY
                            data-testid="remove-logo"
                            on:click=move |_| logo.set(Logo::Remove)
                        >
                            {move || ct().remove_logo}
                        </button>
                    </Show>
                </div>
            </div>
            <p class="text-xs text-slate-500">{move || hint(ct())}</p>
            <FieldErrors field="logo" error=pick_error />
            <FieldErrors field="logo" error />
        </div>
    }
}

/// Reads the chosen file and has the server check it.
fn pick(ev: leptos::ev::Event, logo: RwSignal<Logo>, error: RwSignal<Option<ConsoleError>>) {
    #[cfg(feature = "hydrate")]
    {
        use base64::Engine;
        use leptos::task::spawn_local;
        use wasm_bindgen::JsCast;
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else {
                error.set(Some(ConsoleError::Failed("unreadable file".into())));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            match crate::api::catalog::check_logo(b64).await {
                Ok(png) => {
                    error.set(None);
                    logo.set(Logo::New(png));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, logo, error);
}
