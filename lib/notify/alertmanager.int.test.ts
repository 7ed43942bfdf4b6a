import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "../db/client";
import type { Finding } from "../rules/types";
import { startTestAlertmanager, type TestAlertmanager } from "../testing/alertmanager";
import { NotifyReceiver } from "../testing/notify-receiver";
import { NotifyConfig } from "./config";
import { Notifier } from "./notifier";

// A real Alertmanager 0.25 as the peer: Watchfloor posts its findings to /api/v2/alerts,
// Alertmanager routes them to a webhook receiver in this test, firing and resolved both arrive
// with Watchfloor's labels, and a silence created through Alertmanager's own API stops delivery
// there (the alert shows as suppressed) while an unsilenced one still arrives.

let am: TestAlertmanager;
let receiver: NotifyReceiver;
let h: DbHandle;
let notifier: Notifier;
const CONSOLE = "https://watchfloor.example";

type AmWebhook = {
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
};

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "capital_invariant|alpha-bot|eth-grid",
    ruleId: "capital_invariant",
    system: "alpha-bot",
    kind: "trading-bot",
    entity: "eth-grid",
    state: "critical",
    severity: "SEV1",
    title: "Capital invariant",
    summary: "eth-grid: ledger differs by 12.5 USDT",
    since: Date.now() - 5000,
    lastEvaluated: Date.now(),
    evidence: { values: [] },
    runbook: "capital-invariant-violation",
    ...over,
  };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const arrived = (pred: (a: AmWebhook["alerts"][number]) => boolean) =>
  receiver
    .of("alertmanager")
    .flatMap((r) => (r.body as AmWebhook).alerts)
    .filter(pred);

beforeAll(async () => {
  receiver = await new NotifyReceiver().start();
  am = await startTestAlertmanager({
    config: {
      route: {
        receiver: "test-webhook",
        group_by: ["watchfloor_finding"],
        group_wait: "1s",
        group_interval: "1s",
        repeat_interval: "1h",
      },
      receivers: [
        { name: "test-webhook", webhook_configs: [{ url: `${receiver.url}/alertmanager`, send_resolved: true }] },
      ],
    },
  });
  h = await openDatabase({ dataDir: "memory://" });
  const config = NotifyConfig.parse({
    consoleUrl: CONSOLE,
    channels: [{ name: "am", type: "alertmanager", url: am.url }],
    routes: [{ match: {}, channels: ["am"] }],
  });
  notifier = new Notifier({
    db: h.db,
    config,
    secret: () => undefined,
    instanceId: "test",
    sender: { baseMs: 100, capMs: 1000, pollMs: 50 },
    refreshMs: 0,
    quietAfterLeadMs: 0,
  });
  notifier.start();
}, 60_000);

afterAll(async () => {
  await notifier?.stop();
  await am?.stop();
  await receiver?.stop();
  await h?.close();
});

describe("Alertmanager as a peer", () => {
  it("routes a firing finding and its resolution to Alertmanager's receiver with Watchfloor's labels", async () => {
    const f = finding();
    await notifier.onEvaluation([f]);
    await until(
      "the firing alert at the receiver",
      () => arrived((a) => a.labels.watchfloor_finding === f.id && a.status === "firing").length > 0,
    );
    const [alert] = arrived((a) => a.labels.watchfloor_finding === f.id);
    expect(alert!.labels).toEqual({
      alertname: "capital_invariant",
      severity: "SEV1",
      system: "alpha-bot",
      entity: "eth-grid",
      watchfloor_finding: f.id,
    });
    expect(alert!.annotations).toEqual({
      summary: f.summary,
      runbook_url: "https://watchfloor.example/runbooks/capital-invariant-violation",
      console_url: "https://watchfloor.example/findings/capital_invariant%7Calpha-bot%7Ceth-grid",
    });
    await notifier.onEvaluation([{ ...f, state: "ok" }]);
    await until(
      "the resolved alert at the receiver",
      () => arrived((a) => a.labels.watchfloor_finding === f.id && a.status === "resolved").length > 0,
    );
  }, 60_000);

  it("a silence created in Alertmanager stops delivery there; an unsilenced finding still arrives", async () => {
    const now = new Date();
    const res = await fetch(`${am.url}/api/v2/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        matchers: [{ name: "system", value: "beta-bot", isRegex: false, isEqual: true }],
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
        createdBy: "test",
        comment: "planned maintenance OPS-7",
      }),
    });
    expect(res.status).toBe(200);
    const silenced = finding({ id: "capital_invariant|beta-bot|eth-grid", system: "beta-bot" });
    const control = finding({ id: "capital_invariant|gamma-bot|eth-grid", system: "gamma-bot" });
    await notifier.onEvaluation([silenced, control]);
    await until(
      "the unsilenced alert at the receiver",
      () => arrived((a) => a.labels.system === "gamma-bot").length > 0,
    );
    // Alertmanager holds the silenced one as suppressed, and it never reached the receiver.
    const alerts = (await (await fetch(`${am.url}/api/v2/alerts?filter=system%3D%22beta-bot%22`)).json()) as {
      status: { state: string; silencedBy: string[] };
    }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.status.state).toBe("suppressed");
    expect(alerts[0]!.status.silencedBy).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 2500)); // two more group intervals
    expect(arrived((a) => a.labels.system === "beta-bot")).toEqual([]);
  }, 60_000);
});
