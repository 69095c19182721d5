import { expect, test } from "@playwright/test";
import { hydrated, signInAsAdmin } from "./pages";


test("an application's authorization request lands on the hosted login page, in both languages", async ({
  page,
  baseURL,
}) => {
  // Set up through the management API with the console session.
  await signInAsAdmin(page);
  const post = async (path: string, data: object) => {
    const r = await page.request.post(path, { headers: { origin: baseURL ?? "" }, data });
    expect(r.status(), await r.text()).toBe(201);
    return r.json();
  };
  const source = await post("/api/v1/sources", {
    identifier: "e2e-login-qr",
    mode: "pc_qrcode",
    display_name: "WeChat QR",
    callback_url: "https://shop.example.com/after",
    appid: "wx5e2e00000000c0de",
    app_secret: "e2e-login-secret",
  });
  const created = await post("/api/v1/applications", {
    name: "E2E Login Shop",
    app_type: "web",
    redirect_uris: ["http://127.0.0.1:9/callback"],
    sources: [source.id],
  });
  const clientId = created.application.client_id;

  // A new browser context: an end user, not the administrator.
  const browser = page.context().browser();
  if (!browser) throw new Error("no browser");
  const user = await browser.newContext({ locale: "zh-CN" });
  const visitor = await user.newPage();
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: "http://127.0.0.1:9/callback",
    response_type: "code",
    scope: "openid profile",
    state: "st-1",
  });
  await visitor.goto(`${baseURL}/oauth/authorize?${q}`);
  await expect(visitor).toHaveURL(/\/login\?request=/);
  await hydrated(visitor);
  // The browser asks for Chinese: the page is in Chinese.
  await expect(visitor.getByTestId("login-app")).toHaveText("E2E Login Shop");
  await expect(visitor.locator("main")).toContainText("使用以下方式继续");
  const button = visitor.getByTestId("login-source");
  await expect(button).toHaveText(["WeChat QR"]);
  await expect(button).toHaveAttribute("href", /^\/login\/wechat\/e2e-login-qr\?request=/);
  await visitor.getByTestId("lang-en").click();
  await expect(visitor.locator("main")).toContainText("Continue with");

  // A redirect URI the application did not register is an error page, not a redirect.
  q.set("redirect_uri", "https://evil.example/callback");
  const refused = await visitor.goto(`${baseURL}/oauth/authorize?${q}`);
  expect(refused?.status()).toBe(400);
  await expect(visitor.locator("body")).toContainText("not registered");
  expect(visitor.url()).toContain("/oauth/authorize");
  await user.close();
});
