// The stack most teams run today, timed on the same change Watchfloor's source → screen figure
// uses: Prometheus scrapes a simulated trading bot's /metrics, an alerting rule fires while its
// integrity watchdog holds trading paused, Alertmanager routes the alert to a webhook receiver in
// this process, which timestamps each notification. Change → notification, for onset and (with
// send_resolved) resolution. Prometheus and Alertmanager are the Debian packages; their
// configuration is generated into temporary directories and checked with promtool and amtool.
import http from "node:http";
import { createServer } from "node:net";
import type { Fleet } from "../../lib/sim";
import { startTestPrometheus, type TestPrometheus } from "../../lib/testing/prometheus";
import { startTestAlertmanager, type TestAlertmanager } from "../../lib/testing/alertmanager";
import { setWatchdog } from "./latency";
import { percentile } from "./proc";

export const ALERT_NAME = "IntegrityWatchdogPausedTrading";
export const WATCHDOG_METRIC = "reconciliation_integrity_watchdog_triggered";

export interface AlertingSettings {
  /** Short name for tables: "poll cadence" or "production defaults". */
  name: string;
  scrapeSeconds: number;
  evaluationSeconds: number;
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
}

export interface AlertingResult {
  settings: AlertingSettings;
  bot: string;
  rule: string;
  route: Record<string, unknown>;
  promtool: string;
  amtool: string;
  /** Changes attempted (alternating onset, resolution). */
  changes: number;
  timeouts: number;
  onset: { n: number; p50: number; p95: number; max: number };
  resolution: { n: number; p50: number; p95: number; max: number };
  samplesMs: { kind: "onset" | "resolution"; ms: number }[];
  notifications: number;
  seconds: number;
}

interface Notification {
  at: number;
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** A free loopback port in [from, to], skipping `taken`. */
export async function freePortInRange(from: number, to: number, taken: Set<number>): Promise<number> {
  for (let p = from; p <= to; p++) {
    if (taken.has(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(p, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (ok) {
      taken.add(p);
      return p;
    }
  }
  throw new Error(`no free port in ${from}–${to}`);
}

/** A webhook receiver: Alertmanager POSTs each notification here; we keep its arrival time. */
async function startReceiver(port: number) {
  const received: Notification[] = [];
  const waiters: { pred: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      res.writeHead(200).end();
      try {
        const j = JSON.parse(body) as {
          status?: string;
          alerts?: { status?: string; labels?: Record<string, string> }[];
        };
        const n: Notification = {
          at,
          status: j.status ?? "",
          alerts: (j.alerts ?? []).map((a) => ({ status: a.status ?? "", labels: a.labels ?? {} })),
        };
        received.push(n);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.pred(n)) {
            waiters[i]!.resolve(n);
            waiters.splice(i, 1);
          }
        }
      } catch {
        /* not a notification */
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}/alert`,
    received,
    /** The first notification (already received or still to come) after `since` that matches. */
    waitFor(since: number, pred: (n: Notification) => boolean, timeoutMs: number): Promise<Notification | null> {
      const match = (n: Notification) => n.at >= since && pred(n);
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const w = { pred: match, resolve: (n: Notification) => (clearTimeout(t), resolve(n)) };
        const t = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          resolve(null);
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The alerting rule file: the same condition Watchfloor's integrity_watchdog rule reports. */
export function watchdogRule(bot: string, evaluationSeconds: number): string {
  // No `for:` clause: Watchfloor's rule also reports on the first poll that shows the pause.
  return [
    "groups:",
    "  - name: watchfloor-bench",
    `    interval: ${evaluationSeconds}s`,
    "    rules:",
    `      - alert: ${ALERT_NAME}`,
    `        expr: ${WATCHDOG_METRIC}{job="${bot}"} == 1`,
    "        labels:",
    "          severity: SEV2",
    "        annotations:",
    `          summary: "Integrity watchdog has paused trading on ${bot}"`,
    "",
  ].join("\n");
}

function summary(v: number[]) {
  return { n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), max: percentile(v, 100) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Alternates the bot's watchdog (pause, resume, pause, …), each change at a random phase of the
 * scrape cycle once the previous change's notification has arrived, and times change → webhook.
 */
export async function measureAlerting(o: {
  fleet: Fleet;
  bot: string;
  settings: AlertingSettings;
  changes: number;
  ports: { from: number; to: number; taken: Set<number> };
  deadline: number;
  progress?: (line: string) => void;
}): Promise<AlertingResult> {
  const s = o.settings;
  const info = o.fleet.systems.find((x) => x.name === o.bot);
  if (!info) throw new Error(`no simulated system ${o.bot}`);
  const t0 = Date.now();
  const receiver = await startReceiver(await freePortInRange(o.ports.from, o.ports.to, o.ports.taken));
  const route = {
    receiver: "bench-webhook",
    group_by: ["alertname", "job"],
    group_wait: `${s.groupWaitSeconds}s`,
    group_interval: `${s.groupIntervalSeconds}s`,
    repeat_interval: `${s.repeatIntervalSeconds}s`,
  };
  let am: TestAlertmanager | undefined;
  let prom: TestPrometheus | undefined;
  const samples: { kind: "onset" | "resolution"; ms: number }[] = [];
  let timeouts = 0;
  let attempted = 0;
  const rule = watchdogRule(o.bot, s.evaluationSeconds);
  const tools = { promtool: "", amtool: "" };
  try {
    setWatchdog(o.fleet, false, o.bot);
    am = await startTestAlertmanager({
      port: await freePortInRange(o.ports.from, o.ports.to, o.ports.taken),
      config: {
        route,
        receivers: [{ name: "bench-webhook", webhook_configs: [{ url: receiver.url, send_resolved: true }] }],
      },
    });
    prom = await startTestPrometheus({
      port: await freePortInRange(o.ports.from, o.ports.to, o.ports.taken),
      checkConfig: true,
      scrapeTargets: [{ job: o.bot, targets: [`127.0.0.1:${info.port}`], scrapeIntervalSeconds: s.scrapeSeconds }],
      ruleFiles: [{ name: "watchdog.rules.yml", content: rule }],
      alertmanagerUrl: am.url,
      evaluationIntervalSeconds: s.evaluationSeconds,
    });
    await prom.waitForTargetsUp(s.scrapeSeconds * 1000 + 20_000);
    // One full scrape and evaluation of the resumed state before the first change.
    await sleep((s.scrapeSeconds + s.evaluationSeconds) * 1000);

    // Longest plausible path: a scrape, an evaluation, group_wait and one group_interval, plus
    // slack. The first onset opens a new group, so it waits group_wait but no group_interval; later
    // ones may land in a group Alertmanager has not yet cleared away and wait for its next tick.
    const pathMs = (s.scrapeSeconds + s.evaluationSeconds + s.groupWaitSeconds) * 1000 + 30_000;
    for (let i = 0; i < o.changes; i++) {
      const timeoutMs = pathMs + (i === 0 ? 0 : s.groupIntervalSeconds * 1000);
      if (Date.now() + timeoutMs > o.deadline) {
        o.progress?.(
          `  ${s.name}: stopped after ${i} change(s): the next could take ${Math.round(timeoutMs / 1000)} s, past the deadline`,
        );
        break;
      }
      const paused = i % 2 === 0;
      await sleep(Math.random() * s.scrapeSeconds * 1000);
      const at = Date.now();
      setWatchdog(o.fleet, paused, o.bot);
      attempted++;
      const want = paused ? "firing" : "resolved";
      const n = await receiver.waitFor(
        at,
        (x) => x.alerts.some((a) => a.labels.alertname === ALERT_NAME && a.labels.job === o.bot && a.status === want),
        timeoutMs,
      );
      if (n) samples.push({ kind: paused ? "onset" : "resolution", ms: n.at - at });
      else timeouts++;
      o.progress?.(
        `  ${s.name}: change ${i + 1}/${o.changes} (${paused ? "onset" : "resolution"}) → ${n ? `${n.at - at} ms` : "no notification"}`,
      );
    }
  } finally {
    setWatchdog(o.fleet, false, o.bot);
    tools.promtool = prom?.checkOutput ?? "";
    tools.amtool = am?.checkOutput ?? "";
    await prom?.stop().catch(() => {});
    await am?.stop().catch(() => {});
    await receiver.close();
  }
  return {
    settings: s,
    bot: o.bot,
    rule,
    route,
    promtool: tools.promtool,
    amtool: tools.amtool,
    changes: attempted,
    timeouts,
    onset: summary(samples.filter((x) => x.kind === "onset").map((x) => x.ms)),
    resolution: summary(samples.filter((x) => x.kind === "resolution").map((x) => x.ms)),
    samplesMs: samples,
    notifications: receiver.received.length,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
}
