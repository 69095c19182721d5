import { expect, test } from "@playwright/test";
import { ApplicationPages, Console, Dialog, SourcePages, hydrated, signInAsAdmin } from "./pages";


// A 16×16 PNG, and an SVG (refused: only PNG and JPEG are accepted).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAAAGUlEQVR4nGM4ISf3nxLMMGrAqAGjBgwXAwAG2gMfBgtJvQAAAABJRU5ErkJggg==",
  "base64",
);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
const SECRET = "e2e-mp-secret-Q7z9";

test("a developer creates a mini-program-code source and an application, associates them, tries experience login and deletes the source", async ({
  page,
  baseURL,
}) => {
  const console_ = new Console(page);
  const sources = new SourcePages(page);
  const apps = new ApplicationPages(page);
  const dialog = new Dialog(page);

  await signInAsAdmin(page);

  // Mode first (cards), then that mode's form.
  await console_.go("sources");
  await sources.startNew("pc_miniprogram_qrcode");
  await expect(console_.title()).toContainText("PC scan of a mini-program code");

  // A bad identifier gets the same field error as the management API gives for it.
  await sources.field("identifier").fill("Bad_Id");
  await sources.field("display_name").fill("WeChat scan");
  await sources.field("callback_url").fill("https://shop.example.com/after-login");
  await sources.save();
  await expect(sources.fieldError("identifier")).toBeVisible();
  const api = await page.request.post("/api/v1/sources", {
    headers: { origin: baseURL ?? "" },
    data: {
      identifier: "Bad_Id",
      mode: "pc_miniprogram_qrcode",
      display_name: "WeChat scan",
      callback_url: "https://shop.example.com/after-login",
    },
  });
  expect(api.status()).toBe(422);
  const body = await api.json();
  expect(body.error.field).toBe("identifier");
  await expect(sources.fieldError("identifier")).toHaveText(body.error.errors[0].message);
  // …and in Chinese, translated from the same code.
  await console_.language("zh");
  await expect(sources.fieldError("identifier")).toHaveText("只能使用小写字母、数字和连字符（-）。");
  await console_.language("en");

  // Private deployment on: the mini program's own AppID and AppSecret are required.
  await sources.field("identifier").fill("e2e-mp-scan");
  await expect(sources.field("appid")).toHaveCount(0);
  // Off, Datong's default mini program (here the sandbox's) shows the code.
  await expect(page.getByTestId("default-miniprogram")).toContainText(/wx[0-9a-f]{16} \(simulated by the sandbox\)/);
  await sources.field("private_deployment").check();
  await expect(page.getByTestId("default-miniprogram")).toHaveCount(0);
  await sources.save();
  await expect(sources.fieldError("appid")).toHaveText("Enter the AppID.");
  await sources.field("appid").fill("wx0e2e00000000abcd");
  await sources.field("app_secret").fill(SECRET);

  // The logo is checked by decoding: an SVG is refused, a PNG is previewed as the server made it.
  await sources.chooseLogo("logo.svg", "image/svg+xml", SVG);
  await expect(sources.fieldError("logo")).toHaveText(
    "Only PNG and JPEG images are accepted (SVG and other formats are not).",
  );
  await expect(sources.logoPreview()).toHaveCount(0);
  await sources.chooseLogo("logo.png", "image/png", PNG);
  await expect(sources.fieldError("logo")).toHaveCount(0);
  await expect(sources.logoPreview()).toHaveAttribute("src", /^data:image\/png;base64,/);

  await sources.save();
  await expect(page).toHaveURL(/\/console\/sources\/\d+$/);
  const sourceId = page.url().split("/").pop() ?? "";
  await hydrated(page);

  // Saved: the secret is masked, never shown back; the stored logo is served as PNG.
  await expect(sources.secretHint()).toHaveText("••••Q7z9");
  expect(await page.content()).not.toContain(SECRET);
  await expect(sources.logoPreview()).toHaveAttribute("src", new RegExp(`/api/v1/sources/${sourceId}/logo`));
  await expect
    .poll(() => sources.logoPreview().evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(16);
  // Replacing the secret offers an empty field, not the old value.
  await page.getByTestId("replace-secret").click();
  await expect(sources.field("app_secret")).toHaveValue("");

  // The identifier cannot be edited any more.
  const identifier = sources.field("identifier");
  await expect(identifier).toHaveAttribute("readonly", "");
  await expect(identifier).not.toBeEditable();
  await identifier.click();
  await page.keyboard.type("-changed");
  await expect(identifier).toHaveValue("e2e-mp-scan");

  // An application: its client secret is shown once.
  await console_.go("applications");
  await apps.create("E2E Shop", "https://shop.example.com/oidc/callback");
  const clientId = (await apps.clientId().textContent()) ?? "";
  expect(clientId).toMatch(/^dt_/);
  expect((await apps.clientSecret().inputValue()).length).toBeGreaterThan(30);
  await page.getByTestId("open-application").click();
  await expect(page).toHaveURL(/\/console\/applications\/\d+$/);
  const appId = page.url().split("/").pop() ?? "";
  await hydrated(page);
  await expect(page.getByTestId("client-secret")).toHaveCount(0);

  // An optional application logo, checked and previewed the same way, stored on save.
  await sources.chooseLogo("shop.png", "image/png", PNG);
  await expect(sources.logoPreview()).toHaveAttribute("src", /^data:image\/png;base64,/);
  await page.getByTestId("save-application").click();
  await expect(page.getByTestId("saved")).toBeVisible();
  await expect(sources.logoPreview()).toHaveAttribute(
    "src",
    new RegExp(`/api/v1/applications/${appId}/logo`),
  );

  // Associate from the application's page…
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "false");
  await apps.sourceSwitch(sourceId).click();
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "true");

  // …and see it on the source's page, which can switch it too.
  await page.goto(`/console/sources/${sourceId}`);
  await hydrated(page);
  await expect(sources.applicationSwitch(appId)).toHaveAttribute("aria-checked", "true");

  // Experience login opens the application's login page in a popup.
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByTestId(`experience-${appId}`).click(),
  ]);
  await popup.waitForLoadState();
  // Through the built-in experience client to the hosted login page of this application.
  await expect(popup).toHaveURL(/\/login\?request=/);
  await hydrated(popup);
  await expect(popup.getByTestId("login-app")).toHaveText("E2E Shop");
  await expect(popup.getByTestId("login-source")).toHaveText(["WeChat scan"]);
  await popup.close();

  // The page in Chinese.
  await console_.language("zh");
  await expect(page.locator("label[for='identifier']")).toHaveText("唯一标识");
  await expect(page.getByTestId("delete-source")).toHaveText("删除");

  // Turning it off on the source's page shows on the application's page.
  await sources.applicationSwitch(appId).click();
  await expect(sources.applicationSwitch(appId)).toHaveAttribute("aria-checked", "false");
  await page.goto(`/console/applications/${appId}`);
  await hydrated(page);
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "false");
  await apps.sourceSwitch(sourceId).click();
  await expect(apps.sourceSwitch(sourceId)).toHaveAttribute("aria-checked", "true");

  // Deleting asks first; cancelling keeps the source.
  await page.goto(`/console/sources/${sourceId}`);
  await hydrated(page);
  await sources.delete();
  await expect(dialog.root()).toContainText("删除此身份源？");
  await expect(dialog.root()).toContainText("e2e-mp-scan");
  await dialog.cancel();
  await expect(dialog.root()).toHaveCount(0);
  await expect(console_.title()).toHaveText("WeChat scan");
  await sources.delete();
  await dialog.confirm();
  await expect(page).toHaveURL(/\/console\/sources$/);
  await expect(console_.title()).toHaveText("身份源");
  await expect(page.getByTestId("page-sources")).not.toContainText("e2e-mp-scan");

  // Gone for the API too, and from the application.
  const gone = await page.request.get(`/api/v1/sources/${sourceId}`);
  expect(gone.status()).toBe(404);
  const app = await (await page.request.get(`/api/v1/applications/${appId}`)).json();
  expect(app.sources).toEqual([]);
});

test("API tokens are created in the console, shown once, and revoked", async ({ page }) => {
  const console_ = new Console(page);
  const dialog = new Dialog(page);
  await signInAsAdmin(page);
  await console_.go("tokens");

  await page.getByTestId("field-token-name").fill("e2e-deploy");
  await page.getByTestId("create-token").click();
  const token = await page.getByTestId("new-token").inputValue();
  expect(token).toMatch(/^dtk_/);
  const row = page.getByTestId("token-row").filter({ hasText: "e2e-deploy" });
  await expect(row).toContainText("admin:admin");

  // The token works for the management API…
  const auth = { authorization: `Bearer ${token}` };
  expect((await page.request.get("/api/v1/sources", { headers: auth })).status()).toBe(200);

  // …until it is revoked.
  await row.getByTestId("revoke-token").click();
  await expect(dialog.root()).toContainText("e2e-deploy");
  await dialog.confirm();
  await expect(row.getByTestId("token-revoked")).toHaveText("Revoked");
  const refused = await page.request.get("/api/v1/sources", { headers: auth });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe("invalid_token");
  // Reloading never shows the token again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("new-token")).toHaveCount(0);
});
