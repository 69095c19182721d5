import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { expect, test } from "@playwright/test";
import { SandboxPhone, SandboxQrLogin } from "./pages";

const APPID = "wx5e2e000000000001";
const SECRET = "e2e-website-secret";

/** Datong's own WeChat client (the `datong wechat exchange` command) against this sandbox. */
function exchange(baseURL: string, code: string) {
  const bin = join(resolve(__dirname, "..", ".."), "target/release/datong");
  const out = execFileSync(bin, ["wechat", "exchange", "--appid", APPID, "--code", code], {
    input: `${SECRET}\n`,
    stdio: ["pipe", "pipe", "pipe"],
    // Only this command's own settings: other DATONG_* variables of the test run are not
    // configuration keys.
    env: {
      PATH: process.env.PATH ?? "",
      DATONG_WECHAT_API_URL: `${baseURL}/sandbox/wechat/api`,
      DATONG_LOG: "warn",
    },
  });
  return JSON.parse(out.toString());
}

test("a website QR login in the sandbox: scan on the phone, confirm, land on the redirect with a working code", async ({
  page,
  context,
  baseURL,
}) => {
  const computer = new SandboxQrLogin(page);
  const landing = `${baseURL}/healthz?from=wechat`;
  await computer.open(APPID, landing, "e2eState42");

  // The phone follows the link under the QR code (what scanning it would open).
  const phonePage = await context.newPage();
  const phone = new SandboxPhone(phonePage);
  await phone.open(await computer.phoneLink());
  await phone.createPersona("E2E 小红");
  await phone.openScanned();
  await phone.confirm();

  // The computer's page notices the confirmation and goes to redirect_uri?code=&state=.
  await page.waitForURL(/\/healthz\?from=wechat&code=[A-Za-z0-9]{32}&state=e2eState42$/);
  const code = new URL(page.url()).searchParams.get("code") ?? "";

  const user = exchange(baseURL ?? "", code);
  expect(user.nickname).toBe("E2E 小红");
  expect(user.scope).toBe("snsapi_login");
  expect(user.openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
  expect(user.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
  expect(user.unionid).not.toBe(user.openid);

  // The code was single-use: a second exchange is refused with WeChat's 40163.
  expect(() => exchange(baseURL ?? "", code)).toThrow(/40163|already used/);
});

test("denying on the phone leaves the computer on the QR page, which says so", async ({
  page,
  context,
  baseURL,
}) => {
  const computer = new SandboxQrLogin(page);
  await computer.open(APPID, `${baseURL}/healthz`, "deny1");
  const phonePage = await context.newPage();
  const phone = new SandboxPhone(phonePage);
  await phone.open(await computer.phoneLink());
  await phone.createPersona("Denier");
  await phone.openScanned();
  await phonePage.getByTestId("deny").click();
  await expect(computer.status()).toHaveText(/取消|cancelled/);
  await expect(page).toHaveURL(/qrconnect/);
});

test("the sandbox console creates a second subject and moving an app there changes its unionid", async ({
  page,
  request,
  baseURL,
}) => {
  const appid = "wx5e2e000000000002";
  const secret = "e2e-console-secret";
  await page.goto("/sandbox/wechat/");
  await page.getByTestId("app-id").fill(appid);
  await page.getByTestId("app-kind").selectOption("mini_program");
  await page.locator("#app-secret").fill(secret);
  await page.getByTestId("app-create").click();
  const row = page.locator("#apps tr", { hasText: appid });
  await expect(row).toBeVisible();

  await page.getByTestId("account-name").fill("Second subject");
  await page.getByTestId("account-create").click();
  await expect(page.locator("#accounts")).toContainText("Second subject");

  // The same persona's unionid in this mini program, before and after the move.
  const persona = (await (await request.post("/sandbox/wechat/phone/api/personas", { data: { nickname: "Mover" } })).json()).id;
  const unionid = async () => {
    const code = (await (await request.post("/sandbox/wechat/phone/api/wx_login", { data: { persona_id: persona, appid } })).json()).code;
    const r = await request.get(`/sandbox/wechat/api/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${code}&grant_type=authorization_code`);
    return JSON.parse(await r.text()).unionid;
  };
  const before = await unionid();
  expect(before).toMatch(/^o/);
  await row.locator("select").selectOption({ label: "Second subject" });
  await expect(row.locator("select")).toHaveValue(/\d+/);
  await expect.poll(unionid).not.toBe(before);

  // A fault knob set from the page makes the next call fail with the chosen errcode.
  await page.getByTestId("fault-endpoint").fill("sns/jscode2session");
  await page.getByTestId("fault-errcode").fill("45011");
  await page.getByTestId("fault-add").click();
  await expect(page.locator("#faults")).toContainText("45011");
  const code = (await (await request.post("/sandbox/wechat/phone/api/wx_login", { data: { persona_id: persona, appid } })).json()).code;
  const limited = await request.get(`${baseURL}/sandbox/wechat/api/sns/jscode2session?appid=${appid}&secret=${secret}&js_code=${code}&grant_type=authorization_code`);
  expect(JSON.parse(await limited.text()).errcode).toBe(45011);
});

test("a scanned mini-program code opens the mini program on the phone, which gets its codes", async ({
  page,
}) => {
  const phone = new SandboxPhone(page);
  const mp = "/sandbox/wechat/phone/mp?appid=wx5e2e000000000003&scene=t%3Dabc&page=pages%2Flogin%2Findex&env_version=release";
  // Opening the code's URL in a browser hands it to the phone.
  await page.goto(mp);
  await expect(page).toHaveURL(/\/sandbox\/wechat\/phone\?scan=/);
  await expect(page.locator("body[data-ready='true']")).toHaveCount(1);
  await phone.createPersona("Mini user");
  await phone.openScanned();
  await expect(page.getByTestId("action")).toContainText('scene "t=abc"');
  await page.getByTestId("wx-login").click();
  await expect(page.getByTestId("codes")).toContainText(/js_code: [A-Za-z0-9]{32}/);
  await page.getByTestId("get-phone").click();
  await expect(page.getByTestId("codes")).toContainText(/phone code: [0-9a-f]{64}/);
  await page.getByTestId("mp-login").click();
  await expect(page.getByTestId("codes")).toContainText("no server_url set");
});
