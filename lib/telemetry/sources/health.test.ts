import { describe, expect, it } from "vitest";
import type { Sample } from "../model";
import {
  mapFuturesPositions,
  mapFuturesStatus,
  mapReadyBody,
  mapSpotAdminState,
  mapTradingBotApiStatus,
  mapTradingBotHealth,
  readFuturesPositions,
  readFuturesStatus,
  readReadyBody,
  readSpotAdminState,
  readTradingBotApiStatus,
  readTradingBotHealth,
} from "./health";

// Mapping of hand-written health documents: absent fields give no sample (asserted as absence,
// not as 0), wrong types fail the document with the field path, unknown fields are ignored.

const M = { system: "bot-a", observedAt: 1_700_000_000_000 };

function find(samples: Sample[], metric: string, entity = "*"): Sample[] {
  return samples.filter((s) => s.metric === metric && s.entity === entity);
}
function value(samples: Sample[], metric: string, entity = "*"): number | undefined {
  const hits = find(samples, metric, entity);
  expect(hits.length, `${metric}@${entity} should appear at most once`).toBeLessThanOrEqual(1);
  return hits[0]?.value;
}
function tradingBot(doc: unknown): Sample[] {
  const r = readTradingBotHealth(JSON.stringify(doc));
  if (!r.ok) throw new Error(`unexpected ${r.error.kind}: ${r.error.detail}`);
  return mapTradingBotHealth(r.value, M);
}
function schemaError(r: { ok: boolean; error?: { kind: string; detail: string } }): string {
  expect(r.ok).toBe(false);
  expect(r.error?.kind).toBe("schema");
  return r.error?.detail ?? "";
}

const profile = {
  profile_id: "btc-momentum",
  allocated: 1000,
  reserved_for_orders: 700,
  reserved_for_positions: 400,
  realized_pnl: 50,
  available_capital: -50,
  status: "active",
  tradingLoopHealthy: false,
  capitalInvariantViolations: 1,
};

describe("trading-bot /internal/health mapping", () => {
  it("maps top-level fields with their own names, booleans as 1/0, timestamps as epoch ms", () => {
    const s = tradingBot({
      tradingLoopHealthy: true,
      reconciliationLoopHealthy: false,
      capitalInvariantViolations: 2,
      lockContentionCount: 3,
      reconciliationLastRun: "2026-01-05T00:00:30.000Z",
      reconciliationParityMaxMismatchNotionalUsd: 12.5,
      reconciliationIntegrityWatchdogTriggered: true,
      watchdog: {
        paused: true,
        since: "2026-01-05T00:01:00.000Z",
        source: "parity_watchdog",
        cleanCycleStreak: 1,
        lastResumeAt: null,
      },
    });
    expect(value(s, "tradingLoopHealthy")).toBe(1);
    expect(value(s, "reconciliationLoopHealthy")).toBe(0);
    expect(value(s, "capitalInvariantViolations")).toBe(2);
    expect(value(s, "lockContentionCount")).toBe(3);
    expect(value(s, "reconciliationLastRun")).toBe(Date.parse("2026-01-05T00:00:30.000Z"));
    expect(value(s, "reconciliationParityMaxMismatchNotionalUsd")).toBe(12.5);
    expect(value(s, "reconciliationIntegrityWatchdogTriggered")).toBe(1);
    expect(value(s, "watchdog.paused")).toBe(1);
    expect(value(s, "watchdog.since")).toBe(Date.parse("2026-01-05T00:01:00.000Z"));
    expect(value(s, "watchdog.cleanCycleStreak")).toBe(1);
    expect(value(s, "watchdog.sourceParity")).toBe(1);
    expect(value(s, "watchdog.lastResumeAt")).toBeUndefined(); // null → no sample
    for (const x of s) {
      expect(x.system).toBe("bot-a");
      expect(x.observedAt).toBe(M.observedAt);
    }
  });

  it("gives no sample for absent or null fields, never a default", () => {
    const s = tradingBot({ tradingLoopHealthy: null, profiles: [{ profile_id: "p1" }], staleOrders: {}, watchdog: {} });
    expect(s).toEqual([]);
  });

  it("maps the per-profile ledger, with available_capital derived from the four ledger fields", () => {
    const s = tradingBot({ profiles: [profile] });
    const e = "btc-momentum";
    expect(value(s, "allocated", e)).toBe(1000);
    expect(value(s, "reserved_for_orders", e)).toBe(700);
    expect(value(s, "reserved_for_positions", e)).toBe(400);
    expect(value(s, "realized_pnl", e)).toBe(50);
    expect(value(s, "available_capital", e)).toBe(-50);
    expect(value(s, "available_capital_reported", e)).toBe(-50);
    expect(value(s, "status_active", e)).toBe(1);
    expect(value(s, "tradingLoopHealthy", e)).toBe(0);
    expect(value(s, "capitalInvariantViolations", e)).toBe(1);
    expect(find(s, "allocated")).toEqual([]); // nothing leaks onto the system entity
  });

  it("derives available_capital only when all four ledger fields are present", () => {
    const { realized_pnl: _dropped, ...partial } = profile;
    const s = tradingBot({ profiles: [partial] });
    expect(find(s, "available_capital", "btc-momentum")).toEqual([]);
    expect(value(s, "available_capital_reported", "btc-momentum")).toBe(-50);
  });

  it("keeps float noise out of the derived invariant (an exact zero stays zero)", () => {
    const s = tradingBot({
      profiles: [
        { profile_id: "p", allocated: 0.3, reserved_for_orders: 0.1, reserved_for_positions: 0.2, realized_pnl: 0 },
      ],
    });
    expect(value(s, "available_capital", "p")).toBe(0);
  });

  it("maps an inactive profile to status_active 0", () => {
    const s = tradingBot({ profiles: [{ profile_id: "p", status: "inactive" }] });
    expect(value(s, "status_active", "p")).toBe(0);
  });

  it("maps flags as flag.<NAME>: booleans 1/0, numbers, boolean and numeric strings; other strings give nothing", () => {
    const s = tradingBot({
      flags: {
        ENABLE_RECON_POSITION_PARITY_HEARTBEAT: true,
        RECON_POSITION_PARITY_DRY_RUN: false,
        RECON_POSITION_PARITY_CONFIRMATIONS: 3,
        A: "true",
        B: "0.5",
        C: "fast",
        D: null,
      },
    });
    expect(value(s, "flag.ENABLE_RECON_POSITION_PARITY_HEARTBEAT")).toBe(1);
    expect(value(s, "flag.RECON_POSITION_PARITY_DRY_RUN")).toBe(0);
    expect(value(s, "flag.RECON_POSITION_PARITY_CONFIRMATIONS")).toBe(3);
    expect(value(s, "flag.A")).toBe(1);
    expect(value(s, "flag.B")).toBe(0.5);
    expect(find(s, "flag.C")).toEqual([]);
    expect(find(s, "flag.D")).toEqual([]);
  });

  it("maps stale backlog, quarantined orders with their info as labels, and NO_GO entries", () => {
    const s = tradingBot({
      staleOrders: { backlog: 23, oldestAgeSeconds: 900, byProfile: { p1: 20, p2: 3 } },
      quarantinedOrders: [
        {
          orderId: "o-1",
          profileId: "p1",
          symbol: "BTC-USD",
          since: "2026-01-05T00:02:00.000Z",
          reason: "missing_on_exchange_over_24h",
        },
      ],
      reconciliationNoGo: [
        { sliceId: "s-9", profileId: "p1", symbol: "BTC-USD", reason: "exchange_position_without_open_trade" },
      ],
    });
    expect(value(s, "staleOrders.backlog")).toBe(23);
    expect(value(s, "staleOrders.oldestAgeSeconds")).toBe(900);
    expect(value(s, "staleOrders.byProfile", "p1")).toBe(20);
    expect(value(s, "quarantinedOrders")).toBe(1);
    expect(find(s, "quarantinedOrder", "p1")[0]?.labels).toEqual({
      orderId: "o-1",
      symbol: "BTC-USD",
      reason: "missing_on_exchange_over_24h",
      since: "2026-01-05T00:02:00.000Z",
    });
    expect(value(s, "reconciliationNoGo")).toBe(1);
    expect(find(s, "reconciliationNoGo.entry", "p1")[0]?.labels.sliceId).toBe("s-9");
  });

  it("maps the fills reconciliation could not attach: the two counts and each fill, unattributed ones on the bot", () => {
    const s = tradingBot({
      reconciliationStaleFills: 1,
      reconciliationUnknownFills: 1,
      reconciliationUnattributedFills: [
        { fillId: "f-1", profileId: null, symbol: "BTC-USD", at: "2026-01-05T00:00:00.000Z", reason: "unknown_fill" },
        { fillId: "f-2", profileId: "p1", symbol: "ETH-USD", at: "2026-01-04T23:20:00.000Z", reason: "stale_fill" },
      ],
    });
    expect(value(s, "reconciliationStaleFills")).toBe(1);
    expect(value(s, "reconciliationUnknownFills")).toBe(1);
    expect(find(s, "reconciliationUnattributedFill", "*")[0]?.labels).toEqual({
      fillId: "f-1",
      symbol: "BTC-USD",
      reason: "unknown_fill",
    });
    expect(find(s, "reconciliationUnattributedFill", "p1")[0]?.labels.reason).toBe("stale_fill");
    expect(find(tradingBot({}), "reconciliationStaleFills")).toEqual([]);
  });

  it("an empty quarantine list is a real zero, an absent one is no sample", () => {
    expect(value(tradingBot({ quarantinedOrders: [] }), "quarantinedOrders")).toBe(0);
    expect(find(tradingBot({}), "quarantinedOrders")).toEqual([]);
  });

  it("shows ghost positions: exchange entries the bot does not track, by flag or by missing slice", () => {
    const s = tradingBot({
      profiles: [{ profile_id: "p1" }, { profile_id: "p2" }],
      positions: {
        bot: [{ sliceId: "a", profileId: "p2", symbol: "SOL-USD", qty: 1 }],
        exchange: [
          { sliceId: "a", profileId: "p2", symbol: "SOL-USD", qty: 1, trackedByBot: true },
          { sliceId: "g", profileId: "p1", symbol: "BTC-USD", qty: 0.03, trackedByBot: false },
          { sliceId: "h", profileId: "p1", symbol: "BTC-USD", qty: 0.01 }, // no flag, not in the bot's list
        ],
      },
    });
    expect(value(s, "positions.bot")).toBe(1);
    expect(value(s, "positions.exchange")).toBe(3);
    expect(value(s, "positions.ghost")).toBe(2);
    expect(value(s, "positions.ghost", "p1")).toBe(2);
    expect(value(s, "positions.ghost", "p2")).toBe(0);
    expect(
      find(s, "ghostPosition.qty", "p1")
        .map((x) => x.labels.sliceId)
        .sort(),
    ).toEqual(["g", "h"]);
  });

  it("ignores unknown fields", () => {
    const s = tradingBot({
      tradingLoopHealthy: true,
      somethingNew: { deep: [1, 2] },
      profiles: [{ profile_id: "p", extra: "x", allocated: 5 }],
    });
    expect(s.map((x) => x.metric).sort()).toEqual(["allocated", "tradingLoopHealthy"]);
  });

  it("fails the whole document on a wrong type, naming the field path", () => {
    const doc = { tradingLoopHealthy: true, profiles: [profile, profile, { ...profile, allocated: "1000" }] };
    const detail = schemaError(readTradingBotHealth(JSON.stringify(doc)));
    expect(detail).toContain("profiles[2].allocated: expected number");
    expect(schemaError(readTradingBotHealth(JSON.stringify({ tradingLoopHealthy: "yes" })))).toContain(
      "tradingLoopHealthy: expected boolean",
    );
    expect(schemaError(readTradingBotHealth(JSON.stringify({ watchdog: { cleanCycleStreak: true } })))).toContain(
      "watchdog.cleanCycleStreak: expected number",
    );
    expect(schemaError(readTradingBotHealth(JSON.stringify({ reconciliationLastRun: "yesterday" })))).toContain(
      "reconciliationLastRun: expected an ISO-8601 timestamp",
    );
    expect(schemaError(readTradingBotHealth(JSON.stringify({ staleOrders: { byProfile: { p1: "3" } } })))).toContain(
      "staleOrders.byProfile.p1: expected number",
    );
  });

  it("requires the identity of a ledger row", () => {
    expect(schemaError(readTradingBotHealth(JSON.stringify({ profiles: [{ allocated: 1 }] })))).toContain(
      "profiles[0].profile_id: required",
    );
  });

  it("reports invalid JSON as a parse error and a non-object document as a schema error", () => {
    const cut = readTradingBotHealth('{"tradingLoopHealthy": tr');
    expect(cut.ok).toBe(false);
    if (!cut.ok) expect(cut.error.kind).toBe("parse");
    expect(schemaError(readTradingBotHealth("[1,2]"))).toContain("(root): expected object");
  });
});

describe("trading-bot /api/status mapping", () => {
  it("maps bot and profile state under api.*", () => {
    const r = readTradingBotApiStatus(
      JSON.stringify({
        status: "paused",
        profiles: [{ profile_id: "p", status: "inactive", tradingLoopHealthy: true }],
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapTradingBotApiStatus(r.value, M);
    expect(value(s, "api.running")).toBe(0);
    expect(value(s, "api.status_active", "p")).toBe(0);
    expect(value(s, "api.tradingLoopHealthy", "p")).toBe(1);
  });
});

describe("readiness body mapping", () => {
  it("maps degraded fields and checks", () => {
    const r = readReadyBody(
      JSON.stringify({
        status: "degraded",
        degraded: ["supabase", "jwt"],
        checks: { supabase: { ok: false, detail: "down" }, exchange: { ok: true } },
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapReadyBody(r.value, M);
    expect(value(s, "ready.degraded")).toBe(2);
    expect(find(s, "ready.degraded.check").map((x) => x.labels.check)).toEqual(["supabase", "jwt"]);
    expect(find(s, "ready.check.ok").map((x) => [x.labels.check, x.value])).toEqual([
      ["supabase", 0],
      ["exchange", 1],
    ]);
  });

  it("names a wrong type in the degraded list", () => {
    expect(schemaError(readReadyBody(JSON.stringify({ degraded: ["a", 3] })))).toContain(
      "degraded[1]: expected string",
    );
  });
});

describe("futures-bot /status and /positions mapping", () => {
  it("maps equity, margin and its limit, kill switch with reason, circuit breaker", () => {
    const r = readFuturesStatus(
      JSON.stringify({
        status: "halted",
        equityUsd: 48000.5,
        marginUtilization: { auction_max_margin_util: 91.2, max_margin_utilization_pct: 85, breached: true },
        killSwitch: { active: true, reason: "margin_critical", since: "2026-01-05T00:01:00.000Z" },
        circuitBreaker: {
          state: "open",
          openedAt: "2026-01-05T00:00:30.000Z",
          nextProbeAt: null,
          consecutiveFailures: 3,
        },
        ingest: null,
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapFuturesStatus(r.value, M);
    expect(value(s, "status")).toBe(1);
    expect(value(s, "equityUsd")).toBe(48000.5);
    expect(value(s, "marginUtilization.auction_max_margin_util")).toBe(91.2);
    expect(value(s, "marginUtilization.max_margin_utilization_pct")).toBe(85);
    expect(value(s, "marginUtilization.breached")).toBe(1);
    expect(find(s, "killSwitch.active")[0]).toMatchObject({ value: 1, labels: { reason: "margin_critical" } });
    expect(value(s, "killSwitch.since")).toBe(Date.parse("2026-01-05T00:01:00.000Z"));
    expect(value(s, "circuitBreaker.open")).toBe(1);
    expect(value(s, "circuitBreaker.state")).toBe(2);
    expect(value(s, "circuitBreaker.consecutiveFailures")).toBe(3);
    expect(find(s, "circuitBreaker.nextProbeAt")).toEqual([]);
    expect(s.some((x) => x.metric.startsWith("ingest."))).toBe(false);
  });

  it("an unknown status string gives no status sample; the kill switch without reason has no label", () => {
    const r = readFuturesStatus(JSON.stringify({ status: "rebooting", killSwitch: { active: false, reason: null } }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapFuturesStatus(r.value, M);
    expect(find(s, "status")).toEqual([]);
    expect(find(s, "killSwitch.active")[0]).toMatchObject({ value: 0, labels: {} });
  });

  it("tells a null stop-loss id (missing: 0) from an absent one (not reported: no sample)", () => {
    const r = readFuturesPositions(
      JSON.stringify({
        positions: [
          { symbol: "PF_XBTUSD", slOrderId: "sl-1", tpOrderId: null, qty: 0.2 },
          { symbol: "PF_ETHUSD", slOrderId: null },
          { symbol: "PF_SOLUSD" },
        ],
        untracked: [{ symbol: "PF_LINKUSD", side: "long", qty: 10 }],
        coverage: { stopLoss: { covered: 1, missing: 1 } },
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapFuturesPositions(r.value, M);
    expect(value(s, "has_stop_loss", "PF_XBTUSD")).toBe(1);
    expect(value(s, "has_take_profit", "PF_XBTUSD")).toBe(0);
    expect(value(s, "has_stop_loss", "PF_ETHUSD")).toBe(0);
    expect(find(s, "has_take_profit", "PF_ETHUSD")).toEqual([]);
    expect(find(s, "has_stop_loss", "PF_SOLUSD")).toEqual([]);
    expect(value(s, "tracked_positions")).toBe(3);
    expect(value(s, "untracked_positions")).toBe(1);
    expect(value(s, "untracked_position.qty", "PF_LINKUSD")).toBe(10);
    expect(value(s, "coverage.stopLoss.missing")).toBe(1);
    expect(find(s, "coverage.takeProfit.missing")).toEqual([]);
  });

  it("names the path of a wrong type in a position", () => {
    const detail = schemaError(
      readFuturesPositions(JSON.stringify({ positions: [{ symbol: "A" }, { symbol: "B", slOrderId: 42 }] })),
    );
    expect(detail).toContain("positions[1].slOrderId: expected string");
    expect(schemaError(readFuturesPositions(JSON.stringify({ untracked: [{ qty: 1 }] })))).toContain(
      "untracked[0].symbol: required",
    );
  });
});

describe("spot-exchange /admin/state mapping", () => {
  it("maps symbol modes to numbers with the mode as a label, and the exchange-wide state", () => {
    const r = readSpotAdminState(
      JSON.stringify({
        symbols: [
          { symbol: "BTC-USD", mode: "NORMAL", openOrders: 10 },
          { symbol: "ETH-USD", mode: "CANCEL_ONLY" },
          { symbol: "SOL-USD", mode: "SOFT_HALT" },
          { symbol: "XRP-USD", mode: "HARD_HALT" },
          { symbol: "ADA-USD", mode: "AUCTION" },
        ],
        withdrawalsHalted: true,
        conflation: false,
        bookDepthDefault: 20,
        leader: { node: "engine-b", fencingToken: 8, contender: "engine-a" },
        settlement: { lagP99Seconds: 6.5, policy: "throttle" },
        kafka: { brokersUp: 0 },
      }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = mapSpotAdminState(r.value, M);
    expect(find(s, "symbol_mode", "BTC-USD")[0]).toMatchObject({ value: 0, labels: { mode: "NORMAL" } });
    expect(value(s, "symbol_mode", "ETH-USD")).toBe(1);
    expect(value(s, "symbol_mode", "SOL-USD")).toBe(2);
    expect(find(s, "symbol_mode", "XRP-USD")[0]).toMatchObject({ value: 3, labels: { mode: "HARD_HALT" } });
    expect(find(s, "symbol_mode", "ADA-USD")).toEqual([]); // unknown mode: no guess
    expect(value(s, "openOrders", "BTC-USD")).toBe(10);
    expect(value(s, "withdrawalsHalted")).toBe(1);
    expect(value(s, "conflation")).toBe(0);
    expect(value(s, "bookDepthDefault")).toBe(20);
    expect(value(s, "leader.fencingToken")).toBe(8);
    expect(value(s, "leader.contended")).toBe(1);
    expect(value(s, "settlement.lagP99Seconds")).toBe(6.5);
    expect(value(s, "settlement.policy")).toBe(1);
    expect(value(s, "kafka.brokersUp")).toBe(0);
    expect(find(s, "kafka.brokersTotal")).toEqual([]);
    expect(find(s, "postgres.up")).toEqual([]);
  });

  it("names the path of a wrong type", () => {
    expect(schemaError(readSpotAdminState(JSON.stringify({ symbols: [{ symbol: "BTC-USD", mode: 3 }] })))).toContain(
      "symbols[0].mode: expected string",
    );
    expect(schemaError(readSpotAdminState(JSON.stringify({ withdrawalsHalted: "false" })))).toContain(
      "withdrawalsHalted: expected boolean",
    );
  });
});
