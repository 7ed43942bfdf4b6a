// Change at the source → notification: the same integrity-watchdog change the source → screen and
// alerting phases make, timed until Watchfloor's own paging reaches a person's tools. The console
// under test is started with a notify config whose channels point into this process: a
// Slack-compatible incoming webhook and a signed generic webhook on a local receiver (the direct
// channels), and Watchfloor's Alertmanager channel posting to a real Alertmanager (Debian
// `prometheus-alertmanager`) that routes to a webhook receiver on the same local receiver. Every
// arrival is timestamped by the receiver when its request is read.
import { randomBytes } from "node:crypto";
import type { Fleet } from "../../lib/sim";
import { NotifyReceiver, type Received, type ReceiverKind } from "../../lib/testing/notify-receiver";
import { startTestAlertmanager, type TestAlertmanager } from "../../lib/testing/alertmanager";
import { freePortInRange } from "./alerting";
import { setWatchdog } from "./latency";
import { percentile } from "./proc";

export const NOTIFY_RULE = "integrity_watchdog";
const SECRET_ENV = "BENCH_NOTIFY_WEBHOOK_SECRET";

type Summary = { n: number; p50: number; p95: number; max: number };

export interface NotifyChannelResult {
  /** Watchfloor's channel name in the bench's notify config. */
  channel: string;
  /** What is timed, for tables. */
  path: string;
  /** Watchfloor posts straight to the receiver (the budget line applies). */
  direct: boolean;
  onset: Summary;
  resolution: Summary;
  all: Summary;
  /** Changes after which this channel's notification did not arrive in time. */
  missed: number;
  samplesMs: { kind: "onset" | "resolution"; ms: number }[];
}

export interface NotifyResult {
  pollIntervalMs: number;
  bot: string;
  rule: string;
  /** Changes made (alternating onset, resolution). */
  changes: number;
  /** Wait for each change's notifications before giving up. */
  timeoutMs: number;
  /** The `notify` section the console under test ran with. */
  notifyConfig: Record<string, unknown>;
  /** The test Alertmanager's route, or why that path was not measured. */
  alertmanager: { route: Record<string, unknown>; amtool: string } | { notMeasured: string };
  channels: NotifyChannelResult[];
  /** Requests the receiver accepted during the phase, per kind. */
  received: Partial<Record<ReceiverKind, number>>;
  seconds: number;
}

/** What the console needs to page into this process, and the receivers it pages. */
export interface NotifyRig {
  receiver: NotifyReceiver;
  alertmanager: TestAlertmanager | null;
  alertmanagerRoute: Record<string, unknown>;
  /** Why there is no Alertmanager path (the binary is missing, or it did not start). */
  alertmanagerProblem?: string;
  /** The fleet config's `notify` section. */
  notify: Record<string, unknown>;
  /** Environment the console needs (the webhook's signing secret). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the local receiver and the test Alertmanager before the console, so the console's notify
 * config can name them. Only the bench bot's watchdog finding is routed to them: the rest of the
 * simulated fleet's findings page no one.
 */
export async function startNotifyRig(o: {
  bot: string;
  ports: { from: number; to: number; taken: Set<number> };
  progress?: (line: string) => void;
}): Promise<NotifyRig> {
  const secret = randomBytes(24).toString("base64url");
  const receiver = await new NotifyReceiver({ webhookSecret: secret }).start(0);
  const route = {
    receiver: "bench-webhook",
    group_by: ["alertname", "system", "entity"],
    group_wait: "0s",
    group_interval: "1s",
    repeat_interval: "1h",
  };
  let alertmanager: TestAlertmanager | null = null;
  let alertmanagerProblem: string | undefined;
  try {
    alertmanager = await startTestAlertmanager({
      port: await freePortInRange(o.ports.from, o.ports.to, o.ports.taken),
      config: {
        route,
        receivers: [
          { name: "bench-webhook", webhook_configs: [{ url: `${receiver.url}/alertmanager`, send_resolved: true }] },
        ],
      },
    });
  } catch (err) {
    alertmanagerProblem = (err as Error).message.split("\n")[0];
    o.progress?.(`  notify: no Alertmanager path: ${alertmanagerProblem}`);
  }
  const channels: Record<string, unknown>[] = [
    // groupWaitSeconds 0: the bench times the pipeline; a chat group wait (default 3 s) adds itself on top.
    { name: "bench-chat", type: "slack", url: `${receiver.url}/slack/bench`, groupWaitSeconds: 0 },
    { name: "bench-webhook", type: "webhook", url: `${receiver.url}/webhook`, secretEnv: SECRET_ENV },
  ];
  if (alertmanager) channels.push({ name: "bench-alertmanager", type: "alertmanager", url: alertmanager.url });
  const notify = {
    channels,
    routes: [{ match: { system: o.bot, rule: NOTIFY_RULE }, channels: channels.map((c) => c.name), repeatMinutes: 0 }],
  };
  return {
    receiver,
    alertmanager,
    alertmanagerRoute: route,
    alertmanagerProblem,
    notify,
    env: { [SECRET_ENV]: secret },
    async stop() {
      await alertmanager?.stop().catch(() => {});
      await receiver.stop();
    },
  };
}

/** Whether a request the receiver accepted is this channel's notification of the change. */
function matcher(kind: ReceiverKind, bot: string, paused: boolean): (r: Received) => boolean {
  const ok = (r: Received) => r.kind === kind && r.status >= 200 && r.status < 300;
  switch (kind) {
    case "slack":
      // The message's first line: "SEV2 <title> — <system>…" on firing, "Resolved: <title> — <system>…".
      return (r) => {
        const text = String((r.body as { text?: unknown } | null)?.text ?? "");
        return ok(r) && text.includes(bot) && (paused ? /^SEV\d /.test(text) : text.startsWith("Resolved:"));
      };
    case "webhook":
      return (r) => {
        const b = r.body as { event?: string; finding?: { system?: string; rule?: string } } | null;
        return (
          ok(r) &&
          b?.finding?.system === bot &&
          b.finding.rule === NOTIFY_RULE &&
          b.event === (paused ? "firing" : "resolve")
        );
      };
    case "alertmanager":
      return (r) => {
        const alerts =
          (r.body as { alerts?: { status?: string; labels?: Record<string, string> }[] } | null)?.alerts ?? [];
        return (
          ok(r) &&
          alerts.some(
            (a) =>
              a.labels?.alertname === NOTIFY_RULE &&
              a.labels.system === bot &&
              a.status === (paused ? "firing" : "resolved"),
          )
        );
      };
    default:
      return () => false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first request after `since` that matches, or null at the timeout (checked every 20 ms; the receiver's own timestamp is the figure). */
async function arrival(
  receiver: NotifyReceiver,
  since: number,
  match: (r: Received) => boolean,
  until: number,
): Promise<Received | null> {
  for (;;) {
    const hit = receiver.received.find((r) => r.at >= since && match(r));
    if (hit) return hit;
    if (Date.now() > until) return null;
    await sleep(20);
  }
}

function summary(v: number[]): Summary {
  return { n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), max: percentile(v, 100) };
}

/**
 * Alternates the bot's watchdog (pause, resume, …), each change at a random phase of the poll
 * cycle once every channel has reported the previous one (or timed out), and times change →
 * arrival per channel.
 */
export async function measureNotify(o: {
  rig: NotifyRig;
  fleet: Fleet;
  bot: string;
  pollIntervalMs: number;
  changes: number;
  /** The console's collector pages nothing for a while after it takes the lead; wait until then. */
  notBefore: number;
  deadline: number;
  progress?: (line: string) => void;
}): Promise<NotifyResult> {
  const t0 = Date.now();
  const paths: { channel: string; kind: ReceiverKind; path: string; direct: boolean }[] = [
    { channel: "bench-chat", kind: "slack", path: "Watchfloor → Slack-compatible webhook", direct: true },
    { channel: "bench-webhook", kind: "webhook", path: "Watchfloor → signed generic webhook", direct: true },
  ];
  if (o.rig.alertmanager)
    paths.push({
      channel: "bench-alertmanager",
      kind: "alertmanager",
      path: "Watchfloor → Alertmanager → webhook",
      direct: false,
    });
  const samples = new Map(paths.map((p) => [p.channel, [] as { kind: "onset" | "resolution"; ms: number }[]]));
  const missed = new Map(paths.map((p) => [p.channel, 0]));
  // A change is noticed at the next poll (up to one interval), evaluated and sent: two intervals
  // plus generous slack before a notification counts as missing.
  const timeoutMs = 2 * o.pollIntervalMs + 10_000;
  const firstSeq = o.rig.receiver.received.length;
  let made = 0;
  try {
    setWatchdog(o.fleet, false, o.bot);
    // Start from a resumed bot whose resolution (if a previous phase left one) has gone out.
    await sleep(Math.max(0, o.notBefore - Date.now()) + 2 * o.pollIntervalMs);
    for (let i = 0; i < o.changes; i++) {
      if (Date.now() + o.pollIntervalMs + timeoutMs > o.deadline) {
        o.progress?.(`  notify: stopped after ${i} change(s): out of time`);
        break;
      }
      const paused = i % 2 === 0;
      await sleep(Math.random() * o.pollIntervalMs);
      const at = Date.now();
      setWatchdog(o.fleet, paused, o.bot);
      made++;
      const kind = paused ? "onset" : "resolution";
      const got = await Promise.all(
        paths.map((p) => arrival(o.rig.receiver, at, matcher(p.kind, o.bot, paused), at + timeoutMs)),
      );
      paths.forEach((p, j) => {
        const r = got[j];
        if (r) samples.get(p.channel)!.push({ kind, ms: r.at - at });
        else missed.set(p.channel, missed.get(p.channel)! + 1);
      });
      if ((i + 1) % 10 === 0 || got.some((r) => !r))
        o.progress?.(
          `  notify: ${i + 1}/${o.changes} changes (last: ${kind}: ${paths.map((p, j) => `${p.kind} ${got[j] ? `${got[j]!.at - at} ms` : "none"}`).join(", ")})`,
        );
    }
  } finally {
    setWatchdog(o.fleet, false, o.bot);
  }
  const received: Partial<Record<ReceiverKind, number>> = {};
  for (const r of o.rig.receiver.received.slice(firstSeq))
    if (r.status >= 200 && r.status < 300) received[r.kind] = (received[r.kind] ?? 0) + 1;
  return {
    pollIntervalMs: o.pollIntervalMs,
    bot: o.bot,
    rule: NOTIFY_RULE,
    changes: made,
    timeoutMs,
    notifyConfig: o.rig.notify,
    alertmanager: o.rig.alertmanager
      ? { route: o.rig.alertmanagerRoute, amtool: o.rig.alertmanager.checkOutput }
      : { notMeasured: o.rig.alertmanagerProblem ?? "not started" },
    channels: paths.map((p) => {
      const s = samples.get(p.channel)!;
      return {
        channel: p.channel,
        path: p.path,
        direct: p.direct,
        onset: summary(s.filter((x) => x.kind === "onset").map((x) => x.ms)),
        resolution: summary(s.filter((x) => x.kind === "resolution").map((x) => x.ms)),
        all: summary(s.map((x) => x.ms)),
        missed: missed.get(p.channel)!,
        samplesMs: s,
      };
    }),
    received,
    seconds: Math.round((Date.now() - t0) / 1000),
  };
}
