import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TargetConfig } from "@/lib/config/fleet";
import type { Fleet, SimSystemInfo } from "@/lib/sim";
import { control, startTestFleet } from "@/lib/sim/testing";
import type { Sample, SourceErrorKind, SystemKind } from "../model";
import { ENDPOINTS, pollerFor } from "./pollers";
import type { PollContext, PollOutcome } from "./types";

// The pollers against the real simulator (loopback, ephemeral ports, manual clock): healthy
// state, scenarios, and every simulator fault turning into the right typed error within the
// timeout.

const MAX_BYTES = 4 * 1024 * 1024;

function target(sys: SimSystemInfo): TargetConfig {
  return { name: sys.name, kind: sys.kind, baseUrl: sys.url, simulated: true, credentials: {}, thresholds: {} };
}

function context(sys: SimSystemInfo, o: Partial<PollContext> = {}): PollContext {
  return { target: target(sys), token: sys.credential, timeoutMs: 3000, maxBytes: MAX_BYTES, now: Date.now(), ...o };
}

function sample(
  out: PollOutcome,
  metric: string,
  entity = "*",
  labels: Record<string, string> = {},
): Sample | undefined {
  const hits = out.samples.filter(
    (s) => s.metric === metric && s.entity === entity && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(hits.length, `${metric}@${entity} appears at most once`).toBeLessThanOrEqual(1);
  return hits[0];
}
function value(
  out: PollOutcome,
  metric: string,
  entity = "*",
  labels: Record<string, string> = {},
): number | undefined {
  return sample(out, metric, entity, labels)?.value;
}
function endpoint(out: PollOutcome, path: string) {
  const e = out.endpoints.find((x) => x.path === path);
  if (!e) throw new Error(`no endpoint result for ${path}: ${out.endpoints.map((x) => x.path).join(", ")}`);
  return e;
}
function expectAllOk(out: PollOutcome) {
  for (const e of out.endpoints) expect(e, `${e.path}: ${e.error?.detail}`).toMatchObject({ ok: true });
}

describe("pollers against the simulator", () => {
  let fleet: Fleet;
  const sys = (kind: SystemKind) => fleet.systems.find((s) => s.kind === kind) as SimSystemInfo;
  const poll = (kind: SystemKind, o: Partial<PollContext> = {}) => pollerFor(kind)(context(sys(kind), o));

  beforeAll(async () => {
    fleet = await startTestFleet();
    fleet.advance(65_000); // two reconciliation cycles and a futures cycle have run
  });
  afterAll(async () => {
    await fleet.stop();
  });

  it("trading-bot: healthy state, one result per endpoint, system and observedAt set", async () => {
    const now = Date.now();
    const out = await poll("trading-bot", { now });
    expect(out.endpoints.map((e) => e.path)).toEqual(ENDPOINTS["trading-bot"]);
    expectAllOk(out);
    for (const e of out.endpoints) {
      expect(e.status).toBe(200);
      expect(e.samples).toBeGreaterThan(0);
      expect(e.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(out.samples.every((s) => s.system === "alpha-bot")).toBe(true);
    expect(value(out, "tradingLoopHealthy")).toBe(1);
    expect(value(out, "reconciliationLoopHealthy")).toBe(1);
    expect(value(out, "capitalInvariantViolations")).toBe(0);
    expect(value(out, "reconciliationLastRun")).toBe(Date.parse("2026-01-05T00:01:00.000Z"));
    expect(value(out, "flag.RECON_POSITION_PARITY_CONFIRMATIONS")).toBe(3);
    expect(value(out, "flag.ENABLE_RECON_POSITION_PARITY_HEARTBEAT")).toBe(1);
    expect(value(out, "watchdog.paused")).toBe(0);
    expect(sample(out, "watchdog.since")).toBeUndefined(); // null in the document
    for (const p of ["btc-momentum", "eth-momentum", "sol-breakout"]) {
      expect(value(out, "available_capital", p)).toBeGreaterThanOrEqual(0);
      expect(value(out, "status_active", p)).toBe(1);
      expect(value(out, "tradingLoopHealthy", p)).toBe(1);
      expect(value(out, "api.tradingLoopHealthy", p)).toBe(1);
    }
    expect(value(out, "allocated", "btc-momentum")).toBe(25000);
    expect(value(out, "positions.ghost")).toBe(0);
    expect(value(out, "http_status", "*", { path: "/health/live" })).toBe(200);
    expect(value(out, "http_status", "*", { path: "/health/ready" })).toBe(200);
    expect(value(out, "http_status", "*", { path: "/api/status" })).toBe(200);
    expect(value(out, "ready.degraded")).toBe(0);
    // Prometheus side: entity from profile_id, quantiles from the histograms
    expect(value(out, "available_capital_gauge", "btc-momentum")).toBeGreaterThan(0);
    expect(value(out, "trading_loop_healthy", "btc-momentum")).toBe(1);
    expect(value(out, "reconciliation_cycle_duration_seconds:p99")).toBeGreaterThan(0);
    const health = out.samples.find((s) => s.metric === "tradingLoopHealthy");
    expect(health?.observedAt).toBe(now);
  });

  it("trading-bot: capital-invariant-self-repair shows available_capital < 0, then the repair", async () => {
    fleet.startScenario("capital-invariant-self-repair", "alpha-bot", { profileId: "btc-momentum" });
    fleet.advance(5_000);
    const during = await poll("trading-bot");
    expectAllOk(during);
    expect(value(during, "available_capital", "btc-momentum")).toBeLessThan(0);
    expect(value(during, "capitalInvariantViolations")).toBeGreaterThan(0);
    expect(value(during, "capitalInvariantViolations", "btc-momentum")).toBe(1);
    expect(value(during, "tradingLoopHealthy", "btc-momentum")).toBe(0);
    expect(value(during, "capital_invariant_violations_total", "btc-momentum")).toBeGreaterThan(0);
    expect(value(during, "available_capital", "eth-momentum")).toBeGreaterThanOrEqual(0);

    // Still violated through 30 s; the first reconciliation cycle after that (every 30 s) repairs it.
    fleet.advance(20_000);
    expect(value(await poll("trading-bot"), "available_capital", "btc-momentum")).toBeLessThan(0);
    fleet.advance(35_000);
    const after = await poll("trading-bot");
    expect(value(after, "available_capital", "btc-momentum")).toBeGreaterThanOrEqual(0);
    expect(value(after, "capitalInvariantViolations")).toBe(0);
    fleet.stopScenario("alpha-bot");
  });

  it("trading-bot: a ghost position is visible as an untracked exchange position", async () => {
    fleet.startScenario("ghost-position", "alpha-bot", { profileId: "eth-momentum" });
    fleet.advance(30_000);
    const out = await poll("trading-bot");
    expect(value(out, "positions.ghost")).toBe(1);
    expect(value(out, "positions.ghost", "eth-momentum")).toBe(1);
    expect(value(out, "reconciliationNoGo")).toBeGreaterThanOrEqual(1);
    expect(value(out, "reconciliationMissingInDb")).toBeGreaterThanOrEqual(1);
    fleet.stopScenario("alpha-bot");
  });

  it("trading-bot: auth failure answers 503 from ready (an answer) and 401 from /api/status (an error)", async () => {
    fleet.startScenario("auth-failure-spike", "alpha-bot");
    fleet.advance(10_000);
    const out = await poll("trading-bot");
    const ready = endpoint(out, "/health/ready");
    expect(ready).toMatchObject({ ok: true, status: 503 });
    expect(value(out, "http_status", "*", { path: "/health/ready" })).toBe(503);
    expect(value(out, "ready.degraded.check", "*", { check: "supabase" })).toBe(1);
    expect(value(out, "ready.check.ok", "*", { check: "jwt" })).toBe(0);
    const api = endpoint(out, "/api/status");
    expect(api).toMatchObject({ ok: false, status: 401, error: { kind: "http" } });
    expect(value(out, "http_status", "*", { path: "/api/status" })).toBe(401);
    expect(endpoint(out, "/internal/health").ok).toBe(true);
    fleet.stopScenario("alpha-bot");
  });

  it("futures-bot: healthy state, positions with stop-loss and take-profit, logs as reports", async () => {
    const out = await poll("futures-bot");
    expect(out.endpoints.map((e) => e.path)).toEqual(ENDPOINTS["futures-bot"]);
    expectAllOk(out);
    expect(value(out, "status")).toBe(0);
    expect(value(out, "equityUsd")).toBeGreaterThan(0);
    expect(value(out, "marginUtilization.max_margin_utilization_pct")).toBe(85);
    expect(value(out, "killSwitch.active")).toBe(0);
    expect(value(out, "circuitBreaker.open")).toBe(0);
    expect(value(out, "untracked_positions")).toBe(0);
    const sl = out.samples.filter((s) => s.metric === "has_stop_loss");
    expect(sl.length).toBeGreaterThan(0);
    expect(sl.every((s) => s.value === 1 && s.entity.startsWith("PF_"))).toBe(true);
    expect(out.reports.length).toBeGreaterThan(0);
    expect(out.reports.every((r) => r.system === "kraken-futures")).toBe(true);
    expect(out.reports.map((r) => r.kind)).toContain("REGISTRY_AUDIT_REPORT");
    expect(out.cursor).toBe(out.reports[out.reports.length - 1]?.id);
    expect(endpoint(out, "/logs").reports).toBe(out.reports.length);
  });

  it("futures-bot: the log cursor moves on without gaps or repeats", async () => {
    const first = await poll("futures-bot", { cursor: undefined });
    const cursor = first.cursor;
    expect(cursor).toBeDefined();
    fleet.advance(60_000);
    const second = await poll("futures-bot", { cursor });
    const ids = second.reports.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id > (cursor as string))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(second.cursor).toBe(ids[ids.length - 1]);
    const third = await poll("futures-bot", { cursor: second.cursor });
    expect(third.reports).toEqual([]);
    expect(third.cursor).toBe(second.cursor); // nothing new: the cursor stays
  });

  it("futures-bot: missing-stop-loss shows has_stop_loss 0 and a take-profit gap", async () => {
    fleet.startScenario("missing-stop-loss", "kraken-futures");
    const out = await poll("futures-bot");
    const noSl = out.samples.filter((s) => s.metric === "has_stop_loss" && s.value === 0);
    const noTp = out.samples.filter((s) => s.metric === "has_take_profit" && s.value === 0);
    expect(noSl).toHaveLength(2);
    expect(noTp).toHaveLength(1);
    expect(value(out, "coverage.stopLoss.missing")).toBe(2);
    fleet.stopScenario("kraken-futures");
  });

  it("futures-bot: a manual kill switch is active with its reason as a label", async () => {
    const r = await control(sys("futures-bot"), "kill-switch", {});
    expect(r.status).toBe(200);
    const out = await poll("futures-bot");
    expect(sample(out, "killSwitch.active")).toMatchObject({ value: 1, labels: { reason: "manual" } });
    expect(value(out, "status")).toBe(1);
  });

  it("spot-exchange: healthy state and a HARD_HALT symbol as mode 3", async () => {
    const healthy = await poll("spot-exchange");
    expect(healthy.endpoints.map((e) => e.path)).toEqual(ENDPOINTS["spot-exchange"]);
    expectAllOk(healthy);
    for (const s of ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"]) expect(value(healthy, "symbol_mode", s)).toBe(0);
    expect(value(healthy, "withdrawalsHalted")).toBe(0);
    expect(value(healthy, "bookDepthDefault")).toBe(50);
    expect(value(healthy, "leader.fencingToken")).toBeGreaterThan(0);
    expect(value(healthy, "engine_trades_total", "BTC-USD")).toBeGreaterThan(0);
    expect(value(healthy, "trading_api_request_duration_seconds:p99")).toBeGreaterThan(0);
    expect(value(healthy, "trading_api_request_duration_seconds:p50")).toBeGreaterThan(0);
    expect(sample(healthy, "trading_api_request_duration_seconds:p99_window")).toBeUndefined(); // first poll of this poller

    const r = await control(sys("spot-exchange"), "symbol-mode", { symbol: "XRP-USD", mode: "HARD_HALT" });
    expect(r.status).toBe(200);
    const halted = await poll("spot-exchange");
    expect(sample(halted, "symbol_mode", "XRP-USD")).toMatchObject({ value: 3, labels: { mode: "HARD_HALT" } });
    expect(value(halted, "symbol_mode", "BTC-USD")).toBe(0);
  });

  it("spot-exchange: /admin/state without a token is an http error that says so", async () => {
    const out = await poll("spot-exchange", { token: undefined });
    const admin = endpoint(out, "/admin/state");
    expect(admin).toMatchObject({ ok: false, status: 401, error: { kind: "http" } });
    expect(admin.error?.detail).toContain("no bearer token");
    expect(endpoint(out, "/metrics").ok).toBe(true);
  });

  it("spot-exchange: windowed quantiles appear from the second poll of the same poller", async () => {
    const poller = pollerFor("spot-exchange");
    await poller(context(sys("spot-exchange")));
    fleet.advance(10_000);
    const out = await poller(context(sys("spot-exchange")));
    expect(value(out, "trading_api_request_duration_seconds:p99_window")).toBeGreaterThan(0);
  });
});

// ------------------------------------------------------------------------------------ faults

type Expect = SourceErrorKind | "ok";

const JSON_PATHS: Partial<Record<SystemKind, string[]>> = {
  "trading-bot": ["/internal/health", "/api/status", "/health/live", "/health/ready", "/health"],
  "futures-bot": ["/status", "/positions", "/health/live"],
  "spot-exchange": ["/admin/state", "/health/live", "/health/ready"],
};

/** Expected kind per endpoint for each fault; "ok" where the fault does not touch the endpoint. */
function expected(kind: SystemKind, fault: string, path: string): Expect {
  switch (fault) {
    case "down":
      return "network";
    case "hanging":
    case "slow":
      return "timeout";
    case "http-500":
    case "html-error":
    case "oversized-body":
      return "http";
    case "truncated-json":
      return JSON_PATHS[kind]?.includes(path) || path === "/logs" ? "parse" : "ok";
    case "malformed-metrics":
      return path === "/metrics" ? "parse" : "ok";
    case "odd-metrics-line":
      return "ok";
    default:
      throw new Error(fault);
  }
}

const FAULTS: Array<{
  fault:
    | "down"
    | "hanging"
    | "slow"
    | "http-500"
    | "html-error"
    | "truncated-json"
    | "malformed-metrics"
    | "odd-metrics-line"
    | "oversized-body";
  options?: Record<string, number>;
}> = [
  { fault: "down" },
  { fault: "hanging" },
  { fault: "slow", options: { delayMs: 1500 } },
  { fault: "http-500" },
  { fault: "html-error" },
  { fault: "truncated-json" },
  { fault: "malformed-metrics" },
  { fault: "odd-metrics-line" },
  { fault: "oversized-body", options: { bytes: 8 * 1024 * 1024 } },
];

// How long a poll under each fault takes is measured in the bench, not asserted here. The short
// timeout is what the hanging and slow faults are about; every other fault gets a timeout no busy
// machine reaches, so its outcome (a cap, a status, a parse error) never turns into a timeout.
const TIMEOUT_MS = 300;
const timeoutFor = (fault: string) => (fault === "hanging" || fault === "slow" ? TIMEOUT_MS : 10_000);

describe("pollers under every simulator fault", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startTestFleet();
    fleet.advance(35_000);
  });
  afterAll(async () => {
    await fleet.stop();
  });
  afterEach(async () => {
    for (const s of fleet.systems) await fleet.clearFault(s.name);
  });

  for (const kind of ["trading-bot", "futures-bot", "spot-exchange"] as const) {
    for (const { fault, options } of FAULTS) {
      it(`${kind}: ${fault}`, async () => {
        const s = fleet.systems.find((x) => x.kind === kind) as SimSystemInfo;
        await fleet.setFault(s.name, fault, options);
        const out = await pollerFor(kind)(context(s, { timeoutMs: timeoutFor(fault), maxBytes: 2 * 1024 * 1024 }));
        expect(out.endpoints.map((e) => e.path)).toEqual(ENDPOINTS[kind]);
        for (const e of out.endpoints) {
          const want = expected(kind, fault, e.path);
          if (want === "ok") expect(e, `${e.path}: ${e.error?.detail}`).toMatchObject({ ok: true });
          else expect(e, `${e.path}`).toMatchObject({ ok: false, error: { kind: want } });
          if (fault === "http-500") expect(e.status).toBe(500);
          if (fault === "html-error") expect(e.status).toBe(502);
          if (fault === "oversized-body") expect(e.error?.detail).toContain("cap");
          if (fault === "malformed-metrics" && e.path === "/metrics") expect(e.error?.detail).toMatch(/^line \d+: /);
          if (fault === "odd-metrics-line" && e.path === "/metrics") {
            // One odd line: every other family is read, the odd line's family is left out and named.
            expect(e.partial?.issueCount).toBe(1);
            expect(e.partial?.issues[0]).toMatchObject({
              rule: "syntax",
              text: expect.stringMatching(/\{odd="yes"\} 1,5$/),
            });
            expect(e.partial?.droppedFamilies).toHaveLength(1);
            expect(e.samples).toBeGreaterThan(50);
          } else expect(e.partial).toBeUndefined();
        }
        // A failed JSON endpoint contributes nothing: no sample from a document we could not trust.
        for (const e of out.endpoints)
          if (!e.ok && e.path !== "/logs" && e.path !== "/api/status") expect(e.samples).toBe(0);
        if (kind === "futures-bot" && fault === "truncated-json") {
          const logs = endpoint(out, "/logs");
          expect(logs.error?.detail).toContain("cut off");
          expect(logs.reports).toBeGreaterThan(0); // the complete lines are kept
          expect(out.cursor).toBe(out.reports[out.reports.length - 1]?.id);
        }
      });
    }
  }

  it("futures-bot: a truncated log pull loses no records once the next pull succeeds", async () => {
    const s = fleet.systems.find((x) => x.kind === "futures-bot") as SimSystemInfo;
    const poller = pollerFor("futures-bot");
    fleet.advance(60_000);
    const clean = await poller(context(s));
    await fleet.setFault(s.name, "truncated-json");
    const cut = await poller(context(s));
    expect(endpoint(cut, "/logs").error?.kind).toBe("parse");
    await fleet.clearFault(s.name);
    const rest = await poller(context(s, { cursor: cut.cursor }));
    expectAllOk(rest);
    const ids = [...cut.reports, ...rest.reports].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(clean.reports.map((r) => r.id));
  });

  it("a 503 proxy page on /health/ready is an http error, not a readiness answer", async () => {
    const s = fleet.systems.find((x) => x.kind === "spot-exchange") as SimSystemInfo;
    await fleet.setFault(s.name, "html-error", { status: 503 });
    const out = await pollerFor("spot-exchange")(context(s, { timeoutMs: TIMEOUT_MS }));
    expect(endpoint(out, "/health/ready")).toMatchObject({ ok: false, status: 503, error: { kind: "http" } });
    expect(out.samples.filter((x) => x.metric === "http_status")).toEqual([]);
  });

  it("counts the reconciliation runs it sees (a new reconciliationLastRun; each RECONCILIATION_REPORT) as reconciliation_runs_seen", async () => {
    const bot = fleet.systems.find((x) => x.kind === "trading-bot") as SimSystemInfo;
    const poller = pollerFor("trading-bot");
    const first = await poller(context(bot));
    expect(value(first, "reconciliation_runs_seen", "*")).toBe(0);
    fleet.advance(30_000); // one reconciliation cycle (every 30 s)
    expect(value(await poller(context(bot)), "reconciliation_runs_seen", "*")).toBe(1);
    expect(value(await poller(context(bot)), "reconciliation_runs_seen", "*")).toBe(1); // no new run, no count
    fleet.advance(60_000);
    expect(value(await poller(context(bot)), "reconciliation_runs_seen", "*")).toBe(2);
    const fut = fleet.systems.find((x) => x.kind === "futures-bot") as SimSystemInfo;
    const out = await pollerFor("futures-bot")(context(fut));
    expect(value(out, "reconciliation_runs_seen", "*")).toBe(
      out.reports.filter((r) => r.kind === "RECONCILIATION_REPORT").length,
    );
    expect(value(out, "reconciliation_runs_seen", "*")).toBeGreaterThan(0);
  });

  it("trading-bot: the stale backlog comes from the plain /health the incident runbook names, read once", async () => {
    const s = fleet.systems.find((x) => x.kind === "trading-bot") as SimSystemInfo;
    const out = await pollerFor("trading-bot")(context(s));
    expect(endpoint(out, "/health")).toMatchObject({ ok: true });
    expect(out.samples.filter((x) => x.metric === "staleOrders.backlog")).toHaveLength(1);
    expect(endpoint(out, "/health").samples).toBeGreaterThan(0);
  });

  for (const { fault, want } of [
    { fault: "http-500", want: 500 },
    { fault: "down", want: 0 },
    { fault: "hanging", want: 0 },
  ] as const) {
    it(`trading-bot: ${fault} on the authenticated /api/status is reported as http_status ${want} (a failing control endpoint)`, async () => {
      const s = fleet.systems.find((x) => x.kind === "trading-bot") as SimSystemInfo;
      await fleet.setFault(s.name, fault);
      const out = await pollerFor("trading-bot")(context(s, { timeoutMs: TIMEOUT_MS }));
      expect(endpoint(out, "/api/status").ok).toBe(false);
      expect(value(out, "http_status", "*", { path: "/api/status" })).toBe(want);
    });
  }

  for (const kind of ["trading-bot", "spot-exchange"] as const) {
    it(`${kind}: counter reset is reported as dropped counter values (the adapter does not hide it)`, async () => {
      const s = fleet.systems.find((x) => x.kind === kind) as SimSystemInfo;
      const counter = kind === "trading-bot" ? "reconciliation_cycles_total" : "trading_api_requests_total";
      const sum = (o: PollOutcome) => o.samples.filter((x) => x.metric === counter).reduce((a, x) => a + x.value, 0);
      const poller = pollerFor(kind);
      const before = await poller(context(s));
      expect(sum(before)).toBeGreaterThan(0);
      await fleet.setFault(s.name, "counter-reset");
      const after = await poller(context(s));
      expectAllOk(after);
      expect(sum(after)).toBeLessThan(sum(before));
      // no windowed quantile spans the reset
      expect(after.samples.filter((x) => x.metric.endsWith("_window"))).toEqual([]);
    });
  }
});
