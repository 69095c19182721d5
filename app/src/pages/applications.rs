//! Applications: the list, a new one (its client secret shown once), and an application's page
//! (settings, secret rotation, enabled identity sources, experience login, deletion).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::associations::{AssociationPanel, Side};
use super::integration::IntegrationHints;
use super::logo_picker::{Logo, LogoPicker};
use super::widgets::{
    ConfirmDialog, DANGER, ErrorBanner, ExperienceButton, Field, INPUT, LoadError, PRIMARY,
    SECONDARY, ShownOnce, loaded_list,
};
use crate::api::catalog::{
    create_application, delete_application, get_application, list_applications,
    rotate_client_secret, update_application,
};
use crate::i18n::catalog::{CatalogTexts, app_type_label, use_catalog_texts};
use crate::i18n::use_lang;
use crate::model::{
    AppType, ApplicationInput, ApplicationView, ApplicationWithSecret, ConsoleError,
};

#[component]
pub fn Applications() -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let apps = Resource::new(|| (), |_| list_applications());
    view! {
        <section data-testid="page-applications">
            <div class="mb-6 flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">
                        {move || ct().applications_title}
                    </h1>
                    <p class="text-slate-500">{move || ct().applications_intro}</p>
                </div>
                <A
                    href="/console/applications/new"
                    attr:data-testid="new-application"
                    attr:class="rounded bg-emerald-600 px-4 py-2 text-sm text-white hover:bg-emerald-700"
                >
                    {move || ct().new_application}
                </A>
            </div>
            <Transition fallback=|| ()>
                {move || {
                    apps.get()
                        .map(|r| {
                            loaded_list(
                                r,
                                |t| t.no_applications,
                                |list| view! {
                                    <div class="overflow-x-auto"><table class="w-full rounded-xl border border-slate-200 bg-white text-sm" data-testid="application-table">
                                        <thead class="text-left text-slate-500">
                                            <tr>
                                                <th class="p-3">{move || ct().app_name}</th>
                                                <th class="p-3">{move || ct().app_type}</th>
                                                <th class="p-3">{move || ct().client_id}</th>
                                                <th class="p-3">{move || ct().enabled_sources}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|a| {
                                                    let t = a.app_type;
                                                    view! {
                                                        <tr class="border-t border-slate-100" data-testid="application-row">
                                                            <td class="p-3">
                                                                <A href=format!("/console/applications/{}", a.id) attr:class="text-emerald-700 hover:underline">
                                                                    {a.name}
                                                                </A>
                                                            </td>
                                                            <td class="p-3">{move || app_type_label(lang.get(), t)}</td>
                                                            <td class="p-3 font-mono">{a.client_id}</td>
                                                            <td class="p-3">{a.sources.len()}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table></div>
                                },
                            )
                        })
                }}
            </Transition>
        </section>
    }
}

/// The application form's fields.
#[derive(Clone, Copy)]
struct AppFields {
    name: RwSignal<String>,
    app_type: RwSignal<String>,
    redirect_uris: RwSignal<String>,
    logout_uris: RwSignal<String>,
    access_ttl: RwSignal<String>,
    id_ttl: RwSignal<String>,
    refresh_ttl: RwSignal<String>,
    logo: RwSignal<Logo>,
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl AppFields {
    fn new(a: Option<&ApplicationView>) -> AppFields {
        let n = |v: Option<i64>, d: i64| RwSignal::new(v.unwrap_or(d).to_string());
        AppFields {
            name: RwSignal::new(a.map(|a| a.name.clone()).unwrap_or_default()),
            app_type: RwSignal::new(
                a.map(|a| a.app_type)
                    .unwrap_or(AppType::Web)
                    .as_str()
                    .into(),
            ),
            redirect_uris: RwSignal::new(a.map(|a| a.redirect_uris.join("\n")).unwrap_or_default()),
            logout_uris: RwSignal::new(
                a.map(|a| a.post_logout_redirect_uris.join("\n"))
                    .unwrap_or_default(),
            ),
            access_ttl: n(a.map(|a| a.access_token_ttl), 3600),
            id_ttl: n(a.map(|a| a.id_token_ttl), 3600),
            refresh_ttl: n(a.map(|a| a.refresh_token_ttl), 2_592_000),
            logo: RwSignal::new(Logo::Keep),
        }
    }

    /// The input; a lifetime that is not a number is sent as -1, which the server refuses
    /// with its range.
    fn input(&self) -> ApplicationInput {
        let ttl = |s: RwSignal<String>| Some(s.get_untracked().trim().parse::<i64>().unwrap_or(-1));
        ApplicationInput {
            name: Some(self.name.get_untracked()),
            app_type: Some(self.app_type.get_untracked()),
            redirect_uris: Some(lines(&self.redirect_uris.get_untracked())),
            post_logout_redirect_uris: Some(lines(&self.logout_uris.get_untracked())),
            access_token_ttl: ttl(self.access_ttl),
            id_token_ttl: ttl(self.id_ttl),
            refresh_token_ttl: ttl(self.refresh_ttl),
            sources: None,
        }
    }
}

fn ttl_input(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <input
            id=id
            type="number"
            data-testid=format!("field-{id}")
            class=INPUT
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
    }
}

#[component]
fn ApplicationForm(
    fields: AppFields,
    error: RwSignal<Option<ConsoleError>>,
    saving: RwSignal<bool>,
    submit_label: fn(&CatalogTexts) -> &'static str,
    on_submit: Callback<()>,
    /// Where the stored logo is served (none for a new application).
    #[prop(optional, into)]
    stored_logo: Signal<Option<String>>,
    #[prop(optional)] saved: Option<RwSignal<bool>>,
) -> impl IntoView {
    let ct = use_catalog_texts();
    let lang = use_lang();
    let f = fields;
    view! {
        <form
            class="flex flex-col gap-5 rounded-xl border border-slate-200 bg-white p-6"
            data-testid="application-form"
            novalidate
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                on_submit.run(());
            }
        >
            <ErrorBanner error />
            <Field label=|t| t.app_name field="name" error>
                <input
                    id="name"
                    data-testid="field-name"
                    class=INPUT
                    autocomplete="off"
                    prop:value=move || f.name.get()
                    on:input=move |ev| f.name.set(event_target_value(&ev))
                />
            </Field>
            <Field label=|t| t.app_type field="app_type" error>
                <select
                    id="app_type"
                    data-testid="field-app_type"
                    class=INPUT
                    prop:value=move || f.app_type.get()
                    on:change=move |ev| f.app_type.set(event_target_value(&ev))
                >
                    {[AppType::Web, AppType::Spa, AppType::Native, AppType::MiniProgram]
                        .into_iter()
                        .map(|t| {
                            view! { <option value=t.as_str()>{move || app_type_label(lang.get(), t)}</option> }
                        })
                        .collect_view()}
                </select>
            </Field>
            <LogoPicker logo=f.logo stored=stored_logo label=|t| t.app_logo hint=|t| t.app_logo_hint error />
            <Field label=|t| t.redirect_uris field="redirect_uris" error hint=|t| t.redirect_uris_hint>
                <textarea
                    id="redirect_uris"
                    rows="3"
                    data-testid="field-redirect_uris"
                    class=INPUT
                    prop:value=move || f.redirect_uris.get()
                    on:input=move |ev| f.redirect_uris.set(event_target_value(&ev))
                ></textarea>
            </Field>
            <Field label=|t| t.logout_uris field="post_logout_redirect_uris" error hint=|t| t.redirect_uris_hint>
                <textarea
                    id="post_logout_redirect_uris"
                    rows="2"
                    data-testid="field-post_logout_redirect_uris"
                    class=INPUT
                    prop:value=move || f.logout_uris.get()
                    on:input=move |ev| f.logout_uris.set(event_target_value(&ev))
                ></textarea>
            </Field>
            <div class="grid grid-cols-1 gap-4 md:grid-cols-3">
                <Field label=|t| t.access_ttl field="access_token_ttl" error>
                    {ttl_input("access_token_ttl", f.access_ttl)}
                </Field>
                <Field label=|t| t.id_ttl field="id_token_ttl" error>
                    {ttl_input("id_token_ttl", f.id_ttl)}
                </Field>
                <Field label=|t| t.refresh_ttl field="refresh_token_ttl" error>
                    {ttl_input("refresh_token_ttl", f.refresh_ttl)}
                </Field>
            </div>
            <div class="flex items-center gap-3">
                <button type="submit" class=PRIMARY data-testid="save-application" disabled=move || saving.get()>
                    {move || submit_label(ct())}
                </button>
                {saved
                    .map(|s| {
                        view! {
                            <Show when=move || s.get()>
                                <span class="text-sm text-emerald-700" role="status" data-testid="saved">
                                    {move || ct().saved}
                                </span>
                            </Show>
                        }
                    })}
            </div>
        </form>
    }
}

/// A new application; after creation its client secret is shown once.
#[component]
pub fn NewApplication() -> impl IntoView {
    let ct = use_catalog_texts();
    let fields = AppFields::new(None);
    let error = RwSignal::new(None::<ConsoleError>);
    let saving = RwSignal::new(false);
    let created = RwSignal::new(None::<ApplicationWithSecret>);
    let submit = Callback::new(move |_| {
        let input = fields.input();
        let logo = fields.logo.get_untracked().arg();
        saving.set(true);
        spawn_local(async move {
            let r = create_application(input, logo).await;
            saving.set(false);
            match r {
                Ok(c) => {
                    error.set(None);
                    created.set(Some(c));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section data-testid="page-new-application" class="max-w-3xl">
            <A href="/console/applications" attr:class="text-sm text-emerald-700 hover:underline">
                {move || ct().back_to_applications}
            </A>
            <h1 class="mb-6 mt-2 text-2xl font-semibold" data-testid="page-title">
                {move || ct().new_application}
            </h1>
            {move || match created.get() {
                None => {
                    view! {
                        <ApplicationForm fields error saving submit_label=|t| t.create on_submit=submit />
                    }
                        .into_any()
                }
                Some(c) => {
                    let id = c.application.id;
                    view! {
                        <div class="flex flex-col gap-4" data-testid="application-created">
                            <p>
                                {move || ct().client_id} ": "
                                <span class="break-all font-mono" data-testid="client-id">{c.application.client_id.clone()}</span>
                            </p>
                            <ShownOnce label=|t| t.client_secret value=c.client_secret.clone() testid="client-secret" />
                            <A
                                href=format!("/console/applications/{id}")
                                attr:data-testid="open-application"
                                attr:class="self-start rounded bg-emerald-600 px-4 py-2 text-sm text-white hover:bg-emerald-700"
                            >
                                {move || ct().continue_to_application}
                            </A>
                        </div>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn ApplicationPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|v| v.parse::<i64>().ok());
    let app = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_application(id).await,
            None => Err(ConsoleError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || {
                app.get()
                    .map(|r| match r {
                        Ok(view) => view! { <ApplicationEditor view /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn ApplicationEditor(view: ApplicationView) -> impl IntoView {
    let ct = use_catalog_texts();
    let id = view.id;
    let fields = AppFields::new(Some(&view));
    let client_id = view.client_id.clone();
    let client_id_hints = view.client_id.clone();
    // Mini-program and native applications log in on a device: show how to call Datong.
    let app_type = view.app_type;
    let device = matches!(app_type, AppType::MiniProgram | AppType::Native);
    let redirect = view.redirect_uris.first().cloned();
    let current = RwSignal::new(view);
    let error = RwSignal::new(None::<ConsoleError>);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    let delete_open = RwSignal::new(false);
    let rotate_open = RwSignal::new(false);
    let navigate = use_navigate();

    let submit = Callback::new(move |_| {
        let input = fields.input();
        let logo = fields.logo.get_untracked().arg();
        saving.set(true);
        saved.set(false);
        spawn_local(async move {
            let r = update_application(id, input, logo).await;
            saving.set(false);
            match r {
                Ok(v) => {
                    error.set(None);
                    fields.logo.set(Logo::Keep);
                    current.set(v);
                    saved.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let rotate = Callback::new(move |_| {
        spawn_local(async move {
            match rotate_client_secret(id).await {
                Ok(r) => {
                    error.set(None);
                    secret.set(Some(r.client_secret));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let delete = Callback::new(move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            match delete_application(id).await {
                Ok(()) => navigate("/console/applications", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let delete_body =
        Signal::derive(move || format!("{} {}", ct().delete_application_body, current.get().name));
    let rotate_body = Signal::derive(move || ct().rotate_body.to_string());
    let stored_logo = Signal::derive(move || {
        let a = current.get();
        a.has_logo
            .then(|| format!("/api/v1/applications/{}/logo?v={}", a.id, a.updated_at))
    });

    view! {
        <section data-testid="page-application">
            <A href="/console/applications" attr:class="text-sm text-emerald-700 hover:underline">
                {move || ct().back_to_applications}
            </A>
            <div class="mb-6 mt-2 flex flex-wrap items-start justify-between gap-4">
                <div>
                    <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">
                        {move || current.get().name}
                    </h1>
                    <p class="text-slate-500">
                        {move || ct().client_id} ": "
                        <span class="break-all font-mono" data-testid="client-id">{client_id.clone()}</span>
                    </p>
                </div>
                <div class="flex flex-wrap gap-2">
                    <ExperienceButton client_id=client_id.clone() />
                    <button type="button" class=SECONDARY data-testid="rotate-secret" on:click=move |_| rotate_open.set(true)>
                        {move || ct().rotate_secret}
                    </button>
                    <button type="button" class=DANGER data-testid="delete-application" on:click=move |_| delete_open.set(true)>
                        {move || ct().delete}
                    </button>
                </div>
            </div>
            {move || {
                secret
                    .get()
                    .map(|s| {
                        view! {
                            <div class="mb-6">
                                <ShownOnce label=|t| t.client_secret value=s testid="client-secret" />
                            </div>
                        }
                    })
            }}
            <div class="grid grid-cols-1 gap-8 xl:grid-cols-3">
                <div class="xl:col-span-2">
                    <ApplicationForm
                        fields
                        error
                        saving
                        saved
                        stored_logo
                        submit_label=|t| t.save
                        on_submit=submit
                    />
                </div>
                <div class="min-w-0">
                    <AssociationPanel
                        side=Side::Application
                        own=id
                        linked=Signal::derive(move || current.get().sources)
                        on_changed=Callback::new(move |(source_id, on): (i64, bool)| {
                            current
                                .update(|a| {
                                    a.sources.retain(|s| *s != source_id);
                                    if on {
                                        a.sources.push(source_id);
                                    }
                                })
                        })
                    />
                    {device.then(|| {
                        view! {
                            <IntegrationHints
                                app_type=app_type
                                client_id=client_id_hints.clone()
                                redirect=redirect.clone()
                                sources=Signal::derive(move || current.get().sources)
                            />
                        }
                    })}
                </div>
            </div>
            <ConfirmDialog
                open=delete_open
                title=|t| t.delete_application_title
                body=delete_body
                confirm=|t| t.delete
                on_confirm=delete
            />
            <ConfirmDialog
                open=rotate_open
                title=|t| t.rotate_secret
                body=rotate_body
                confirm=|t| t.rotate_secret
                on_confirm=rotate
            />
        </section>
    }
}
