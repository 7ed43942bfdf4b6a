// Viewers: N live board streams held by a separate process; errors, change → delivery delays, the
// server's CPU and RSS, and upstream polls per target per interval (which must not grow with N).
import { fork } from "node:child_process";
import path from "node:path";
import type { Fleet } from "../../lib/sim";
import { cpuSeconds, percentile, rssMiB } from "./proc";
import { setWatchdog } from "./latency";

export interface PollRate {
  /** target → requests per poll interval on its busiest path (1 = one poll per interval). */
  perTarget: Record<string, number>;
  max: number;
  windowSeconds: number;
  /** The server's CPU over the same window (with no viewers: what the rest of the server costs). */
  serverCpuPercentOfOneCore?: number;
}

export interface ViewerResult {
  viewers: number;
  connected: number;
  connectSeconds: number;
  errors: Record<string, number>;
  errorCount: number;
  boardEvents: number;
  /** Board snapshot generated on the server → received by a client (every delivery in the window). */
  deliveryMs: { p50: number; p99: number; max: number };
  /** Change made at the source → received by each client (includes waiting for the next poll). */
  changeToClientMs: { changes: number; missed: number; p50: number; p99: number; max: number };
  serverCpuPercentOfOneCore: number;
  /** The SSE client process's CPU over the same window: near 100 means the client, not the server, limits the figures. */
  clientCpuPercentOfOneCore: number;
  /** The client process's event-loop delay over the window (it timestamps receipts, so this adds to them). */
  clientLoopDelayMs: { p99: number; max: number };
  serverRssMiB: { start: number; peak: number; end: number };
  polls: PollRate;
  baselinePolls: PollRate;
}

function snapshotStats(fleet: Fleet): Map<string, Record<string, number>> {
  return new Map(fleet.systems.map((s) => [s.name, { ...fleet.requestStats(s.name).byPath }]));
}

function pollRate(
  fleet: Fleet,
  before: Map<string, Record<string, number>>,
  seconds: number,
  intervalMs: number,
): PollRate {
  const intervals = (seconds * 1000) / intervalMs;
  const perTarget: Record<string, number> = {};
  for (const s of fleet.systems) {
    const now = fleet.requestStats(s.name).byPath;
    const prev = before.get(s.name) ?? {};
    let busiest = 0;
    for (const [p, n] of Object.entries(now)) busiest = Math.max(busiest, n - (prev[p] ?? 0));
    perTarget[s.name] = Math.round((busiest / intervals) * 100) / 100;
  }
  return { perTarget, max: Math.max(...Object.values(perTarget)), windowSeconds: Math.round(seconds * 10) / 10 };
}

export async function measurePollBaseline(
  fleet: Fleet,
  intervalMs: number,
  seconds: number,
  serverPids?: () => number[],
): Promise<PollRate> {
  const before = snapshotStats(fleet);
  const pids = serverPids?.() ?? [];
  const cpu0 = cpuSeconds(pids);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (Date.now() - t0) / 1000;
  const rate = pollRate(fleet, before, wall, intervalMs);
  if (pids.length) rate.serverCpuPercentOfOneCore = Math.round(((cpuSeconds(pids) - cpu0) / wall) * 1000) / 10;
  return rate;
}

interface Report {
  type: "report";
  connected: number;
  open: number;
  closedEarly: number;
  errors: Record<string, number>;
  fanout: [number, number][];
  loopDelayMs: { p99: number; max: number };
  groups: { generatedAt: number; present: boolean; receipts: number[] }[];
}

/** One SSE client process holding `count` streams of one instance, and its IPC answers in order. */
function clientProcess(url: string, cookie: string, count: number, marker: string) {
  const child = fork(path.join(__dirname, "sse-clients.ts"), [`${url}/api/stream`, cookie, String(count), marker], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const messages: ((m: unknown) => void)[] = [];
  child.on("message", (m) => messages.shift()?.(m));
  const next = <T>(timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`SSE client process did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      messages.push((m) => {
        clearTimeout(t);
        resolve(m as T);
      });
    });
  const stop = async () => {
    try {
      child.send({ type: "stop" });
    } catch {
      /* gone */
    }
    await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 3000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  return { child, next, stop, count };
}

export async function measureViewers(o: {
  baseUrl: string;
  cookie: string;
  /** Several console instances: the viewers are split evenly between them (baseUrl is then unused). */
  instances?: string[];
  fleet: Fleet;
  serverPids: () => number[];
  pollIntervalMs: number;
  viewers: number;
  changes: number;
  baseline: PollRate;
  marker: string;
}): Promise<ViewerResult> {
  const urls = o.instances?.length ? o.instances : [o.baseUrl];
  const clients = urls.map((url, i) =>
    clientProcess(url, o.cookie, Math.floor(o.viewers / urls.length) + (i < o.viewers % urls.length ? 1 : 0), o.marker),
  );
  try {
    setWatchdog(o.fleet, false);
    // Connecting goes in batches of 50; allow for the count.
    const hellos = await Promise.all(
      clients.map((c) =>
        c.next<{ connected: number; errors: Record<string, number>; seconds: number }>(60_000 + c.count * 30),
      ),
    );
    const hello = { seconds: Math.max(...hellos.map((h) => h.seconds)) };
    // Settle: every client has its first snapshot and the server is past the connection burst.
    await new Promise((r) => setTimeout(r, 3000));
    const pids = o.serverPids();
    const rssStart = rssMiB(pids);
    let rssPeak = rssStart;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(pids))), 500);
    const cpu0 = cpuSeconds(pids);
    const clientPids = clients.flatMap((c) => (c.child.pid ? [c.child.pid] : []));
    const clientCpu0 = cpuSeconds(clientPids);
    const stats0 = snapshotStats(o.fleet);
    const t0 = Date.now();
    for (const c of clients) c.child.send({ type: "window" });
    const changes: { at: number; present: boolean }[] = [];
    for (let i = 0; i < o.changes; i++) {
      await new Promise((r) => setTimeout(r, o.pollIntervalMs + Math.random() * o.pollIntervalMs));
      const present = i % 2 === 0;
      changes.push({ at: Date.now(), present });
      setWatchdog(o.fleet, present);
    }
    await new Promise((r) => setTimeout(r, o.pollIntervalMs * 2 + 1000));
    const seconds = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(pids) - cpu0;
    const clientCpu = cpuSeconds(clientPids) - clientCpu0;
    const polls = pollRate(o.fleet, stats0, seconds, o.pollIntervalMs);
    clearInterval(sampler);
    const rssEnd = rssMiB(pids);
    const reps = await Promise.all(
      clients.map((c) => {
        const answer = c.next<Report>(60_000);
        c.child.send({ type: "report" });
        return answer;
      }),
    );
    setWatchdog(o.fleet, false);
    const errorsOf: Record<string, number> = {};
    for (const r of reps) for (const [k, n] of Object.entries(r.errors)) errorsOf[k] = (errorsOf[k] ?? 0) + n;
    const rep = {
      connected: reps.reduce((a, r) => a + r.connected, 0),
      errors: errorsOf,
      fanout: reps.flatMap((r) => r.fanout),
      loopDelayMs: {
        p99: Math.max(...reps.map((r) => r.loopDelayMs.p99)),
        max: Math.max(...reps.map((r) => r.loopDelayMs.max)),
      },
    };

    // Each instance builds its own boards: a change is matched against each one's boards.
    const toClient: number[] = [];
    let missed = 0;
    for (const r of reps) {
      const groups = [...r.groups].sort((a, b) => a.generatedAt - b.generatedAt);
      for (const c of changes) {
        const g = groups.find((x) => x.generatedAt >= c.at && x.present === c.present);
        if (!g) {
          missed++;
          continue;
        }
        for (const t of g.receipts) toClient.push(t - c.at);
      }
    }
    const inWindow = rep.fanout.filter(([at]) => at >= t0).map(([, d]) => d);
    const errorCount =
      Object.values(rep.errors).reduce((a, b) => a + b, 0) +
      (o.viewers - rep.connected > 0 && Object.keys(rep.errors).length === 0 ? o.viewers - rep.connected : 0);
    return {
      viewers: o.viewers,
      connected: rep.connected,
      connectSeconds: hello.seconds,
      errors: rep.errors,
      errorCount,
      boardEvents: inWindow.length,
      deliveryMs: { p50: percentile(inWindow, 50), p99: percentile(inWindow, 99), max: percentile(inWindow, 100) },
      changeToClientMs: {
        changes: changes.length,
        missed,
        p50: percentile(toClient, 50),
        p99: percentile(toClient, 99),
        max: percentile(toClient, 100),
      },
      serverCpuPercentOfOneCore: Math.round((cpu / seconds) * 1000) / 10,
      clientCpuPercentOfOneCore: Math.round((clientCpu / seconds) * 1000) / 10,
      clientLoopDelayMs: rep.loopDelayMs,
      serverRssMiB: { start: Math.round(rssStart), peak: Math.round(rssPeak), end: Math.round(rssEnd) },
      polls,
      baselinePolls: o.baseline,
    };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
  }
}
