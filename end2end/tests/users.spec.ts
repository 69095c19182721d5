import { expect, test } from "@playwright/test";
import { SandboxPhone, experienceSetup, hydrated, scan } from "./pages";

test("users: search, the detail, blocking refuses the person's login, the Logs link, deletion with a typed confirmation", async ({
  page,
  context,
}) => {
  const popup = await experienceSetup(
    page,
    { source: "e2e-users-qr", appid: "wx7e7e7e7e7e7e0001", app: "Users Shop" },
    false,
  );
  const phonePage = await context.newPage();
  const a = await scan(popup, phonePage, "Users Person A", true);
  await popup.getByTestId("experience-logout").click();
  const b = await scan(popup, phonePage, "Users Person B", true);
  expect(b).not.toBe(a);

  // The list: newest login first; a name search narrows it.
  await page.goto("/console/users");
  await hydrated(page);
  await expect(page.getByTestId("users-row").first()).toHaveAttribute("data-user", b);
  await page.getByTestId("users-search").fill("users person a");
  await page.getByTestId("users-search-go").click();
  await expect(page).toHaveURL(/\/console\/users\?q=users/);
  await expect(page.getByTestId("users-row")).toHaveCount(1);
  await expect(page.getByTestId("users-name")).toHaveText("Users Person A");
  await expect(page.getByTestId("users-identities")).toHaveText("1");

  // The detail: the identity with its source, the grant.
  await page.getByTestId("users-link").click();
  await expect(page).toHaveURL(`/console/users/${a}`);
  await expect(page.getByTestId("user-nickname")).toHaveText("Users Person A");
  await expect(page.getByTestId("user-identity")).toHaveCount(1);
  await expect(page.getByTestId("user-identity-sources")).toContainText("Scan with WeChat");
  await expect(page.getByTestId("user-grant").first()).toContainText("Users Shop");
  const openid = (await page.getByTestId("user-identity-openid").textContent()) ?? "";
  expect(openid).toMatch(/^o/);

  // An OpenID finds the user too.
  await page.goto(`/console/users?q=${encodeURIComponent(openid)}`);
  await hydrated(page);
  await expect(page.getByTestId("users-row")).toHaveCount(1);
  await expect(page.getByTestId("users-row")).toHaveAttribute("data-user", a);

  // Block A: the status shows it, and A's next login is refused with a readable page.
  await page.goto(`/console/users/${a}`);
  await hydrated(page);
  await page.getByTestId("user-block").click();
  await page.getByTestId("confirm-ok").click();
  await expect(page.getByTestId("user-status")).toHaveText("Blocked");
  await popup.getByTestId("experience-logout").click();
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await popup.locator("[data-testid=login-source]").click();
  const href = await popup.getByTestId("phone-link").getAttribute("href");
  const phone = new SandboxPhone(phonePage);
  await phone.open(href ?? "");
  await phone.usePersona("Users Person A");
  await phone.openScanned();
  await phone.confirm();
  await expect(popup.locator("body")).toContainText(/suspended|已被停用/);

  // The Logs page: the refusal is logged, and the user ID leads to the user.
  await page.goto("/console/logs");
  await hydrated(page);
  await expect(page.getByTestId("login-log-outcome").first()).toHaveText("User blocked here");
  await page.getByTestId("login-log-user").first().getByRole("link").click();
  await expect(page).toHaveURL(`/console/users/${a}`);
  await page.getByTestId("user-unblock").click();
  await expect(page.getByTestId("user-status")).toHaveText("Active");

  // Delete B: the button waits for the typed user ID.
  await page.goto(`/console/users/${b}`);
  await hydrated(page);
  await page.getByTestId("user-delete").click();
  await expect(page.getByTestId("confirm-ok")).toBeDisabled();
  await page.getByTestId("confirm-typed").fill("u_wrong");
  await expect(page.getByTestId("confirm-ok")).toBeDisabled();
  await page.getByTestId("confirm-typed").fill(b);
  await page.getByTestId("confirm-ok").click();
  await expect(page).toHaveURL(/\/console\/users$/);
  await expect(page.locator(`[data-testid=users-row][data-user='${b}']`)).toHaveCount(0);
  await expect(page.locator(`[data-testid=users-row][data-user='${a}']`)).toHaveCount(1);
});
