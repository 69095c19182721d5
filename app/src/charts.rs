//! Charts drawn on the server as plain SVG (no script, no chart library in the browser): bars
//! per day, stacked by series, and a ranked share of a whole. Every label is escaped; every bar
//! has a hover title with its exact figure.

use std::fmt::Write;

use crate::html::escape_html as esc;

/// The width of a chart's drawing: a phone-sized one, scaled to fit, reads at about its own
/// size; a wide one is for the full width of a desktop page.
const WIDTH: f64 = 360.0;
pub const WIDE: f64 = 720.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;
const AXIS: &str = "#64748b";
const GRID: &str = "#e2e8f0";

/// One stacked series: its words, its colour and one value per day.
pub struct Series<'a> {
    pub label: &'a str,
    pub color: &'a str,
    pub values: &'a [u64],
}

/// The smallest "nice" axis top (1, 2 or 5 times a power of ten, in four steps) at or above
/// `max`, and its step.
fn nice_scale(max: u64) -> (u64, u64) {
    let mut unit = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = unit.saturating_mul(m);
            if step.saturating_mul(4) >= max {
                return (step.saturating_mul(4), step);
            }
        }
        unit = unit.saturating_mul(10);
    }
}

/// Bars per day (`days` as `YYYY-MM-DD`), each stacked from `series` bottom up. `title` names
/// the chart for screen readers; `empty` is written across it when every value is zero.
pub fn stacked_bars(
    title: &str,
    days: &[String],
    series: &[Series],
    empty: &str,
    width: f64,
) -> String {
    let totals: Vec<u64> = (0..days.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0);
    let (top, step) = nice_scale(max.max(1));
    let plot_w = width - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / days.len().max(1) as f64;
    let bar = (slot * 0.75).max(1.0);
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / top as f64;
    let mut svg = open_svg(title, width);
    // Grid and the y axis's figures.
    let mut tick = 0;
    while tick <= top {
        let ty = y(tick);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" x2="{x2}" y1="{ty:.1}" y2="{ty:.1}" stroke="{GRID}" stroke-width="1"/><text x="{tx}" y="{yy:.1}" text-anchor="end" font-size="10" fill="{AXIS}">{tick}</text>"#,
            x2 = width - RIGHT,
            tx = LEFT - 4.0,
            yy = ty + 3.0,
        );
        tick += step;
    }
    // The days: a label every week, and the last day.
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0u64;
        for s in series {
            let v = s.values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let (y1, y0) = (y(base + v), y(base));
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y1:.1}" width="{bar:.1}" height="{h:.1}" fill="{c}"><title>{d} · {l}: {v}</title></rect>"#,
                h = (y0 - y1).max(0.5),
                c = esc(s.color),
                d = esc(day),
                l = esc(s.label),
            );
            base += v;
        }
        let last = i + 1 == days.len();
        if (days.len() - 1 - i).is_multiple_of(7) || last {
            let _ = write!(
                svg,
                r#"<text x="{cx:.1}" y="{ty}" text-anchor="{anchor}" font-size="10" fill="{AXIS}">{d}</text>"#,
                cx = if last { x + bar } else { x + bar / 2.0 },
                anchor = if last { "end" } else { "middle" },
                ty = HEIGHT - 6.0,
                d = esc(day.get(5..).unwrap_or(day)),
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line x1="{LEFT}" x2="{x2}" y1="{b}" y2="{b}" stroke="{AXIS}" stroke-width="1"/>"#,
        x2 = width - RIGHT,
        b = TOP + plot_h,
    );
    if max == 0 {
        empty_note(&mut svg, empty, width);
    }
    svg.push_str("</svg>");
    if series.len() > 1 || max > 0 {
        svg.push_str(&legend(series));
    }
    svg
}

/// The share of each item in the whole, largest first, as horizontal bars with percentages.
pub fn share_bars(title: &str, items: &[(String, u64)], empty: &str) -> String {
    let total: u64 = items.iter().map(|(_, n)| n).sum();
    let row = 22.0;
    let height = (items.len().max(1) as f64) * row + 8.0;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" class="w-full h-auto"><title>{t}</title>"#,
        t = esc(title),
    );
    if total == 0 {
        let _ = write!(
            svg,
            r#"<text x="{cx}" y="{cy}" text-anchor="middle" font-size="11" fill="{AXIS}">{e}</text>"#,
            cx = WIDTH / 2.0,
            cy = height / 2.0 + 4.0,
            e = esc(empty),
        );
    }
    let label_w = 150.0;
    let bar_w = WIDTH - label_w - 44.0;
    for (i, (label, n)) in items.iter().enumerate().filter(|_| total > 0) {
        let share = *n as f64 / total as f64;
        let top = 4.0 + row * i as f64;
        let _ = write!(
            svg,
            r##"<text x="0" y="{ty:.1}" font-size="11" fill="#334155">{l}</text><rect x="{label_w}" y="{ry:.1}" width="{bar_w}" height="12" fill="{GRID}"/><rect x="{label_w}" y="{ry:.1}" width="{w:.1}" height="12" fill="#e11d48"><title>{l}: {n}</title></rect><text x="{px}" y="{ty:.1}" font-size="11" fill="#334155">{pct:.0}%</text>"##,
            ty = top + 11.0,
            ry = top + 1.0,
            l = esc(&clip(label, 22)),
            w = (bar_w * share).max(1.0),
            px = label_w + bar_w + 4.0,
            pct = share * 100.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

fn open_svg(title: &str, width: f64) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{t}" class="w-full h-auto"><title>{t}</title>"#,
        t = esc(title),
    )
}

fn empty_note(svg: &mut String, empty: &str, width: f64) {
    let _ = write!(
        svg,
        r#"<text x="{cx}" y="{cy}" text-anchor="middle" font-size="11" fill="{AXIS}">{e}</text>"#,
        cx = LEFT + (width - LEFT - RIGHT) / 2.0,
        cy = TOP + (HEIGHT - TOP - BOTTOM) / 2.0,
        e = esc(empty),
    );
}

/// The series' colours and words, below the chart (it wraps on a narrow screen).
fn legend(series: &[Series]) -> String {
    let mut html =
        String::from(r#"<ul class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">"#);
    for s in series {
        let total: u64 = s.values.iter().sum();
        let _ = write!(
            html,
            r#"<li class="flex items-center gap-1"><span class="inline-block h-2.5 w-2.5 rounded-sm" style="background:{c}"></span>{l} ({total})</li>"#,
            c = esc(s.color),
            l = esc(s.label),
        );
    }
    html.push_str("</ul>");
    html
}

/// At most `n` characters, with an ellipsis when cut.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        return text.to_string();
    }
    let mut out: String = text.chars().take(n - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<String> {
        (1..=n).map(|d| format!("2026-11-{d:02}")).collect()
    }

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(1), (4, 1));
        assert_eq!(nice_scale(7), (8, 2));
        assert_eq!(nice_scale(9), (20, 5));
        assert_eq!(nice_scale(123), (200, 50));
    }

    #[test]
    fn bars_stack_and_carry_their_figures() {
        let d = days(3);
        let a = [1, 0, 2];
        let b = [3, 0, 0];
        let svg = stacked_bars(
            "Logins",
            &d,
            &[
                Series {
                    label: "Web <site>",
                    color: "#2563eb",
                    values: &a,
                },
                Series {
                    label: "Mini",
                    color: "#16a34a",
                    values: &b,
                },
            ],
            "none",
            WIDTH,
        );
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<rect").count(), 3, "zero values draw nothing");
        assert!(svg.contains("<title>2026-11-01 · Web &lt;site&gt;: 1</title>"));
        assert!(svg.contains("<title>2026-11-01 · Mini: 3</title>"));
        assert!(!svg.contains("none"), "not empty");
        assert!(svg.contains("Web &lt;site&gt; (3)"), "legend with totals");
    }

    #[test]
    fn empty_charts_say_so() {
        let zeros = [0, 0];
        let svg = stacked_bars(
            "New users",
            &days(2),
            &[Series {
                label: "u",
                color: "#000",
                values: &zeros,
            }],
            "No new users",
            WIDE,
        );
        assert!(svg.contains("No new users"));
        let share = share_bars("Failures", &[], "No failed logins");
        assert!(share.contains("No failed logins"));
    }

    #[test]
    fn shares_are_percentages_of_the_whole() {
        let svg = share_bars(
            "Failures",
            &[("Invalid code".into(), 3), ("Blocked \"x\"".into(), 1)],
            "none",
        );
        assert!(svg.contains(">75%<"));
        assert!(svg.contains(">25%<"));
        assert!(svg.contains("Blocked &quot;x&quot;: 1"));
    }
}
