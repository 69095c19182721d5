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
  const mini = "wx5e2e0000000000f1";
  const mobile = "wx5e2e0000000000f2";
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
    original_id: "gh_5e2e00000000", page_path: "pages/login/index", env_version: "release",
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
});
