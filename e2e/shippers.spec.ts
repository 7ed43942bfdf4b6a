import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { freePort } from "../lib/testing/postgres";
import { startTestFleet, testConfig } from "../lib/sim/testing";
import type { Fleet } from "../lib/sim";
import type { FuturesBot } from "../lib/sim/systems/futures-bot";
import { RSYSLOG_BIN, SYSLOG_NG_BIN, startRsyslog, startSyslogNg, type Shipper } from "../lib/testing/shippers";
import { addUser, consoleEnv, killGroup, startInstance, waitReady, waitUntil, type Instance } from "./console-process";
import { signInWithForm } from "./support";

// Real shippers in front of a real console: the simulated futures bot runs the orphan/phantom
// scenario and writes its log file as a Python bot would; syslog-ng tails it and posts to this
// console's /api/ingest, rsyslog to its /es/ base, each with the ingest token as basic-auth
// password. The console (its own production server and embedded database) is restarted while the
// bot keeps writing; afterwards the sources screen counts every distinct line written as stored
// exactly once, and the board shows the orphan spike as a SEV1.

const USER = { username: "shipper-viewer", password: "shipper-viewer-password" };
const INGEST_TOKEN = `shipper-e2e-${Date.now()}`;
const BOT = "kraken-futures";

let fleet: Fleet;
let dir: string;
let env: NodeJS.ProcessEnv;
let port: number;
let inst: Instance | undefined;
let shipper: Shipper | undefined;
let scenarioStarted = false;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // Reconciliation every 5 s so the scenario's orphans reach the critical count within seconds.
  fleet = await startTestFleet({
    config: testConfig(["futures-bot"], (cfg) => {
      for (const s of cfg.systems)
        if (s.kind === "futures-bot")
          (s as { reconciliationIntervalSeconds?: number }).reconciliationIntervalSeconds = 5;
    }),
    clock: { speed: 1 },
  });
  dir = mkdtempSync(path.join(tmpdir(), "watchfloor-shippers-e2e-"));
  env = consoleEnv(fleet, dir, {
    pollIntervalMs: 1000,
    timeoutMs: 800,
    perTarget: {
      [BOT]: {
        credentials: { bearerTokenEnv: "SIM_TOKEN_KRAKEN_FUTURES", ingestTokenEnv: "INGEST_TOKEN_KRAKEN_FUTURES" },
      },
    },
    database: { dataDir: path.join(dir, "data") },
    extra: { INGEST_TOKEN_KRAKEN_FUTURES: INGEST_TOKEN },
  });
  await addUser(env, USER.username, "viewer", USER.password);
  port = await freePort();
  inst = startInstance("console", port, env);
  await waitReady(inst);
});

test.afterAll(async () => {
  await shipper?.stop();
  killGroup(inst, "SIGTERM");
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function storedCount(page: Page, base: string): Promise<number> {
  await page.goto(`${base}/sources`);
  const cell = page.locator(`tr[data-ingest-source="${BOT}"] [data-count="stored"]`);
  await expect(cell).toBeVisible();
  return Number((await cell.innerText()).trim());
}

const SHIPPERS: [name: string, bin: string, start: (file: string) => Promise<Shipper>][] = [
  [
    "syslog-ng http() → /api/ingest",
    SYSLOG_NG_BIN,
    (file) => startSyslogNg({ file, token: INGEST_TOKEN, url: `http://127.0.0.1:${port}/api/ingest` }),
  ],
  [
    "rsyslog omelasticsearch → /es/",
    RSYSLOG_BIN,
    (file) => startRsyslog({ file, token: INGEST_TOKEN, esBase: `http://127.0.0.1:${port}/es/` }),
  ],
];

test.describe.configure({ mode: "serial" });

for (const [name, bin, start] of SHIPPERS) {
  test(`${name}: the bot's log file across a console restart, every line stored once, the orphan spike a SEV1 on the board`, async ({
    browser,
  }) => {
    test.setTimeout(240_000);
    expect(existsSync(bin), `${bin} is missing: run npm run deps:system`).toBe(true);
    const file = path.join(dir, `${name.split(" ")[0]}.log`);
    const bot = fleet.system(BOT) as FuturesBot;
    const context = await browser.newContext({ baseURL: inst!.base });
    const page = await context.newPage();
    try {
      await signInWithForm(page, USER.username, USER.password, inst!.base);
      await expect(page.getByTitle("Your role")).toHaveText("viewer", { timeout: 30_000 });
      const before = await storedCount(page, inst!.base);

      bot.writeLogFile({ path: file, format: "text" });
      shipper = await start(file);
      if (!scenarioStarted) fleet.startScenario("orphan-phantom-spike", BOT, { timeScale: 20 });
      scenarioStarted = true;

      const lines = () => new Set(readFileSync(file, "utf8").split("\n").filter(Boolean));
      await waitUntil("the bot to write some lines", () => existsSync(file) && lines().size >= 5, 30_000);

      // The console goes away mid-stream and comes back on the same port and data directory.
      killGroup(inst, "SIGTERM");
      // Every process of its group gone (npx exits before next-server lets go of the database). A
      // server still draining the shipper's open connections after 15 s is killed: a harder stop,
      // and the same promise holds ("2xx means stored").
      await waitUntil("the console to stop", () => groupGone(inst!.proc.pid!), 15_000).catch(() =>
        killGroup(inst, "SIGKILL"),
      );
      await waitUntil("the console to stop", () => groupGone(inst!.proc.pid!), 15_000);
      const writtenWhileDown = lines().size;
      await waitUntil("the bot to write while the console is down", () => lines().size > writtenWhileDown + 3, 60_000);
      inst = startInstance("console after restart", port, env);
      await waitReady(inst);
      await waitUntil("more lines after the restart", () => lines().size > writtenWhileDown + 10, 60_000);
      bot.writeLogFile(null);
      const written = lines().size;

      // The shipper retries what it could not deliver; wait for it, then check nothing arrives twice.
      await expect
        .poll(async () => (await storedCount(page, inst!.base)) - before, { timeout: 60_000, intervals: [1000] })
        .toBe(written);
      await new Promise((r) => setTimeout(r, 3000));
      expect((await storedCount(page, inst.base)) - before, `stored vs ${written} distinct lines written`).toBe(
        written,
      );
      // Refused while it was stopped, or cut off mid-request (curl's errors 7, 56, 52).
      expect(shipper.log()).toMatch(/Couldn\\?'t connect to server|Connection reset by peer|Empty reply from server/);

      await page.goto(`${inst.base}/`);
      const card = page.locator(`[data-rule="recon_orphaned"][data-finding*="${BOT}"]`).first();
      await expect(card).toContainText("SEV1 critical", { timeout: 30_000 });
    } finally {
      await shipper?.stop();
      shipper = undefined;
      await context.close();
    }
  });
}
