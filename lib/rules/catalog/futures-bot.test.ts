import { describe, expect, it } from "vitest";
import { RuleHarness, T0 } from "../testing";

const S = 1000;
const M = 60 * S;
const fut = () => new RuleHarness("futures-bot");

/** RECONCILIATION_REPORT every 60 s; fields per cycle index. */
function recon(h: RuleHarness, n: number, fields: (i: number) => Record<string, unknown>) {
  for (let i = 0; i < n; i++)
    h.report(T0 + i * M, "RECONCILIATION_REPORT", {
      orphaned: 0,
      phantom: 0,
      qty_mismatch: 0,
      qty_synced: 0,
      pending_adopted: 0,
      state_adjustments_deduped: 0,
      state_adjustments_logged: 0,
      issues: [],
      ...fields(i),
    });
  return h;
}
const orphan = (...syms: string[]) => ({
  orphaned: syms.length,
  issues: syms.map((symbol) => ({ type: "ORPHANED", symbol })),
});

describe("REGISTRY_AUDIT_REPORT (seed 003)", () => {
  it("violations_total > 0 is critical SEV1 with immediate escalation; the others warn", () => {
    const h = fut().report(T0, "REGISTRY_AUDIT_REPORT", {
      trigger: "restart",
      violations_total: 2,
      duplicate_active_symbol_keys: 1,
      non_terminal_in_closed_history: 0,
      remaining_qty_violations: 1,
    });
    expect(h.one("registry_audit_violations", T0 + S)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      escalationDueAt: T0,
    });
    expect(h.one("registry_audit_duplicate_keys", T0 + S)).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(h.one("registry_audit_non_terminal_closed", T0 + S).state).toBe("ok");
    expect(h.one("registry_audit_remaining_qty", T0 + S).summary).toMatch(/fill-ledger corruption/);
    expect(h.freshness("stale", "/logs").one("registry_audit_violations", T0 + S).state).toBe("unknown");
  });

  const failing = {
    trigger: "startup",
    violations_total: 2,
    duplicate_active_symbol_keys: 0,
    non_terminal_in_closed_history: 0,
    remaining_qty_violations: 0,
  };
  it("a one-off start-up audit with violations holds past the store's window, until a later audit shows 0", () => {
    const h = fut().report(T0, "REGISTRY_AUDIT_REPORT", failing);
    // The collector prunes its recent window as time passes; the latest audit report stays.
    h.store.prune(T0 + 3 * 60 * M);
    expect(h.one("registry_audit_violations", T0 + 3 * 60 * M)).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(h.one("registry_audit_violations", T0 + 3 * 60 * M).summary).toMatch(
      /Registry audit 3 h ago: violations_total = 2/,
    );
    h.report(T0 + 3 * 60 * M + S, "REGISTRY_AUDIT_REPORT", { ...failing, violations_total: 0 });
    expect(h.one("registry_audit_violations", T0 + 3 * 60 * M + 2 * S).state).toBe("ok");
  });
  it("a commander's confirmation clears it; a later audit that still fails fires it again", () => {
    const h = fut().report(T0, "REGISTRY_AUDIT_REPORT", failing);
    expect(h.one("registry_audit_violations", T0 + S).confirmable).toMatch(/violations_total = 2/);
    h.confirm("registry_audit_violations", T0 + 10 * M);
    const f = h.one("registry_audit_violations", T0 + 10 * M + S);
    expect(f.state).toBe("ok");
    expect(f.confirmed).toMatchObject({ by: "Casey Commander", ticketId: "OPS-42" });
    expect(f.summary).toMatch(/confirmed handled at 2026-01-05 00:10 UTC; no audit report since/);
    expect(f.summary).not.toMatch(/Casey|OPS-42/);
    h.report(T0 + 20 * M, "REGISTRY_AUDIT_REPORT", { ...failing, violations_total: 1 });
    expect(h.one("registry_audit_violations", T0 + 20 * M + S)).toMatchObject({ state: "critical", severity: "SEV1" });
  });
});

describe("findings about the whole bot name the symbols their records name", () => {
  it("CORRUPTED_POSITION records for two symbols: one finding, both symbols affected", () => {
    const h = fut()
      .report(T0, "CORRUPTED_POSITION", { symbol: "PF_XBTUSD", position_id: "pos-1", reason: "remaining_qty_negative" })
      .report(T0 + M, "CORRUPTED_POSITION", {
        symbol: "PF_ETHUSD",
        position_id: "pos-2",
        reason: "remaining_qty_negative",
      });
    expect(h.one("corrupted_position", T0 + 2 * M)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      affected: ["PF_ETHUSD", "PF_XBTUSD"],
    });
  });
  it("records that name no symbol leave the scope unknown", () => {
    const h = fut().report(T0, "CORRUPTED_POSITION", { position_id: "pos-1" });
    expect(h.one("corrupted_position", T0 + M).affected).toBeUndefined();
  });
});

describe("RECONCILIATION_REPORT orphaned/phantom (seed 003: critical >= 3 in 15 minutes)", () => {
  it("one orphan per cycle: warning, then critical at the third inside 15 minutes", () => {
    const h = recon(fut(), 20, (i) => (i < 3 ? orphan("A") : orphan()));
    expect(h.one("recon_orphaned", T0 + 10 * S)).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(h.one("recon_orphaned", T0 + M + 10 * S).state).toBe("warning"); // 2 in the window: boundary
    expect(h.one("recon_orphaned", T0 + 2 * M + 10 * S)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      escalationDueAt: T0 + 2 * M,
    });
  });
  it("critical holds while the window still holds 3, clean cycles or not, and clears when the first leaves it", () => {
    const h = recon(fut(), 20, (i) => (i < 3 ? orphan("A") : orphan()));
    expect(h.one("recon_orphaned", T0 + 6 * M + 10 * S).state).toBe("critical"); // three clean cycles since
    expect(h.one("recon_orphaned", T0 + 15 * M - 1).state).toBe("critical");
    // The report at T0 is exactly 15 minutes old: the window (now − 15 min, now] holds 2.
    expect(h.one("recon_orphaned", T0 + 15 * M).state).toBe("ok");
  });
  it("counts the report's field when it lists no issues", () => {
    const h = recon(fut(), 3, () => ({ orphaned: 1 }));
    expect(h.one("recon_orphaned", T0 + 2 * M + S)).toMatchObject({ state: "critical", severity: "SEV1" });
  });
  it("three in one cycle are critical at once; the symbols are evidence", () => {
    const f = recon(fut(), 1, () => orphan("A", "B", "C")).one("recon_orphaned", T0 + S);
    expect(f).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(f.evidence.values.find((v) => v.label === "symbols")?.value).toBe("A, B, C");
  });
  it("one orphan every 8 minutes never holds 3 in 15 minutes", () => {
    const h = recon(fut(), 33, (i) => (i % 8 === 0 ? orphan("A") : orphan()));
    for (const at of [T0 + 8 * M + S, T0 + 16 * M + S, T0 + 24 * M + S, T0 + 32 * M + S])
      expect(h.one("recon_orphaned", at).state).toBe("warning");
  });
  it("phantom counts the same way", () => {
    const h = recon(fut(), 3, () => ({ phantom: 1, issues: [{ type: "PHANTOM", symbol: "PF_XBTUSD" }] }));
    expect(h.one("recon_phantom", T0 + 2 * M + S)).toMatchObject({ state: "critical", severity: "SEV1" });
  });
});

describe('orphan/phantom playbook: "Verify next 3 RECONCILIATION_REPORT cycles trend down"', () => {
  // Counts per cycle (orphaned + phantom); reports every 60 s from T0.
  const series = (counts: number[]) =>
    recon(fut(), counts.length, (i) => ({ orphaned: Math.ceil(counts[i]! / 2), phantom: Math.floor(counts[i]! / 2) }));
  it("counts that come down over the next three cycles are ok; while fewer have reported they are watched", () => {
    const h = series([0, 5, 3, 1, 0]);
    expect(h.one("recon_trend_down", T0 + 2 * M + S)).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(h.one("recon_trend_down", T0 + 2 * M + S).summary).toMatch(/1 of 3 cycles since 5 were counted/);
    expect(h.one("recon_trend_down", T0 + 4 * M + S).state).toBe("ok");
    expect(h.one("recon_trend_down", T0 + 4 * M + S).summary).toContain("5 → 3 → 1 → 0");
  });
  it("counts that stay put are critical at the third cycle, and for as long as they stay", () => {
    const h = series([2, 2, 2, 2, 2, 2]);
    expect(h.one("recon_trend_down", T0 + 2 * M + S).state).toBe("warning");
    const f = h.one("recon_trend_down", T0 + 5 * M + S);
    expect(f).toMatchObject({ state: "critical", severity: "SEV2", escalationDueAt: T0 + 3 * M, since: T0 + 3 * M });
  });
  it("a count that rises again is critical at once", () => {
    const f = series([6, 2, 4]).one("recon_trend_down", T0 + 2 * M + S);
    expect(f).toMatchObject({ state: "critical", since: T0 + 2 * M });
    expect(f.summary).toContain("rose again");
  });
  it("down but ending below where it started is a trend down (6 → 6 → 6 → 5); 1 → 1 → 1 → 1 is not", () => {
    expect(series([6, 6, 6, 5]).one("recon_trend_down", T0 + 3 * M + S).state).toBe("ok");
    expect(series([1, 1, 1, 1]).one("recon_trend_down", T0 + 3 * M + S).state).toBe("critical");
  });
  it("stuck counts that finally fall after a sync clear once the latest cycles trend down", () => {
    const h = series([5, 5, 5, 5, 5, 0]);
    expect(h.one("recon_trend_down", T0 + 4 * M + S).state).toBe("critical");
    expect(h.one("recon_trend_down", T0 + 5 * M + S).state).toBe("ok");
  });
  it("no orphans or phantoms is ok; no reports is no finding; stale logs are unknown", () => {
    expect(series([0, 0, 0]).one("recon_trend_down", T0 + 2 * M + S).state).toBe("ok");
    expect(fut().run("recon_trend_down", T0)).toEqual([]);
    expect(
      series([3, 2])
        .freshness("stale", "/logs")
        .one("recon_trend_down", T0 + M + S).state,
    ).toBe("unknown");
  });
});

describe("qty_mismatch, qty_synced, pending_adopted, dedupe", () => {
  it("qty_mismatch: warning per cycle, critical when persistent for 3 cycles", () => {
    const h = recon(fut(), 4, (i) => ({ qty_mismatch: i >= 1 ? 1 : 0 }));
    expect(h.one("recon_qty_mismatch", T0 + M + S)).toMatchObject({
      state: "warning",
      severity: "SEV3",
      escalationDueAt: T0 + 3 * M,
    });
    expect(h.one("recon_qty_mismatch", T0 + 2 * M + S).state).toBe("warning");
    expect(h.one("recon_qty_mismatch", T0 + 3 * M + S)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      escalationDueAt: T0 + 3 * M,
    });
  });
  it("qty_synced: >= 3 per cycle warns; a sustained rise over 30 minutes is critical", () => {
    expect(
      recon(fut(), 3, (i) => ({ qty_synced: i === 2 ? 3 : 2 })).one("recon_qty_synced", T0 + 2 * M + S).state,
    ).toBe("warning");
    expect(recon(fut(), 3, () => ({ qty_synced: 2 })).one("recon_qty_synced", T0 + 2 * M + S).state).toBe("ok");
    const rising = recon(fut(), 31, (i) => ({ qty_synced: Math.floor(i / 10) * 2 }));
    expect(rising.one("recon_qty_synced", T0 + 30 * M + S).state).toBe("critical");
  });
  it("qty_synced: three stray 1s rising over 30 minutes are not a meaningful rate", () => {
    const stray = recon(fut(), 31, (i) => ({
      qty_synced: i === 5 || i === 15 || i === 16 || (i >= 25 && i <= 27) ? 1 : 0,
    }));
    const f = stray.one("recon_qty_synced", T0 + 30 * M + S);
    expect(f.state).toBe("ok");
    expect(f.evidence.values.find((v) => v.label.startsWith("means"))?.value).toBe("0.1 → 0.2 → 0.3");
    const floor = new RuleHarness("futures-bot", { thresholds: { recon_qty_synced: { minRatePerCycle: 0.3 } } });
    expect(
      recon(floor, 31, (i) => ({ qty_synced: i === 5 || i === 15 || i === 16 || (i >= 25 && i <= 27) ? 1 : 0 })).one(
        "recon_qty_synced",
        T0 + 30 * M + S,
      ).state,
    ).toBe("critical");
  });
  it("pending_adopted: three restarts two hours apart, read from the cycle counter starting again (no audit trigger), each followed by adoptions", () => {
    const h = fut();
    const HOUR = 60 * M;
    // The bot runs 30-second cycles; it restarts at T0, T0+2 h and T0+4 h (cycle back to 1) and
    // adopts a pending order in the first reconciliation after each start.
    for (const start of [T0, T0 + 2 * HOUR, T0 + 4 * HOUR]) {
      for (let i = 0; i < 20; i++) h.report(start + i * 30 * S, "CYCLE_SUMMARY", { cycle: i + 1, state: "trading" });
      h.report(start, "REGISTRY_AUDIT_REPORT", {
        violations_total: 0,
        duplicate_active_symbol_keys: 0,
        non_terminal_in_closed_history: 0,
        remaining_qty_violations: 0,
      });
      h.report(start + M, "RECONCILIATION_REPORT", { pending_adopted: 1, orphaned: 0, phantom: 0 });
      for (let i = 2; i < 10; i++)
        h.report(start + i * M, "RECONCILIATION_REPORT", { pending_adopted: 0, orphaned: 0, phantom: 0 });
    }
    // Reports keep coming between restarts (one a minute) so reconciliation is current at +4 h 10 min.
    const f = h.one("recon_pending_adopted", T0 + 4 * HOUR + 9 * M + S);
    expect(f).toMatchObject({ state: "critical", severity: "SEV2" });
    expect(f.evidence.values.find((v) => v.label.startsWith("restarts seen"))?.value).toBe(3);
    // The store keeps this evidence past its 65-minute window.
    h.store.prune(T0 + 4 * HOUR + 9 * M + S);
    expect(h.one("recon_pending_adopted", T0 + 4 * HOUR + 9 * M + S).state).toBe("critical");
  });

  it("pending_adopted: critical when it follows every restart", () => {
    const h = fut();
    for (const r of [0, 10, 20])
      h.report(T0 + r * M, "REGISTRY_AUDIT_REPORT", { trigger: r === 0 ? "startup" : "restart", violations_total: 0 });
    recon(h, 25, (i) => ({ pending_adopted: i === 1 || i === 11 ? 1 : 0 }));
    expect(h.one("recon_pending_adopted", T0 + M + S).state).toBe("warning");
    expect(h.one("recon_pending_adopted", T0 + 11 * M + S).state).toBe("critical");
    expect(h.one("recon_pending_adopted", T0 + 20 * M + 30 * S).state).toBe("critical"); // latest restart in its grace period
    expect(h.one("recon_pending_adopted", T0 + 24 * M + S).state).toBe("ok");
  });
  it("dedupe dominating logged for more than 30 minutes is critical but SEV3", () => {
    const h = recon(fut(), 40, () => ({ state_adjustments_deduped: 40, state_adjustments_logged: 1 }));
    expect(h.one("recon_dedupe", T0 + 30 * M)).toMatchObject({ state: "warning", escalationDueAt: T0 + 30 * M });
    expect(h.one("recon_dedupe", T0 + 31 * M)).toMatchObject({ state: "critical", severity: "SEV3" });
  });
});

describe("kill switch, circuit breaker, status", () => {
  it("severity by reason", () => {
    const margin = fut()
      .hold(T0, T0 + 20 * M, "killSwitch.active", 1, { labels: { reason: "margin_critical" }, step: 2 * S })
      .hold(T0, T0 + 20 * M, "killSwitch.since", T0, { step: 2 * S });
    expect(margin.one("kill_switch", T0 + M)).toMatchObject({
      state: "warning",
      severity: "SEV2",
      runbook: "margin-critical",
      escalationDueAt: T0 + 15 * M,
    });
    expect(margin.one("kill_switch", T0 + 15 * M).state).toBe("critical");
    const inv = fut().at(T0, "killSwitch.active", 1, "*", { reason: "invariant_violation" });
    expect(inv.one("kill_switch", T0 + S)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      runbook: "kill-switch-recovery",
    });
    const cleared = fut()
      .at(T0, "killSwitch.active", 1, "*", { reason: "margin_critical" })
      .at(T0 + 2 * S, "killSwitch.active", 0, "*", {});
    expect(cleared.one("kill_switch", T0 + 3 * S).state).toBe("ok");
    const fromLogs = fut().report(T0, "KILL_SWITCH_ACTIVATED", { reason: "invariant_violation" });
    expect(fromLogs.one("kill_switch", T0 + M).severity).toBe("SEV1");
    expect(inv.freshness("stale", "/status").one("kill_switch", T0 + S).state).toBe("unknown");
  });
  it("margin_critical follows margin, not a timer: over the limit it waits; back under it and still halted it did not recover (SEV1)", () => {
    // Margin 92 % against an 85 % limit for 20 minutes, then 70 %; the switch stays active throughout.
    const h = fut()
      .hold(T0, T0 + 30 * M, "killSwitch.active", 1, { labels: { reason: "margin_critical" } })
      .hold(T0, T0 + 30 * M, "killSwitch.since", T0)
      .hold(T0, T0 + 30 * M, "marginUtilization.auction_max_margin_util", (t) => (t < T0 + 20 * M ? 92 : 70))
      .hold(T0, T0 + 30 * M, "marginUtilization.max_margin_utilization_pct", 85);
    // 16 minutes with margin still over the limit: waiting, not critical (the old 15-minute timer).
    const waiting = h.one("kill_switch", T0 + 16 * M);
    expect(waiting).toMatchObject({ state: "warning", severity: "SEV2" });
    expect(waiting.escalationDueAt).toBeUndefined();
    expect(h.one("kill_switch", T0 + 21 * M)).toMatchObject({
      state: "critical",
      severity: "SEV2",
      escalationDueAt: T0 + 22 * M,
    });
    expect(h.one("kill_switch", T0 + 22 * M - 1).severity).toBe("SEV2");
    const stuck = h.one("kill_switch", T0 + 22 * M);
    expect(stuck).toMatchObject({ state: "critical", severity: "SEV1" });
    expect(stuck.summary).toMatch(/did not recover once margin dropped/);
  });
  it("circuit breaker warns, critical after 5 minutes open", () => {
    const h = fut()
      .hold(T0, T0 + 6 * M, "circuitBreaker.open", 1)
      .hold(T0, T0 + 6 * M, "circuitBreaker.openedAt", T0);
    expect(h.one("circuit_breaker", T0 + 5 * M)).toMatchObject({ state: "warning", escalationDueAt: T0 + 5 * M });
    expect(h.one("circuit_breaker", T0 + 5 * M + 2 * S).state).toBe("critical");
  });
  it("stopped bot is critical", () => {
    expect(
      fut()
        .hold(T0, T0 + M, "status", 2)
        .one("futures_bot_stopped", T0 + M).state,
    ).toBe("critical");
    expect(
      fut()
        .hold(T0, T0 + M, "status", 1)
        .one("futures_bot_stopped", T0 + M).state,
    ).toBe("ok");
  });
});

describe("log patterns", () => {
  it("repeated CORRUPTED_POSITION escalates; one is a warning; both age out of the hour", () => {
    const h = fut().report(T0, "CORRUPTED_POSITION", { symbol: "PF_XBTUSD" });
    expect(h.one("corrupted_position", T0 + S)).toMatchObject({ state: "warning", severity: "SEV2" });
    h.report(T0 + 10 * M, "CORRUPTED_POSITION", { symbol: "PF_ETHUSD" });
    expect(h.one("corrupted_position", T0 + 10 * M)).toMatchObject({
      state: "critical",
      severity: "SEV1",
      escalationDueAt: T0 + 10 * M,
    });
    expect(h.one("corrupted_position", T0 + 70 * M).state).toBe("ok");
  });
  it("THRESHOLD_MISMATCH per parameter and INVARIANT_VIOLATION", () => {
    const h = fut()
      .report(T0, "THRESHOLD_MISMATCH", { parameter: "auction_max_margin_util", value: 92 })
      .report(T0, "INVARIANT_VIOLATION", { invariant: "max_position_notional" });
    expect(h.one("threshold_mismatch", T0 + S, "auction_max_margin_util")).toMatchObject({
      state: "warning",
      severity: "SEV3",
    });
    expect(h.one("invariant_violation_report", T0 + S, "max_position_notional")).toMatchObject({
      state: "critical",
      severity: "SEV1",
    });
  });
});

describe("positions and margin", () => {
  it("missing stop-loss after the grace period; take-profit a warning", () => {
    const h = fut()
      .hold(T0, T0 + 2 * M, "has_stop_loss", 0, { entity: "PF_SOLUSD" })
      .hold(T0, T0 + 2 * M, "has_take_profit", 0, { entity: "PF_SOLUSD" })
      .hold(T0, T0 + 2 * M, "has_stop_loss", 1, { entity: "PF_XBTUSD" });
    expect(h.one("missing_stop_loss", T0 + M, "PF_SOLUSD").state).toBe("ok"); // exactly the grace period
    expect(h.one("missing_stop_loss", T0 + M + 2 * S, "PF_SOLUSD")).toMatchObject({
      state: "critical",
      severity: "SEV2",
    });
    expect(h.one("missing_take_profit", T0 + 2 * M, "PF_SOLUSD")).toMatchObject({ state: "warning", severity: "SEV3" });
    expect(h.one("missing_stop_loss", T0 + 2 * M, "PF_XBTUSD").state).toBe("ok");
  });
  it("untracked exchange positions per symbol, gone once imported", () => {
    const h = fut()
      .hold(T0, T0 + M, "untracked_positions", (t) => (t < T0 + 30 * S ? 1 : 0))
      .hold(T0, T0 + 28 * S, "untracked_position.qty", 0.5, { entity: "PF_LTCUSD" });
    expect(h.one("untracked_positions", T0 + 20 * S, "PF_LTCUSD")).toMatchObject({
      state: "critical",
      runbook: "position-import",
    });
    expect(h.one("untracked_positions", T0 + M).state).toBe("ok");
  });
  it("margin utilisation within 5 points warns, over the limit is critical", () => {
    const at = (u: number) =>
      fut()
        .at(T0, "marginUtilization.auction_max_margin_util", u)
        .at(T0, "marginUtilization.max_margin_utilization_pct", 85)
        .one("margin_utilisation", T0);
    expect(at(79.9).state).toBe("ok");
    expect(at(80).state).toBe("warning");
    expect(at(85).state).toBe("warning");
    expect(at(85.1)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
});

describe("ORDER_REJECTED_BY_VENUE and RECOVERY_MERGE_COLLISION (runbook log patterns, console thresholds)", () => {
  it("venue rejections: one is noise, 3 in 15 minutes warn, 10 are critical; thresholds are per target", () => {
    const rejects = (h: RuleHarness, n: number) => {
      for (let i = 0; i < n; i++)
        h.report(T0 + i * M, "ORDER_REJECTED_BY_VENUE", {
          symbol: i % 2 ? "PF_ETHUSD" : "PF_XBTUSD",
          reason: "marketSuspended",
        });
      return h;
    };
    expect(rejects(fut(), 1).one("order_rejected_by_venue", T0 + S).state).toBe("ok");
    const three = rejects(fut(), 3).one("order_rejected_by_venue", T0 + 2 * M + S);
    expect(three).toMatchObject({ state: "warning", severity: "SEV3", affected: ["PF_ETHUSD", "PF_XBTUSD"] });
    expect(rejects(fut(), 10).one("order_rejected_by_venue", T0 + 9 * M + S)).toMatchObject({
      state: "critical",
      severity: "SEV2",
      escalationDueAt: T0 + 9 * M,
    });
    const lenient = new RuleHarness("futures-bot", { thresholds: { order_rejected_by_venue: { warnCount: 5 } } });
    expect(rejects(lenient, 3).one("order_rejected_by_venue", T0 + 2 * M + S).state).toBe("ok");
  });
  it("a recovery merge collision warns; three within the hour are critical", () => {
    const h = fut().report(T0, "RECOVERY_MERGE_COLLISION", { symbol: "PF_XBTUSD", canonical: "XBT/USD" });
    expect(h.one("recovery_merge_collision", T0 + S)).toMatchObject({ state: "warning", severity: "SEV3" });
    h.report(T0 + M, "RECOVERY_MERGE_COLLISION", { symbol: "PF_ETHUSD" }).report(
      T0 + 2 * M,
      "RECOVERY_MERGE_COLLISION",
      { symbol: "PF_SOLUSD" },
    );
    expect(h.one("recovery_merge_collision", T0 + 2 * M + S)).toMatchObject({ state: "critical", severity: "SEV2" });
  });
});
