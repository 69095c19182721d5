use leptos::prelude::*;

use crate::i18n::use_texts;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    let tr = use_texts();
    view! {
        <main class="min-h-screen flex flex-col items-center justify-center gap-4">
            <h1 class="text-xl" data-testid="not-found">{move || tr().not_found}</h1>
            <a href="/console" class="text-emerald-700 underline">{move || tr().back_to_console}</a>
        </main>
    }
}
