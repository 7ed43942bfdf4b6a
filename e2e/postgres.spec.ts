import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { freePort, startTestPostgres, type TestPostgres } from "../lib/testing/postgres";
import { signInWithForm } from "./support";

// The same production build against a real PostgreSQL 15 via DATABASE_URL: migrations run at
// start, sign-in works, readiness reports the database and turns 503 while it is down.

let PORT = 0;
let BASE = "";
let pg: TestPostgres;
let server: ChildProcess;

async function waitFor(url: string, status: number, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === status) return r;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  pg = await startTestPostgres();
  PORT = await freePort();
  BASE = `http://localhost:${PORT}`;
  const env = {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: pg.url,
    NEXTAUTH_URL: BASE,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    SIM_TOKEN_ALPHA_BOT: "x", SIM_TOKEN_BETA_BOT: "x", SIM_TOKEN_KRAKEN_FUTURES: "x", SIM_TOKEN_SPOT_EXCHANGE: "x", INGEST_TOKEN_KRAKEN_FUTURES: "x",
  };
  // Users are created with the CLI, against the same database, before the server starts.
  const add = spawn("npx", ["tsx", "--conditions=react-server", "scripts/users.ts", "add", "pg-commander", "--role", "commander", "--password", "pg-commander-password"], { env, stdio: "pipe" });
  const code = await new Promise<number | null>((resolve) => add.on("exit", resolve));
  expect(code).toBe(0);
  // Its own process group, so the whole tree (npx → next) can be stopped.
  server = spawn("npx", ["next", "start", "-p", String(PORT)], { env, stdio: "pipe", detached: true });
  let output = "";
  server.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  server.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  await waitFor(`${BASE}/api/health/ready`, 200).catch((err: Error) => {
    throw new Error(`${err.message}\nserver output:\n${output.slice(-3000)}`);
  });
});

test.afterAll(async () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  await pg?.stop();
});

test("signs in and serves the shell on PostgreSQL", async ({ page }) => {
  const ready = await (await fetch(`${BASE}/api/health/ready`)).json();
  expect(ready).toMatchObject({ status: "ok", database: { kind: "postgres", migrated: true } });
  await signInWithForm(page, "pg-commander", "pg-commander-password", BASE);
  await expect(page.getByTitle("Your role")).toHaveText("commander");
  await page.goto(BASE + "/audit");
  await expect(page.getByText(/Chain verified up to row/)).toBeVisible();
});

test("readiness turns 503 while PostgreSQL is down and recovers when it returns", async () => {
  pg.pause();
  const down = await waitFor(`${BASE}/api/health/ready`, 503, 20_000);
  expect((await down.json()).status).toBe("unavailable");
  expect((await fetch(`${BASE}/api/health/live`)).status).toBe(200);
  pg.resume();
  await waitFor(`${BASE}/api/health/ready`, 200, 30_000);
});
