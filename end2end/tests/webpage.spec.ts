import { expect, Page, test } from "@playwright/test";
import { ApplicationPages, Console, SandboxPhone, SourcePages, hydrated, signInAsAdmin } from "./pages";

/** WeChat's in-app browser on an iPhone. */
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
  "Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

/** Creates a source through the console; returns its id. */
async function newSource(page: Page, mode: string, fields: Record<string, string>): Promise<string> {
  const sources = new SourcePages(page);
  await new Console(page).go("sources");
  await sources.startNew(mode);
  for (const [name, value] of Object.entries(fields)) {
    if (name === "scope") await sources.field(name).selectOption(value);
    else await sources.field(name).fill(value);
  }
  await sources.save();
  await expect(page).toHaveURL(/\/console\/sources\/\d+$/);
  return page.url().split("/").pop() ?? "";
}

test("inside WeChat the web-page source opens directly, and the person is the same user as with the website QR", async ({
  page,
  context,
  browser,
}) => {
  await signInAsAdmin(page);
  const web = await newSource(page, "pc_qrcode", {
    identifier: "e2e-wp-web",
    display_name: "Scan with WeChat",
    callback_url: "https://shop.example.com/after",
    appid: "wx5e2e0000000000e1",
    app_secret: "e2e-webpage-secret",
  });
  const oa = await newSource(page, "webpage", {
    identifier: "e2e-wp-oa",
    display_name: "Log in inside WeChat",
    callback_url: "https://shop.example.com/after",
    appid: "wx5e2e0000000000e2",
    app_secret: "e2e-webpage-secret",
    scope: "snsapi_userinfo",
  });
  // The source page says which domain the official account must allow, and gives the direct
  // login link.
  await expect(page.getByTestId("webpage-domain")).toContainText("127.0.0.1");
  await expect(page.getByTestId("direct-link")).toHaveText(/\/login\/wechat\/e2e-wp-oa$/);
  const apps = new ApplicationPages(page);
  await new Console(page).go("applications");
  await apps.create("WeChat Page Shop", "https://shop.example.com/oidc/callback");
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  const appUrl = page.url();
  await hydrated(page);
  for (const id of [web, oa]) {
    await apps.sourceSwitch(id).click();
    await expect(apps.sourceSwitch(id)).toHaveAttribute("aria-checked", "true");
  }

  // On the computer: the website QR, persona W on the sandbox phone.
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("experience-login").click()]);
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await expect(popup.getByTestId("login-source")).toHaveCount(2);
  await popup.locator("[data-testid=login-source][data-mode=pc_qrcode]").click();
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  if (!href) throw new Error("no phone link under the QR code");
  const phone = new SandboxPhone(await context.newPage());
  await phone.open(href);
  await phone.createPersona("Persona W");
  await phone.openScanned();
  await phone.confirm();
  await expect(popup).toHaveURL(/\/console\/experience\/result\?/);
  const x = (await popup.getByTestId("experience-user-id").textContent()) ?? "";
  expect(x).toMatch(/^u_/);

  // The web-page source outside WeChat: a page asking to open the login in WeChat.
  await popup.getByTestId("experience-logout").click();
  await expect(popup).toHaveURL(/\/login\?request=/);
  await popup.locator("[data-testid=login-source][data-mode=webpage]").click();
  await expect(popup.getByTestId("open-in-wechat")).toBeVisible();
  await expect(popup.getByTestId("open-in-wechat-qr").locator("svg")).toBeVisible();

  // Inside WeChat, on a phone-sized screen, in Chinese.
  const wechat = await browser.newContext({
    userAgent: WECHAT_UA,
    viewport: { width: 390, height: 844 },
    locale: "zh-CN",
  });
  const inWeChat = await wechat.newPage();
  // WeChat knows who holds the phone: the sandbox phone remembers persona W.
  const wechatPhone = new SandboxPhone(inWeChat);
  await wechatPhone.open("/sandbox/wechat/phone");
  await wechatPhone.usePersona("Persona W");
  await signInAsAdmin(inWeChat);
  await inWeChat.goto(appUrl);
  await hydrated(inWeChat);
  const [page2] = await Promise.all([
    inWeChat.waitForEvent("popup"),
    inWeChat.getByTestId("experience-login").click(),
  ]);
  // No chooser: straight to WeChat's authorization, which asks for consent.
  await expect(page2).toHaveURL(/\/sandbox\/wechat\/open\/connect\/oauth2\/authorize\?appid=wx5e2e0000000000e2&redirect_uri=/);
  await page2.getByTestId("allow").click();
  await expect(page2).toHaveURL(/\/console\/experience\/result\?/);
  await hydrated(page2);
  await expect(page2.getByTestId("experience-user-id")).toHaveText(x);

  // The chooser inside WeChat hides the website QR (nobody scans their own screen).
  const request = await popup.evaluate(() => new URLSearchParams(location.search).get("request"));
  await page2.goto(`/login?request=${request}`);
  await expect(page2.getByTestId("login-source")).toHaveCount(1);
  await expect(page2.locator("[data-testid=login-source][data-mode=webpage]")).toBeVisible();
  // The console left English chosen in this browser; the page's switch changes it.
  await expect(page2.locator("main")).toContainText("Continue with");
  await page2.getByTestId("lang-zh").click();
  await expect(page2.locator("main")).toContainText("使用以下方式继续");
  await page2.setViewportSize({ width: 390, height: 844 });
  const overflow = await page2.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
  await page2.screenshot({ path: "test-results/screens/login-in-wechat-zh.png", fullPage: true });

  // A refusal inside WeChat, on the same screen: one layout, the person's language.
  await page2.goto("/login/wechat/e2e-wp-oa/callback?state=forged&code=x");
  await expect(page2.getByTestId("error")).toHaveAttribute("data-reason", "state_unknown");
  await expect(page2.locator("html")).toHaveAttribute("lang", "zh-CN");
  await page2.screenshot({ path: "test-results/screens/refusal-zh.png", fullPage: true });
  await wechat.close();
});
