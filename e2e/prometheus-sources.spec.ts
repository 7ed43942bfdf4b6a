import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { freePort } from "../lib/testing/postgres";
import { startTestPrometheus, type TestPrometheus } from "../lib/testing/prometheus";
import { startTestFleet } from "../lib/sim/testing";
import { simSupabaseKey } from "../lib/sim/systems/postgrest";
import type { Fleet } from "../lib/sim";
import { addUser, consoleEnv, killGroup, startInstance, waitReady, type Instance } from "./console-process";
import { expectNoAxeViolations, signInWithForm } from "./support";

// A console whose trading bot is watched the way many deployments run it: its metrics come from a
// real Prometheus 2.x that already scrapes the bot (not from the bot's /metrics), and its ledger
// from the bot's Supabase project through supabase-js (the simulator serves PostgREST under
// /rest/v1). The spec starts its own fleet, Prometheus and console, so it runs in the pages lane.
// The sources screen names the adapter behind each part, fresh; the profiles name the ledger's
// source; stopping Prometheus turns the metrics part into an error with its kind, and the
// findings over metrics Unknown on the board.

const POLL_MS = 1000;

let fleet: Fleet;
let prom: TestPrometheus;
let dir: string;
let inst: Instance;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  fleet = await startTestFleet({ kinds: ["trading-bot"], clock: { speed: 1 } });
  const bot = fleet.systems[0]!;
  prom = await startTestPrometheus({
    scrapeTargets: [{ job: bot.name, targets: [`127.0.0.1:${fleet.info(bot.name).port}`], scrapeIntervalSeconds: 1 }],
  });
  await prom.waitForTargetsUp(20_000);
  dir = mkdtempSync(path.join(tmpdir(), "wf-e2e-prom-"));
  const env = consoleEnv(fleet, dir, {
    pollIntervalMs: POLL_MS,
    timeoutMs: 800,
    database: { dataDir: path.join(dir, "data") },
    perTarget: {
      [bot.name]: {
        metrics: { from: "prometheus", url: prom.url, selector: `{job="${bot.name}"}` },
        ledger: { from: "supabase", urlEnv: "BOT_SUPABASE_URL", keyEnv: "BOT_SUPABASE_KEY", statusColumn: "status" },
      },
    },
    extra: { BOT_SUPABASE_URL: bot.url, BOT_SUPABASE_KEY: simSupabaseKey(bot.credential) },
  });
  await addUser(env, "src-viewer", "viewer", "src-viewer-password");
  inst = startInstance("prometheus-sources", await freePort(), env);
  await waitReady(inst);
});

test.afterAll(async () => {
  killGroup(inst, "SIGTERM");
  await prom?.stop();
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the sources screen names Prometheus for metrics and Supabase for the ledger, both fresh", async ({ page }) => {
  await signInWithForm(page, "src-viewer", "src-viewer-password", inst.base);
  await page.waitForURL(`${inst.base}/`);
  await page.goto(`${inst.base}/sources`);
  const bot = fleet.systems[0]!.name;
  const metrics = page.locator(`[data-part="${bot}:metrics"]`);
  await expect(metrics).toHaveAttribute("data-adapter", "prometheus");
  await expect(metrics).toContainText("Prometheus HTTP API");
  await expect(metrics).toContainText(`${prom.url} {job="${bot}"}`);
  await expect(metrics.getByText("fresh")).toBeVisible({ timeout: 15_000 });
  // Series from Prometheus: a real count, not a dash.
  await expect(metrics.locator("td").last()).toHaveText(/^\d+$/);
  const ledger = page.locator(`[data-part="${bot}:ledger"]`);
  await expect(ledger).toHaveAttribute("data-adapter", "supabase");
  await expect(ledger).toContainText("Supabase (supabase-js)");
  await expect(ledger.getByText("fresh")).toBeVisible();
  await expect(page.locator(`[data-part="${bot}:health"]`)).toHaveAttribute("data-adapter", "health-json");
  await expectNoAxeViolations(page);

  // The profiles name where the ledger comes from, and its profiles are read from it.
  await page.goto(`${inst.base}/profiles`);
  const source = page.locator("[data-ledger-source]").first();
  await expect(source).toHaveAttribute("data-ledger-source", "supabase");
  await expect(source).toHaveAttribute("data-ledger-freshness", "ok");
  await expect(source).toContainText("Ledger from Supabase");
  for (const p of ["btc-momentum", "eth-momentum", "sol-breakout"]) {
    await expect(page.locator(`tr[data-profile="${p}"]`)).toHaveAttribute("data-invariant", "ok");
  }
});

test("when Prometheus stops answering, the metrics part is an error with its kind and metrics findings turn Unknown", async ({
  page,
}) => {
  await prom.stop();
  await signInWithForm(page, "src-viewer", "src-viewer-password", inst.base);
  await page.waitForURL(`${inst.base}/`);
  await page.goto(`${inst.base}/sources`);
  const bot = fleet.systems[0]!.name;
  const metrics = page.locator(`[data-part="${bot}:metrics"]`);
  // The freshness column.
  await expect(metrics.locator("td").nth(3)).toHaveText(/\berror\b/, { timeout: 15_000 });
  await expect(metrics).toContainText("network:");
  // The ledger, read from Supabase, stays fresh.
  await expect(page.locator(`[data-part="${bot}:ledger"]`).getByText("fresh")).toBeVisible();
  // The board's Unknown lane carries the rule over metrics, naming the failing source.
  const authFinding = async () => {
    const res = await page.request.get(`${inst.base}/api/board`);
    if (res.status() !== 200) return undefined;
    const board = (await res.json()) as { findings: { ruleId: string; state: string; summary: string }[] };
    return board.findings.find((f) => f.ruleId === "auth_failure_spike");
  };
  await expect.poll(async () => (await authFinding())?.state, { timeout: 15_000 }).toBe("unknown");
  const auth = await authFinding();
  expect(auth!.summary).toContain(`the metrics (Prometheus ${prom.url}`);
  expect(auth!.summary).toContain("network:");
});
