//! The browser half of the console: hydrates the server-rendered page.
// Leptos view types nest deeply; the console's forms pass the default limit in release builds.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
