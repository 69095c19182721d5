import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Console, hydrated, signInAsAdmin } from "./pages";

type Got = { id: string; timestamp: string; signature: string; body: string };

test("webhooks: add an endpoint, keep its secret, send a test event and see it delivered and signed", async ({ page }) => {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const h = (k: string) => String(req.headers[k] ?? "");
      got.push({ id: h("webhook-id"), timestamp: h("webhook-timestamp"), signature: h("webhook-signature"), body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  try {
    await signInAsAdmin(page);
    await new Console(page).go("webhooks");
    await hydrated(page);

    // A foreign scheme is refused on the field.
    await page.getByTestId("webhook-url").fill("ftp://hooks.example.com/");
    await page.getByTestId("webhook-create").click();
    await expect(page.getByTestId("error-url")).toBeVisible();

    await page.getByTestId("webhook-url").fill(`http://127.0.0.1:${port}/hook`);
    await page.getByTestId("webhook-create").click();
    const secret = await page.getByTestId("webhook-secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    const endpoint = page.getByTestId("webhook-endpoint").filter({ hasText: `127.0.0.1:${port}` });
    await expect(endpoint).toHaveCount(1);

    await endpoint.getByTestId("webhook-test").click();
    await expect.poll(() => got.length, { timeout: 15_000 }).toBeGreaterThan(0);
    const first = got[0];
    expect(JSON.parse(first.body).type).toBe("webhook.test");
    const key = Buffer.from(secret.slice("whsec_".length), "base64");
    const expected = createHmac("sha256", key).update(`${first.id}.${first.timestamp}.${first.body}`).digest("base64");
    expect(first.signature).toBe(`v1,${expected}`);

    // The delivery shows as delivered; resend sends the same webhook-id again.
    await expect(async () => {
      await endpoint.getByTestId("webhook-refresh").click();
      await expect(endpoint.getByTestId("webhook-delivery").first()).toHaveAttribute("data-status", "delivered", { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await endpoint.getByTestId("webhook-resend").first().click();
    await expect.poll(() => got.filter((g) => g.id === first.id).length, { timeout: 15_000 }).toBe(2);
  } finally {
    server.close();
  }
});
