// The SDK against a real Datong (target/release/datong, SQLite, sandbox on), with a `wx`
// stand-in whose wx.login asks the sandbox phone for a real code and whose wx.request is fetch.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { Datong, DatongError, Wx, ticketOf } from "../src/index";

const MINI = "wx3000000000000003";
const MOBILE = "wx4000000000000004";
const GH = "gh_300000000000";
const VERIFIER = "sdk-test-verifier-of-at-least-forty-three-characters";

let base = "";
let token = "";
let child: ChildProcess | undefined;
let dataDir = "";
let miniClient = "";
let nativeClient = "";
let persona = 0;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

async function json(method: string, path: string, body?: unknown, bearer = true): Promise<any> {
  const r = await fetch(base + path, {
    method,
    headers: {
      "content-type": "application/json",
      ...(bearer ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const sandbox = (path: string, body: unknown) => json("POST", `/sandbox/wechat/${path}`, body, false);

/** A `wx` for `appid` in the hands of the sandbox persona: wx.login is a real sandbox code. */
function standIn(appid: string): Wx & { logins: number; store: Map<string, unknown> } {
  const store = new Map<string, unknown>();
  const wx = {
    logins: 0,
    store,
    login(o: { success(r: { code: string }): void; fail(e: { errMsg?: string }): void }) {
      wx.logins++;
      sandbox("phone/api/wx_login", { persona_id: persona, appid }).then(
        (v) => o.success({ code: v.code }),
        (e) => o.fail({ errMsg: String(e) }),
      );
    },
    request(o: Parameters<Wx["request"]>[0]) {
      fetch(o.url, { method: o.method, headers: o.header, body: o.data }).then(
        async (r) => {
          const text = await r.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            /* text */
          }
          o.success({ statusCode: r.status, data });
        },
        (e) => o.fail({ errMsg: String(e) }),
      );
    },
    getStorageSync: (k: string) => (store.has(k) ? store.get(k) : ""),
    setStorageSync: (k: string, v: unknown) => void store.set(k, JSON.parse(JSON.stringify(v))),
    removeStorageSync: (k: string) => void store.delete(k),
  };
  return wx;
}

before(async () => {
  const root = resolve(process.cwd(), "../../..");
  const bin = process.env.DATONG_BIN || join(root, "target/release/datong");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`make build\` first`);
  dataDir = mkdtempSync(join(tmpdir(), "datong-sdk-"));
  const env = { ...process.env, DATONG_TEST_DATABASE_URL: "", DATONG_LOG: "warn" };
  const created = spawnSync(bin, ["--data-dir", dataDir, "admin", "token", "create", "sdk"], { env });
  const printed = `${created.stdout}\n${created.stderr}`;
  token = (printed.match(/dtk_[A-Za-z0-9_-]+/) || [""])[0];
  assert.ok(token, `no API token: ${printed}`);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  let output = "";
  child = spawn(bin, ["--data-dir", dataDir, "serve", "--addr", `127.0.0.1:${port}`], { env });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`datong did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The sandbox's mini program and mobile app, under one open-platform account.
  await sandbox("admin/api/apps", { appid: MINI, kind: "mini_program", secret: "sdk-secret" });
  await sandbox("admin/api/apps", { appid: MOBILE, kind: "mobile_app", secret: "sdk-secret" });
  persona = (await sandbox("phone/api/personas", { nickname: "SDK Zhao", phone: "13900139000" })).id;
  const inside = await json("POST", "/api/v1/sources", {
    identifier: "mp-inside", mode: "miniprogram", display_name: "Mini program",
    callback_url: "https://shop.example.com/after", enabled: true, appid: MINI, app_secret: "sdk-secret",
  });
  const launch = await json("POST", "/api/v1/sources", {
    identifier: "app-mp", mode: "app_launch_miniprogram", display_name: "App via mini program",
    callback_url: "https://shop.example.com/after", enabled: true, appid: MINI, app_secret: "sdk-secret",
    original_id: GH, page_path: "pages/login/index", env_version: "release",
  });
  miniClient = (await json("POST", "/api/v1/applications", {
    name: "Shop mini program", app_type: "mini_program", sources: [inside.id],
  })).application.client_id;
  nativeClient = (await json("POST", "/api/v1/applications", {
    name: "Shop app", app_type: "native", sources: [launch.id], redirect_uris: ["com.example.shop:/login"],
  })).application.client_id;
});

after(() => {
  if (child && child.exitCode === null) child.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const sdk = (wx: Wx) => new Datong({ issuer: base, clientId: miniClient, wx });

test("login: a fresh wx.login each time, tokens stored, the same user every time", async () => {
  const wx = standIn(MINI);
  const d = sdk(wx);
  assert.equal(d.user, null);
  const phoneCode = (await sandbox("phone/api/phone_code", { persona_id: persona, appid: MINI })).code;
  const first = await d.login({ source: "mp-inside", phoneCode, nonce: "sdk-nonce" });
  assert.equal(first.claims.nonce, "sdk-nonce");
  assert.equal(first.claims.phone_number, "+8613900139000");
  assert.equal(first.claims.aud, miniClient);
  assert.ok(first.refreshToken, "offline_access gives a refresh token");
  assert.deepEqual(d.user, first.claims);
  assert.equal(wx.logins, 1);
  const second = await d.login({ source: "mp-inside" });
  assert.equal(wx.logins, 2, "no cached code");
  assert.equal(second.claims.sub, first.claims.sub);
  assert.equal(await d.accessToken(), second.accessToken);
  const info = await fetch(`${base}/oauth/userinfo`, { headers: { authorization: `Bearer ${second.accessToken}` } });
  assert.equal(((await info.json()) as { sub: string }).sub, first.claims.sub);
});

test("refresh rotates the refresh token; logout revokes the grant and clears storage", async () => {
  const d = sdk(standIn(MINI));
  const s = await d.login({ source: "mp-inside" });
  const renewed = await d.refresh();
  assert.notEqual(renewed.refreshToken, s.refreshToken);
  assert.equal(renewed.claims.sub, s.claims.sub);
  await d.logout();
  assert.equal(d.user, null);
  assert.equal(d.session, null);
  const r = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", client_id: miniClient, refresh_token: renewed.refreshToken || "" }),
  });
  assert.equal(r.status, 400);
  assert.equal(((await r.json()) as { error: string }).error, "invalid_grant");
  await assert.rejects(d.refresh(), (e: DatongError) => e.code === "login_required");
});

test("refusals are DatongErrors with the standard code and Datong's reason; nothing is stored", async () => {
  const wx = standIn(MINI);
  const d = sdk(wx);
  await assert.rejects(d.login({ source: "no-such-source" }), (e: unknown) => {
    if (!(e instanceof DatongError)) throw e;
    assert.equal(e.code, "unauthorized_client");
    assert.equal(e.reason, "source_unavailable");
    assert.equal(e.status, 400);
    return true;
  });
  const foreign = (await sandbox("phone/api/phone_code", { persona_id: persona, appid: "wx5e2e00000000ffff" })).code;
  await assert.rejects(d.login({ source: "mp-inside", phoneCode: foreign }), (e: DatongError) => {
    assert.equal(e.code, "invalid_grant");
    assert.equal(e.reason, "foreign_phone_code");
    return true;
  });
  assert.equal(d.session, null);
  assert.equal(wx.store.size, 0);
});

test("handleScene: the page an app launched confirms and hands back the app_parameter", async () => {
  const challenge = createHash("sha256").update(VERIFIER).digest("base64url");
  const created = await json("POST", "/api/v1/login/app-mp", {
    client_id: nativeClient, source: "app-mp", redirect_uri: "com.example.shop:/login",
    scope: "openid profile", code_challenge: challenge, code_challenge_method: "S256",
  }, false);
  const opened = await sandbox("phone/api/launch_mini_program", {
    persona_id: persona, appid: MOBILE, ...created.launch,
  });
  assert.equal(opened.scene, 1069);
  const d = sdk(standIn(MINI));
  assert.equal(await d.handleScene({ query: {}, scene: 1001 }), null);
  const page = await d.handleScene({ query: opened.query, scene: opened.scene });
  if (!page) throw new Error("no login page");
  assert.equal(page.fromApp, true);
  assert.equal(page.ticket, created.ticket);
  const phoneCode = (await sandbox("phone/api/phone_code", { persona_id: persona, appid: MINI })).code;
  const confirmed = await page.confirm(phoneCode);
  assert.equal(confirmed.status, "confirmed");
  assert.equal(confirmed.appParameter, created.ticket);
  // The app, given extMsg, finishes with its verifier.
  const done = await json("POST", created.finish_url, { code_verifier: VERIFIER }, false);
  assert.ok(done.code);
  // A second page for the same ticket: it is finished.
  await assert.rejects(d.handleScene({ query: opened.query, scene: 1069 }), (e: DatongError) => {
    assert.equal(e.code, "ticket_finished");
    return true;
  });
});

test("handleScene: cancel, and a mini-program code's URL-encoded scene", async () => {
  const challenge = createHash("sha256").update(VERIFIER).digest("base64url");
  const created = await json("POST", "/api/v1/login/app-mp", {
    client_id: nativeClient, source: "app-mp", redirect_uri: "com.example.shop:/login",
    scope: "openid", code_challenge: challenge, code_challenge_method: "S256",
  }, false);
  assert.equal(ticketOf({ query: { scene: encodeURIComponent(created.ticket) } }), created.ticket);
  assert.equal(ticketOf({ query: { scene: "not-a-ticket" } }), null);
  const page = await sdk(standIn(MINI)).handleScene({ query: { scene: encodeURIComponent(created.ticket) } });
  if (!page) throw new Error("no login page");
  assert.equal(page.fromApp, false);
  await page.cancel();
  const status = await json("GET", created.status_url, undefined, false);
  assert.equal(status.status, "cancelled");
});
