// Starts target/release/datong on a free port with a fresh data directory, waits until it is
// healthy, and stops it (SIGTERM, expecting a clean exit) when the run ends.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ADMIN_PASSWORD = "e2e-admin-password";

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

async function waitHealthy(url: string, child: { exitCode: number | null }, log: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`datong exited early:\n${log()}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`datong did not become healthy:\n${log()}`);
}

export default async function globalSetup() {
  const root = resolve(__dirname, "..");
  const bin = join(root, "target/release/datong");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`make build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), "datong-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], {
    cwd: root,
    env: {
      ...process.env,
      DATONG_TEST_DATABASE_URL: "",
      DATONG_ADMIN_PASSWORD: ADMIN_PASSWORD,
      DATONG_LOG: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await waitHealthy(url, child, () => output);
  process.env.DATONG_E2E_URL = url;
  process.env.DATONG_E2E_ADMIN_PASSWORD = ADMIN_PASSWORD;

  return async () => {
    const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<string>((ok) => setTimeout(() => ok("timeout"), 10_000)),
    ]);
    rmSync(dataDir, { recursive: true, force: true });
    if (code !== 0) {
      child.kill("SIGKILL");
      throw new Error(`datong did not stop cleanly on SIGTERM (${code}):\n${output}`);
    }
  };
}
