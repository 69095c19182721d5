// Page objects for the console: tests speak in user actions, selectors live here.
import { expect, type Page } from "@playwright/test";

export async function hydrated(page: Page) {
  // Console pages are ready once hydrated; end-user pages (built on the server) say so with
  // data-ready, set at once or by their script.
  await expect(
    page.locator("body[data-hydrated='true']:not([data-routing]), body[data-ready='true']"),
  ).toHaveCount(1);
}

/** The administrator's password the test server was started with. */
export const adminPassword = () => process.env.DATONG_E2E_ADMIN_PASSWORD ?? "";

/** Signs in as the administrator, the console in English, and waits for the hydrated console. */
export async function signInAsAdmin(page: Page) {
  const signIn = new SignInPage(page);
  await signIn.open();
  await page.getByTestId("lang-en").click();
  await signIn.signIn("admin", adminPassword());
  await expect(page).toHaveURL(/\/console$/);
  await hydrated(page);
}

export class SignInPage {
  constructor(private page: Page) {}

  async open(path = "/signin") {
    await this.page.goto(path);
    await hydrated(this.page);
  }

  async signIn(name: string, password: string) {
    await this.page.getByTestId("signin-name").fill(name);
    await this.page.getByTestId("signin-password").fill(password);
    await this.page.getByTestId("signin-submit").click();
  }

  error() {
    return this.page.getByTestId("signin-error");
  }
}

export type Section = "overview" | "applications" | "sources" | "users" | "logs" | "tokens" | "webhooks";

export class Console {
  constructor(private page: Page) {}

  nav() {
    return this.page.getByTestId("console-nav");
  }

  navLink(section: Section) {
    return this.page.getByTestId(`nav-${section}`);
  }

  /** The navigation entries marked as the current page. */
  currentNav() {
    return this.page.locator("[data-testid='console-nav'] [aria-current='page']");
  }

  async go(section: Section) {
    await this.navLink(section).click();
  }

  async language(lang: "zh" | "en") {
    await this.page.getByTestId(`lang-${lang}`).click();
  }

  async signOut() {
    await this.page.getByTestId("sign-out").click();
  }

  adminName() {
    return this.page.getByTestId("admin-name");
  }

  emptyState() {
    return this.page.getByTestId("empty-state");
  }

  title() {
    return this.page.getByTestId("page-title");
  }
}

/** The sandbox's stand-in for open.weixin.qq.com/connect/qrconnect, on the computer. */
export class SandboxQrLogin {
  constructor(private page: Page) {}

  async open(appid: string, redirectUri: string, state: string) {
    const q = new URLSearchParams({
      appid,
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "snsapi_login",
      state,
    });
    await this.page.goto(`/sandbox/wechat/open/connect/qrconnect?${q}#wechat_redirect`);
    await expect(this.page.getByTestId("qr").locator("svg")).toBeVisible();
  }

  status() {
    return this.page.getByTestId("qr-status");
  }

  async phoneLink(): Promise<string> {
    const href = await this.page.getByTestId("phone-link").getAttribute("href");
    if (!href) throw new Error("no phone link under the QR code");
    return href;
  }
}

/** The sandbox phone: a simulated WeChat app. */
export class SandboxPhone {
  constructor(private page: Page) {}

  async open(path: string) {
    await this.page.goto(path);
    await expect(this.page.locator("body[data-ready='true']")).toHaveCount(1);
  }

  async createPersona(nickname: string, phone?: string) {
    const field = this.page.getByTestId("persona-nickname");
    // The form is folded away once personas exist.
    if (!(await field.isVisible())) await this.page.getByTestId("persona-new").click();
    await field.fill(nickname);
    if (phone) await this.page.getByTestId("persona-phone").fill(phone);
    await this.page.getByTestId("persona-create").click();
    await expect(this.page.getByTestId("persona-select")).toContainText(nickname);
  }

  /** Holds the phone as an existing persona. */
  async usePersona(nickname: string) {
    const select = this.page.getByTestId("persona-select");
    const value = await select.locator("option", { hasText: nickname }).first().getAttribute("value");
    if (!value) throw new Error(`no persona ${nickname} on the phone`);
    await select.selectOption(value);
  }

  /** Opens the scanned URL the link filled in. */
  async openScanned() {
    await this.page.getByTestId("scan-open").click();
    await expect(this.page.getByTestId("action")).not.toBeEmpty();
  }

  async confirm() {
    await this.page.getByTestId("confirm").click();
    await expect(this.page.getByTestId("done")).toBeVisible();
  }
}

/** The identity-source pages: the list, the mode cards, the form and a source's page. */
export class SourcePages {
  constructor(private page: Page) {}

  async startNew(mode: string) {
    await this.page.getByTestId("new-source").click();
    await expect(this.page.locator("[data-testid^='mode-card-']")).toHaveCount(6);
    await this.page.getByTestId(`mode-card-${mode}`).click();
    await expect(this.page.getByTestId("source-form")).toBeVisible();
  }

  field(name: string) {
    return this.page.getByTestId(`field-${name}`);
  }

  fieldError(name: string) {
    return this.page.getByTestId(`error-${name}`);
  }

  /** Chooses a logo file; the server checks it before anything is saved. */
  async chooseLogo(name: string, mimeType: string, buffer: Buffer) {
    await this.field("logo").setInputFiles({ name, mimeType, buffer });
  }

  async save() {
    await this.page.getByTestId("save-source").click();
  }

  secretHint() {
    return this.page.getByTestId("secret-hint");
  }

  logoPreview() {
    return this.page.getByTestId("logo-preview");
  }

  /** The switch of one application on a source's page. */
  applicationSwitch(applicationId: string) {
    return this.page.getByTestId(`use-app-${applicationId}`);
  }

  async delete() {
    await this.page.getByTestId("delete-source").click();
  }
}

/** The application pages. */
export class ApplicationPages {
  constructor(private page: Page) {}

  async create(name: string, redirectUri: string) {
    await this.page.getByTestId("new-application").click();
    await this.page.getByTestId("field-name").fill(name);
    await this.page.getByTestId("field-redirect_uris").fill(redirectUri);
    await this.page.getByTestId("save-application").click();
    await expect(this.page.getByTestId("application-created")).toBeVisible();
  }

  clientId() {
    return this.page.getByTestId("client-id");
  }

  clientSecret() {
    return this.page.getByTestId("client-secret");
  }

  sourceSwitch(sourceId: string) {
    return this.page.getByTestId(`use-source-${sourceId}`);
  }
}

/** The confirmation dialog. */
export class Dialog {
  constructor(private page: Page) {}

  root() {
    return this.page.getByRole("dialog");
  }

  async cancel() {
    await this.page.getByTestId("confirm-cancel").click();
  }

  async confirm() {
    await this.page.getByTestId("confirm-ok").click();
  }
}

/** Scans the QR code on the hosted login page with the phone as `persona` and confirms. */
export async function scan(popup: Page, phonePage: Page, persona: string, create: boolean, mode?: string) {
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.locator(`[data-testid=login-source]${mode ? `[data-mode=${mode}]` : ""}`).click();
  await expect(popup).toHaveURL(/\/sandbox\/wechat\/open\/connect\/qrconnect\?/);
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  const phone = new SandboxPhone(phonePage);
  await phone.open(href);
  if (create) await phone.createPersona(persona);
  else await phone.usePersona(persona);
  await phone.openScanned();
  await phone.confirm();
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(popup);
  await expect(popup.getByTestId("experience-nickname")).toHaveText(persona);
  return (await popup.getByTestId("experience-user-id").textContent()) ?? "";
}

/**
 * Signs in as the administrator (English console), creates a website QR source and an
 * application through the console, enables the source for it, and opens "Experience login".
 * Returns the popup, on its way to the hosted login page.
 */
export async function experienceSetup(
  page: Page,
  names: { source: string; appid: string; app: string },
  embedded: boolean,
): Promise<Page> {
  const console_ = new Console(page);
  const sources = new SourcePages(page);
  const apps = new ApplicationPages(page);
  await signInAsAdmin(page);

  await console_.go("sources");
  await sources.startNew("pc_qrcode");
  await sources.field("identifier").fill(names.source);
  await sources.field("display_name").fill("Scan with WeChat");
  await sources.field("callback_url").fill("https://shop.example.com/after-login");
  await sources.field("appid").fill(names.appid);
  await sources.field("app_secret").fill("e2e-experience-secret");
  if (embedded) await sources.field("embedded_qr").check();
  await sources.save();
  await expect(page).toHaveURL(/\/console\/sources\/\d+$/);
  const sourceId = page.url().split("/").pop() ?? "";
  if (embedded) await expect(sources.field("embedded_qr")).toBeChecked();

  await console_.go("applications");
  await apps.create(names.app, "https://shop.example.com/oidc/callback");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  await hydrated(page);
  await apps.sourceSwitch(sourceId).click();
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "true");

  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByTestId("experience-login").click(),
  ]);
  return popup;
}
