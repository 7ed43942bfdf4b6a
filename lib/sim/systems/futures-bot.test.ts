import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Fleet } from "../fleet";
import { control, getJson, readLogs, startTestFleet } from "../testing";

const MIN = 60_000;
const SEC = 1000;
let fleet: Fleet;
afterEach(() => fleet?.stop());

type Status = {
  status: string;
  positions: number;
  equityUsd: number;
  marginUtilization: { auction_max_margin_util: number; max_margin_utilization_pct: number; breached: boolean };
  killSwitch: { active: boolean; reason: string | null };
  circuitBreaker: { state: string };
};
type Positions = {
  positions: { positionId: string; symbol: string; slOrderId: string | null; tpOrderId: string | null }[];
  untracked: { symbol: string }[];
  coverage: { stopLoss: { covered: number; missing: number }; takeProfit: { covered: number; missing: number } };
};
type Rec = Awaited<ReturnType<typeof readLogs>>["records"][number];

async function start(opts: Parameters<typeof startTestFleet>[0] = {}): Promise<void> {
  fleet = await startTestFleet({ kinds: ["futures-bot"], ...opts });
  fleet.advance(MIN);
}
const fb = () => fleet.info("kraken-futures");
const status = () => getJson<Status>(fb(), "/status");
const positions = () => getJson<Positions>(fb(), "/positions");
async function logsSince(ts: number): Promise<Rec[]> {
  return (await readLogs(fb())).records.filter((r) => Date.parse(r.ts) >= ts);
}
const of = (recs: Rec[], kind: string) => recs.filter((r) => r.kind === kind);

describe("futures-bot endpoints and log records", () => {
  it("emits records with the documented shape, one RECONCILIATION_REPORT per cycle, a startup audit", async () => {
    await start();
    fleet.advance(10 * MIN);
    const { records } = await readLogs(fb());
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(["fields", "id", "kind", "system", "ts"]);
      expect((r as unknown as { system: string }).system).toBe("kraken-futures");
    }
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    expect(records[0]).toMatchObject({
      kind: "REGISTRY_AUDIT_REPORT",
      fields: { trigger: "startup", violations_total: 0 },
    });
    expect(of(records, "RECONCILIATION_REPORT")).toHaveLength(11);
    expect(of(records, "CYCLE_SUMMARY")).toHaveLength(22);
    expect(of(records, "RECONCILIATION_REPORT")[0]!.fields).toEqual(
      expect.objectContaining({
        orphaned: 0,
        phantom: 0,
        qty_mismatch: expect.any(Number),
        qty_synced: expect.any(Number),
        pending_adopted: expect.any(Number),
        state_adjustments_deduped: expect.any(Number),
        state_adjustments_logged: expect.any(Number),
      }),
    );
    const s = await status();
    expect(s).toMatchObject({ status: "running", killSwitch: { active: false }, circuitBreaker: { state: "closed" } });
    expect(s.marginUtilization.max_margin_utilization_pct).toBe(85);
  });

  it("pages /logs with a cursor without gaps or overlaps", async () => {
    await start();
    fleet.advance(5 * MIN);
    const all = (await readLogs(fb())).records.map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await readLogs(fb(), cursor, 7);
      if (page.records.length === 0) break;
      seen.push(...page.records.map((r) => r.id));
      cursor = page.next!;
    }
    expect(seen).toEqual(all);
    fleet.advance(MIN);
    const more = await readLogs(fb(), cursor);
    expect(more.records.length).toBeGreaterThan(0);
    expect(Number(more.records[0]!.id.split("-").pop())).toBe(Number(cursor!.split("-").pop()) + 1);
  });

  it("pushes records to the ingest URL, retrying with backoff and never dropping", async () => {
    const received: string[] = [];
    const heads: http.IncomingHttpHeaders[] = [];
    let calls = 0;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        calls++;
        heads.push(req.headers);
        if (calls <= 2) {
          res.writeHead(503).end();
          return;
        }
        received.push(...body.split("\n").filter(Boolean));
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ingest`;
    try {
      await start({ ingest: { url, token: "ingest-secret", retryBaseMs: 20 } });
      fleet.advance(5 * MIN);
      await fleet.flushIngest(10_000);
      const pulled = (await readLogs(fb())).records.map((r) => r.id);
      const pushed = received.map((l) => (JSON.parse(l) as { id: string }).id);
      expect(pushed).toEqual(pulled);
      expect(calls).toBeGreaterThan(2);
      expect(heads[0]!["content-type"]).toBe("application/x-ndjson");
      expect(heads[0]!.authorization).toBe("Bearer ingest-secret");
    } finally {
      server.close();
    }
  });
});

describe("futures-bot scenarios", () => {
  it("kill-switch-margin: activates on margin_critical and auto-recovers", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("kill-switch-margin");
    fleet.advance(2 * MIN);
    let s = await status();
    expect(s.status).toBe("halted");
    expect(s.killSwitch).toEqual(expect.objectContaining({ active: true, reason: "margin_critical" }));
    expect(s.marginUtilization.breached).toBe(true);
    expect(s.marginUtilization.auction_max_margin_util).toBeGreaterThan(s.marginUtilization.max_margin_utilization_pct);
    let recs = await logsSince(t0);
    expect(of(recs, "KILL_SWITCH_ACTIVATED")[0]?.fields.reason).toBe("margin_critical");
    expect(of(recs, "THRESHOLD_MISMATCH")).toHaveLength(1);
    fleet.advance(5 * MIN);
    s = await status();
    expect(s.status).toBe("running");
    expect(s.killSwitch.active).toBe(false);
    recs = await logsSince(t0);
    expect(of(recs, "KILL_SWITCH_CLEARED")).toHaveLength(1);
  });

  it("kill-switch-invariant: halts and stays halted; a restart clears it", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("kill-switch-invariant");
    fleet.advance(30 * MIN);
    const s = await status();
    expect(s).toMatchObject({ status: "halted", killSwitch: { active: true, reason: "invariant_violation" } });
    const recs = await logsSince(t0);
    expect(of(recs, "INVARIANT_VIOLATION")).toHaveLength(1);
    expect(of(recs, "KILL_SWITCH_ACTIVATED")[0]?.fields.reason).toBe("invariant_violation");
    expect(of(recs, "KILL_SWITCH_CLEARED")).toHaveLength(0);
    expect(of(recs, "DECISION_TRACE").every((r) => r.fields.action === "hold")).toBe(true);
    fleet.stopScenario("kraken-futures");
    expect((await status()).status).toBe("running");
    expect(of(await logsSince(fleet.now()), "REGISTRY_AUDIT_REPORT")[0]?.fields.trigger).toBe("restart");
  });

  it("circuit-breaker-open: OPENED after failures, probes every 60 s, CLOSED when the API returns", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("circuit-breaker-open");
    fleet.advance(40_000);
    expect((await status()).circuitBreaker.state).toBe("open");
    let recs = await logsSince(t0);
    expect(of(recs, "API_CIRCUIT_BREAKER_OPENED")[0]?.fields.message).toBe("API circuit breaker OPENED");
    fleet.advance(MIN);
    recs = await logsSince(t0);
    expect(of(recs, "API_CIRCUIT_BREAKER_OPENED").length).toBeGreaterThanOrEqual(2);
    expect(of(recs, "DECISION_TRACE").some((r) => r.fields.reason === "circuit_breaker_open")).toBe(true);
    fleet.advance(4 * MIN);
    expect((await status()).circuitBreaker.state).toBe("closed");
    expect(of(await logsSince(t0), "API_CIRCUIT_BREAKER_CLOSED")).toHaveLength(1);
  });

  it("registry-audit-failure: collision, corrupted position, failing audit, service stays stopped", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("registry-audit-failure");
    fleet.advance(10 * MIN);
    const recs = await logsSince(t0);
    const startup = recs.filter((r) =>
      ["RECOVERY_MERGE_COLLISION", "CORRUPTED_POSITION", "REGISTRY_AUDIT_REPORT"].includes(r.kind),
    );
    expect(startup.map((r) => r.kind)).toEqual([
      "RECOVERY_MERGE_COLLISION",
      "CORRUPTED_POSITION",
      "REGISTRY_AUDIT_REPORT",
    ]);
    expect(Number(of(recs, "REGISTRY_AUDIT_REPORT")[0]?.fields.violations_total)).toBeGreaterThan(0);
    expect(of(recs, "CYCLE_SUMMARY").filter((r) => Date.parse(r.ts) > t0)).toHaveLength(0);
    expect(of(recs, "RECONCILIATION_REPORT").filter((r) => Date.parse(r.ts) > t0)).toHaveLength(0);
    expect((await status()).status).toBe("stopped");
    fleet.stopScenario("kraken-futures");
    fleet.advance(MIN);
    const after = await logsSince(fleet.now() - MIN);
    expect(of(after, "REGISTRY_AUDIT_REPORT")[0]?.fields.violations_total).toBe(0);
    expect(of(after, "CYCLE_SUMMARY").length).toBeGreaterThan(0);
  });

  it("orphan-phantom-spike: critical counts; sync-positions dry-run then execute clears them", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("orphan-phantom-spike");
    fleet.advance(4 * MIN);
    let reports = of(await logsSince(t0), "RECONCILIATION_REPORT");
    expect(reports.at(-1)!.fields).toMatchObject({ orphaned: 3, phantom: 2 });
    expect(reports.reduce((a, r) => a + Number(r.fields.orphaned), 0)).toBeGreaterThanOrEqual(3);
    const dry = await control<{ result: { planId: string; dryRun: boolean; actions: { action: string }[] } }>(
      fb(),
      "sync-positions",
      {},
    );
    expect(dry.status).toBe(200);
    expect(dry.body.result.dryRun).toBe(true);
    expect(dry.body.result.actions.filter((a) => a.action === "import_position")).toHaveLength(3);
    expect(dry.body.result.actions.filter((a) => a.action === "close_registry_entry")).toHaveLength(2);
    expect(of(await logsSince(t0), "RECONCILIATION_REPORT").at(-1)!.fields.orphaned).toBe(3);
    expect((await control(fb(), "sync-positions", { execute: true })).status).toBe(400);
    expect((await control(fb(), "sync-positions", { execute: true, planId: "plan-0000" })).status).toBe(409);
    const exec = await control<{ result: { executed: boolean; applied: number } }>(fb(), "sync-positions", {
      execute: true,
      planId: dry.body.result.planId,
    });
    expect(exec.status).toBe(200);
    expect(exec.body.result.applied).toBe(5);
    const t1 = fleet.now();
    fleet.advance(3 * MIN);
    reports = of(await logsSince(t1 + 1), "RECONCILIATION_REPORT");
    expect(reports).toHaveLength(3);
    for (const r of reports) expect(r.fields).toMatchObject({ orphaned: 0, phantom: 0 });
    expect((await positions()).untracked).toHaveLength(0);
  });

  it("timeScale runs a scenario's timeline faster while the bot's own cycles keep their pace", async () => {
    await start();
    const t0 = fleet.now();
    expect(() => fleet.startScenario("orphan-phantom-spike", undefined, { timeScale: 0.5 })).toThrow(
      /timeScale must be a number from 1 to 60/,
    );
    expect(() => fleet.startScenario("orphan-phantom-spike", undefined, { timeScale: "4" })).toThrow(/timeScale/);
    fleet.startScenario("orphan-phantom-spike", undefined, { timeScale: 4 });
    // The timeline's last step (second phantom at 150 s) comes at 37.5 s; the next reconciliation
    // cycle still comes at the configured 60 s interval and reports everything.
    fleet.advance(40 * SEC);
    expect(of(await logsSince(t0), "RECONCILIATION_REPORT").filter((r) => Number(r.fields.orphaned) > 0)).toHaveLength(
      0,
    );
    fleet.advance(30 * SEC);
    expect(of(await logsSince(t0), "RECONCILIATION_REPORT").at(-1)!.fields).toMatchObject({ orphaned: 3, phantom: 2 });
  });

  it("qty-mismatch-persistent: qty_mismatch for 3+ consecutive cycles; kill-switch halts", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("qty-mismatch-persistent");
    fleet.advance(4 * MIN);
    const reports = of(await logsSince(t0), "RECONCILIATION_REPORT");
    expect(reports.length).toBeGreaterThanOrEqual(3);
    for (const r of reports.slice(-3)) expect(Number(r.fields.qty_mismatch)).toBeGreaterThanOrEqual(1);
    const k = await control(fb(), "kill-switch", {}, { reason: "qty mismatch persists" });
    expect(k.status).toBe(200);
    expect(await status()).toMatchObject({ status: "halted", killSwitch: { active: true, reason: "manual" } });
    expect(of(await logsSince(t0), "KILL_SWITCH_ACTIVATED").at(-1)?.fields.reason).toBe("manual");
  });

  it("high-dedupe: deduped dominates logged for 30+ minutes, then subsides", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("high-dedupe");
    fleet.advance(35 * MIN);
    const during = of(await logsSince(t0 + 1), "RECONCILIATION_REPORT");
    expect(during.length).toBeGreaterThanOrEqual(30);
    for (const r of during)
      expect(Number(r.fields.state_adjustments_deduped)).toBeGreaterThan(
        Number(r.fields.state_adjustments_logged) * 10,
      );
    fleet.advance(10 * MIN);
    const t1 = fleet.now();
    fleet.advance(5 * MIN);
    for (const r of of(await logsSince(t1 + 1), "RECONCILIATION_REPORT"))
      expect(Number(r.fields.state_adjustments_deduped)).toBeLessThan(5);
  });

  it("untracked-position: orphaned 1 each cycle until sync-positions executes", async () => {
    await start();
    const t0 = fleet.now();
    fleet.startScenario("untracked-position");
    fleet.advance(2 * MIN);
    const p = await positions();
    expect(p.untracked).toHaveLength(1);
    const symbol = p.untracked[0]!.symbol;
    for (const r of of(await logsSince(t0 + 1), "RECONCILIATION_REPORT")) expect(r.fields.orphaned).toBe(1);
    const dry = await control<{ result: { planId: string } }>(fb(), "sync-positions", {});
    const exec = await control(fb(), "sync-positions", { execute: true, planId: dry.body.result.planId });
    expect(exec.status).toBe(200);
    const after = await positions();
    expect(after.untracked).toHaveLength(0);
    expect(after.positions.find((x) => x.symbol === symbol)?.slOrderId).toMatch(/^sl-/);
    const t1 = fleet.now();
    fleet.advance(MIN);
    expect(of(await logsSince(t1 + 1), "RECONCILIATION_REPORT")[0]?.fields.orphaned).toBe(0);
  });

  it("missing-stop-loss: coverage gaps visible; recover-sl-order-ids restores stop-loss ids", async () => {
    await start();
    fleet.startScenario("missing-stop-loss");
    let p = await positions();
    expect(p.coverage.stopLoss.missing).toBe(2);
    expect(p.coverage.takeProfit.missing).toBeGreaterThanOrEqual(1);
    const dry = await control<{ result: { planId: string; actions: { action: string }[] } }>(
      fb(),
      "recover-sl-order-ids",
      {},
    );
    expect(dry.body.result.actions.map((a) => a.action)).toEqual(["recover_sl_order_id", "recover_sl_order_id"]);
    expect((await positions()).coverage.stopLoss.missing).toBe(2);
    const exec = await control(fb(), "recover-sl-order-ids", { execute: true, planId: dry.body.result.planId });
    expect(exec.status).toBe(200);
    p = await positions();
    expect(p.coverage.stopLoss.missing).toBe(0);
    expect(p.coverage.takeProfit.missing).toBeGreaterThanOrEqual(1);
  });
});
