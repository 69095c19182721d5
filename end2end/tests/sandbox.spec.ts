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
