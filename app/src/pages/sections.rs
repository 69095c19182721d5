//! The console's Logs section: the login log and the audit log.

use leptos::prelude::*;

use crate::i18n::use_texts;

/// The audit log: every change to sources, applications and tokens, newest first.
#[component]
pub fn Logs() -> impl IntoView {
    let tr = use_texts();
    let entries = Resource::new(|| (), |_| crate::api::audit_log());
    let pt = crate::i18n::people::use_people_texts();
    view! {
        <section data-testid="page-logs">
            <h1 class="text-2xl font-semibold mb-1" data-testid="page-title">
                {move || tr().logs}
            </h1>
            <p class="text-slate-500 mb-6">{move || tr().logs_intro}</p>
            <super::login_log::LoginLog />
            <h2 class="mb-3 text-lg font-semibold">{move || pt().audit_log}</h2>
            <Transition fallback=|| ()>
                {move || {
                    entries
                        .get()
                        .map(|result| match result {
                            Ok(list) if !list.is_empty() => {
                                view! {
                                    <div class="overflow-x-auto"><table
                                        class="w-full text-sm bg-white rounded-xl border border-slate-200"
                                        data-testid="audit-table"
                                    >
                                        <thead class="text-left text-slate-500">
                                            <tr>
                                                <th class="p-2">{move || tr().audit_when}</th>
                                                <th class="p-2">{move || tr().audit_who}</th>
                                                <th class="p-2">{move || tr().audit_action}</th>
                                                <th class="p-2">{move || tr().audit_target}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|e| {
                                                    view! {
                                                        <tr class="border-t border-slate-100" data-testid="audit-row">
                                                            <td class="p-2 whitespace-nowrap">{e.at}</td>
                                                            <td class="p-2">{e.actor}</td>
                                                            <td class="p-2 font-mono">{e.action}</td>
                                                            <td class="p-2 font-mono">{e.target}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table></div>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <div
                                        data-testid="empty-state"
                                        class="rounded-xl border border-dashed border-slate-300 bg-white p-12 text-center text-slate-500"
                                    >
                                        {move || tr().nothing_yet}
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
