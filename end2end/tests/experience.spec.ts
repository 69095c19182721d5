import { expect, Page, test } from "@playwright/test";
import { ApplicationPages, Console, SandboxPhone, SourcePages, experienceSetup, hydrated, scan, signInAsAdmin } from "./pages";

test("experience login with a website QR source: persona P is one user across logins, persona Q another", async ({
  page,
  context,
}) => {
  // Experience login: the hosted page, the QR code, the phone, the result.
  const popup = await experienceSetup(
    page,
    { source: "e2e-web-qr", appid: "wx5e2e0000000000a1", app: "Experience Shop" },
    false,
  );
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
  await expect(page.getByTestId("login-log-outcome")).toHaveText(["Success", "Success", "Success"]);
  await expect(page.getByTestId("login-log-outcome").first()).toHaveAttribute("title", "success");
});

test("embedded QR: the hosted page shows WeChat's QR code inline and the whole window goes on", async ({
  page,
  context,
}) => {
  const popup = await experienceSetup(
    page,
    { source: "e2e-embedded-qr", appid: "wx5e2e0000000000b2", app: "Embedded Shop" },
    true,
  );
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await expect(popup.getByTestId("login-source")).toHaveCount(0);
  await expect(popup.getByTestId("login-embedded")).toContainText("Scan with WeChat");
  const frame = popup.frameLocator("[data-testid=login-qr-frame]");
  await expect(frame.getByTestId("qr").locator("svg")).toBeVisible();
  const href = await frame.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the embedded QR code");

  const phone = new SandboxPhone(await context.newPage());
  await phone.open(href);
  await phone.createPersona("Persona R");
  await phone.openScanned();
  await phone.confirm();

  // WeChat's frame sends the top window to the callback, and on to the result.
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(popup);
  await expect(popup.getByTestId("experience-nickname")).toHaveText("Persona R");
  await expect(popup.getByTestId("experience-user-id")).toHaveText(/^u_/);
});

/** From the hosted login page, the mini-program code source: the phone (as `persona`) scans,
 *  allows the phone number, and the page goes on to the experience result. */
async function scanMiniProgramCode(popup: Page, phonePage: Page, persona: string, create: boolean, phoneNumber?: string) {
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source][data-mode=pc_miniprogram_qrcode]").click();
  await expect(popup.getByTestId("mp-status")).toHaveAttribute("data-status", "waiting");
  // Nothing to refresh while the code is live.
  await expect(popup.getByTestId("mp-refresh")).toBeHidden();
  await expect(popup.getByTestId("mp-code")).toBeVisible();
  const href = await popup.getByTestId("mp-sandbox-phone").getAttribute("href");
  if (!href) throw new Error("no sandbox phone link beside the code");
  const phone = new SandboxPhone(phonePage);
  await phone.open(href);
  if (create) await phone.createPersona(persona, phoneNumber);
  else await phone.usePersona(persona);
  await phone.openScanned();
  // The mini program reported the scan: the computer says so.
  await expect(popup.getByTestId("mp-status")).toHaveAttribute("data-status", "scanned");
  await phonePage.getByTestId("mp-login").click();
  await expect(phonePage.getByTestId("done")).toBeVisible();
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(popup);
  const claims = JSON.parse((await popup.getByTestId("experience-claims").textContent()) ?? "{}");
  return { user: (await popup.getByTestId("experience-user-id").textContent()) ?? "", claims, appid: new URL(href, "http://x").searchParams.get("scan") ?? "" };
}

test("one person, one user: the website QR and the mini-program code; another WeChat subject splits them, phone matching joins", async ({
  page,
  context,
  request,
}) => {
  const console_ = new Console(page);
  const sources = new SourcePages(page);
  const apps = new ApplicationPages(page);
  await signInAsAdmin(page);
  const ids: string[] = [];
  for (const [mode, identifier, name] of [
    ["pc_qrcode", "e2e-demo-web", "Website QR"],
    ["pc_miniprogram_qrcode", "e2e-demo-mp", "Mini-program code"],
  ]) {
    await console_.go("sources");
    await sources.startNew(mode);
    await sources.field("identifier").fill(identifier);
    await sources.field("display_name").fill(name);
    await sources.field("callback_url").fill("https://shop.example.com/after-login");
    if (mode === "pc_qrcode") {
      await sources.field("appid").fill("wx5e2e0000000000c1");
      await sources.field("app_secret").fill("e2e-demo-secret");
    }
    await sources.save();
    await expect(page).toHaveURL(/\/console\/sources\/\d+$/);
    ids.push(page.url().split("/").pop() ?? "");
  }
  await console_.go("applications");
  await apps.create("Demo Shop", "https://shop.example.com/oidc/callback");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  await hydrated(page);
  for (const id of ids) {
    await apps.sourceSwitch(id).click();
    await expect(apps.sourceSwitch(id)).toHaveAttribute("aria-checked", "true");
  }
  const appPage = page.url();
  const experience = async () => {
    await page.goto(appPage);
    await hydrated(page);
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
    return popup;
  };
  const phonePage = await context.newPage();

  // Persona P with the website QR: user X.
  const popup = await experience();
  const x = await scan(popup, phonePage, "Demo P", true, "pc_qrcode");
  // Sign out, then the mini-program code as P: the same X, now with P's verified phone.
  await popup.getByTestId("experience-logout").click();
  const viaMp = await scanMiniProgramCode(popup, phonePage, "Demo P", false);
  expect(viaMp.user).toBe(x);
  expect(viaMp.claims.phone_number).toMatch(/^\+86138\d{8}$/);
  expect(viaMp.claims.phone_number_verified).toBe(true);
  await popup.getByTestId("experience-logout").click();

  // Move the mini program to another open-platform account (WeChat subject).
  const mpAppid = new URL(viaMp.appid).searchParams.get("appid") ?? "";
  expect(mpAppid).toMatch(/^wx[0-9a-f]{16}$/);
  const account = await (await request.post("/sandbox/wechat/admin/api/accounts", { data: { name: "Other subject" } })).json();
  expect((await request.patch(`/sandbox/wechat/admin/api/apps/${mpAppid}`, { data: { account_id: account.id } })).ok()).toBe(true);

  // A new persona R: website QR → Y; mini-program code → another user (UnionIDs differ).
  const y = await scan(popup, phonePage, "Demo R", true, "pc_qrcode");
  await popup.getByTestId("experience-logout").click();
  const z = await scanMiniProgramCode(popup, phonePage, "Demo R", false);
  expect(z.user).not.toBe(y);
  await popup.getByTestId("experience-logout").click();

  // Field matching on the verified phone: a new WeChat account with R's number joins R's user.
  await page.goto(`/console/sources/${ids[1]}`);
  await hydrated(page);
  await sources.field("linking").selectOption("field_match");
  await sources.field("link_field").selectOption("phone");
  await sources.save();
  await expect(sources.field("linking")).toHaveValue("field_match");
  const sameNumber = (z.claims.phone_number as string).replace(/^\+86/, "");
  const joined = await scanMiniProgramCode(popup, phonePage, "Demo R2", true, sameNumber);
  expect(joined.user).toBe(z.user);
});
