// `npm run test:soak [-- --minutes N]`: the production server under sustained load for a while
// (30 minutes by default), on loopback only. Every bounded: the run stops by itself.
//   - N live board viewers (/api/stream, 200 by default), held by a separate process;
//   - NDJSON report ingest at a steady rate (200 lines/s by default) with unique line ids;
//   - the simulator's scenarios cycling through its admin API, so findings open and clear;
//   - probes of the board API, health and two screens every few seconds;
//   - the server's resident memory sampled every 5 s, and its live heap after a forced full GC every
//     30 s (the server runs with Node's inspector on a loopback port the system picks; the soak
//     reads V8's heap over the DevTools protocol, scripts/bench/heap.ts: no bench code in the server).
// Passes when there was no 5xx (nor a failed request or a dropped stream), every ingest line the
// server acknowledged is in the database afterwards, memory did not trend upwards after warm-up
// beyond the tolerance printed in the summary, the live heap after GC at the end is within 10 % of
// its 6-minute value and RSS within 100 MiB of its own (runs shorter than 8 minutes compare with
// the first sample after a 1-minute warm-up instead). Exits non-zero otherwise. Both memory curves
// are written as CSV (minutes, MiB) to bench/results/soak-heap.csv and bench/results/soak-rss.csv.
// The forced collections also keep RSS lower than an unobserved server's would be: V8 no longer
// lets garbage pile up for long between full collections.
// Not part of `npm test` (too long); run it before a release.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { and, eq, like, sql } from "drizzle-orm";
import { openDatabase } from "../lib/db/client";
import { reports } from "../lib/db/schema";
import { buildIfNeeded, startBenchServer, type BenchServer } from "./bench/server";
import { cpuSeconds, percentile, rssMiB } from "./bench/proc";
import { connectHeapProbe, INSPECT_LOOPBACK, inspectorUrlWatcher, type HeapProbe } from "./bench/heap";

interface Options {
  minutes: number;
  viewers: number;
  linesPerSecond: number;
  port: number;
  scenarioEverySeconds: number;
}

const USAGE =
  "usage: npm run test:soak -- [--minutes N (30)] [--viewers N (200)] [--lines-per-second N (200)] [--port N (3345)] [--scenario-every S (30)]";

function parseArgs(argv: string[]): Options {
  const o: Options = { minutes: 30, viewers: 200, linesPerSecond: 200, port: 3345, scenarioEverySeconds: 30 };
  const keys: Record<string, keyof Options> = {
    "--minutes": "minutes",
    "--viewers": "viewers",
    "--lines-per-second": "linesPerSecond",
    "--port": "port",
    "--scenario-every": "scenarioEverySeconds",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    const [flag, inline] = arg.split("=", 2) as [string, string | undefined];
    const key = keys[flag];
    if (!key) fail(`unknown option "${arg}"`);
    const raw = inline ?? argv[++i];
    const n = Number(raw);
    if (raw === undefined || !Number.isFinite(n) || n <= 0) fail(`${flag} needs a positive number, got "${raw ?? ""}"`);
    o[key] = n;
  }
  if (o.minutes > 24 * 60) fail("--minutes is at most 1440");
  if (o.viewers > 2000) fail("--viewers is at most 2000");
  if (o.linesPerSecond > 5000) fail("--lines-per-second is at most 5000");
  if (!Number.isInteger(o.port) || o.port > 65535) fail("--port must be a TCP port");
  return o;
}

function fail(message: string): never {
  console.error(`soak: ${message}\n${USAGE}`);
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** HTTP outcomes by kind of request: status → count, plus request errors (no answer). */
class Tally {
  readonly byStatus = new Map<string, number>();
  readonly errors = new Map<string, number>();
  add(what: string, status: number) {
    const k = `${what} ${status}`;
    this.byStatus.set(k, (this.byStatus.get(k) ?? 0) + 1);
  }
  error(what: string, err: unknown) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message ?? String(err);
    const k = `${what}: ${cause}`;
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }
  count5xx(): number {
    let n = 0;
    for (const [k, v] of this.byStatus) if (/ 5\d\d$/.test(k)) n += v;
    return n;
  }
  countErrors(): number {
    return [...this.errors.values()].reduce((a, b) => a + b, 0);
  }
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

// ------------------------------------------------------------------ memory curves

/** Live-heap samples every `HEAP_EVERY_MS`; the reference for the budget is the one at `REFERENCE_MIN`. */
const HEAP_EVERY_MS = 30_000;
const REFERENCE_MIN = 6;
/** Runs shorter than this compare with the first sample after `WARMUP_MIN` instead. */
const SHORT_RUN_MIN = 8;
const WARMUP_MIN = 1;

/**
 * The server's live heap after a forced full GC, at t0, t0 + everyMs, t0 + 2·everyMs… (one reading
 * at a time; a tick already due is taken at once, the ones a slow reading missed are skipped).
 * Samples are [minutes since t0, MiB].
 */
function startHeapSampler(probe: HeapProbe, t0: number, everyMs: number) {
  const samples: Array<[number, number]> = [];
  const state = { error: undefined as string | undefined, stopped: false };
  let wake: (() => void) | undefined;
  const take = async () => {
    const t = (Date.now() - t0) / 60_000;
    try {
      samples.push([t, (await probe.liveAfterGc()).usedMiB]);
    } catch (err) {
      state.error ??= err instanceof Error ? err.message : String(err);
    }
  };
  const loop = (async () => {
    for (let k = 0; !state.stopped; k++) {
      k = Math.max(k, Math.floor((Date.now() - t0) / everyMs));
      const wait = t0 + k * everyMs - Date.now();
      if (wait > 0)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      if (state.stopped) break;
      await take();
    }
  })();
  return {
    samples,
    state,
    take,
    async stop() {
      state.stopped = true;
      wake?.();
      await loop;
    },
  };
}

/**
 * What the end of a curve is compared with: the first sample at or after 6 minutes, or, for a run
 * shorter than 8 minutes, the first one after a 1-minute warm-up. The end is the last sample.
 */
function budgetPoints(samples: Array<[number, number]>, minutes: number) {
  const short = minutes < SHORT_RUN_MIN;
  const fromMin = short ? WARMUP_MIN : REFERENCE_MIN;
  const ref = samples.find(([t]) => t >= fromMin);
  const last = samples.at(-1);
  const basis = short
    ? `the first sample after a ${WARMUP_MIN}-minute warm-up (run shorter than ${SHORT_RUN_MIN} min, no ${REFERENCE_MIN}-minute reference)`
    : `the ${REFERENCE_MIN}-minute value`;
  return { ref, last, basis, judged: !!ref && !!last && last[0] > ref[0] };
}

function writeCurve(file: string, samples: Array<[number, number]>) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, ["minutes,MiB", ...samples.map(([t, v]) => `${t.toFixed(3)},${v.toFixed(1)}`)].join("\n") + "\n");
}

const signed = (v: number, digits: number) => `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;

// ------------------------------------------------------------------ load generators

function startIngest(srv: BenchServer, token: string, run: string, linesPerSecond: number, tally: Tally) {
  const TICK_MS = 100;
  const perTick = linesPerSecond / (1000 / TICK_MS);
  const MAX_IN_FLIGHT = 50;
  const state = { sent: 0, acknowledged: 0, unacknowledged: 0, skipped: 0, inFlight: 0, seq: 0, owed: 0 };
  const pending = new Set<Promise<void>>();
  const send = async (ids: string[]) => {
    const now = new Date().toISOString();
    const body =
      ids
        .map((id) =>
          JSON.stringify({
            id,
            kind: "RECONCILIATION_REPORT",
            ts: now,
            fields: { orphaned: 0, phantom: 0, source: "soak" },
          }),
        )
        .join("\n") + "\n";
    state.sent += ids.length;
    try {
      const res = await fetch(`${srv.baseUrl}/api/ingest`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-ndjson" },
        signal: AbortSignal.timeout(30_000),
      });
      tally.add("POST /api/ingest", res.status);
      const json = (await res.json().catch(() => ({}))) as { accepted?: number; stored?: number; duplicates?: number };
      // Acknowledged = the server answered 2xx and counted the line as stored or already there.
      if (res.ok) {
        const acked = (json.stored ?? 0) + (json.duplicates ?? 0);
        state.acknowledged += acked;
        state.unacknowledged += ids.length - acked;
      } else state.unacknowledged += ids.length;
    } catch (err) {
      tally.error("POST /api/ingest", err);
      state.unacknowledged += ids.length;
    }
  };
  const timer = setInterval(() => {
    state.owed += perTick;
    const n = Math.floor(state.owed);
    if (n < 1) return;
    state.owed -= n;
    if (state.inFlight >= MAX_IN_FLIGHT) {
      // The server is not keeping up: count what could not be sent rather than queueing without bound.
      state.skipped += n;
      return;
    }
    const ids = Array.from({ length: n }, () => `${run}-${++state.seq}`);
    state.inFlight++;
    const p = send(ids).finally(() => {
      state.inFlight--;
      pending.delete(p);
    });
    pending.add(p);
  }, TICK_MS);
  return {
    state,
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
    },
  };
}

interface ScenarioInfo {
  name: string;
  kind: string;
}

async function startScenarioCycle(adminUrl: string, everyMs: number, tally: Tally) {
  const admin = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}${p}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    tally.add(`simulator ${method} ${p.replace(/\/scenarios\/[^/]+\/start/, "/scenarios/:name/start")}`, res.status);
    return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const scenarios = ((await admin("GET", "/scenarios")).json.scenarios ?? []) as ScenarioInfo[];
  const systems = ((await admin("GET", "/fleet")).json.systems ?? []) as { name: string; kind: string }[];
  const plan = scenarios.flatMap((s) =>
    systems
      .filter((sys) => sys.kind === s.kind)
      .slice(0, 1)
      .map((sys) => ({ scenario: s.name, target: sys.name })),
  );
  if (!plan.length) throw new Error("the simulator lists no scenario for its systems");
  const state = { started: 0, refused: 0, names: new Set<string>() };
  let i = 0;
  let current: string | null = null;
  const step = async () => {
    try {
      if (current) await admin("POST", "/scenarios/stop", { target: current });
      const next = plan[i++ % plan.length]!;
      const r = await admin("POST", `/scenarios/${encodeURIComponent(next.scenario)}/start`, { target: next.target });
      current = next.target;
      if (r.status === 200) {
        state.started++;
        state.names.add(next.scenario);
      } else state.refused++;
    } catch (err) {
      tally.error("simulator admin", err);
    }
  };
  await step();
  const timer = setInterval(() => void step(), everyMs);
  return {
    state,
    planned: plan.length,
    async stop() {
      clearInterval(timer);
      for (const sys of systems) await admin("POST", "/scenarios/stop", { target: sys.name }).catch(() => {});
    },
  };
}

function startProbes(srv: BenchServer, tally: Tally) {
  const probe = async (p: string, auth: boolean) => {
    try {
      const res = await fetch(`${srv.baseUrl}${p}`, {
        headers: auth ? { cookie: srv.cookie } : {},
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      tally.add(`GET ${p}`, res.status);
    } catch (err) {
      tally.error(`GET ${p}`, err);
    }
  };
  let n = 0;
  const timer = setInterval(() => {
    n++;
    void probe("/api/health/live", false);
    void probe("/api/health/ready", false);
    void probe("/api/board", true);
    if (n % 5 === 0) {
      void probe("/", true);
      void probe("/sources", true);
    }
  }, 2000);
  return { stop: () => clearInterval(timer) };
}

interface SseReport {
  type: string;
  connected: number;
  open: number;
  closedEarly: number;
  errors: Record<string, number>;
  fanout: [number, number][];
}

async function startViewers(srv: BenchServer, count: number) {
  const child = fork(
    path.join(__dirname, "bench/sse-clients.ts"),
    [`${srv.baseUrl}/api/stream`, srv.cookie, String(count), "soak-no-marker"],
    {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const waiters: ((m: unknown) => void)[] = [];
  child.on("message", (m) => waiters.shift()?.(m));
  const next = <T>(timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`the viewer process did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiters.push((m) => {
        clearTimeout(t);
        resolve(m as T);
      });
    });
  const hello = await next<{ connected: number; errors: Record<string, number>; seconds: number }>(180_000);
  return {
    hello,
    async report(): Promise<SseReport> {
      child.send({ type: "report" });
      return next<SseReport>(60_000);
    },
    stop() {
      try {
        child.send({ type: "stop" });
      } catch {
        /* gone */
      }
    },
  };
}

// ------------------------------------------------------------------ the run

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const root = path.resolve(__dirname, "..");
  const b = buildIfNeeded(root, false);
  if (b.built) console.log(`built in ${b.seconds.toFixed(0)} s`);
  const token = randomBytes(24).toString("base64url");
  const run = `soak-${Date.now().toString(36)}`;
  console.log(
    `soak: ${o.minutes} min, ${o.viewers} viewers, ${o.linesPerSecond} ingest lines/s, scenarios every ${o.scenarioEverySeconds} s, server on 127.0.0.1:${o.port}`,
  );
  // The inspector (loopback, a port the system picks) is how the soak reads the live heap.
  const inspector = inspectorUrlWatcher(60_000);
  const srv = await startBenchServer({
    root,
    port: o.port,
    pollIntervalMs: 1000,
    seed: 7,
    ingestToken: token,
    nodeArgs: [INSPECT_LOOPBACK],
    onStderr: (chunk) => inspector.feed(chunk),
  });
  const tally = new Tally();
  const rss: Array<[number, number]> = [];
  let heapProbe: HeapProbe | undefined;
  let heapConnectError: string | undefined;
  let heapSampler: ReturnType<typeof startHeapSampler> | undefined;
  let viewers: Awaited<ReturnType<typeof startViewers>> | undefined;
  let ingest: ReturnType<typeof startIngest> | undefined;
  let cycle: Awaited<ReturnType<typeof startScenarioCycle>> | undefined;
  let probes: ReturnType<typeof startProbes> | undefined;
  let sse: SseReport | undefined;
  let t0 = Date.now();
  let cpuPercent = NaN;
  let cpu0 = 0;
  const load0 = loadavg()[0]!;
  const durationMs = o.minutes * 60_000;
  // Interrupted: stop what was started (server, viewers' process, fleet) before exiting.
  const interrupted = (code: number) => () => {
    probes?.stop();
    viewers?.stop();
    void Promise.allSettled([ingest?.stop(), cycle?.stop(), heapProbe?.close()])
      .then(() => srv.stopServer())
      .finally(() => process.exit(code));
  };
  process.once("SIGINT", interrupted(130));
  process.once("SIGTERM", interrupted(143));
  try {
    try {
      heapProbe = await connectHeapProbe(await inspector.url());
    } catch (err) {
      // The run goes on (its other checks stand); the live-heap budget fails with the reason.
      heapConnectError = err instanceof Error ? err.message : String(err);
      console.error(`soak: no live-heap readings: ${heapConnectError}`);
    }
    viewers = await startViewers(srv, o.viewers);
    console.log(`  ${viewers.hello.connected}/${o.viewers} viewers connected in ${viewers.hello.seconds.toFixed(1)} s`);
    // The clock (duration, warm-up, memory trend) starts once the viewers are connected.
    t0 = Date.now();
    cpu0 = cpuSeconds(srv.serverPid());
    cycle = await startScenarioCycle(srv.fleet.adminUrl!, o.scenarioEverySeconds * 1000, tally);
    ingest = startIngest(srv, token, run, o.linesPerSecond, tally);
    probes = startProbes(srv, tally);
    const sampler = setInterval(() => rss.push([(Date.now() - t0) / 60_000, rssMiB(srv.serverPid())]), 5000);
    if (heapProbe) heapSampler = startHeapSampler(heapProbe, t0, HEAP_EVERY_MS);
    let minute = 0;
    while (Date.now() - t0 < durationMs) {
      await sleep(Math.min(5000, durationMs - (Date.now() - t0)));
      const m = Math.floor((Date.now() - t0) / 60_000);
      if (m > minute) {
        minute = m;
        const last = rss.at(-1)?.[1] ?? 0;
        const live = heapSampler?.samples.at(-1)?.[1];
        console.log(
          `  ${m} min: ${ingest.state.acknowledged} lines acknowledged, ${tally.count5xx()} 5xx, ${tally.countErrors()} failed requests, RSS ${last.toFixed(0)} MiB, live heap after GC ${live === undefined ? "?" : live.toFixed(0)} MiB, ${cycle.state.started} scenarios started`,
        );
      }
    }
    clearInterval(sampler);
    rss.push([(Date.now() - t0) / 60_000, rssMiB(srv.serverPid())]);
    if (heapSampler) {
      // One last reading at the end of the load, unless the sampler has just taken it.
      await heapSampler.stop();
      const lastAt = heapSampler.samples.at(-1)?.[0] ?? -1;
      if ((Date.now() - t0) / 60_000 - lastAt > 5 / 60) await heapSampler.take();
    }
    cpuPercent = Math.round(((cpuSeconds(srv.serverPid()) - cpu0) / ((Date.now() - t0) / 1000)) * 100);
    probes.stop();
    await ingest.stop();
    sse = await viewers.report();
  } finally {
    probes?.stop();
    await ingest?.stop();
    viewers?.stop();
    await cycle?.stop().catch(() => {});
    // Disconnect from the inspector first: a process with a debugger attached may wait for it to leave.
    await heapSampler?.stop();
    await heapProbe?.close().catch(() => {});
    await srv.stopServer();
  }

  // Every acknowledged line must be in the database: read it after the server has stopped.
  const h = await openDatabase({ dataDir: srv.dataDir, migrate: false });
  let storedLines = 0;
  try {
    const [row] = await h.db
      .select({ n: sql<number>`count(*)::int` })
      .from(reports)
      .where(
        and(
          eq(reports.system, srv.fleet.systems.find((s) => s.kind === "futures-bot")!.name),
          like(reports.id, `${run}-%`),
        ),
      );
    storedLines = Number(row?.n ?? 0);
  } finally {
    await h.close();
    await srv.stop();
  }

  // ---------------------------------------------------------------- verdict
  const minutesRun = (Date.now() - t0) / 60_000;
  const warmupMin = Math.max(1, 0.2 * o.minutes);
  const after = rss.filter(([t]) => t >= warmupMin);
  const windowMin = after.length ? after.at(-1)![0] - after[0]![0] : 0;
  const trendMiB = slope(after) * windowMin;
  const medianAfter = percentile(
    after.map(([, v]) => v),
    50,
  );
  const toleranceMiB = Math.max(50, 0.1 * (Number.isFinite(medianAfter) ? medianAfter : 0));
  const firstMinute = after.filter(([t]) => t < after[0]![0] + 1).map(([, v]) => v);
  const lastMinute = after.filter(([t]) => t > after.at(-1)![0] - 1).map(([, v]) => v);
  const sseErrors = Object.entries(sse?.errors ?? {});
  const sse5xx = sseErrors.filter(([k]) => /HTTP 5\d\d/.test(k)).reduce((a, [, v]) => a + v, 0);
  const ingestState = ingest!.state;
  const lost = Math.max(0, ingestState.acknowledged - storedLines);
  const heap = heapSampler?.samples ?? [];
  const heapError = heapConnectError ?? heapSampler?.state.error;
  const heapBudget = budgetPoints(heap, o.minutes);
  const rssBudget = budgetPoints(rss, o.minutes);
  const heapDeltaPct =
    heapBudget.judged && heapBudget.ref![1] > 0 ? (heapBudget.last![1] / heapBudget.ref![1] - 1) * 100 : NaN;
  const rssDeltaMiB = rssBudget.judged ? rssBudget.last![1] - rssBudget.ref![1] : NaN;
  const curvesDir = path.join(root, "bench/results");
  const heapCsv = path.join(curvesDir, "soak-heap.csv");
  const rssCsv = path.join(curvesDir, "soak-rss.csv");
  writeCurve(heapCsv, heap);
  writeCurve(rssCsv, rss);

  const checks: Array<[string, boolean, string]> = [
    ["no 5xx", tally.count5xx() + sse5xx === 0, `${tally.count5xx() + sse5xx} responses with a 5xx status`],
    [
      "no failed requests",
      tally.countErrors() === 0,
      tally.countErrors() ? JSON.stringify(Object.fromEntries(tally.errors)) : "every request was answered",
    ],
    [
      "viewers held",
      (sse?.connected ?? 0) === o.viewers && (sse?.open ?? 0) === o.viewers && sseErrors.length === 0,
      `${sse?.connected ?? 0} connected, ${sse?.open ?? 0} still open at the end, ${sse?.closedEarly ?? 0} closed by the server${sseErrors.length ? `, errors ${JSON.stringify(sse?.errors)}` : ""}`,
    ],
    [
      "no lost ingest lines",
      lost === 0 && ingestState.acknowledged > 0,
      `${ingestState.acknowledged} acknowledged, ${storedLines} stored, ${lost} lost`,
    ],
    [
      "ingest kept its rate",
      ingestState.skipped === 0 && ingestState.unacknowledged === 0,
      `${ingestState.sent} lines sent (${(ingestState.sent / (minutesRun * 60)).toFixed(0)}/s), ${ingestState.unacknowledged} not acknowledged, ${ingestState.skipped} not sent because 50 batches were already waiting`,
    ],
    [
      "memory flat after warm-up",
      after.length >= 3 && trendMiB <= toleranceMiB,
      `RSS trend ${trendMiB >= 0 ? "+" : ""}${trendMiB.toFixed(1)} MiB over the ${windowMin.toFixed(1)} min after a ${warmupMin.toFixed(1)} min warm-up (tolerance ${toleranceMiB.toFixed(0)} MiB: 10 % of the median or 50 MiB, whichever is larger); median first minute ${percentile(firstMinute, 50).toFixed(0)} MiB, last minute ${percentile(lastMinute, 50).toFixed(0)} MiB, peak ${Math.max(...rss.map(([, v]) => v)).toFixed(0)} MiB`,
    ],
    [
      "live heap after GC flat within 10 %",
      !heapError && heapBudget.judged && Math.abs(heapDeltaPct) <= 10,
      heapBudget.judged
        ? `${heapBudget.last![1].toFixed(1)} MiB at ${heapBudget.last![0].toFixed(1)} min against ${heapBudget.ref![1].toFixed(1)} MiB at ${heapBudget.ref![0].toFixed(1)} min, ${heapBudget.basis}: ${signed(heapDeltaPct, 1)} % (budget ±10 %)${heapError ? `; readings failed: ${heapError}` : ""}`
        : `not judged: ${heapError ? `readings failed (${heapError})` : `no sample after ${heapBudget.basis}`}; ${heap.length} samples`,
    ],
    [
      "RSS within 100 MiB of its 6-minute value",
      rssBudget.judged && Math.abs(rssDeltaMiB) <= 100,
      rssBudget.judged
        ? `${rssBudget.last![1].toFixed(0)} MiB at ${rssBudget.last![0].toFixed(1)} min against ${rssBudget.ref![1].toFixed(0)} MiB at ${rssBudget.ref![0].toFixed(1)} min, ${rssBudget.basis}: ${signed(rssDeltaMiB, 0)} MiB (budget ±100 MiB)`
        : `not judged: no sample after ${rssBudget.basis}; ${rss.length} samples`,
    ],
    [
      "scenarios cycled",
      (cycle?.state.started ?? 0) >= Math.min(2, cycle?.planned ?? 0),
      `${cycle?.state.started ?? 0} started (${cycle?.state.names.size ?? 0} different), ${cycle?.state.refused ?? 0} refused by the simulator`,
    ],
  ];

  console.log(`\nSoak summary (${minutesRun.toFixed(1)} min, ${o.viewers} viewers, ${o.linesPerSecond} lines/s)`);
  // Context for reading a failure: a server short of CPU because the machine is busy (a high load
  // average, the server well under one core) is not the same finding as a server at full core.
  console.log(
    `  server CPU ${cpuPercent}% of one core; machine load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (${availableParallelism()} cores)`,
  );
  console.log("  responses:", JSON.stringify(Object.fromEntries([...tally.byStatus].sort())));
  console.log(
    `  board events delivered to viewers: ${sse?.fanout.length ?? 0} (generated → received p50 ${percentile(sse?.fanout.map(([, d]) => d) ?? [], 50)} ms)`,
  );
  console.log(
    `  RSS samples (min → MiB): ${rss
      .filter((_, i) => i % 12 === 0)
      .map(([t, v]) => `${t.toFixed(1)}→${v.toFixed(0)}`)
      .join(" ")}`,
  );
  console.log(
    `  live heap after GC samples (min → MiB): ${heap.length ? heap.map(([t, v]) => `${t.toFixed(1)}→${v.toFixed(0)}`).join(" ") : `none${heapError ? ` (${heapError})` : ""}`}`,
  );
  console.log(
    `  curves (minutes, MiB): ${path.relative(process.cwd(), heapCsv)} (${heap.length} samples), ${path.relative(process.cwd(), rssCsv)} (${rss.length} samples)`,
  );
  for (const [name, ok, detail] of checks) console.log(`  ${ok ? "PASS" : "FAIL"} ${name}: ${detail}`);
  const failed = checks.filter(([, ok]) => !ok).length;
  console.log(
    failed ? `\nsoak FAILED (${failed} of ${checks.length} checks)` : `\nsoak passed (${checks.length} checks)`,
  );
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
