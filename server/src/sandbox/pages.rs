//! The sandbox's own pages: its console (world and fault knobs), the phone, and avatars.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::html::page;
use super::open::PERSONA_COOKIE;
use super::{MOUNT, SharedSandbox};

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/", get(console))
        .route("/avatar/{id}/{size}", get(avatar))
}

const CONSOLE_SCRIPT: &str = include_str!("console.js");
const PHONE_SCRIPT: &str = include_str!("phone.js");
const SAMPLES_SCRIPT: &str = include_str!("samples.js");

/// The sandbox console: accounts, apps, personas and the fault knobs.
async fn console() -> Response {
    page(
        "WeChat sandbox",
        "wide",
        &format!(
            r#"<h1>WeChat sandbox</h1>
<p class="muted">Stands in for api.weixin.qq.com at <code>{MOUNT}/api/</code> and open.weixin.qq.com at <code>{MOUNT}/open/</code>.
Apps register themselves on first use under the default subject. <a href="{MOUNT}/phone">Open the phone</a>.</p>
<h2>Open-platform accounts (subjects)</h2><div id="accounts"></div>
<div class="row"><input id="account-name" placeholder="New subject name" data-testid="account-name"><button id="account-create" data-testid="account-create">Create subject</button></div>
<h2>Apps</h2><div id="apps"></div>
<div class="row"><input id="app-id" placeholder="wx + 16 hex" data-testid="app-id">
<select id="app-kind" data-testid="app-kind"><option value="website">website app</option><option value="official_account">official account</option><option value="mini_program">mini program</option><option value="mobile_app">mobile app</option></select>
<input id="app-secret" placeholder="AppSecret (optional)" type="password"><button id="app-create" data-testid="app-create">Register app</button></div>
<h2>Personas</h2><div id="personas"></div>
<div class="row"><input id="rotate-appid" placeholder="mini-program appid" data-testid="rotate-appid"><input id="rotate-persona" placeholder="persona id" size="6" data-testid="rotate-persona"><button id="rotate" data-testid="rotate">Rotate session_key</button></div>
<h2>Faults</h2>
<div class="row"><input id="fault-endpoint" placeholder="sns/jscode2session or *" data-testid="fault-endpoint"><input id="fault-errcode" placeholder="errcode" size="7" data-testid="fault-errcode"><input id="fault-count" placeholder="count" size="4" value="1"><button id="fault-add" data-testid="fault-add">Fail next calls</button></div>
<div class="row"><input id="latency-endpoint" placeholder="endpoint or *"><input id="latency-ms" placeholder="ms" size="6"><button id="latency-set">Set latency</button></div>
<div class="row"><label><input type="checkbox" id="sw-text-plain"> sns JSON as text/plain</label><label><input type="checkbox" id="sw-string-errcode"> errcode as string</label><label><input type="checkbox" id="sw-refusal"> redirect on refusal</label><label><input type="checkbox" id="sw-42003"> expired code → 42003</label><button id="switches-save">Save switches</button><button id="faults-reset" class="secondary">Reset all faults</button></div>
<pre id="faults" class="muted"></pre><p id="message" class="error" data-testid="message"></p>
<script>{CONSOLE_SCRIPT}</script>"#
        ),
    )
}

/// The phone: a persona holds it, it opens scanned URLs and answers them.
pub async fn phone() -> Response {
    page(
        "WeChat (sandbox phone)",
        "",
        &format!(
            r#"<h1>WeChat</h1>
<div class="row"><label>Persona <select id="persona" data-testid="persona-select"></select></label></div>
<details id="new-persona"><summary data-testid="persona-new">New persona</summary>
<div class="row"><input id="nickname" placeholder="Nickname" data-testid="persona-nickname"></div>
<div class="row"><input id="country" value="86" size="4" data-testid="persona-country"><input id="phone-number" placeholder="Phone (optional)" data-testid="persona-phone"></div>
<div class="row"><button id="create" data-testid="persona-create">Create persona</button></div></details>
<div id="sample" data-testid="sample"></div>
<h2>Scan</h2>
<div class="row"><input id="scan-url" placeholder="Paste a scanned URL" data-testid="scan-url" style="flex:1"><button id="open" data-testid="scan-open">Open</button></div>
<div id="action" data-testid="action"></div><p id="message" class="error" data-testid="message"></p>
<script>var PERSONA_COOKIE = "{PERSONA_COOKIE}", MOUNT = "{MOUNT}";</script>
<script>{PHONE_SCRIPT}</script>
<script>{SAMPLES_SCRIPT}</script>"#
        ),
    )
}

/// A persona's avatar: a flat colour of its own, as a JPEG.
async fn avatar(Path((id, size)): Path<(i64, u32)>) -> Response {
    let side: u16 = match size {
        0 => 640,
        46 | 64 | 96 | 132 => size as u16,
        _ => 132,
    };
    let hue = (id.unsigned_abs().wrapping_mul(2_654_435_761) % 360) as f32;
    let (r, g, b) = hsl(hue, 0.45, 0.6);
    let pixels: Vec<u8> = (0..usize::from(side) * usize::from(side))
        .flat_map(|_| [r, g, b])
        .collect();
    let mut out = Vec::new();
    let encoded = jpeg_encoder::Encoder::new(&mut out, 85).encode(
        &pixels,
        side,
        side,
        jpeg_encoder::ColorType::Rgb,
    );
    if encoded.is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut response = out.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    response
}

fn hsl(h: f32, s: f32, l: f32) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match h as u32 {
        0..60 => (c, x, 0.0),
        60..120 => (x, c, 0.0),
        120..180 => (0.0, c, x),
        180..240 => (0.0, x, c),
        240..300 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (to(r), to(g), to(b))
}
