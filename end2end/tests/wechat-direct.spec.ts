// Runs after the console and experience specs (files run in name order, one server): those count
// the applications and log lines they made.
import { expect, test } from "@playwright/test";
import { ApplicationPages, Console, SandboxPhone, hydrated, signInAsAdmin } from "./pages";

test("the direct login link continues at the callback URL, where the experience client gets its user without a second scan", async ({
  page,
  context,
  baseURL,
}) => {
  await signInAsAdmin(page);
  const apps = new ApplicationPages(page);
  await new Console(page).go("applications");
  await apps.create("Direct Shop", "https://shop.example.com/oidc/callback");
  const clientId = ((await apps.clientId().textContent()) ?? "").trim();
  expect(clientId).not.toBe("");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  await hydrated(page);
  const appUrl = page.url();

  // The business page is the experience client's login initiation endpoint.
  const post = async (path: string, data: object) => {
    const r = await page.request.post(path, { headers: { origin: baseURL ?? "" }, data });
    expect(r.status(), await r.text()).toBeLessThan(300);
    return r.json();
  };
  const source = await post("/api/v1/sources", {
    identifier: "e2e-direct",
    mode: "pc_qrcode",
    display_name: "Direct QR",
    callback_url: `${baseURL}/console/experience/${clientId}/initiate`,
    appid: "wx5e2e0000000000d1",
    app_secret: "e2e-direct",
  });
  await page.goto(appUrl);
  await hydrated(page);
  await apps.sourceSwitch(String(source.id)).click();
  await expect(apps.sourceSwitch(String(source.id))).toHaveAttribute("aria-checked", "true");

  // The source's page shows the link to copy.
  await page.goto(`/console/sources/${source.id}`);
  await hydrated(page);
  const link = (await page.getByTestId("direct-link").textContent()) ?? "";
  expect(link).toBe(`${baseURL}/login/wechat/e2e-direct`);

  // A person follows it: one scan, then the business page has them.
  const visitor = await context.newPage();
  await visitor.goto(link);
  await expect(visitor).toHaveURL(/\/sandbox\/wechat\/open\/connect\/qrconnect\?/);
  const href = await visitor.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  const phone = new SandboxPhone(await context.newPage());
  await phone.open(href);
  await phone.createPersona("Persona D");
  await phone.openScanned();
  await phone.confirm();
  await expect(visitor).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(visitor);
  await expect(visitor.getByTestId("experience-nickname")).toHaveText("Persona D");
});
