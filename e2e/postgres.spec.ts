import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Browser } from "@playwright/test";
import { freePort, startTestPostgres, type TestPostgres } from "../lib/testing/postgres";
import { startTestFleet } from "../lib/sim/testing";
import type { Fleet } from "../lib/sim";
import {
  addUser,
  consoleEnv,
  killGroup,
  sleep,
  startInstance,
  waitFor,
  waitReady,
  waitUntil,
  type Instance,
} from "./console-process";
import { signInWithForm } from "./support";
import { BoardStreamState, SseParser } from "../lib/core/board-stream";

// The same production build against a real PostgreSQL 15 via DATABASE_URL: migrations run at
// start, sign-in works, readiness reports the database and turns 503 while it is down. Three
// console instances (`node server.mjs` on three ports) share the database and one simulated fleet: two
// run the collector (exactly one of them polls each target; the other takes over when the leader
// is killed) and one only serves (WATCHFLOOR_COLLECTOR=off). The viewers of all three see the same
// board changes; reports posted round-robin to all three are stored once and all reach the
// leader's rules, even when the leader is killed in the middle of the stream.

const POLL_MS = 1000;

let pg: TestPostgres;
let fleet: Fleet;
let dir: string;
let A: Instance;
let B: Instance;
/** Serve-only: never polls or evaluates. */
let C: Instance;
let BASE = "";
/** When the readiness test brought PostgreSQL back (0 if it did not run). */
let dbBackAt = 0;

// ---------------------------------------------------------------- board viewers over SSE

interface BoardFinding {
  id: string;
  ruleId: string;
  system: string;
  entity: string;
  state: string;
  evidence: { values: { label: string; value: unknown }[] };
}
interface BoardSnapshot {
  generatedAt: number;
  collector: string;
  findings: BoardFinding[];
  cleared: BoardFinding[];
  degraded?: { reason: string; since: number };
}

/** A viewer of one instance's board: reads its /api/stream and keeps every snapshot with its arrival time. */
class BoardViewer {
  readonly snapshots: Array<{ at: number; snap: BoardSnapshot }> = [];
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(
    readonly inst: Instance,
    private readonly cookie: string,
  ) {}

  get latest(): BoardSnapshot | undefined {
    return this.snapshots.at(-1)?.snap;
  }

  async open() {
    const res = await fetch(`${this.inst.base}/api/stream`, {
      headers: { cookie: this.cookie, accept: "text/event-stream" },
      signal: this.abort.signal,
    });
    expect(res.status, `${this.inst.name}: /api/stream`).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      // A whole board, then patches against it: kept as the board each one makes.
      const sse = new SseParser();
      const state = new BoardStreamState<BoardSnapshot>();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          for (const ev of sse.push(value)) {
            const got = state.receive(ev.event, ev.data, ev.id);
            if (got && "resync" in got) throw new Error(`${this.inst.name}: ${got.resync}`);
            if (got) this.snapshots.push({ at: Date.now(), snap: got.board });
          }
        }
      } catch {
        /* aborted, or the instance died */
      }
    })();
    await waitUntil(`${this.inst.name}'s first board snapshot`, () => this.snapshots.length > 0, 10_000);
  }

  /** When this viewer first received a snapshot (after `after`) that satisfies `pred`. */
  async seen(what: string, pred: (s: BoardSnapshot) => boolean, after: number, timeoutMs: number): Promise<number> {
    let at: number | undefined;
    await waitUntil(
      `${this.inst.name}'s viewer to see ${what}`,
      () => (at = this.snapshots.find((s) => s.at >= after && pred(s.snap))?.at) !== undefined,
      timeoutMs,
    );
    return at!;
  }

  async close() {
    this.abort.abort();
    await this.done;
  }
}

async function signedInViewer(browser: Browser, inst: Instance): Promise<BoardViewer> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await signInWithForm(page, "pg-commander", "pg-commander-password", inst.base);
    await expect(page.getByTitle("Your role")).toHaveText("commander");
    const cookie = (await context.cookies(inst.base)).map((c) => `${c.name}=${c.value}`).join("; ");
    const viewer = new BoardViewer(inst, cookie);
    await viewer.open();
    return viewer;
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------- pollers, as the simulator counts them

type AgentCounts = Map<string, number>;
/** Per target: requests per collector user agent, and per path, so far. */
function pollStats(): Map<string, { agents: AgentCounts; paths: Map<string, number> }> {
  return new Map(
    fleet.systems.map((s) => {
      const st = fleet.requestStats(s.name);
      const agents = new Map(
        Object.entries(st.byAgent)
          .filter(([a]) => a.startsWith("Watchfloor-collector/"))
          .map(([a, v]) => [a, v.count]),
      );
      return [s.name, { agents, paths: new Map(Object.entries(st.byPath)) }];
    }),
  );
}

/** Collector user agents that polled `target` within the last `ms`. */
function activePollers(target: string, ms: number): string[] {
  const now = Date.now();
  return Object.entries(fleet.requestStats(target).byAgent)
    .filter(([agent, v]) => agent.startsWith("Watchfloor-collector/") && now - v.lastAt < ms)
    .map(([agent]) => agent);
}

const capitalFinding = (profile: string) => (s: BoardSnapshot) =>
  s.findings.some(
    (f) => f.ruleId === "capital_invariant" && f.system === "alpha-bot" && f.entity === profile && f.state !== "ok",
  );

const FUTURES = "kraken-futures";
const INGEST_TOKEN = `pg-e2e-ingest-${Date.now()}`;
/** The report kind the stream sends: the futures bot's threshold-mismatch rule counts them in its window. */
const STREAM_KIND = "THRESHOLD_MISMATCH";
const STREAM_ENTITY = "pg-e2e-stream-limit";

/** How many reports of the stream the rules counted, as a board shows it (undefined: no finding yet). */
function streamCount(s: BoardSnapshot): number | undefined {
  const f = s.findings.find(
    (x) => x.ruleId === "threshold_mismatch" && x.system === FUTURES && x.entity === STREAM_ENTITY,
  );
  const v = f?.evidence.values.find((e) => e.label === STREAM_KIND)?.value;
  return typeof v === "number" ? v : undefined;
}

/** Posts one batch of the stream to an instance; false if the instance did not store it. */
async function postBatch(inst: Instance, ids: string[]): Promise<boolean> {
  const body =
    ids
      .map((id) =>
        JSON.stringify({ id, kind: STREAM_KIND, ts: new Date().toISOString(), fields: { parameter: STREAM_ENTITY } }),
      )
      .join("\n") + "\n";
  try {
    const res = await fetch(`${inst.base}/api/ingest`, {
      method: "POST",
      headers: { Authorization: `Bearer ${INGEST_TOKEN}`, "Content-Type": "application/x-ndjson" },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  pg = await startTestPostgres();
  // A simulated fleet at real time for the instances to poll (its own, so no other spec's scenarios interfere).
  fleet = await startTestFleet({ clock: { speed: 1 }, admin: false });
  dir = mkdtempSync(path.join(tmpdir(), "watchfloor-pg-e2e-"));
  const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
  BASE = `http://localhost:${portA}`;
  // No periodic board rebuild within the test (10 min): a follower's viewer can then only learn of a
  // change by the leader's NOTIFY, however slow this machine is.
  const env = consoleEnv(fleet, dir, {
    pollIntervalMs: POLL_MS,
    timeoutMs: 800,
    database: { url: pg.url },
    // The futures bot also pushes its reports (to any instance, as a shipper behind a balancer would).
    perTarget: {
      [FUTURES]: { credentials: { bearerTokenEnv: "SIM_TOKEN_KRAKEN_FUTURES", ingestTokenEnv: "INGEST_TOKEN_PG_E2E" } },
    },
    extra: { WATCHFLOOR_BOARD_REFRESH_MS: "600000", INGEST_TOKEN_PG_E2E: INGEST_TOKEN },
  });
  await addUser(env, "pg-commander", "commander", "pg-commander-password");
  A = startInstance("A", portA, env);
  B = startInstance("B", portB, env);
  C = startInstance("C", portC, { ...env, WATCHFLOOR_COLLECTOR: "off" });
  await Promise.all([A, B, C].map((inst) => waitReady(inst)));
});
test.afterAll(async () => {
  killGroup(A, "SIGTERM");
  killGroup(B, "SIGTERM");
  killGroup(C, "SIGTERM");
  await fleet?.stop();
  await pg?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
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
  dbBackAt = Date.now();
});

// Runs after the database restart above, so it also shows leadership and LISTEN recovering from it.
test("three instances: one poller per target, every viewer sees each change, a stream posted to all three reaches the rules, handover after killing the leader loses nothing", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const viewers = await Promise.all([signedInViewer(browser, A), signedInViewer(browser, B)]);
  const serveOnly = await signedInViewer(browser, C);
  try {
    // After the database restart every instance re-checks its lock within one retry (2 s); until
    // then the old leader may not yet know that its session, and the lock with it, is gone.
    await sleep(dbBackAt + 5000 - Date.now());
    // Exactly one instance leads, and the simulator sees exactly one collector.
    await waitUntil(
      "one leader and one follower",
      () =>
        viewers
          .map((v) => v.latest?.collector)
          .sort()
          .join() === "follower,leader",
      15_000,
      () => ({
        roles: viewers.map((v) => `${v.inst.name}: ${v.latest?.collector}`),
        pollers: Object.fromEntries(fleet.systems.map((s) => [s.name, activePollers(s.name, 2 * POLL_MS)])),
      }),
    );
    const leaderViewer = viewers.find((v) => v.latest!.collector === "leader")!;
    const followerViewer = viewers.find((v) => v !== leaderViewer)!;
    // The serve-only instance says what it is, and its board is current (it hears the leader).
    await waitUntil(
      "the serve-only board to be current",
      () => serveOnly.latest?.collector === "serve-only" && !serveOnly.latest.degraded,
      10_000,
      () => serveOnly.latest,
    );
    await waitUntil(
      "one collector to poll every target",
      () =>
        new Set(fleet.systems.map((s) => activePollers(s.name, 2 * POLL_MS).join())).size === 1 &&
        activePollers(fleet.systems[0]!.name, 2 * POLL_MS).length === 1,
      10_000,
      () => Object.fromEntries(fleet.systems.map((s) => [s.name, activePollers(s.name, 2 * POLL_MS)])),
    );

    // Over five intervals the simulator sees one collector per target, the same one for all,
    // and no more requests per path than one poller makes.
    const before = pollStats();
    const t0 = Date.now();
    await sleep(5 * POLL_MS);
    const after = pollStats();
    const windowMs = Date.now() - t0;
    const maxPerPath = Math.floor(windowMs / (0.9 * POLL_MS)) + 1; // jitter is ±10 %
    const pollers = new Set<string>();
    for (const s of fleet.systems) {
      const b = before.get(s.name)!;
      const a = after.get(s.name)!;
      const grew = [...a.agents].filter(([agent, n]) => n > (b.agents.get(agent) ?? 0)).map(([agent]) => agent);
      expect(grew, `collectors polling ${s.name}`).toHaveLength(1);
      pollers.add(grew[0]!);
      const perPath = [...a.paths]
        .map(([p, n]): [string, number] => [p, n - (b.paths.get(p) ?? 0)])
        .filter(([, n]) => n > 0);
      expect(perPath.length, `paths polled on ${s.name}`).toBeGreaterThan(0);
      for (const [p, n] of perPath) expect(n, `${s.name} ${p} in ${windowMs} ms`).toBeLessThanOrEqual(maxPerPath);
      expect(Math.max(...perPath.map(([, n]) => n)), `polls of ${s.name} in ${windowMs} ms`).toBeGreaterThanOrEqual(3);
    }
    expect(pollers.size).toBe(1);
    const oldLeaderAgent = [...pollers][0]!;

    // Each change on the fleet reaches the viewers of both instances. With the periodic rebuild off
    // (above), the follower sees it only if the leader's NOTIFY reached it: three changes, so one
    // rebuild for another reason cannot pass by luck. The lags are recorded, not judged.
    const lags: number[] = [];
    const change = async (what: string, act: () => void, pred: (s: BoardSnapshot) => boolean) => {
      const mark = Date.now();
      act();
      const [onLeader, onFollower, onServeOnly] = await Promise.all([
        leaderViewer.seen(what, pred, mark, 30_000),
        followerViewer.seen(what, pred, mark, 30_000),
        serveOnly.seen(what, pred, mark, 30_000),
      ]);
      lags.push(onFollower - onLeader, onServeOnly - onLeader);
    };
    await change(
      "the violation on sol-breakout",
      () => fleet.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: "sol-breakout" }),
      capitalFinding("sol-breakout"),
    );
    await change(
      "the violation on eth-momentum",
      () => fleet.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: "eth-momentum" }),
      capitalFinding("eth-momentum"),
    );
    await change(
      "both violations clear",
      () => fleet.stopScenario("alpha-bot"),
      (s) => !capitalFinding("sol-breakout")(s) && !capitalFinding("eth-momentum")(s),
    );

    // A stream of 2,000 reports in batches of 50, round-robin to all three instances; half-way the
    // leader is killed, and a batch it did not take is posted to the next instance, as a shipper
    // behind a balancer retries. Every report must be stored once and counted by the new leader's rules.
    const TOTAL = 2000;
    const BATCH = 50;
    const ids = Array.from({ length: TOTAL }, (_, i) => `pg-e2e-stream-${i}`);
    const alive = [A, B, C];
    let killedAt = 0;
    let retried = 0;
    for (let b = 0; b < TOTAL / BATCH; b++) {
      const batch = ids.slice(b * BATCH, (b + 1) * BATCH);
      if (b === TOTAL / BATCH / 2) {
        // This batch goes to the leader, which is killed (its whole process tree) while the request
        // is under way: it may or may not have stored it, so it is posted again elsewhere.
        const inFlight = postBatch(leaderViewer.inst, batch);
        await sleep(5);
        killGroup(leaderViewer.inst, "SIGKILL");
        killedAt = Date.now();
        alive.splice(alive.indexOf(leaderViewer.inst), 1);
        await inFlight;
        retried++;
      }
      let tries = 0;
      while (!(await postBatch(alive[(b + tries) % alive.length]!, batch))) {
        tries++;
        retried++;
        expect(tries, `batch ${b} was refused by every instance`).toBeLessThan(6);
        await sleep(200);
      }
    }
    // Stored once each: the database holds exactly the stream's ids.
    const { default: postgres } = await import("postgres");
    const db = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await db<{ n: string; distinct_ids: string }[]>`
        select count(*) as n, count(distinct id) as distinct_ids from reports
        where system = ${FUTURES} and kind = ${STREAM_KIND} and id like 'pg-e2e-stream-%'`;
      expect({ n: Number(row!.n), distinct: Number(row!.distinct_ids) }).toEqual({ n: TOTAL, distinct: TOTAL });
    } finally {
      await db.end({ timeout: 2 });
    }
    // All reached the rules: the new leader's finding counts the whole stream, and both surviving
    // boards (the new leader's and the serve-only one) show that count.
    await followerViewer.seen("the rules count the whole stream", (s) => streamCount(s) === TOTAL, killedAt, 30_000);
    await serveOnly.seen("the rules count the whole stream", (s) => streamCount(s) === TOTAL, killedAt, 30_000);
    let newAgent = "";
    await waitUntil(
      "another collector to poll every target",
      () => {
        const recent = fleet.systems.map((s) => activePollers(s.name, POLL_MS).filter((a) => a !== oldLeaderAgent));
        if (!recent.every((r) => r.length === 1) || new Set(recent.flat()).size !== 1) return false;
        newAgent = recent[0]![0]!;
        return true;
      },
      15_000,
    );
    // How long the handover took is a bench figure; here it only has to happen.
    const handoverMs = Date.now() - killedAt;
    await followerViewer.seen("its instance lead", (s) => s.collector === "leader", killedAt, 10_000);
    // The serve-only board may have gone "not current" while no leader spoke; it is current again.
    await waitUntil("the serve-only board to be current again", () => !serveOnly.latest?.degraded, 10_000);
    // A window of three intervals, which starts after the kill: a poll delayed by a busy machine
    // still counts, and the dead leader cannot.
    await sleep(Math.max(1.5 * POLL_MS, killedAt + 4 * POLL_MS - Date.now()));
    for (const s of fleet.systems)
      expect(activePollers(s.name, 3 * POLL_MS), `collectors polling ${s.name} after the handover`).toEqual([newAgent]);

    // The survivor's viewer still sees live changes.
    const mark = Date.now();
    fleet.startScenario("capital-invariant-persistent", "alpha-bot", { profileId: "btc-momentum" });
    await Promise.all([
      followerViewer.seen("the violation on btc-momentum", capitalFinding("btc-momentum"), mark, 30_000),
      serveOnly.seen("the violation on btc-momentum", capitalFinding("btc-momentum"), mark, 30_000),
    ]);
    fleet.stopScenario("alpha-bot");
    console.log(
      `[postgres.spec] lags behind the leader's viewer (follower, serve-only) ${lags.join(", ")} ms; handover ${handoverMs} ms; ${retried} batches retried`,
    );
  } finally {
    await Promise.all([...viewers, serveOnly].map((v) => v.close()));
  }
});

// Runs last: it stops every collector. The serve-only instance keeps serving, and must say that
// what it serves is no longer current — on the board and on a shared status view — never "live".
test("with no collector left, the serve-only board and a status link say not current", async ({ browser }) => {
  test.setTimeout(90_000);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await signInWithForm(page, "pg-commander", "pg-commander-password", C.base);
    await expect(page.getByTitle("Your role")).toHaveText("commander");
    await page.goto(C.base + "/share");
    await page.getByLabel(/^Label/).fill("no-leader check");
    await page.getByRole("button", { name: "Create link" }).click();
    const created = page.locator("[data-new-share-url]");
    await expect(created).toContainText("shown only once");
    const statusUrl = (await created.getAttribute("data-new-share-url"))!;
    const status = await context.newPage();
    await status.goto(statusUrl);
    await expect(status.locator("[data-not-current]")).toHaveCount(0);
    await page.goto(C.base + "/");
    await expect(page.getByText(/Console degraded/)).toHaveCount(0);

    // Stop both collector instances (one was killed above; this is a no-op for it).
    killGroup(A, "SIGKILL");
    killGroup(B, "SIGKILL");
    const stoppedAt = Date.now();
    // Two poll intervals (at least 3 s) without word from a leader: not current, on both views.
    await expect(page.getByText(/Console degraded — data not current since/)).toBeVisible({ timeout: 20_000 });
    await expect(page.getByText(/no collector leader has evaluated/)).toBeVisible();
    await expect(status.locator("[data-not-current]")).toBeVisible({ timeout: 20_000 });
    const seenAfterMs = Date.now() - stoppedAt;
    // The data it still shows is marked, not dropped: the board still lists the systems, none as fresh.
    const snap = (await (await page.request.get(C.base + "/api/board")).json()) as BoardSnapshot & {
      systems: { freshness: string }[];
    };
    expect(snap.degraded?.reason).toMatch(/no collector leader/);
    expect(snap.systems.length).toBeGreaterThan(0);
    expect(snap.systems.filter((s) => s.freshness === "ok")).toEqual([]);
    console.log(
      `[postgres.spec] serve-only board marked not current ${seenAfterMs} ms after the last collector stopped`,
    );
  } finally {
    await context.close();
  }
});
