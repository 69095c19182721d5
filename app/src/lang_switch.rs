//! The 简体中文 / English switch. The choice is written at once to a cookie, so it persists per
//! browser and the server renders the next page in it.

use leptos::prelude::*;

use crate::i18n::{Lang, use_lang};

#[cfg(feature = "hydrate")]
fn remember(choice: Lang) {
    use wasm_bindgen::JsCast;
    let doc = document();
    if let Some(root) = doc.document_element() {
        let _ = root.set_attribute("lang", choice.code());
    }
    if let Ok(html) = doc.dyn_into::<web_sys::HtmlDocument>() {
        let cookie = format!(
            "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            crate::i18n::LANG_COOKIE,
            choice.code()
        );
        let _ = html.set_cookie(&cookie);
    }
}

#[cfg(not(feature = "hydrate"))]
fn remember(_: Lang) {}

#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let choose = move |choice: Lang| {
        lang.set(choice);
        remember(choice);
    };
    let button = move |choice: Lang, label: &'static str, testid: &'static str| {
        view! {
            <button
                type="button"
                data-testid=testid
                aria-pressed=move || (lang.get() == choice).to_string()
                class="px-2 py-1 rounded text-sm aria-pressed:bg-emerald-600 aria-pressed:text-white hover:bg-slate-200 aria-pressed:hover:bg-emerald-600"
                on:click=move |_| choose(choice)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="flex gap-1" data-testid="lang-switch">
            {button(Lang::ZhCn, "简体中文", "lang-zh")}
            {button(Lang::En, "English", "lang-en")}
        </div>
    }
}
