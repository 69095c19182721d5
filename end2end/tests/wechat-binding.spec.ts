// Runs after the console and experience specs (files run in name order, one server): those count
// the applications and log lines they made.
import { expect, Page, test } from "@playwright/test";
import { ApplicationPages, Console, SandboxPhone, hydrated, signInAsAdmin } from "./pages";

/** Scans the website QR on the current page with the sandbox phone as `persona`. */
async function scanWebsiteQr(popup: Page, phone: SandboxPhone, persona: string, create: boolean) {
  await expect(popup).toHaveURL(/\/sandbox\/wechat\/open\/connect\/qrconnect\?/);
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  await phone.open(href);
  if (create) await phone.createPersona(persona);
  else await phone.usePersona(persona);
  await phone.openScanned();
  await phone.confirm();
}

test("ask-to-bind: a new WeChat identity joins the account the person proves, in both languages", async ({
  page,
  context,
  baseURL,
}) => {
  await signInAsAdmin(page);
  const post = async (path: string, data: object) => {
    const r = await page.request.post(path, { headers: { origin: baseURL ?? "" }, data });
    expect(r.status(), await r.text()).toBeLessThan(300);
    return r.json();
  };
  // Two website apps of two open-platform accounts: WeChat gives them no shared unionid, so
  // only the person can say they are one.
  await post("/sandbox/wechat/admin/api/apps", { appid: "wx5e2e0000000000f2", kind: "website", secret: "e2e-bind" });
  const patched = await page.request.patch("/sandbox/wechat/admin/api/apps/wx5e2e0000000000f2", {
    data: { account_id: null },
  });
  expect(patched.status()).toBe(200);
  const first = await post("/api/v1/sources", {
    identifier: "e2e-bind-first",
    mode: "pc_qrcode",
    display_name: "Website QR",
    callback_url: "https://shop.example.com/after",
    appid: "wx5e2e0000000000f1",
    app_secret: "e2e-bind",
  });
  const second = await post("/api/v1/sources", {
    identifier: "e2e-bind-second",
    mode: "pc_qrcode",
    display_name: "Partner QR",
    callback_url: "https://shop.example.com/after",
    appid: "wx5e2e0000000000f2",
    app_secret: "e2e-bind",
    linking: "ask_to_bind",
  });
  const apps = new ApplicationPages(page);
  await new Console(page).go("applications");
  await apps.create("Binding Shop", "https://shop.example.com/oidc/callback");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  await hydrated(page);
  for (const id of [first.id, second.id]) {
    await apps.sourceSwitch(String(id)).click();
    await expect(apps.sourceSwitch(String(id))).toHaveAttribute("aria-checked", "true");
  }
  const phone = new SandboxPhone(await context.newPage());

  // Persona B has an account through the first source.
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source][data-mode=pc_qrcode]", { hasText: "Website QR" }).click();
  await scanWebsiteQr(popup, phone, "Persona B", true);
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  const account = (await popup.getByTestId("experience-user-id").textContent()) ?? "";

  // The second source has never seen B: the choice, on a phone-sized screen, in Chinese.
  await popup.getByTestId("experience-logout").click();
  await hydrated(popup);
  await popup.locator("[data-testid=login-source]", { hasText: "Partner QR" }).click();
  await scanWebsiteQr(popup, phone, "Persona B", false);
  await expect(popup).toHaveURL(/\/login\/bind\//);
  await expect(popup.getByTestId("bind-page")).toBeVisible();
  await popup.setViewportSize({ width: 390, height: 844 });
  await popup.getByTestId("lang-zh").click();
  await expect(popup.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(popup.getByTestId("bind-create")).toHaveText("创建新账号");
  const overflow = await popup.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await popup.screenshot({ path: "test-results/screens/bind-zh.png", fullPage: true });
  await popup.getByTestId("lang-en").click();
  await expect(popup.getByTestId("bind-create")).toHaveText("Create a new account");
  await popup.screenshot({ path: "test-results/screens/bind-en.png", fullPage: true });

  // "I already have an account": the proof with the first source; the identity joins B's.
  await popup.getByTestId("bind-with").click();
  await scanWebsiteQr(popup, phone, "Persona B", false);
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  await expect(popup.getByTestId("experience-user-id")).toHaveText(account);
  await expect(popup.getByTestId("experience-identity")).toHaveCount(2);
});
