//! Webhook endpoints: add one (its signing secret shown once), turn it on or off, delete it,
//! send a test event, and see its recent deliveries with a resend button each.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::widgets::{DANGER, INPUT, PRIMARY, SECONDARY};
use crate::api::webhooks::{
    create_webhook, delete_webhook, list_webhooks, resend_delivery, send_test_event,
    set_webhook_enabled, webhook_deliveries,
};
use crate::i18n::use_lang;
use crate::i18n::webhooks::{WebhookTexts, field_error};
use crate::model::{ConsoleError, WEBHOOK_EVENTS, WebhookInput, WebhookView};

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4";

fn use_texts() -> impl Fn() -> &'static WebhookTexts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().webhooks()
}

#[component]
pub fn Webhooks() -> impl IntoView {
    let t = use_texts();
    let lang = use_lang();
    let endpoints = Resource::new(|| (), |_| list_webhooks());
    let url = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec!["user.created".to_string(), "user.login".to_string()]);
    let error = RwSignal::new(None::<ConsoleError>);
    let secret = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = WebhookInput {
            url: url.get_untracked(),
            description: Some(description.get_untracked()),
            events: chosen.get_untracked(),
            enabled: true,
        };
        spawn_local(async move {
            match create_webhook(input).await {
                Ok(made) => {
                    error.set(None);
                    url.set(String::new());
                    description.set(String::new());
                    secret.set(Some(made.secret));
                    endpoints.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let field_errors = move |field: &'static str| {
        move || {
            error
                .get()
                .map(|e| e.for_field(field))
                .unwrap_or_default()
                .into_iter()
                .map(|fe| {
                    view! {
                        <p class="text-sm text-red-600" data-testid=format!("error-{field}")>
                            {field_error(lang.get(), &fe.code, &fe.message)}
                        </p>
                    }
                })
                .collect_view()
        }
    };
    view! {
        <section data-testid="page-webhooks" class="max-w-5xl space-y-6">
            <div>
                <h1 class="mb-1 text-2xl font-semibold" data-testid="page-title">{move || t().title}</h1>
                <p class="text-slate-500">{move || t().intro}</p>
            </div>
            <form class=format!("{CARD} space-y-3") on:submit=on_submit novalidate>
                <div class="flex flex-col gap-1">
                    <label class="text-sm font-medium text-slate-700" for="webhook-url">{move || t().url}</label>
                    <input id="webhook-url" class=INPUT data-testid="webhook-url" autocomplete="off" placeholder=move || t().url_hint
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev)) />
                    {field_errors("url")}
                </div>
                <div class="flex flex-col gap-1">
                    <label class="text-sm font-medium text-slate-700" for="webhook-description">{move || t().description}</label>
                    <input id="webhook-description" class=INPUT autocomplete="off"
                        prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev)) />
                </div>
                <fieldset>
                    <legend class="mb-1 text-sm font-medium text-slate-700">{move || t().events}</legend>
                    <div class="grid gap-1 sm:grid-cols-2 md:grid-cols-4">
                        {WEBHOOK_EVENTS.into_iter().map(|kind| view! {
                            <label class="flex items-center gap-2 font-mono text-sm">
                                <input type="checkbox" data-testid="webhook-event" value=kind
                                    prop:checked=move || chosen.get().iter().any(|c| c == kind)
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|v| {
                                            v.retain(|c| c != kind);
                                            if on { v.push(kind.to_string()); }
                                        });
                                    } />
                                {kind}
                            </label>
                        }).collect_view()}
                    </div>
                    {field_errors("events")}
                </fieldset>
                <button type="submit" class=PRIMARY data-testid="webhook-create">{move || t().create}</button>
            </form>
            {move || secret.get().map(|s| view! {
                <div class="rounded-xl border border-amber-300 bg-amber-50 p-4" data-testid="shown-once">
                    <p class="mb-2 text-sm font-medium text-amber-900">{t().secret_once}</p>
                    <input readonly class=format!("{INPUT} w-full font-mono") data-testid="webhook-secret" value=s />
                </div>
            })}
            <Transition fallback=|| ()>
                {move || endpoints.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500" data-testid="empty-state">{move || t().none}</p>
                    }.into_any(),
                    Ok(list) => list.into_iter().map(|e| view! {
                        <Endpoint endpoint=e reload=Callback::new(move |_| endpoints.refetch()) />
                    }).collect_view().into_any(),
                    Err(_) => view! { <p role="alert" class="text-sm text-red-700">{move || t().failed}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Endpoint(endpoint: WebhookView, reload: Callback<()>) -> impl IntoView {
    let t = use_texts();
    let id = endpoint.id;
    let tick = RwSignal::new(0u32);
    let deliveries = Resource::new(move || tick.get(), move |_| webhook_deliveries(id));
    let failed = RwSignal::new(false);
    let note = RwSignal::new(false);
    let deleting = RwSignal::new(false);
    let enabled = endpoint.enabled;
    let done = move |r: Result<(), ConsoleError>, then: Box<dyn Fn() + Send + Sync>| match r {
        Ok(()) => {
            failed.set(false);
            then();
        }
        Err(_) => failed.set(true),
    };
    let toggle = move |_| {
        spawn_local(async move {
            done(
                set_webhook_enabled(id, !enabled).await,
                Box::new(move || reload.run(())),
            );
        })
    };
    let test = move |_| {
        spawn_local(async move {
            done(
                send_test_event(id).await,
                Box::new(move || {
                    note.set(true);
                    tick.update(|n| *n += 1);
                }),
            );
        })
    };
    let remove = move |_| {
        spawn_local(async move {
            done(delete_webhook(id).await, Box::new(move || reload.run(())));
        })
    };
    let resend = move |delivery: i64| {
        spawn_local(async move {
            done(
                resend_delivery(id, delivery).await,
                Box::new(move || tick.update(|n| *n += 1)),
            );
        })
    };
    view! {
        <div class=CARD data-testid="webhook-endpoint" data-id=id.to_string()>
            <div class="mb-2 flex flex-wrap items-center gap-2">
                <div class="min-w-[12rem] flex-1">
                    <div class="break-all font-mono text-sm" data-testid="webhook-endpoint-url">{endpoint.url.clone()}</div>
                    {endpoint.description.clone().map(|d| view! { <div class="text-sm text-slate-500">{d}</div> })}
                </div>
                <span data-testid="webhook-enabled" class=if enabled { "rounded bg-emerald-100 px-2 py-0.5 text-sm text-emerald-800" } else { "rounded bg-slate-100 px-2 py-0.5 text-sm text-slate-600" }>
                    {move || if enabled { t().enabled } else { t().disabled }}
                </span>
                <button type="button" class=SECONDARY data-testid="webhook-test" on:click=test>{move || t().send_test}</button>
                <button type="button" class=SECONDARY data-testid="webhook-toggle" on:click=toggle>{move || if enabled { t().disable } else { t().enable }}</button>
                <button type="button" class=DANGER data-testid="webhook-delete" on:click=move |_| deleting.set(true)>{move || t().delete}</button>
            </div>
            <div class="mb-2 font-mono text-xs text-slate-500">{endpoint.events.join(" · ")}</div>
            {move || deleting.get().then(|| view! {
                <div class="mb-2 flex flex-wrap items-center gap-2 rounded bg-red-50 p-2 text-sm text-red-800">
                    {t().delete_confirm}
                    <button type="button" class=DANGER data-testid="webhook-delete-ok" on:click=remove>{t().delete}</button>
                </div>
            })}
            {move || note.get().then(|| view! { <p role="status" class="mb-2 text-sm text-emerald-800">{t().test_sent}</p> })}
            {move || failed.get().then(|| view! { <p role="alert" class="mb-2 text-sm text-red-700">{t().failed}</p> })}
            <div class="mb-1 flex items-center justify-between">
                <h3 class="font-semibold">{move || t().deliveries}</h3>
                <button type="button" class="text-sm text-emerald-700 hover:underline" data-testid="webhook-refresh"
                    on:click=move |_| tick.update(|n| *n += 1)>{move || t().refresh}</button>
            </div>
            <Transition fallback=|| ()>
                {move || deliveries.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="text-sm text-slate-500">{move || t().no_deliveries}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="overflow-x-auto"><table class="w-full text-left text-sm" data-testid="webhook-deliveries">
                            <thead class="whitespace-nowrap text-slate-500"><tr>
                                <th class="p-1">{move || t().event}</th>
                                <th class="p-1">{move || t().status}</th>
                                <th class="p-1">{move || t().attempts}</th>
                                <th class="p-1">{move || t().answer}</th>
                                <th class="p-1">{move || t().when}</th>
                                <th class="p-1"></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|d| {
                                    let status = d.status.clone();
                                    let answer = match (d.last_status, d.last_error.clone()) {
                                        (Some(code), Some(e)) => format!("{code} {e}"),
                                        (Some(code), None) => code.to_string(),
                                        (None, Some(e)) => e,
                                        (None, None) => "—".into(),
                                    };
                                    view! {
                                        <tr class="border-t border-slate-100 align-top" data-testid="webhook-delivery" data-status=d.status.clone()>
                                            <td class="whitespace-nowrap p-1 font-mono text-xs" title=d.event_id.clone()>{d.event_type.clone()}</td>
                                            <td class="whitespace-nowrap p-1" data-testid="webhook-delivery-status">{move || t().status(&status)}</td>
                                            <td class="p-1">{d.attempts}</td>
                                            <td class="min-w-[6rem] max-w-xs break-words p-1 text-xs" data-testid="webhook-delivery-answer">{answer}</td>
                                            <td class="whitespace-nowrap p-1 text-xs">{d.last_attempt_at.clone().unwrap_or_else(|| "—".into()).replace('T', " ").replace('Z', "")}</td>
                                            <td class="whitespace-nowrap p-1">
                                                <button type="button" class="text-sm text-emerald-700 hover:underline" data-testid="webhook-resend"
                                                    on:click=move |_| resend(d.id)>{move || t().resend}</button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                    Err(_) => view! { <p role="alert" class="text-sm text-red-700">{move || t().failed}</p> }.into_any(),
                })}
            </Transition>
        </div>
    }
}
