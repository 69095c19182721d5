import { expect, test } from "@playwright/test";
import { experienceSetup, hydrated, scan } from "./pages";

const APPID = "wx7e7e7e7e7e7e0002";

test("merges: preview two users, keep the other's name, merge; unlink an identity into its own user and link it back", async ({
  page,
  context,
}) => {
  // A website app outside any open-platform account: WeChat gives no unionid, so two people's
  // logins stay two users until an administrator says otherwise.
  expect((await page.request.post("/sandbox/wechat/admin/api/apps", {
    data: { appid: APPID, kind: "website", secret: "e2e-experience-secret" },
  })).status()).toBeLessThan(500);
  expect((await page.request.patch(`/sandbox/wechat/admin/api/apps/${APPID}`, { data: { account_id: null } })).ok()).toBe(true);

  const popup = await experienceSetup(page, { source: "e2e-merge-qr", appid: APPID, app: "Merge Shop" }, false);
  const phonePage = await context.newPage();
  const a = await scan(popup, phonePage, "Merge Person A", true);
  await popup.getByTestId("experience-logout").click();
  const b = await scan(popup, phonePage, "Merge Person B", true);
  expect(b).not.toBe(a);

  // Start from A's page: the preview shows both, with the names in conflict.
  await page.goto(`/console/users/${a}`);
  await hydrated(page);
  await page.getByTestId("user-merge-from").fill(b);
  await page.getByTestId("user-merge-preview").click();
  await expect(page).toHaveURL(`/console/users/${a}/merge?from=${b}`);
  await expect(page.getByTestId("merge-into")).toContainText("Merge Person A");
  await expect(page.getByTestId("merge-from")).toContainText("Merge Person B");
  await expect(page.getByTestId("merge-moving").locator("li")).toHaveCount(1);
  const nickname = page.locator("[data-testid=merge-field][data-field=nickname]");
  await expect(nickname.getByTestId("merge-keep-into")).toBeChecked();
  await nickname.getByTestId("merge-keep-from").check();
  await page.getByTestId("merge-confirm").click();

  // The merged user: B's name as chosen, both identities.
  await expect(page).toHaveURL(`/console/users/${a}`);
  await expect(page.getByTestId("user-nickname")).toHaveText("Merge Person B");
  await expect(page.getByTestId("user-identity")).toHaveCount(2);
  await page.goto(`/console/users/${b}`);
  await expect(page.getByTestId("user-merged-into")).toHaveText(a);

  // Unlink B's identity again: it becomes a user of its own.
  await page.goto(`/console/users/${a}`);
  await hydrated(page);
  const moving = page.getByTestId("user-identity").nth(1);
  const openid = (await moving.getAttribute("data-openid")) ?? "";
  expect(openid).toMatch(/^o/);
  await moving.getByTestId("user-identity-unlink").click();
  await page.getByTestId("unlink-ok").click();
  await expect(page.getByTestId("user-unlinked")).toBeVisible();
  await expect(page.getByTestId("user-identity")).toHaveCount(1);
  const c = (await page.getByTestId("user-unlinked-link").textContent()) ?? "";
  expect(c).toMatch(/^u_/);

  // Link it back by its OpenID: the emptied user is merged into A.
  await page.getByTestId("user-link-openid").fill(openid);
  await page.getByTestId("user-link").click();
  await expect(page.getByTestId("user-identity")).toHaveCount(2);
  await expect(page.getByTestId("user-audit")).toContainText("user.link");

  // Linking what A already has is refused in words.
  await page.getByTestId("user-link-openid").fill(openid);
  await page.getByTestId("user-link").click();
  await expect(page.getByTestId("user-link-refused")).toContainText("already has");
});
