// Datong for WeChat mini programs. One small class, no dependencies:
// - login({ source, phoneCode }) runs a fresh wx.login every time (a code is single use and
//   short-lived: never cached) and exchanges it at Datong's token endpoint with the WeChat grant;
// - refresh() and logout() use the standard refresh and revocation endpoints;
// - the session (tokens and the ID token's claims) lives in wx storage;
// - handleScene(options) serves the pages a mini-program code or an app opens: it reads the
//   ticket, tells Datong the code was scanned, then confirms (with the phone-number code) or
//   cancels, and hands back the app_parameter for the launchApp button.
// Datong's domain must be on the mini program's list of request domains.

/** The grant type Datong's token endpoint accepts for WeChat codes. */
export const WECHAT_GRANT = "urn:datong:params:oauth:grant-type:wechat";

/** The scene a mini program launched by an app opens with. */
export const SCENE_FROM_APP = 1069;

/** What the SDK needs of the `wx` object (the real one satisfies it). */
export interface Wx {
  login(options: {
    success(result: { code: string }): void;
    fail(error: { errMsg?: string }): void;
  }): void;
  request(options: {
    url: string;
    method: "GET" | "POST";
    header: Record<string, string>;
    data?: string;
    success(result: { statusCode: number; data: unknown }): void;
    fail(error: { errMsg?: string }): void;
  }): void;
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
  removeStorageSync(key: string): void;
}

export interface Options {
  /** Datong's address, the issuer of its tokens, e.g. "https://id.example.com". */
  issuer: string;
  /** The client_id of the mini-program application in Datong. */
  clientId: string;
  /** Scopes to ask for; openid is always included. Default: "openid profile phone offline_access". */
  scope?: string;
  /** The storage key of the session. Default: "datong.session". */
  storageKey?: string;
  /** The `wx` object (default: the global one). */
  wx?: Wx;
}

/** The person as the ID token describes them. */
export interface Claims {
  sub: string;
  name?: string;
  nickname?: string;
  picture?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  [claim: string]: unknown;
}

/** A logged-in session, as stored. */
export interface Session {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  scope: string;
  claims: Claims;
}

/** A refusal from Datong (or from wx): the standard code and Datong's reason. */
export class DatongError extends Error {
  /** OAuth error (`invalid_grant`…) or the API's error code (`ticket_expired`…). */
  readonly code: string;
  /** Datong's reason (`invalid_code`, `foreign_phone_code`, `login_only`…), when given. */
  readonly reason?: string;
  /** The HTTP status (0 when the request never reached Datong). */
  readonly status: number;

  constructor(code: string, message: string, status: number, reason?: string) {
    super(message);
    this.name = "DatongError";
    this.code = code;
    this.status = status;
    this.reason = reason;
  }
}

/** A login page opened by a mini-program code or by an app, after `scan`. */
export interface SceneLogin {
  ticket: string;
  /** Opened by an app (scene 1069): confirm answers the launchApp button's app_parameter. */
  fromApp: boolean;
  /** Confirms with a fresh wx.login code (and the phone-number button's code). */
  confirm(phoneCode?: string): Promise<{ status: string; appParameter?: string }>;
  cancel(): Promise<void>;
}

interface Reply {
  status: number;
  data: any;
}

/** Decodes the payload of a JWT (no signature check: the token came from Datong over TLS). */
export function decodeClaims(jwt: string): Claims {
  const part = jwt.split(".")[1] || "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return JSON.parse(utf8(atobPolyfill(padded))) as Claims;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** base64 to a binary string (mini programs have no atob). */
function atobPolyfill(input: string): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const ch of input.replace(/=+$/, "")) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new DatongError("invalid_token", "the ID token is not base64url", 0);
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 0xff);
    }
  }
  return out;
}

/** A binary string holding UTF-8 to text. */
function utf8(binary: string): string {
  let escaped = "";
  for (let i = 0; i < binary.length; i++) {
    escaped += "%" + ("0" + binary.charCodeAt(i).toString(16)).slice(-2);
  }
  return decodeURIComponent(escaped);
}

function form(fields: Record<string, string | undefined>): string {
  return Object.keys(fields)
    .filter((k) => fields[k] !== undefined && fields[k] !== "")
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(fields[k] as string)}`)
    .join("&");
}

/** The ticket a login page was opened with: `scene` of a mini-program code (URL-encoded by
 * WeChat) or of an app's launch path. `null` when the page was opened some other way. */
export function ticketOf(options: { query?: Record<string, string | undefined> }): string | null {
  const raw = options && options.query && options.query.scene;
  if (!raw) return null;
  let ticket = raw;
  try {
    ticket = decodeURIComponent(raw);
  } catch {
    return null;
  }
  return /^[A-Za-z0-9_-]{32}$/.test(ticket) ? ticket : null;
}

export class Datong {
  private readonly issuer: string;
  private readonly clientId: string;
  private readonly scope: string;
  private readonly key: string;
  private readonly wx: Wx;

  constructor(options: Options) {
    this.issuer = options.issuer.replace(/\/+$/, "");
    this.clientId = options.clientId;
    const scopes = (options.scope || "openid profile phone offline_access").split(" ");
    if (scopes.indexOf("openid") < 0) scopes.unshift("openid");
    this.scope = scopes.join(" ");
    this.key = options.storageKey || "datong.session";
    const globalWx = (globalThis as { wx?: Wx }).wx;
    const wx = options.wx || globalWx;
    if (!wx) throw new Error("Datong: no wx object (pass options.wx outside a mini program)");
    this.wx = wx;
  }

  /** The stored session, if any. */
  get session(): Session | null {
    const stored = this.wx.getStorageSync(this.key);
    return stored && typeof stored === "object" ? (stored as Session) : null;
  }

  /** The current user's claims, or null when logged out. */
  get user(): Claims | null {
    const s = this.session;
    return s ? s.claims : null;
  }

  /** The access token, refreshed first when it has expired (and a refresh token is held). */
  async accessToken(): Promise<string | null> {
    const s = this.session;
    if (!s) return null;
    if (Date.now() < s.expiresAt - 30_000) return s.accessToken;
    if (!s.refreshToken) return null;
    return (await this.refresh()).accessToken;
  }

  /** Logs in with the source named `source`: a fresh wx.login code (never a cached one), and
   * the phone-number button's code when the person tapped it. */
  async login(params: { source: string; phoneCode?: string; nonce?: string }): Promise<Session> {
    const code = await this.wxLogin();
    return this.tokens({
      grant_type: WECHAT_GRANT,
      source: params.source,
      code,
      phone_code: params.phoneCode,
      nonce: params.nonce,
      scope: this.scope,
    });
  }

  /** New tokens for the stored refresh token (which is replaced). */
  async refresh(): Promise<Session> {
    const s = this.session;
    if (!s || !s.refreshToken) {
      throw new DatongError("login_required", "no refresh token: log in first", 0);
    }
    try {
      return await this.tokens({ grant_type: "refresh_token", refresh_token: s.refreshToken });
    } catch (e) {
      if (e instanceof DatongError && e.code === "invalid_grant") this.forget();
      throw e;
    }
  }

  /** Ends the session: Datong revokes the grant (every token of this login), storage is cleared. */
  async logout(): Promise<void> {
    const s = this.session;
    this.forget();
    if (!s) return;
    const token = s.refreshToken || s.accessToken;
    await this.call("POST", "/oauth/revoke", form({ client_id: this.clientId, token }), true);
  }

  /** For the page a mini-program code or an app opens (`onLoad(options)`, plus `scene` from
   * `wx.getLaunchOptionsSync()` / `wx.getEnterOptionsSync()` when launched by an app): tells
   * Datong the code was opened and returns what the page can do next. `null` when the page was
   * not opened with a login ticket. */
  async handleScene(options: {
    query?: Record<string, string | undefined>;
    scene?: number;
  }): Promise<SceneLogin | null> {
    const ticket = ticketOf(options);
    if (!ticket) return null;
    const base = `/api/v1/login/mp-qrcode/${ticket}`;
    await this.call("POST", `${base}/scan`, "{}", false, true);
    return {
      ticket,
      fromApp: options.scene === SCENE_FROM_APP,
      confirm: async (phoneCode?: string) => {
        const code = await this.wxLogin();
        const body = JSON.stringify(phoneCode ? { code, phone_code: phoneCode } : { code });
        const r = await this.call("POST", `${base}/confirm`, body, false, true);
        return { status: String(r.data.status), appParameter: r.data.app_parameter };
      },
      cancel: async () => {
        await this.call("POST", `${base}/cancel`, "{}", false, true);
      },
    };
  }

  private forget(): void {
    this.wx.removeStorageSync(this.key);
  }

  private async tokens(fields: Record<string, string | undefined>): Promise<Session> {
    const r = await this.call("POST", "/oauth/token", form({ ...fields, client_id: this.clientId }), true);
    const t = r.data;
    // A refresh answers a new refresh token (rotation): the old one is spent.
    const session: Session = {
      accessToken: t.access_token,
      idToken: t.id_token,
      refreshToken: t.refresh_token,
      expiresAt: Date.now() + Number(t.expires_in || 0) * 1000,
      scope: t.scope,
      claims: decodeClaims(t.id_token),
    };
    this.wx.setStorageSync(this.key, session);
    return session;
  }

  private wxLogin(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.wx.login({
        success: (r) => resolve(r.code),
        fail: (e) => reject(new DatongError("wx_login_failed", (e && e.errMsg) || "wx.login failed", 0)),
      });
    });
  }

  /** One request to Datong; a refusal becomes a DatongError. */
  private call(method: "GET" | "POST", path: string, data: string, formBody: boolean, json = false): Promise<Reply> {
    const header: Record<string, string> = {
      "content-type": formBody ? "application/x-www-form-urlencoded" : "application/json",
    };
    return new Promise((resolve, reject) => {
      this.wx.request({
        url: this.issuer + path,
        method,
        header,
        data,
        success: (r) => {
          let body: any = r.data;
          if (typeof body === "string" && body) {
            try {
              body = JSON.parse(body);
            } catch {
              /* not JSON: kept as text */
            }
          }
          if (r.statusCode >= 200 && r.statusCode < 300) {
            resolve({ status: r.statusCode, data: body || {} });
            return;
          }
          // OAuth errors: {error, error_description, datong_reason}; API errors: {error: {code, message}}.
          const apiError = json && body && typeof body.error === "object" ? body.error : null;
          const code = apiError ? apiError.code : (body && body.error) || "http_" + r.statusCode;
          const message = apiError ? apiError.message : (body && body.error_description) || code;
          const reason = apiError ? apiError.code : body && body.datong_reason;
          reject(new DatongError(String(code), String(message), r.statusCode, reason));
        },
        fail: (e) => reject(new DatongError("network_error", (e && e.errMsg) || "request failed", 0)),
      });
    });
  }
}
