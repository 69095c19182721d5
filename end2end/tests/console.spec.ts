import { expect, test } from "@playwright/test";
import { Console, SignInPage, adminPassword, hydrated, signInAsAdmin } from "./pages";


test("an administrator signs in, switches language, browses the console and signs out", async ({
  page,
}) => {
  const signIn = new SignInPage(page);
  const console_ = new Console(page);

  // A console page sends an anonymous visitor to sign-in, remembering where they were going.
  await signIn.open("/console/users");
  await expect(page).toHaveURL(/\/signin\?next=%2Fconsole%2Fusers$/);

  // A wrong password is refused without saying whether the account exists.
  await signIn.signIn("admin", "not-the-password");
  await expect(signIn.error()).toHaveText("Incorrect name or password.");

  await signIn.signIn("admin", adminPassword());
  await expect(page).toHaveURL(/\/console\/users$/);
  await hydrated(page);
  await expect(console_.nav()).toBeVisible();
  await expect(console_.adminName()).toHaveText("admin");
  await expect(console_.title()).toHaveText("Users");
  await expect(console_.emptyState()).toHaveText("No user matches. Users appear here after their first login.");

  // Switch to Simplified Chinese: the page changes at once and the choice survives a reload.
  await console_.language("zh");
  await expect(console_.navLink("users")).toHaveText("用户");
  await expect(console_.title()).toHaveText("用户");
  await page.reload();
  await hydrated(page);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
  await expect(console_.navLink("applications")).toHaveText("应用");

  // Every section is reachable from the navigation and says it is empty.
  const sections = [
    ["applications", "应用", "暂无应用。"],
    ["sources", "身份源", "暂无身份源。"],
    ["tokens", "API 令牌", "暂无 API 令牌。"],
    ["webhooks", "Webhook 推送", "还没有接收地址。"],
    ["logs", "日志", "暂无数据。"],
    ["overview", "概览", null],
  ] as const;
  for (const [section, title, empty] of sections) {
    await console_.go(section);
    await expect(console_.title()).toHaveText(title);
    if (empty) await expect(console_.emptyState()).toHaveText(empty);
    // The Overview of a new instance: zero users and charts that say there is nothing yet.
    else await expect(page.getByTestId("chart-logins")).toContainText("这段时间没有登录");
    // exactly one entry, the current one, is highlighted
    await expect(console_.currentNav()).toHaveCount(1);
    await expect(console_.currentNav()).toHaveAttribute("data-testid", `nav-${section}`);
  }

  await console_.language("en");
  await expect(console_.navLink("logs")).toHaveText("Logs");

  await console_.signOut();
  await expect(page).toHaveURL(/\/signin$/);
  await hydrated(page);
  await expect(page.getByTestId("signin-title")).toHaveText("Sign in to the Datong console");

  // The old session is gone: the console is closed again.
  await page.goto("/console");
  await expect(page).toHaveURL(/\/signin\?next=%2Fconsole$/);
});

test("the sign-in page itself offers the language switch", async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await page.getByTestId("lang-zh").click();
  await expect(page.getByTestId("signin-title")).toHaveText("登录大同控制台");
  await page.reload();
  await expect(page.getByTestId("signin-title")).toHaveText("登录大同控制台");
  await page.getByTestId("lang-en").click();
  await expect(page.getByTestId("signin-title")).toHaveText("Sign in to the Datong console");
});

test("changes made through the management API appear on the Logs page, in both languages", async ({
  page,
  baseURL,
}) => {
  const console_ = new Console(page);
  await signInAsAdmin(page);

  // The console session may call the management API from the console's own origin.
  const created = await page.request.post("/api/v1/sources", {
    headers: { origin: baseURL ?? "" },
    data: {
      identifier: "e2e-logs",
      mode: "pc_qrcode",
      display_name: "WeChat",
      callback_url: "https://shop.example.com/after",
      appid: "wx5e2e000000000009",
      app_secret: "e2e-secret-LOGS",
    },
  });
  expect(created.status()).toBe(201);

  await console_.go("logs");
  await hydrated(page);
  const row = page.getByTestId("audit-row").first();
  await expect(row).toContainText("source.create");
  await expect(row).toContainText("admin:admin");
  await expect(row).toContainText("source:e2e-logs");
  await expect(page.getByTestId("audit-table")).not.toContainText("e2e-secret-LOGS");
  await expect(page.getByTestId("audit-table").locator("th").first()).toHaveText("When");
  await console_.language("zh");
  await expect(page.getByTestId("audit-table").locator("th").first()).toHaveText("时间");
});
