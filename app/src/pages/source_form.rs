//! The form of one identity source, for a new one (`current` None) or an existing one. It shows
//! the fields of its mode only; the identifier is read-only once created; the AppSecret is
//! never shown, only its hint and a replace action; the logo is checked by the server as soon
//! as it is chosen and previewed as the server re-encoded it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use super::logo_picker::{Logo, LogoPicker};
use super::widgets::{ErrorBanner, Field, INPUT, PRIMARY, SECONDARY};
use crate::api::catalog::{create_source, instance_info, update_source};
use crate::i18n::catalog::use_catalog_texts;
use crate::model::{ConsoleError, LinkField, Linking, SourceInput, SourceMode, SourceView};

/// Every field of the form, as signals.
#[derive(Clone, Copy)]
struct Fields {
    identifier: RwSignal<String>,
    display_name: RwSignal<String>,
    callback_url: RwSignal<String>,
    login_only: RwSignal<bool>,
    linking: RwSignal<String>,
    link_field: RwSignal<String>,
    enabled: RwSignal<bool>,
    private_deployment: RwSignal<bool>,
    appid: RwSignal<String>,
    app_secret: RwSignal<String>,
    replacing_secret: RwSignal<bool>,
    scope: RwSignal<String>,
    page_path: RwSignal<String>,
    env_version: RwSignal<String>,
    original_id: RwSignal<String>,
    embedded_qr: RwSignal<bool>,
    logo: RwSignal<Logo>,
}

fn linking_value(l: Linking) -> &'static str {
    match l {
        Linking::Off => "off",
        Linking::FieldMatch => "field_match",
        Linking::AskToBind => "ask_to_bind",
    }
}

impl Fields {
    fn new(mode: SourceMode, s: Option<&SourceView>) -> Fields {
        let text = |v: Option<&Option<String>>, default: &str| {
            RwSignal::new(
                v.and_then(|v| v.clone())
                    .unwrap_or_else(|| default.to_string()),
            )
        };
        let mini = mode.uses_mini_program();
        Fields {
            identifier: RwSignal::new(s.map(|s| s.identifier.clone()).unwrap_or_default()),
            display_name: RwSignal::new(s.map(|s| s.display_name.clone()).unwrap_or_default()),
            callback_url: RwSignal::new(s.map(|s| s.callback_url.clone()).unwrap_or_default()),
            login_only: RwSignal::new(s.is_some_and(|s| s.login_only)),
            linking: RwSignal::new(linking_value(s.map(|s| s.linking).unwrap_or_default()).into()),
            link_field: RwSignal::new(
                match s.and_then(|s| s.link_field) {
                    Some(LinkField::Email) => "email",
                    _ => "phone",
                }
                .into(),
            ),
            enabled: RwSignal::new(s.is_none_or(|s| s.enabled)),
            private_deployment: RwSignal::new(s.is_some_and(|s| s.private_deployment)),
            appid: text(s.map(|s| &s.appid), ""),
            app_secret: RwSignal::new(String::new()),
            replacing_secret: RwSignal::new(false),
            scope: text(s.map(|s| &s.scope), "snsapi_userinfo"),
            page_path: text(
                s.map(|s| &s.page_path),
                if mini { "pages/login/index" } else { "" },
            ),
            env_version: text(s.map(|s| &s.env_version), "release"),
            original_id: text(s.map(|s| &s.original_id), ""),
            embedded_qr: RwSignal::new(s.is_some_and(|s| s.embedded_qr)),
            logo: RwSignal::new(Logo::Keep),
        }
    }

    fn needs_credentials(&self, mode: SourceMode) -> bool {
        mode != SourceMode::PcMiniprogramQrcode || self.private_deployment.get()
    }

    /// What the form sends: every field its mode has; the secret only when typed.
    fn input(&self, mode: SourceMode, creating: bool) -> SourceInput {
        let linking = match self.linking.get_untracked().as_str() {
            "field_match" => Linking::FieldMatch,
            "ask_to_bind" => Linking::AskToBind,
            _ => Linking::Off,
        };
        let link_field = (linking == Linking::FieldMatch).then(|| {
            if self.link_field.get_untracked() == "email" {
                LinkField::Email
            } else {
                LinkField::Phone
            }
        });
        let creds =
            mode != SourceMode::PcMiniprogramQrcode || self.private_deployment.get_untracked();
        let secret = self.app_secret.get_untracked();
        let mini = mode.uses_mini_program();
        SourceInput {
            identifier: creating.then(|| self.identifier.get_untracked()),
            mode: creating.then(|| mode.as_str().to_string()),
            display_name: Some(self.display_name.get_untracked()),
            callback_url: Some(self.callback_url.get_untracked()),
            login_only: Some(self.login_only.get_untracked()),
            linking: Some(linking),
            link_field,
            enabled: Some(self.enabled.get_untracked()),
            private_deployment: (mode == SourceMode::PcMiniprogramQrcode)
                .then(|| self.private_deployment.get_untracked()),
            appid: creds.then(|| self.appid.get_untracked()),
            app_secret: (creds && !secret.is_empty()).then_some(secret),
            scope: (mode == SourceMode::Webpage).then(|| self.scope.get_untracked()),
            page_path: mini.then(|| self.page_path.get_untracked()),
            env_version: mini.then(|| self.env_version.get_untracked()),
            original_id: (mode == SourceMode::AppLaunchMiniprogram)
                .then(|| self.original_id.get_untracked()),
            embedded_qr: (mode == SourceMode::PcQrcode).then(|| self.embedded_qr.get_untracked()),
        }
    }

    /// After a save: the form shows what is now stored.
    fn saved(&self) {
        self.app_secret.set(String::new());
        self.replacing_secret.set(false);
        self.logo.set(Logo::Keep);
    }
}

/// A text input bound to a signal.
fn text_input(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            id=id
            name=id
            data-testid=format!("field-{id}")
            class=INPUT
            autocomplete="off"
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

fn checkbox(id: &'static str, value: RwSignal<bool>, label: Signal<&'static str>) -> impl IntoView {
    view! {
        <label class="flex items-center gap-2 text-sm">
            <input
                type="checkbox"
                id=id
                data-testid=format!("field-{id}")
                prop:checked=move || value.get()
                on:change=move |ev| value.set(event_target_checked(&ev))
            />
            {move || label.get()}
        </label>
    }
}

#[component]
pub fn SourceForm(mode: SourceMode, current: Option<RwSignal<SourceView>>) -> impl IntoView {
    let ct = use_catalog_texts();
    let snapshot = current.map(|c| c.get_untracked());
    let f = Fields::new(mode, snapshot.as_ref());
    let creating = current.is_none();
    let error = RwSignal::new(None::<ConsoleError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let navigate = use_navigate();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = f.input(mode, creating);
        let logo = f.logo.get_untracked().arg();
        let navigate = navigate.clone();
        saving.set(true);
        saved.set(false);
        spawn_local(async move {
            let result = match current {
                None => create_source(input, logo).await,
                Some(c) => update_source(c.get_untracked().id, input, logo).await,
            };
            saving.set(false);
            match result {
                Ok(view) => {
                    error.set(None);
                    f.saved();
                    match current {
                        Some(c) => {
                            c.set(view);
                            saved.set(true);
                        }
                        None => {
                            navigate(&format!("/console/sources/{}", view.id), Default::default())
                        }
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let secret_hint = move || current.and_then(|c| c.get().secret_hint);
    let stored_logo = Signal::derive(move || {
        current
            .map(|c| c.get())
            .filter(|s| s.has_logo)
            .map(|s| format!("/api/v1/sources/{}/logo?v={}", s.id, s.updated_at))
    });

    let credentials = view! {
        <div class="contents">
            <Show when=move || mode == SourceMode::PcMiniprogramQrcode>
                <div class="flex flex-col gap-1">
                    {checkbox(
                        "private_deployment",
                        f.private_deployment,
                        Signal::derive(move || ct().private_deployment),
                    )}
                    <p class="text-xs text-slate-500">{move || ct().private_deployment_hint}</p>
                    <Show when=move || !f.private_deployment.get()>
                        <DefaultMiniProgram />
                    </Show>
                </div>
            </Show>
            <Show when=move || f.needs_credentials(mode)>
                <Field label=|t| t.appid field="appid" error>
                    {text_input("appid", f.appid)}
                </Field>
                <Field label=|t| t.app_secret field="app_secret" error hint=|t| t.app_secret_hint>
                    {move || match secret_hint() {
                        Some(hint) if !f.replacing_secret.get() => {
                            view! {
                                <div class="flex items-center gap-3">
                                    <span class="font-mono text-sm" data-testid="secret-hint">{hint}</span>
                                    <button
                                        type="button"
                                        class=SECONDARY
                                        data-testid="replace-secret"
                                        on:click=move |_| f.replacing_secret.set(true)
                                    >
                                        {move || ct().replace}
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                        _ => {
                            view! {
                                <input
                                    id="app_secret"
                                    name="app_secret"
                                    type="password"
                                    autocomplete="new-password"
                                    data-testid="field-app_secret"
                                    class=INPUT
                                    prop:value=move || f.app_secret.get()
                                    on:input=move |ev| f.app_secret.set(event_target_value(&ev))
                                />
                            }
                                .into_any()
                        }
                    }}
                </Field>
            </Show>

        </div>
    }
    .into_any();
    let mode_fields = view! {
        <div class="contents">
            <Show when=move || mode == SourceMode::Webpage>
                <Field label=|t| t.scope field="scope" error hint=|t| t.scope_hint>
                    <select
                        id="scope"
                        data-testid="field-scope"
                        class=INPUT
                        prop:value=move || f.scope.get()
                        on:change=move |ev| f.scope.set(event_target_value(&ev))
                    >
                        <option value="snsapi_userinfo">"snsapi_userinfo"</option>
                        <option value="snsapi_base">"snsapi_base"</option>
                    </select>
                </Field>
            </Show>
            <Show when=move || mode.uses_mini_program()>
                <Field label=|t| t.page_path field="page_path" error hint=|t| t.page_path_hint>
                    {text_input("page_path", f.page_path)}
                </Field>
                <Field label=|t| t.env_version field="env_version" error>
                    <select
                        id="env_version"
                        data-testid="field-env_version"
                        class=INPUT
                        prop:value=move || f.env_version.get()
                        on:change=move |ev| f.env_version.set(event_target_value(&ev))
                    >
                        <option value="release">{move || ct().env_release}</option>
                        <option value="trial">{move || ct().env_trial}</option>
                        <option value="develop">{move || ct().env_develop}</option>
                    </select>
                </Field>
            </Show>
            <Show when=move || mode == SourceMode::AppLaunchMiniprogram>
                <Field label=|t| t.original_id field="original_id" error hint=|t| t.original_id_hint>
                    {text_input("original_id", f.original_id)}
                </Field>
            </Show>
            <Show when=move || mode == SourceMode::PcQrcode>
                <div class="flex flex-col gap-1">
                    {checkbox("embedded_qr", f.embedded_qr, Signal::derive(move || ct().embedded_qr))}
                    <p class="text-xs text-slate-500">{move || ct().embedded_qr_hint}</p>
                </div>
            </Show>
        </div>
    }
    .into_any();
    let logo_field = view! {
        <Show when=move || mode == SourceMode::PcMiniprogramQrcode>
            <LogoPicker logo=f.logo stored=stored_logo label=|t| t.logo hint=|t| t.logo_hint error />
        </Show>
    }
    .into_any();
    let policy = view! {
            <div class="flex flex-col gap-3 border-t border-slate-100 pt-4">
                {checkbox("login_only", f.login_only, Signal::derive(move || ct().login_only))}
                <p class="-mt-2 text-xs text-slate-500">{move || ct().login_only_hint}</p>
                <Field label=|t| t.linking field="linking" error>
                    <select
                        id="linking"
                        data-testid="field-linking"
                        class=INPUT
                        prop:value=move || f.linking.get()
                        on:change=move |ev| f.linking.set(event_target_value(&ev))
                    >
                        <option value="off">{move || ct().linking_off}</option>
                        <option value="field_match">{move || ct().linking_field_match}</option>
                        <option value="ask_to_bind">{move || ct().linking_ask_to_bind}</option>
                    </select>
                </Field>
                <Show when=move || f.linking.get() == "field_match">
                    <Field label=|t| t.link_field field="link_field" error>
                        <select
                            id="link_field"
                            data-testid="field-link_field"
                            class=INPUT
                            prop:value=move || f.link_field.get()
                            on:change=move |ev| f.link_field.set(event_target_value(&ev))
                        >
                            <option value="phone">{move || ct().link_phone}</option>
                            <option value="email">{move || ct().link_email}</option>
                        </select>
                    </Field>
                </Show>
                {checkbox("enabled", f.enabled, Signal::derive(move || ct().enabled_label))}
            </div>

    }
    .into_any();

    view! {
        <form
            class="flex flex-col gap-5 rounded-xl border border-slate-200 bg-white p-6"
            data-testid="source-form"
            novalidate
            on:submit=on_submit
        >
            <ErrorBanner error />
            <Field label=|t| t.identifier field="identifier" error hint=|t| t.identifier_hint>
                <input
                    id="identifier"
                    name="identifier"
                    data-testid="field-identifier"
                    class=INPUT
                    autocomplete="off"
                    readonly=!creating
                    aria-readonly=(!creating).to_string()
                    prop:value=move || f.identifier.get()
                    on:input=move |ev| {
                        if creating {
                            f.identifier.set(event_target_value(&ev));
                        }
                    }
                />
            </Field>
            <Field label=|t| t.display_name field="display_name" error hint=|t| t.display_name_hint>
                {text_input("display_name", f.display_name)}
            </Field>
            <Field label=|t| t.callback_url field="callback_url" error hint=|t| t.callback_url_hint>
                {text_input("callback_url", f.callback_url)}
            </Field>

            {credentials}

            {mode_fields}
            {logo_field}

            {policy}

            <div class="flex items-center gap-3">
                <button type="submit" class=PRIMARY data-testid="save-source" disabled=move || saving.get()>
                    {move || if creating { ct().create } else { ct().save }}
                </button>
                <Show when=move || saved.get()>
                    <span class="text-sm text-emerald-700" role="status" data-testid="saved">
                        {move || ct().saved}
                    </span>
                </Show>
            </div>
        </form>
    }
}

/// Which mini program shows the code while private deployment is off (or that none does).
#[component]
fn DefaultMiniProgram() -> impl IntoView {
    let ct = use_catalog_texts();
    let info = Resource::new(|| (), |_| instance_info());
    view! {
        <Transition fallback=|| ()>
            {move || {
                info.get()
                    .and_then(Result::ok)
                    .map(|i| match i.default_miniprogram_appid {
                        Some(appid) => {
                            view! {
                                <p class="text-sm text-slate-600" data-testid="default-miniprogram">
                                    {move || ct().default_miniprogram} " "
                                    <span class="font-mono">{appid.clone()}</span>
                                    {i.wechat_simulated.then(|| view! { " " {move || ct().simulated} })}
                                </p>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <p class="text-sm text-amber-700" data-testid="default-miniprogram">
                                    {move || ct().no_default_miniprogram}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}
