// Every page fits the screen: at 1280 px (a laptop) and 390 px (a phone) nothing is wider than
// the window (no horizontal scrolling), console and end-user pages alike.
import { expect, test, type Page } from "@playwright/test";
import { SandboxPhone, hydrated, signInAsAdmin } from "./pages";

async function fits(page: Page, what: string) {
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
  expect(widths.doc, `${what} at ${widths.win}px is ${widths.doc}px wide`).toBeLessThanOrEqual(widths.win);
}

test("console and end-user pages fit at 1280 and 390 px", async ({ page, context, baseURL }) => {
  await signInAsAdmin(page);
  const post = async (path: string, data: object) => {
    const r = await page.request.post(path, { headers: { origin: baseURL ?? "" }, data });
    expect(r.status(), await r.text()).toBeLessThan(300);
    return r.json();
  };
  const source = await post("/api/v1/sources", {
    identifier: "layout-qr", mode: "pc_qrcode", display_name: "Website QR with a rather long display name",
    callback_url: "https://shop.example.com/after", appid: "wx9a9a9a9a9a9a0001", app_secret: "layout",
  });
  const app = await post("/api/v1/applications", {
    name: "Layout Shop", app_type: "web", redirect_uris: ["https://shop.example.com/oidc/callback"], sources: [source.id],
  });
  // A user to show on the experience result card.
  await page.goto(`/console/applications/${app.application.id}`);
  await hydrated(page);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source][data-mode=pc_qrcode]").click();
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  const phone = new SandboxPhone(await context.newPage());
  await phone.open(href);
  await phone.createPersona("Layout L");
  await phone.openScanned();
  await phone.confirm();
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  const result = popup.url();
  await popup.close();

  const pages = [
    "/console",
    "/console/applications",
    `/console/applications/${app.application.id}`,
    "/console/sources",
    `/console/sources/${source.id}`,
    "/console/sources/new",
    "/console/users",
    "/console/logs",
    "/console/tokens",
    "/console/webhooks",
    result,
  ];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of pages) {
      await page.goto(path);
      await hydrated(page);
      await fits(page, path);
    }
    await page.screenshot({ path: `test-results/screens/experience-result-${width}.png`, fullPage: true });
    // The hosted login page of a fresh request.
    await page.goto(`/oauth/authorize?client_id=${app.application.client_id}&redirect_uri=${encodeURIComponent("https://shop.example.com/oidc/callback")}&response_type=code&scope=openid&prompt=login`);
    await hydrated(page);
    await fits(page, "hosted login");
  }
});
