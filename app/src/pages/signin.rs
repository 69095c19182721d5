//! The administrators' sign-in page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{SignIn, SignInResult};
use crate::i18n::use_texts;
use crate::lang_switch::LangSwitch;

/// Where to go after signing in: only a path on this site, never another origin. Browsers
/// drop tabs and newlines from URLs and read `\\` as `/`, so `/\t/evil.example` or
/// `/\\evil.example` would become `//evil.example`: any whitespace, control character or
/// backslash is refused.
pub fn safe_next(next: Option<String>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            p
        }
        _ => "/console".to_string(),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let tr = use_texts();
    let query = use_query_map();
    let next = move || safe_next(query.read().get("next"));
    let action = ServerAction::<SignIn>::new();

    Effect::new(move |_| {
        if let Some(Ok(SignInResult::Signed)) = action.value().get() {
            let _ = window().location().set_href(&next());
        }
    });

    let message = move || {
        let t = tr();
        match action.value().get() {
            Some(Ok(SignInResult::Rejected)) => Some(t.invalid_credentials.to_string()),
            Some(Ok(SignInResult::Throttled { retry_after_secs })) => Some(format!(
                "{} {} {}",
                t.throttled, retry_after_secs, t.seconds
            )),
            Some(Err(_)) => Some(t.unexpected_error.to_string()),
            _ => None,
        }
    };

    view! {
        <main class="min-h-screen flex flex-col items-center justify-center p-6">
            <div class="absolute top-4 right-4">
                <LangSwitch />
            </div>
            <div class="w-full max-w-sm bg-white rounded-xl shadow p-8">
                <h1 class="text-xl font-semibold" data-testid="signin-title">
                    {move || tr().sign_in_title}
                </h1>
                <p class="text-sm text-slate-500 mb-6">{move || tr().sign_in_subtitle}</p>
                <ActionForm action=action attr:class="flex flex-col gap-4">
                    <label class="flex flex-col gap-1 text-sm">
                        {move || tr().admin_name}
                        <input
                            name="name"
                            data-testid="signin-name"
                            autocomplete="username"
                            required
                            class="border rounded px-3 py-2"
                        />
                    </label>
                    <label class="flex flex-col gap-1 text-sm">
                        {move || tr().password}
                        <input
                            name="password"
                            type="password"
                            data-testid="signin-password"
                            autocomplete="current-password"
                            required
                            class="border rounded px-3 py-2"
                        />
                    </label>
                    <p role="alert" data-testid="signin-error" class="text-sm text-red-600 min-h-5">
                        {message}
                    </p>
                    <button
                        type="submit"
                        data-testid="signin-submit"
                        disabled=move || action.pending().get()
                        class="bg-emerald-600 hover:bg-emerald-700 disabled:opacity-60 text-white rounded px-3 py-2"
                    >
                        {move || if action.pending().get() { tr().signing_in } else { tr().sign_in }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/console/users".into())), "/console/users");
        assert_eq!(safe_next(Some("//evil.example".into())), "/console");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/console");
        assert_eq!(safe_next(Some("/\\evil.example".into())), "/console");
        assert_eq!(safe_next(Some("/\t/evil.example".into())), "/console");
        assert_eq!(safe_next(Some("/\n/evil.example".into())), "/console");
        assert_eq!(safe_next(Some("/ /evil.example".into())), "/console");
        assert_eq!(safe_next(Some("relative".into())), "/console");
        assert_eq!(safe_next(None), "/console");
    }
}
