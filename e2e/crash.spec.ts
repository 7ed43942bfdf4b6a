import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { freePort } from "../lib/testing/postgres";
import { startTestFleet } from "../lib/sim/testing";
import type { Fleet } from "../lib/sim";
import { callAction } from "./actions";
import {
  addUser,
  consoleEnv,
  killGroup,
  killHard,
  startInstance,
  waitReady,
  waitUntil,
  type Instance,
} from "./console-process";
import { signInWithForm } from "./support";

// The console process is killed with SIGKILL while a control call is in flight, on the default
// embedded database. The simulated exchange is told (through the simulator's admin API) to hang,
// so the call is held open at the target until the kill — the kill cannot land before or after
// the call by chance. After a restart the audit shows that request as outcome unknown, every
// audit row written before the kill (an acknowledged control among them) is still there
// unchanged, and the hash chain verifies.

const USER = { username: "crash-commander", password: "crash-commander-password" };
const CALL_PATH = "POST /control/conflation";

let fleet: Fleet;
let dir: string;
let env: NodeJS.ProcessEnv;
let port: number;
let inst: Instance | undefined;

interface AuditLine {
  seq: number;
  outcome: string;
  idempotencyKey: string | null;
  responseSummary: string | null;
  hash: string;
  prevHash: string;
}

async function auditRows(request: APIRequestContext, base: string): Promise<AuditLine[]> {
  const res = await request.get(`${base}/api/audit/export?format=ndjson`);
  expect(res.status(), "audit export").toBe(200);
  return (await res.text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditLine);
}

async function simAdmin(method: string, p: string, body?: unknown) {
  const res = await fetch(`${fleet.adminUrl}${p}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status, `${method} ${p}`).toBe(200);
  return res.json() as Promise<Record<string, unknown>>;
}

const controlCalls = (): number => fleet.requestStats("spot-exchange").byPath[CALL_PATH] ?? 0;

test.beforeAll(async () => {
  // Adding the user runs the CLI (tsx, the embedded database, migrations): slow on a loaded machine.
  test.setTimeout(180_000);
  fleet = await startTestFleet({ clock: { speed: 1 } });
  dir = mkdtempSync(path.join(tmpdir(), "watchfloor-crash-e2e-"));
  env = consoleEnv(fleet, dir, {
    pollIntervalMs: 1000,
    timeoutMs: 800,
    // The longest call timeout there is, so the console cannot give up on the held call before the kill.
    perTarget: { "spot-exchange": { controlTimeoutMs: 60_000 } },
    database: { dataDir: path.join(dir, "data") },
  });
  await addUser(env, USER.username, "commander", USER.password);
  port = await freePort();
  inst = startInstance("console", port, env);
  await waitReady(inst);
});

test.afterAll(async () => {
  killGroup(inst, "SIGTERM");
  await fleet?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("an anonymous visit to a console screen goes to sign-in with one log line and no stack trace", async () => {
  const base = inst!.base;
  const from = inst!.output.length;
  const screens = ["/", "/controls", "/findings/no-such-finding"];
  for (const p of screens) {
    const r = await fetch(`${base}${p}`, { redirect: "manual" });
    expect(r.status, p).toBe(307);
    expect(new URL(r.headers.get("location")!, base).pathname, p).toBe("/signin");
  }
  const lines = () =>
    inst!.output
      .slice(from)
      .split("\n")
      .filter((l) => l.includes("[auth]"));
  await waitUntil(
    "a log line per visit",
    () => lines().length >= screens.length,
    10_000,
    () => inst!.output.slice(from),
  );
  expect(lines()).toEqual(screens.map((p) => `[auth] GET ${p}: not signed in, sent to sign-in`));
  // A screen rendered for nobody would fail its own authorisation check and log it with a stack.
  const signIn = await fetch(`${base}/signin`);
  expect(signIn.status).toBe(200);
  expect(inst!.output.slice(from)).not.toMatch(/NotAuthenticated|^\s+at \S/m);
});

test("kill -9 mid control call: after restart the request is outcome unknown, nothing acknowledged is lost, the chain verifies", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const base = inst!.base;
  // Relative paths (the server action helper's) go to this console, not the shared e2e server.
  const context = await browser.newContext({ baseURL: inst!.base });
  const page = await context.newPage();
  const stamp = Date.now() % 1_000_000;
  try {
    await signInWithForm(page, USER.username, USER.password, base);
    await expect(page.getByTitle("Your role")).toHaveText("commander", { timeout: 30_000 });
    const control = (on: "on", ticketId: string, idempotencyKey: string) =>
      callAction(
        context.request,
        "/controls",
        "executeControlAction",
        {
          target: "spot-exchange",
          control: "conflation",
          "p.on": on,
          reason: "crash drill for the reliability suite",
          ticketId,
          idempotencyKey,
        },
        { Origin: base },
      );
    const request = context.request;

    // An acknowledged control: the caller got its answer before the crash.
    const ackKey = `crash-acked-${stamp}`;
    const acked = await control("on", `OPS-${stamp}1`, ackKey).catch((err: Error) => {
      throw new Error(`${err.message}\n${inst!.output.slice(-2000)}`);
    });
    expect(await acked.text()).toContain('"succeeded"');
    const before = await auditRows(request, base);
    expect(before.filter((r) => r.idempotencyKey === ackKey).map((r) => r.outcome)).toEqual([
      "requested",
      "succeeded",
      "verified",
    ]);

    // The exchange now holds every request open; the next call reaches it and gets no answer.
    await simAdmin("POST", "/faults", { target: "spot-exchange", fault: "hanging" });
    const callsBefore = controlCalls();
    const lostKey = `crash-lost-${stamp}`;
    const lostTicket = `OPS-${stamp}2`;
    // Conflation on again (protective: sent at once; "off" would wait for a second person).
    const inFlight = control("on", lostTicket, lostKey).then(
      async (r) => ({ answered: true as const, status: r.status(), body: await r.text() }),
      (err: Error) => ({ answered: false as const, error: err.message }),
    );
    await waitUntil(
      "the exchange to receive the control call",
      () => controlCalls() > callsBefore,
      30_000,
      () => inst!.output.slice(-1500),
    );

    await killHard(inst!);
    const answer = await inFlight;
    expect(answer.answered, `the caller got no answer: ${JSON.stringify(answer)}`).toBe(false);
    // The target never acted on the held call (the hang fault answers nothing and runs nothing).
    await simAdmin("DELETE", "/faults/spot-exchange");
    const simCalls = (await simAdmin("GET", "/systems/spot-exchange/control-calls")).calls as {
      idempotencyKey: string | null;
      executed: boolean;
    }[];
    expect(simCalls.filter((c) => c.idempotencyKey === lostKey)).toEqual([]);

    // Restart on the same data directory and port (the session cookie stays valid).
    inst = startInstance("console after restart", port, env);
    await waitReady(inst);
    const after = await auditRows(request, base);

    // Nothing written before the kill is lost or changed.
    const afterBySeq = new Map(after.map((r) => [r.seq, r]));
    for (const r of before) expect(afterBySeq.get(r.seq), `audit row ${r.seq} after the restart`).toEqual(r);
    expect(after.filter((r) => r.idempotencyKey === ackKey).map((r) => r.outcome)).toEqual([
      "requested",
      "succeeded",
      "verified",
    ]);
    // The interrupted request: requested before the kill, outcome unknown after the restart.
    const lost = after.filter((r) => r.idempotencyKey === lostKey);
    expect(lost.map((r) => r.outcome)).toEqual(["requested", "outcome_unknown"]);
    expect(lost[1]!.responseSummary).toContain("the console stopped during the call");
    // The chain links, as exported (the screen below recomputes the hashes).
    for (let i = 1; i < after.length; i++)
      expect(after[i]!.prevHash, `row ${after[i]!.seq} links to row ${after[i - 1]!.seq}`).toBe(after[i - 1]!.hash);

    // What a person sees: the audit screen shows the trail and verifies the whole chain.
    await page.goto(`${base}/audit?ticket=${lostTicket}`);
    const outcomes = await page
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-outcome") ?? "").reverse());
    expect(outcomes).toEqual(["requested", "outcome_unknown"]);
    await expect(page.getByText(`Chain verified up to row ${Math.max(...after.map((r) => r.seq))}`)).toBeVisible();
    // And the Controls screen lists it among the requests to check.
    await page.goto(`${base}/controls`);
    await expect(page.getByRole("region", { name: /Outcome unknown/ })).toContainText(lostTicket);
  } finally {
    await context.close();
  }
});
