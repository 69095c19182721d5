//! The browser half of the console: hydrates the server-rendered page.
// Leptos view types nest deeply; the console's forms pass the default limit in release builds.
#![recursion_limit = "256"]

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let Some(body) = document().body() else {
        return;
    };
    // Pages are lazy routes (their wasm is fetched on first use), so hydration is asynchronous.
    // `data-hydrated` (what browser tests wait for) is set once the page's own chunk has loaded
    // and every handler is attached, not when the frame alone is ready.
    wasm_bindgen_futures::spawn_local(async move {
        let mounted = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        mounted.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
