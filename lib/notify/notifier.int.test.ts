import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { openDatabase, type DbHandle } from "../db/client";
import { notifyOutbox } from "../db/schema";
import type { Finding } from "../rules/types";
import { NotifyConfig } from "./config";
import { Notifier } from "./notifier";
import type { AlertmanagerAlert } from "./channels";

// The leader's notifier on a virtual clock (its sender is not started: this reads what it
// enqueues): Alertmanager alerts are re-posted every third of their lifetime while firing, so they
// never expire while the finding fires, and nothing is planned in the quiet period after taking the lead.

const T0 = Date.parse("2026-12-01T03:00:00Z");
let h: DbHandle;
let clock = T0;

const f: Finding = {
  id: "split_brain|spot-exchange|BTC-USDT",
  ruleId: "split_brain",
  system: "spot-exchange",
  kind: "spot-exchange",
  entity: "BTC-USDT",
  state: "critical",
  severity: "SEV1",
  title: "Split brain",
  summary: "two engines claim the lease",
  since: T0,
  lastEvaluated: T0,
  evidence: { values: [] },
  runbook: "split-brain",
};

beforeAll(async () => {
  h = await openDatabase({ dataDir: "memory://" });
});
afterAll(async () => {
  await h?.close();
});

const rows = async () =>
  (await h.db.select().from(notifyOutbox).orderBy(asc(notifyOutbox.id))).map((r) => ({
    event: r.event,
    payload: r.payload as AlertmanagerAlert[],
  }));

describe("notifier on a virtual clock", () => {
  it("plans nothing during the quiet period after taking the lead, then re-posts firing alerts before they expire", async () => {
    const config = NotifyConfig.parse({
      consoleUrl: "https://wf.example",
      channels: [{ name: "am", type: "alertmanager", url: "http://127.0.0.1:10", alertTtlSeconds: 30 }],
      routes: [{ channels: ["am"] }],
    });
    const n = new Notifier({
      db: h.db,
      config,
      secret: () => undefined,
      instanceId: "t",
      now: () => clock,
      quietAfterLeadMs: 15_000,
      refreshMs: 0,
    });
    // Not started: only the planning side runs (start() would also start the sender); the quiet
    // period counts from construction.
    await n.onEvaluation([f]);
    expect(await rows()).toEqual([]);
    clock = T0 + 15_000;
    await n.onEvaluation([f]);
    expect((await rows()).map((r) => r.event)).toEqual(["firing"]);
    expect((await rows())[0]!.payload[0]!.endsAt).toBe(new Date(clock + 30_000).toISOString());
    // Every 10 s (a third of 30 s) the firing alert is posted again with a later endsAt.
    for (const step of [10_000, 20_000, 30_000]) {
      clock = T0 + 15_000 + step;
      await n.onEvaluation([f]);
    }
    const refreshes = (await rows()).filter((r) => r.event === "refresh");
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    for (const r of refreshes) expect(r.payload.map((a) => a.labels.watchfloor_finding)).toEqual([f.id]);
    const lastEnd = Date.parse(refreshes.at(-1)!.payload[0]!.endsAt);
    expect(lastEnd).toBe(clock + 30_000);
    // Resolved: endsAt now, and no more re-posts.
    clock += 1000;
    await n.onEvaluation([{ ...f, state: "ok" }]);
    const resolve = (await rows()).at(-1)!;
    expect(resolve.event).toBe("resolve");
    expect(resolve.payload[0]!.endsAt).toBe(new Date(clock).toISOString());
    const count = (await rows()).length;
    clock += 20_000;
    await n.onEvaluation([{ ...f, state: "ok" }]);
    expect((await rows()).length).toBe(count);
  });
});
