// Experience login for applications that log in on a device: the console's popup offers the
// sandbox phone running a sample of the mini program or the app, which logs in as the
// customer's would (the WeChat grant; the app-launched mini program with PKCE) and comes back
// to the result card. Runs after the console and experience specs (files run in name order).
import { expect, test, type Page } from "@playwright/test";
import { SandboxPhone, hydrated, signInAsAdmin } from "./pages";

async function api(page: Page, baseURL: string | undefined, path: string, data: object) {
  const r = await page.request.post(path, { headers: { origin: baseURL ?? "" }, data });
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.json();
}

/** Opens the application's experience login; returns the popup on the phone page. */
async function experience(page: Page, appId: number): Promise<Page> {
  await page.goto(`/console/applications/${appId}`);
  await hydrated(page);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
  await expect(popup).toHaveURL(/\/console\/experience\/[^/]+\/device$/);
  await expect(popup.getByTestId("device-page")).toBeVisible();
  return popup;
}

/** On the popup's phone page, holds the phone as `persona` (created when new). */
async function onPhone(popup: Page, mode: string, persona: string) {
  await popup.locator(`[data-testid=device-run][data-mode=${mode}]`).click();
  await expect(popup).toHaveURL(/\/sandbox\/wechat\/phone\?/);
  const phone = new SandboxPhone(popup);
  await expect(popup.locator("body[data-ready='true']")).toHaveCount(1);
  const known = await popup.getByTestId("persona-select").locator("option", { hasText: persona }).count();
  if (known) await phone.usePersona(persona);
  else await phone.createPersona(persona, "13500135000");
}

/** The result card's user ID; `persona` is the nickname it must show (a mini program gives no
 * profile, only the verified phone: then `phone`). */
async function result(popup: Page, persona?: string, phone?: string): Promise<string> {
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(popup);
  if (persona) await expect(popup.getByTestId("experience-nickname")).toHaveText(persona);
  if (phone) await expect(popup.getByTestId("experience-claims")).toContainText(phone);
  return (await popup.getByTestId("experience-user-id").textContent()) ?? "";
}

test("a mini-program application and a native application: experience login on the sandbox phone finds one user", async ({
  page,
  baseURL,
}) => {
  await signInAsAdmin(page);
  const mini = "wx7d7d7d7d7d7d0001";
  const mobile = "wx7d7d7d7d7d7d0002";
  const inside = await api(page, baseURL, "/api/v1/sources", {
    identifier: "e2e-mp-inside", mode: "miniprogram", display_name: "Inside the mini program",
    callback_url: "https://shop.example.com/after", appid: mini, app_secret: "e2e-device",
  });
  const app = await api(page, baseURL, "/api/v1/sources", {
    identifier: "e2e-mobile", mode: "mobile_app", display_name: "Shop app",
    callback_url: "https://shop.example.com/after", appid: mobile, app_secret: "e2e-device",
  });
  const launch = await api(page, baseURL, "/api/v1/sources", {
    identifier: "e2e-app-mp", mode: "app_launch_miniprogram", display_name: "Shop app via the mini program",
    callback_url: "https://shop.example.com/after", appid: mini, app_secret: "e2e-device",
    original_id: "gh_7d7d7d7d7d7d", page_path: "pages/login/index", env_version: "release",
  });
  const miniApp = await api(page, baseURL, "/api/v1/applications", {
    name: "Device Mini", app_type: "mini_program", sources: [inside.id],
  });
  const nativeApp = await api(page, baseURL, "/api/v1/applications", {
    name: "Device Native", app_type: "native", sources: [app.id, launch.id],
    redirect_uris: ["com.example.shop:/login"],
  });

  // The application pages say how to integrate, with their client_id and sources.
  await page.goto(`/console/applications/${miniApp.application.id}`);
  await hydrated(page);
  await expect(page.getByTestId("integration-snippet")).toHaveCount(1);
  await expect(page.getByTestId("integration-snippet")).toContainText(`clientId: "${miniApp.application.client_id}"`);
  await expect(page.getByTestId("integration-snippet")).toContainText(`source: "e2e-mp-inside"`);
  await page.goto(`/console/applications/${nativeApp.application.id}`);
  await hydrated(page);
  await expect(page.getByTestId("integration-snippet")).toHaveCount(2);
  await expect(page.getByTestId("integration-snippet").nth(1)).toContainText("com.example.shop:/login");
  await page.screenshot({ path: "test-results/screens/native-application-integration.png", fullPage: true });

  // Inside the mini program: wx.login, the phone-number button, the grant.
  let popup = await experience(page, miniApp.application.id);
  await popup.setViewportSize({ width: 390, height: 844 });
  await popup.screenshot({ path: "test-results/screens/device-experience-en.png", fullPage: true });
  await onPhone(popup, "miniprogram", "Device P");
  await popup.screenshot({ path: "test-results/screens/phone-sample-mini-program.png", fullPage: true });
  await popup.getByTestId("sample-login-phone").click();
  const x = await result(popup, undefined, "+8613500135000");
  expect(x).not.toBe("");
  await popup.close();

  // The native app, WeChat login (SendAuth): denied first, then allowed.
  popup = await experience(page, nativeApp.application.id);
  await onPhone(popup, "mobile_app", "Device P");
  await popup.getByTestId("sample-login").click();
  await popup.getByTestId("sample-deny").click();
  await expect(popup.getByTestId("sample")).toHaveAttribute("data-outcome", "denied");
  await popup.reload();
  await expect(popup.locator("body[data-ready='true']")).toHaveCount(1);
  await popup.getByTestId("sample-login").click();
  await popup.getByTestId("sample-allow").click();
  expect(await result(popup, "Device P")).toBe(x);
  await popup.close();

  // The native app launching the mini program: confirm, then tap "back to the app" (the app
  // gets extMsg), or go back without tapping (the app asks for the ticket's status).
  for (const back of ["sample-launch-app", "sample-go-back"]) {
    popup = await experience(page, nativeApp.application.id);
    await onPhone(popup, "app_launch_miniprogram", "Device P");
    await popup.getByTestId("sample-login").click();
    await popup.getByTestId("sample-mp-confirm").click();
    if (back === "sample-launch-app") {
      await popup.screenshot({ path: "test-results/screens/phone-sample-launch-app.png", fullPage: true });
    }
    await popup.getByTestId(back).click();
    expect(await result(popup, "Device P")).toBe(x);
    await popup.close();
  }

  // The Logs page names the new modes in words (the code on hover).
  await page.goto("/console/logs");
  await hydrated(page);
  const launched = page.locator("[data-testid=login-log-mode][title=app_launch_miniprogram]").first();
  await expect(launched).toHaveText("App launches a mini program");
  await expect(page.locator("[data-testid=login-log-mode][title=miniprogram]").first()).toHaveText("Mini program login");
});

/** WeChat's in-app browser on an iPhone. */
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
  "Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

test("six modes, one person, one user: website QR, mini-program code, web page, mini program, mobile app, app-launched mini program", async ({
  page,
  context,
  browser,
  baseURL,
}) => {
  await signInAsAdmin(page);
  const common = { callback_url: "https://shop.example.com/after", app_secret: "e2e-six" };
  // One mini program (its own, in the sandbox's default subject like every app here) serves the
  // code on the computer, the login inside it and the app's launch.
  const mini = "wx6b6b6b6b6b6b0001";
  const qr = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-qr", mode: "pc_qrcode", display_name: "Website QR", appid: "wx6b6b6b6b6b6b0002",
  });
  const code = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-code", mode: "pc_miniprogram_qrcode", display_name: "Mini-program code",
    private_deployment: true, appid: mini, env_version: "release",
  });
  const oa = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-oa", mode: "webpage", display_name: "In WeChat", appid: "wx6b6b6b6b6b6b0003",
    scope: "snsapi_userinfo",
  });
  const inside = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-mp", mode: "miniprogram", display_name: "Mini program", appid: mini,
  });
  const mobile = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-app", mode: "mobile_app", display_name: "App", appid: "wx6b6b6b6b6b6b0004",
  });
  const launch = await api(page, baseURL, "/api/v1/sources", {
    ...common, identifier: "six-launch", mode: "app_launch_miniprogram", display_name: "App via mini program",
    appid: mini, original_id: "gh_6b6b6b6b6b6b", page_path: "pages/login/index", env_version: "release",
  });
  const webApp = await api(page, baseURL, "/api/v1/applications", {
    name: "Six Web", app_type: "web", redirect_uris: ["https://shop.example.com/oidc/callback"],
    sources: [qr.id, code.id, oa.id],
  });
  const miniApp = await api(page, baseURL, "/api/v1/applications", {
    name: "Six Mini", app_type: "mini_program", sources: [inside.id],
  });
  const nativeApp = await api(page, baseURL, "/api/v1/applications", {
    name: "Six Native", app_type: "native", redirect_uris: ["com.example.six:/login"], sources: [mobile.id, launch.id],
  });
  // The sandbox's mini program calls this Datong from its login page (its server URL), as the
  // default mini program does.
  await page.request.post("/sandbox/wechat/admin/api/apps", { data: { appid: mini, kind: "mini_program" } });
  const backend = await page.request.patch(`/sandbox/wechat/admin/api/apps/${mini}`, {
    data: { server_url: `${baseURL}/api/v1/login/mp-qrcode` },
  });
  expect(backend.status(), await backend.text()).toBe(200);
  const users: string[] = [];

  // 1. Website QR, in the web application's experience popup.
  await page.goto(`/console/applications/${webApp.application.id}`);
  await hydrated(page);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source][data-mode=pc_qrcode]").click();
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  const phonePage = await context.newPage();
  const phone = new SandboxPhone(phonePage);
  await phone.open(href);
  await phone.createPersona("Six P", "13400134000");
  await phone.openScanned();
  await phone.confirm();
  users.push(await result(popup, "Six P"));

  // 2. The mini-program code on the computer.
  await popup.getByTestId("experience-logout").click();
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source][data-mode=pc_miniprogram_qrcode]").click();
  await expect(popup.getByTestId("mp-code")).toBeVisible();
  const mpHref = await popup.getByTestId("mp-sandbox-phone").getAttribute("href");
  if (!mpHref) throw new Error("no sandbox phone link beside the code");
  await phone.open(mpHref);
  await phone.usePersona("Six P");
  await phone.openScanned();
  await phonePage.getByTestId("mp-login").click();
  users.push(await result(popup, "Six P", "+8613400134000"));
  await popup.close();

  // 3. The web page inside WeChat (the WeChat browser holds persona P's phone).
  const wechat = await browser.newContext({ userAgent: WECHAT_UA, viewport: { width: 390, height: 844 } });
  const inWeChat = await wechat.newPage();
  const wechatPhone = new SandboxPhone(inWeChat);
  await wechatPhone.open("/sandbox/wechat/phone");
  await wechatPhone.usePersona("Six P");
  await signInAsAdmin(inWeChat);
  await inWeChat.goto(`/console/applications/${webApp.application.id}`);
  await hydrated(inWeChat);
  const [inside3] = await Promise.all([inWeChat.waitForEvent("popup"), inWeChat.getByTestId("experience-login").click()]);
  await expect(inside3).toHaveURL(/\/sandbox\/wechat\/open\/connect\/oauth2\/authorize\?/);
  await inside3.getByTestId("allow").click();
  users.push(await result(inside3, "Six P"));
  await wechat.close();

  // 4–6. The mini program, the app (WeChat login), the app launching the mini program.
  let device = await experience(page, miniApp.application.id);
  await onPhone(device, "miniprogram", "Six P");
  await device.getByTestId("sample-login-phone").click();
  users.push(await result(device, undefined, "+8613400134000"));
  await device.close();
  device = await experience(page, nativeApp.application.id);
  await onPhone(device, "mobile_app", "Six P");
  await device.getByTestId("sample-login").click();
  await device.getByTestId("sample-allow").click();
  users.push(await result(device, "Six P"));
  await device.close();
  device = await experience(page, nativeApp.application.id);
  await onPhone(device, "app_launch_miniprogram", "Six P");
  await device.getByTestId("sample-login").click();
  await device.getByTestId("sample-mp-confirm").click();
  await device.getByTestId("sample-launch-app").click();
  users.push(await result(device, "Six P"));

  expect(users).toHaveLength(6);
  expect(new Set(users).size).toBe(1);
  expect(users[0]).toMatch(/^u_/);
});
