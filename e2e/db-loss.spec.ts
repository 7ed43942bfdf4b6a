import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { freePort, startTestPostgres, type TestPostgres } from "../lib/testing/postgres";
import { startTestFleet } from "../lib/sim/testing";
import type { Fleet } from "../lib/sim";
import {
  addUser,
  consoleEnv,
  killGroup,
  startInstance,
  waitFor,
  waitReady,
  waitUntilAsync,
  type Instance,
} from "./console-process";
import { signInWithForm } from "./support";

// PostgreSQL stops under a running console: readiness turns 503 and names the reason, the board
// open in the browser says the console is degraded and shows nothing as fresh or live; when
// PostgreSQL is back the console recovers on its own, without a restart: ready again, the board
// live and fresh, and new samples stored.

const USER = { username: "dbloss-viewer", password: "dbloss-viewer-password" };

let pg: TestPostgres;
let fleet: Fleet;
let dir: string;
let inst: Instance | undefined;

async function samplesSince(at: number): Promise<number> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(pg.url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql<
      { n: number }[]
    >`select count(*)::int as n from telemetry_samples where observed_at > ${new Date(at)}`;
    return row?.n ?? 0;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

test.beforeAll(async () => {
  // Adding the user runs the CLI (tsx, the embedded database, migrations): slow on a loaded machine.
  test.setTimeout(180_000);
  pg = await startTestPostgres();
  fleet = await startTestFleet({ clock: { speed: 1 }, admin: false });
  dir = mkdtempSync(path.join(tmpdir(), "watchfloor-dbloss-e2e-"));
  const env = consoleEnv(fleet, dir, { pollIntervalMs: 1000, timeoutMs: 800, database: { url: pg.url } });
  await addUser(env, USER.username, "viewer", USER.password);
  inst = startInstance("console", await freePort(), env);
  await waitReady(inst);
});

test.afterAll(async () => {
  killGroup(inst, "SIGTERM");
  await fleet?.stop();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("PostgreSQL stops: readiness 503 with the reason, the board says degraded; it comes back: everything recovers without a restart", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const base = inst!.base;
  const ready = `${base}/api/health/ready`;
  const live = page.getByTitle("Receiving live updates");
  const fresh = page.getByTitle("Source freshness: fresh");
  const degradedAlert = page.getByRole("alert").filter({ hasText: "Console degraded" });
  const systems = fleet.systems.length;

  await signInWithForm(page, USER.username, USER.password, base);
  await expect(page.getByTitle("Your role")).toHaveText("viewer", { timeout: 30_000 });
  await page.goto(`${base}/`);
  await expect(live).toBeVisible();
  await expect(fresh).toHaveCount(systems, { timeout: 15_000 });
  await expect(degradedAlert).toHaveCount(0);
  const pid = inst!.proc.pid;

  pg.pause();
  const down = await waitFor(ready, 503, 20_000);
  const body = (await down.json()) as { status: string; reason?: string; database: { reachable: boolean } };
  expect(body.status).toBe("unavailable");
  expect(body.database.reachable).toBe(false);
  expect(body.reason).toMatch(/^database unreachable: \S/);
  expect((await fetch(`${base}/api/health/live`)).status).toBe(200);

  // The open board learns it is not current, and nothing on it reads as healthy.
  await expect(degradedAlert).toBeVisible({ timeout: 20_000 });
  await expect(degradedAlert).toContainText("data not current");
  await expect(page.getByTitle("The console cannot build a current board")).toHaveText(/degraded/);
  await expect(live).toHaveCount(0);
  await expect(fresh).toHaveCount(0);

  pg.resume();
  const backAt = Date.now();
  await waitFor(ready, 200, 30_000);
  // The same page, not reloaded: live and fresh again, the warning gone.
  await expect(degradedAlert).toHaveCount(0, { timeout: 20_000 });
  await expect(live).toBeVisible();
  await expect(fresh).toHaveCount(systems, { timeout: 15_000 });
  // The collector stores samples again.
  await waitUntilAsync(
    "a sample stored after PostgreSQL came back",
    async () => (await samplesSince(backAt)) > 0,
    20_000,
  );
  // No restart happened: the same server process served all of it.
  expect(inst!.proc.pid).toBe(pid);
  expect(inst!.proc.exitCode).toBeNull();
});
