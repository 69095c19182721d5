import { expect, test } from "@playwright/test";
import { experienceSetup, hydrated, scan } from "./pages";

/** Today in China Standard Time, as the Overview counts days. */
function todayInChina(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

test("overview: a new person's login shows in the counts and the charts, drawn without JavaScript", async ({
  page,
  context,
  browser,
}) => {
  const popup = await experienceSetup(
    page,
    { source: "e2e-overview-qr", appid: "wx7e7e7e7e7e7e0031", app: "Overview Shop" },
    false,
  );
  await page.goto("/console");
  await hydrated(page);
  const users = Number(await page.getByTestId("count-users").locator("div").first().textContent());

  const phonePage = await context.newPage();
  await scan(popup, phonePage, "Overview Person", true);

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("count-users").locator("div").first()).toHaveText(String(users + 1));
  await expect(page.getByTestId("count-sources").locator("div").first()).not.toHaveText("0");
  const logins = page.getByTestId("chart-logins");
  await expect(logins.locator("svg").first()).toBeVisible();
  // Today's bar has the website QR login in it, with its figure in the hover title (the chart
  // is drawn wide for a desktop and narrow for a phone).
  await expect(logins.locator("[data-size=narrow] svg rect title", { hasText: `${todayInChina()} · PC website QR login:` })).toHaveCount(1);
  await expect(page.getByTestId("chart-users").locator("svg rect title", { hasText: todayInChina() })).toHaveCount(1);
  await expect(page.getByTestId("chart-failures").locator("svg")).toBeVisible();
  await expect(page.getByTestId("overview-period")).toContainText("30 days");

  // The same page with JavaScript off: the server drew the charts into the HTML.
  const cookies = await context.cookies();
  const plain = await browser.newContext({ javaScriptEnabled: false, locale: "zh-CN" });
  await plain.addCookies(cookies.filter((c) => c.name !== "datong_lang"));
  await plain.addCookies([{ name: "datong_lang", value: "zh-CN", url: page.url() }]);
  const noScript = await plain.newPage();
  await noScript.goto(new URL("/console", page.url()).toString());
  await expect(noScript.getByTestId("chart-logins").locator("figcaption")).toHaveText("每日登录次数（按登录方式）");
  await expect(
    noScript.getByTestId("chart-logins").locator("[data-size=wide] svg rect title", { hasText: `${todayInChina()} · PC 网站扫码登录:` }),
  ).toHaveCount(1);
  await expect(noScript.getByTestId("count-users").locator("div").first()).toHaveText(String(users + 1));
  await plain.close();
});
