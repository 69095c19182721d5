//! The Overview's server function: the figures from the backend, and the charts drawn here, on
//! the server, in the page's language.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{ConsoleError, OverviewPage};

/// How many days the Overview shows.
pub const DAYS: u32 = 30;

#[server(prefix = "/api/console", endpoint = "overview", input = Json)]
pub async fn load_overview(lang: String) -> Result<OverviewPage, ConsoleError> {
    use crate::backend::{backend, require_admin};
    require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    let figures = b.overview(DAYS).await?;
    let lang = crate::i18n::Lang::from_code(&lang).unwrap_or(crate::i18n::Lang::En);
    Ok(draw::page(lang, figures))
}

#[cfg(feature = "ssr")]
mod draw {
    use crate::charts::{Series, WIDE, share_bars, stacked_bars};
    use crate::i18n::Lang;
    use crate::i18n::outcomes::{mode_label, outcome_label};
    use crate::model::{Overview, OverviewPage};

    /// Each mode keeps its colour from chart to chart.
    fn mode_color(mode: &str) -> &'static str {
        match mode {
            "pc_qrcode" => "#2563eb",
            "pc_miniprogram_qrcode" => "#16a34a",
            "webpage" => "#f59e0b",
            "miniprogram" => "#7c3aed",
            "mobile_app" => "#db2777",
            "app_launch_miniprogram" => "#0891b2",
            "sso" => "#64748b",
            _ => "#94a3b8",
        }
    }

    const NARROW: f64 = 360.0;

    /// The reasons shown one by one; the rest are summed as "other".
    const REASONS: usize = 6;

    pub fn page(lang: Lang, figures: Overview) -> OverviewPage {
        let t = lang.overview();
        let series: Vec<Series> = figures
            .logins_by_mode
            .iter()
            .map(|s| Series {
                label: mode_label(lang, &s.mode).unwrap_or(if s.mode == "none" {
                    t.no_mode
                } else {
                    &s.mode
                }),
                color: mode_color(&s.mode),
                values: &s.counts,
            })
            .collect();
        // Drawn twice: wide for a desktop page, narrow (readable when scaled) for a phone.
        let logins_chart = format!(
            r#"<div class="hidden md:block" data-size="wide">{}</div><div class="md:hidden" data-size="narrow">{}</div>"#,
            stacked_bars(t.logins_chart, &figures.days, &series, t.no_logins, WIDE),
            stacked_bars(t.logins_chart, &figures.days, &series, t.no_logins, NARROW),
        );
        let users_chart = stacked_bars(
            t.users_chart,
            &figures.days,
            &[Series {
                label: t.new_users,
                color: "#0f766e",
                values: &figures.new_users,
            }],
            t.no_users,
            NARROW,
        );
        let mut reasons: Vec<(String, u64)> = figures
            .failures
            .iter()
            .take(REASONS)
            .map(|r| {
                let words = outcome_label(lang, &r.reason).unwrap_or(&r.reason);
                (words.to_string(), r.count)
            })
            .collect();
        let rest: u64 = figures.failures.iter().skip(REASONS).map(|r| r.count).sum();
        if rest > 0 {
            reasons.push((t.other.to_string(), rest));
        }
        let failures_chart = share_bars(t.failures_chart, &reasons, t.no_failures);
        OverviewPage {
            figures,
            logins_chart,
            users_chart,
            failures_chart,
        }
    }
}
