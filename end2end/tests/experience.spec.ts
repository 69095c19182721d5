import { expect, Page, test } from "@playwright/test";
import { ApplicationPages, Console, SandboxPhone, SignInPage, SourcePages, hydrated } from "./pages";

const password = () => process.env.DATONG_E2E_ADMIN_PASSWORD ?? "";

/** Scans the QR code on the hosted login page with the phone as `persona` and confirms. */
async function scan(popup: Page, phonePage: Page, persona: string, create: boolean) {
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.getByTestId("login-source").click();
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

test("experience login with a website QR source: persona P is one user across logins, persona Q another", async ({
  page,
  context,
}) => {
  const signIn = new SignInPage(page);
  const console_ = new Console(page);
  const sources = new SourcePages(page);
  const apps = new ApplicationPages(page);
  await signIn.open();
  await page.getByTestId("lang-en").click();
  await signIn.signIn("admin", password());
  await expect(page).toHaveURL(/\/console$/);
  await hydrated(page);

  // A website QR source and an application, through the console.
  await console_.go("sources");
  await sources.startNew("pc_qrcode");
  await sources.field("identifier").fill("e2e-web-qr");
  await sources.field("display_name").fill("Scan with WeChat");
  await sources.field("callback_url").fill("https://shop.example.com/after-login");
  await sources.field("appid").fill("wx5e2e0000000000a1");
  await sources.field("app_secret").fill("e2e-experience-secret");
  await sources.save();
  await expect(page).toHaveURL(/\/console\/sources\/\d+$/);
  const sourceId = page.url().split("/").pop() ?? "";

  await console_.go("applications");
  await apps.create("Experience Shop", "https://shop.example.com/oidc/callback");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  const appId = page.url().split("/").pop() ?? "";
  await hydrated(page);
  await apps.sourceSwitch(sourceId).click();
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "true");

  // Experience login: the hosted page, the QR code, the phone, the result.
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByTestId("experience-login").click(),
  ]);
  const phonePage = await context.newPage();
  const x = await scan(popup, phonePage, "Persona P", true);
  expect(x).toMatch(/^u_/);
  await expect(popup.getByTestId("experience-identity")).toHaveCount(1);
  await expect(popup.getByTestId("experience-identity")).toContainText("wx5e2e0000000000a1");
  const claims = JSON.parse((await popup.getByTestId("experience-claims").textContent()) ?? "{}");
  expect(claims.sub).toBe(x);
  expect(claims.nickname).toBe("Persona P");
  expect(claims.unionid).toMatch(/^o/);

  // Log out and log in again as P: the same user.
  await popup.getByTestId("experience-logout").click();
  expect(await scan(popup, phonePage, "Persona P", false)).toBe(x);

  // Persona Q: another user.
  await popup.getByTestId("experience-logout").click();
  const y = await scan(popup, phonePage, "Persona Q", true);
  expect(y).toMatch(/^u_/);
  expect(y).not.toBe(x);

  // The Logs page lists the three logins; filtering by user keeps P's two.
  await page.goto("/console/logs");
  await hydrated(page);
  await expect(page.getByTestId("login-log-row").first()).toBeVisible();
  await page.getByTestId("log-filter-user").fill(x);
  await page.getByTestId("log-filter-apply").click();
  await expect(page.getByTestId("login-log-user")).toHaveText([x, x]);
  await page.getByTestId("log-filter-user").fill("");
  await page.getByTestId("log-filter-outcome").selectOption("success");
  await expect(page.getByTestId("login-log-outcome")).toHaveText(["success", "success", "success"]);
  void appId;
});
