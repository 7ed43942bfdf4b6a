import { describe, expect, it } from "vitest";
import { FIELD_MODES, RuleHarness, T0, type FieldMode } from "../testing";

// Every trading-bot rule test runs twice: with every sample the full simulator serves, and with
// only the samples the runbooks name (a real bot that exports nothing more). Each history writes
// both; the runbook mode keeps the runbook's part. Where the richer fields refine a finding (a
// profile instead of the bot, an exact onset time) the expectation says which mode gives what.

const S = 1000;
const M = 60 * S;

/** A bot whose reconciliation runs every 30 s from T0 (reconciliationLastRun polled every 2 s). */
function withCycles(h: RuleHarness, until: number, opts: { every?: number; stopAt?: number } = {}) {
  const every = opts.every ?? 30 * S;
  h.hold(
    T0,
    until,
    "reconciliationLastRun",
    (t) => T0 + Math.floor((Math.min(t, opts.stopAt ?? Infinity) - T0) / every) * every,
  );
  return h;
}

describe.each(FIELD_MODES)("%s fields", (mode: FieldMode) => {
  const bot = (thresholds = {}) => new RuleHarness("trading-bot", { thresholds, fields: mode });
  const full = mode === "full";
  /** The entity a finding is about: the profile where the bot reports per-profile state, else the bot. */
  const who = (profile: string) => (full ? profile : "*");

  describe("capital_invariant (seed 000)", () => {
    function violating(until: number, reconcile = true) {
      const h = bot();
      // The per-profile ledger (full) and the runbook's available_capital_gauge carry the same values.
      for (const metric of ["available_capital", "available_capital_gauge"]) {
        h.hold(T0, until, metric, 5000, { entity: "btc-grid" });
        h.hold(T0, T0 + 4 * S, metric, 800, { entity: "eth-grid" });
        h.hold(T0 + 6 * S, until, metric, -1240, { entity: "eth-grid" });
      }
      h.hold(T0, until, "capitalInvariantViolations", 0, { entity: "btc-grid" });
      h.hold(T0 + 6 * S, until, "violationSince", T0 + 5 * S, { entity: "eth-grid" });
      h.hold(T0, until, "capitalInvariantViolations", (t) => (t >= T0 + 6 * S ? 1 : 0), { entity: "eth-grid" });
      h.hold(T0, until, "capitalInvariantViolations", (t) => (t >= T0 + 6 * S ? 1 : 0));
      const run = (t: number) => T0 + Math.floor((reconcile ? t - T0 : 0) / (30 * S)) * 30 * S;
      h.hold(T0, until, "lastReconciledAt", run, { entity: "eth-grid" });
      h.hold(T0, until, "reconciliationLastRun", run);
      return h;
    }

    it("fires critical per profile with the ledger as evidence, and not for the healthy profile", () => {
      const h = violating(T0 + 40 * S);
      const f = h.one("capital_invariant", T0 + 40 * S, "eth-grid");
      // The bot's violationSince (full) is the exact onset; the gauge gives the first poll that saw it.
      expect(f).toMatchObject({
        state: "critical",
        severity: "SEV2",
        runbook: "capital-invariant-violation",
        since: full ? T0 + 5 * S : T0 + 6 * S,
        id: "capital_invariant|test-trading-bot|eth-grid",
      });
      expect(f.summary).toContain("Profile eth-grid: available capital is −1,240 USD (below zero)");
      expect(f.evidence.values.find((v) => v.label === "available capital")?.value).toBe(-1240);
      expect(h.one("capital_invariant", T0 + 40 * S, "btc-grid").state).toBe("ok");
    });

    it("zero available capital is not a violation (boundary)", () => {
      const h = bot()
        .hold(T0, T0 + 10 * S, "available_capital", 0, { entity: "p" })
        .hold(T0, T0 + 10 * S, "available_capital_gauge", 0, { entity: "p" });
      expect(h.one("capital_invariant", T0 + 10 * S, "p").state).toBe("ok");
    });

    it("escalation is due after three reconciliation cycles", () => {
      const h = violating(T0 + 95 * S);
      const before = h.one("capital_invariant", T0 + 62 * S, "eth-grid");
      expect(before.escalationDueAt).toBe(T0 + 90 * S);
      expect(before.severity).toBe("SEV2");
      const after = h.one("capital_invariant", T0 + 92 * S, "eth-grid");
      expect(after).toMatchObject({ severity: "SEV1", escalationDueAt: T0 + 90 * S });
      expect(after.escalation).toMatch(/3 reconciliation cycles or 15 minutes/);
    });

    it("without reconciliation cycles (lock held) escalation falls back to 15 minutes", () => {
      const h = violating(T0 + 16 * M, false);
      const onset = full ? T0 + 5 * S : T0 + 6 * S;
      expect(h.one("capital_invariant", T0 + 5 * M, "eth-grid")).toMatchObject({
        severity: "SEV2",
        escalationDueAt: onset + 15 * M,
      });
      expect(h.one("capital_invariant", onset + 15 * M - 1, "eth-grid").severity).toBe("SEV2");
      expect(h.one("capital_invariant", onset + 15 * M, "eth-grid").severity).toBe("SEV1");
    });

    it("a bot that reports only the bot-wide capitalInvariantViolations: the bot is the entity, escalated by cycles", () => {
      const h = withCycles(bot(), T0 + 2 * M).hold(T0, T0 + 2 * M, "capitalInvariantViolations", (t) =>
        t >= T0 + 10 * S ? 1 : 0,
      );
      expect(h.one("capital_invariant", T0 + 8 * S).state).toBe("ok");
      expect(h.one("capital_invariant", T0 + 89 * S)).toMatchObject({
        state: "critical",
        severity: "SEV2",
        since: T0 + 10 * S,
        escalationDueAt: T0 + 90 * S,
      });
      const f = h.one("capital_invariant", T0 + 90 * S);
      expect(f).toMatchObject({ state: "critical", severity: "SEV1" });
      expect(f.summary).toMatch(/capital watchdog's log/);
    });

    it("turns unknown when /internal/health is stale", () => {
      const h = violating(T0 + 40 * S).freshness("stale", "/internal/health");
      const f = h.one("capital_invariant", T0 + 40 * S, "eth-grid");
      expect(f.state).toBe("unknown");
      expect(f.summary).toMatch(/stale/);
    });
  });

  describe("capital_invariant_profiles (seed 000: different profiles within an hour)", () => {
    function onsets(times: [string, number][], until: number) {
      const h = bot();
      for (const [p, at] of times) {
        h.hold(T0, until, "capitalInvariantViolations", (t) => (t >= at && t < at + 30 * S ? 1 : 0), {
          entity: p,
          step: 10 * S,
        });
        // The runbook's counter: one increment per violation.
        h.hold(T0, until, "capital_invariant_violations_total", (t) => (t >= at ? 1 : 0), { entity: p, step: 10 * S });
      }
      return h;
    }
    it("one profile is not the pattern; a second within the hour escalates", () => {
      expect(onsets([["a", T0 + M]], T0 + 30 * M).one("capital_invariant_profiles", T0 + 30 * M).state).toBe("ok");
      const f = onsets(
        [
          ["a", T0 + M],
          ["b", T0 + 21 * M],
        ],
        T0 + 30 * M,
      ).one("capital_invariant_profiles", T0 + 30 * M);
      expect(f).toMatchObject({ state: "critical", severity: "SEV1", escalationDueAt: T0 + 21 * M });
    });
    it("violations more than an hour apart do not combine (boundary)", () => {
      const h = onsets(
        [
          ["a", T0 + M],
          ["b", T0 + 60 * M + 50 * S],
        ],
        T0 + 62 * M,
      );
      expect(h.one("capital_invariant_profiles", T0 + 60 * M + 50 * S).state).toBe("critical");
      // Exactly an hour after the first onset it has left the window.
      expect(h.one("capital_invariant_profiles", T0 + 61 * M).state).toBe("ok");
    });
  });

  describe("trading_loop_unhealthy", () => {
    /** Profile b violates the invariant and its loop stops; a trades on. */
    function bStopped() {
      return bot()
        .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 1, { entity: "a" })
        .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0, { entity: "b" })
        .hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0)
        .hold(T0, T0 + 20 * M, "available_capital_gauge", 5000, { entity: "a" })
        .hold(T0, T0 + 20 * M, "available_capital_gauge", -300, { entity: "b" });
    }
    it("warns, and escalates after 15 minutes while other profiles trade (the runbook's bot-wide field escalates too)", () => {
      const h = bStopped();
      expect(h.one("trading_loop_unhealthy", T0 + 15 * M - S, who("b"))).toMatchObject({
        state: "warning",
        escalationDueAt: T0 + 15 * M,
      });
      const f = h.one("trading_loop_unhealthy", T0 + 15 * M, who("b"));
      expect(f.state).toBe("critical");
      if (full) expect(h.one("trading_loop_unhealthy", T0 + 15 * M, "a").state).toBe("ok");
      else expect(f.summary).toMatch(/1 profile \(a\) still functions/);
    });
    it("bot-wide field without any per-profile series: escalates after 15 minutes, saying other profiles are not reported", () => {
      const h = bot().hold(T0, T0 + 20 * M, "tradingLoopHealthy", 0);
      expect(h.one("trading_loop_unhealthy", T0 + 15 * M - 1).state).toBe("warning");
      const f = h.one("trading_loop_unhealthy", T0 + 15 * M);
      expect(f).toMatchObject({ state: "critical", severity: "SEV2", escalationDueAt: T0 + 15 * M });
      expect(f.summary).toMatch(/other profiles' state not reported/);
    });
  });

  describe("lock_contention (seed 001)", () => {
    /** The lock of p is held from T0+1m; each 30 s cycle after that skips p and counts contention. */
    function held(until: number) {
      const h = withCycles(bot(), until).hold(T0, until, "reconciliationLock.held", (t) => (t >= T0 + M ? 1 : 0), {
        entity: "p",
      });
      // lockContentionCount (runbook, bot-wide counter): +1 at each cycle that found the lock held (T0+60 s, +90 s, …).
      h.hold(T0, until, "lockContentionCount", (t) => Math.max(0, Math.floor((t - T0) / (30 * S)) - 1));
      return h;
    }
    it("warns on contention and goes critical when the lock blocks two cycles", () => {
      const h = held(T0 + 3 * M);
      expect(h.one("lock_contention", T0 + M - 2 * S, who("p")).state).toBe("ok");
      if (full) {
        expect(h.one("lock_contention", T0 + M + 30 * S, "p").state).toBe("warning");
        expect(h.one("lock_contention", T0 + 2 * M, "p").state).toBe("warning"); // exactly 60 s: boundary
        expect(h.one("lock_contention", T0 + 2 * M + 2 * S, "p")).toMatchObject({
          state: "critical",
          escalationDueAt: T0 + 2 * M,
        });
      } else {
        // The counter rose at the T0+60 s cycle: one skipped cycle is a warning; the second (T0+90 s) blocks.
        expect(h.one("lock_contention", T0 + M + 2 * S)).toMatchObject({ state: "warning", severity: "SEV2" });
        expect(h.one("lock_contention", T0 + 90 * S - 2 * S).state).toBe("warning");
        expect(h.one("lock_contention", T0 + 90 * S)).toMatchObject({
          state: "critical",
          escalationDueAt: T0 + 90 * S,
        });
      }
    });
    it("counts skipped reconciliations from the metrics counter, or the runbook's counter while the loop is unhealthy", () => {
      const h = withCycles(bot(), T0 + 2 * M)
        .hold(T0, T0 + 2 * M, "reconciliation_lock_contention_total", (t) => (t >= T0 + M ? 2 : 0), { entity: "p" })
        .hold(T0, T0 + 2 * M, "lockContentionCount", (t) => (t >= T0 + M ? 2 : 0))
        .hold(T0, T0 + 2 * M, "reconciliationLoopHealthy", (t) => (t >= T0 + M ? 0 : 1));
      expect(h.one("lock_contention", T0 + 2 * M, who("p")).state).toBe("critical");
    });
    it("an old count that did not rise in the window is no contention", () => {
      const h = withCycles(bot(), T0 + 10 * M)
        .hold(T0, T0 + 10 * M, "lockContentionCount", 7)
        .hold(T0, T0 + 10 * M, "reconciliation_lock_contention_total", 7, { entity: "p" });
      expect(h.one("lock_contention", T0 + 10 * M, who("p")).state).toBe("ok");
    });
  });

  describe("reconciliation mismatches (seed 001: escalate after two runs)", () => {
    function mism(values: number[]) {
      const end = T0 + values.length * 30 * S - 2 * S;
      const h = withCycles(bot(), end);
      h.hold(T0, end, "reconciliationMissingInDb", (t) => values[Math.floor((t - T0) / (30 * S))] ?? 0);
      return { h, end };
    }
    it("the run that finds it is a warning, with the escalation projected two runs later", () => {
      const { h, end } = mism([0, 1]);
      expect(h.one("reconciliation_missing_in_db", end)).toMatchObject({
        state: "warning",
        severity: "SEV2",
        escalationDueAt: T0 + 90 * S,
      });
    });
    it("still elevated one run later is not yet the criterion (two runs after the one that found it)", () => {
      const { h, end } = mism([0, 1, 1]);
      expect(h.one("reconciliation_missing_in_db", end)).toMatchObject({
        state: "warning",
        escalationDueAt: T0 + 90 * S,
      });
    });
    it("elevated two runs after the one that found it escalates; a clean run clears", () => {
      const { h, end } = mism([0, 1, 1, 1]);
      expect(h.one("reconciliation_missing_in_db", end)).toMatchObject({
        state: "critical",
        escalationDueAt: T0 + 90 * S,
      });
      expect(mism([1, 1, 1, 0]).h.one("reconciliation_missing_in_db", mism([1, 1, 1, 0]).end).state).toBe("ok");
    });
    it("unknown on stale data", () => {
      const { h, end } = mism([0, 1, 1]);
      expect(h.freshness("error").one("reconciliation_missing_in_db", end).state).toBe("unknown");
    });
  });

  describe("reconciliation_loop", () => {
    it("critical when unhealthy or silent past the budget", () => {
      const h = withCycles(bot(), T0 + 5 * M, { stopAt: T0 + M }).hold(T0, T0 + 5 * M, "reconciliationLoopHealthy", 1);
      expect(h.one("reconciliation_loop", T0 + 3 * M).state).toBe("ok"); // last run T0+1m, 120 s ago: boundary
      expect(h.one("reconciliation_loop", T0 + 3 * M + 2 * S).state).toBe("critical");
      const u = withCycles(bot(), T0 + M).hold(T0, T0 + M, "reconciliationLoopHealthy", 0);
      expect(u.one("reconciliation_loop", T0 + M).summary).toMatch(/unhealthy/);
    });
    it("a healthy bot that has not reported its first run is pending for the silence budget, then fires", () => {
      // Watched from T0: healthy, but no reconciliationLastRun yet (the first cycle is not due).
      const h = bot().hold(T0, T0 + 5 * M, "reconciliationLoopHealthy", 1);
      const early = h.one("reconciliation_loop", T0 + 30 * S);
      expect(early.state).toBe("ok");
      expect(early.summary).toMatch(/first run not reported yet/);
      expect(h.one("reconciliation_loop", T0 + 2 * M).state).toBe("ok");
      const late = h.one("reconciliation_loop", T0 + 2 * M + 2 * S);
      expect(late).toMatchObject({ state: "critical", severity: "SEV2", since: T0 + 2 * M });
      expect(late.summary).toMatch(/^No reconciliation run reported in the 2 min 2 s this console has watched the bot/);
      expect(late.summary).not.toMatch(/for ever/);
    });
  });

  describe("parity (seed 001)", () => {
    /** mismatched (of which quarantined) slices on profile p, per profile (full) and bot-wide (runbook). */
    function parity(until: number, mismatched: number, quarantined: number) {
      return bot()
        .hold(T0, until, "parity.mismatchedSlices", mismatched, { entity: "p" })
        .hold(T0, until, "parity.quarantinedSlices", quarantined, { entity: "p" })
        .hold(T0, until, "reconciliationParityMismatchTrades", mismatched)
        .hold(T0, until, "reconciliationParityQuarantinedTrades", quarantined);
    }
    it("ghost slices warn while confirming, then critical when not self-healed", () => {
      const h = parity(T0 + 4 * M, 1, 0);
      expect(h.one("parity_mismatch", T0 + M, who("p"))).toMatchObject({
        state: "warning",
        severity: "SEV3",
        escalationDueAt: T0 + 150 * S,
      });
      expect(h.one("parity_mismatch", T0 + 150 * S, who("p")).state).toBe("warning");
      expect(h.one("parity_mismatch", T0 + 152 * S, who("p"))).toMatchObject({ state: "critical", severity: "SEV2" });
    });
    it("quarantined slices are a review warning, not a parity mismatch", () => {
      const h = parity(T0 + M, 1, 1);
      expect(h.one("parity_mismatch", T0 + M, who("p")).state).toBe("ok");
      expect(h.one("parity_quarantined", T0 + M, who("p"))).toMatchObject({ state: "warning", severity: "SEV3" });
    });
    it("integrity watchdog pause is critical; auto-resume overdue after the minimum pause and the clean cycles", () => {
      const h = withCycles(bot(), T0 + 20 * M)
        .hold(T0, T0 + 20 * M, "reconciliationIntegrityWatchdogTriggered", 1)
        .hold(T0, T0 + 20 * M, "reconciliationParityMismatchTrades", 0)
        .hold(T0, T0 + 20 * M, "watchdog.paused", 1, { step: 10 * S })
        .hold(T0, T0 + 20 * M, "watchdog.since", T0, { step: 10 * S })
        .hold(T0, T0 + 20 * M, "watchdog.cleanCycleStreak", (t) => Math.floor((t - T0) / (30 * S)), { step: 10 * S })
        .hold(T0, T0 + 20 * M, "watchdog.sourceParity", 1, { step: 10 * S });
      expect(h.one("integrity_watchdog", T0 + M)).toMatchObject({ state: "critical", severity: "SEV2", since: T0 });
      expect(h.one("auto_resume_blocked", T0 + 10 * M).state).toBe("ok");
      // 15 min pause + 2 clean cycles + 2 grace cycles = 17 min: still paused after that is overdue.
      expect(h.one("auto_resume_blocked", T0 + 17 * M).state).toBe("ok");
      expect(h.one("auto_resume_blocked", T0 + 17 * M + 10 * S).state).toBe("critical");
    });
    it("auto-resume waits for clean cycles: mismatched trades in every cycle keep it waiting, not overdue", () => {
      const h = withCycles(bot(), T0 + 20 * M)
        .hold(T0, T0 + 20 * M, "reconciliationIntegrityWatchdogTriggered", 1)
        .hold(T0, T0 + 20 * M, "reconciliationParityMismatchTrades", 2)
        .hold(T0, T0 + 20 * M, "watchdog.paused", 1)
        .hold(T0, T0 + 20 * M, "watchdog.since", T0)
        .hold(T0, T0 + 20 * M, "watchdog.cleanCycleStreak", 0)
        .hold(T0, T0 + 20 * M, "watchdog.sourceParity", 1);
      const f = h.one("auto_resume_blocked", T0 + 20 * M);
      expect(f.state).toBe("ok");
      expect(f.evidence.values.find((v) => v.label === "clean cycle streak")?.value).toBe(0);
    });
    it("a pause that is not the parity watchdog's cannot auto-resume (the simulator's watchdog source refines)", () => {
      const other = bot()
        .hold(T0, T0 + M, "watchdog.paused", 1)
        .hold(T0, T0 + M, "watchdog.sourceParity", 0);
      if (full) expect(other.one("auto_resume_blocked", T0 + M).summary).toMatch(/not the parity watchdog/);
      else expect(other.run("auto_resume_blocked", T0 + M)).toEqual([]);
    });
  });

  describe("feature_flag_drift (seed 001)", () => {
    it.runIf(full)("weakened safety gates are critical, defaults ok, overrides respected", () => {
      const h = bot({ feature_flag_drift: { RECON_POSITION_PARITY_CONFIRMATIONS: 5 } })
        .at(T0, "flag.ENABLE_RECON_POSITION_PARITY_HEARTBEAT", 0)
        .at(T0, "flag.RECON_POSITION_PARITY_DRY_RUN", 1)
        .at(T0, "flag.RECON_POSITION_PARITY_CONFIRMATIONS", 5)
        .at(T0, "flag.RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES", 5);
      expect(h.one("feature_flag_drift", T0, "ENABLE_RECON_POSITION_PARITY_HEARTBEAT")).toMatchObject({
        state: "critical",
        severity: "SEV2",
      });
      // Dry-run on is healing off: it weakens the heartbeat.
      expect(h.one("feature_flag_drift", T0, "RECON_POSITION_PARITY_DRY_RUN")).toMatchObject({
        state: "critical",
        severity: "SEV2",
      });
      expect(h.one("feature_flag_drift", T0, "RECON_POSITION_PARITY_CONFIRMATIONS").state).toBe("ok");
      expect(h.one("feature_flag_drift", T0, "RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES").state).toBe("ok");
    });
    it.runIf(full)("drift that weakens a protection is SEV2 whatever the flag; drift the other way is SEV3", () => {
      const h = bot()
        .at(T0, "flag.RECON_POSITION_PARITY_DRY_RUN", 1)
        .at(T0, "flag.RECON_POSITION_PARITY_CONFIRMATIONS", 1)
        .at(T0, "flag.RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS", 60_000)
        .at(T0, "flag.RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES", 60)
        .at(T0, "flag.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT", 0.2)
        .at(T0, "flag.RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES", 5);
      for (const name of [
        "RECON_POSITION_PARITY_DRY_RUN",
        "RECON_POSITION_PARITY_CONFIRMATIONS",
        "RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS",
        "RECON_EXIT_BACKFILL_FILL_AFTER_TRADE_GRACE_MINUTES",
      ]) {
        expect(h.one("feature_flag_drift", T0, name), name).toMatchObject({ state: "critical", severity: "SEV2" });
      }
      expect(h.one("feature_flag_drift", T0, "RECON_POSITION_PARITY_MAX_NOTIONAL_PCT")).toMatchObject({
        state: "warning",
        severity: "SEV3",
      });
      expect(h.one("feature_flag_drift", T0, "RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES")).toMatchObject({
        state: "warning",
        severity: "SEV3",
      });
    });
    it.runIf(mode === "runbook")("a bot that does not report its flags gives no finding (not an ok one)", () => {
      expect(bot().at(T0, "flag.ENABLE_RECON_POSITION_PARITY_HEARTBEAT", 0).run("feature_flag_drift", T0)).toEqual([]);
    });
  });

  describe("seed 002 playbooks", () => {
    it.runIf(full)("ghost position is SEV1 per profile", () => {
      const h = bot()
        .hold(T0, T0 + M, "positions.ghost", (t) => (t > T0 + 30 * S ? 1 : 0), { entity: "p" })
        .hold(T0 + 32 * S, T0 + M, "ghostPosition.qty", 0.4, {
          entity: "p",
          labels: { symbol: "BTC-USD", sliceId: "s1" },
        });
      expect(h.one("ghost_position", T0 + 20 * S, "p").state).toBe("ok");
      expect(h.one("ghost_position", T0 + M, "p")).toMatchObject({
        state: "critical",
        severity: "SEV1",
        runbook: "ghost-position",
      });
      expect(h.one("ghost_position", T0 + M, "p").summary).toContain("BTC-USD s1 qty 0.4");
    });

    it.runIf(full)(
      "an untracked exchange position without a profile id is SEV1 on the bot, while every profile reads ok",
      () => {
        const h = bot()
          .hold(T0, T0 + M, "positions.ghost", (t) => (t > T0 + 30 * S ? 1 : 0))
          .hold(T0, T0 + M, "positions.ghost", 0, { entity: "p" })
          .hold(T0, T0 + M, "positions.ghost", 0, { entity: "q" })
          .hold(T0 + 32 * S, T0 + M, "ghostPosition.qty", 1.5, { labels: { symbol: "ETH-USD", sliceId: "x9" } });
        expect(h.one("ghost_position", T0 + 20 * S).state).toBe("ok");
        const f = h.one("ghost_position", T0 + M);
        expect(f).toMatchObject({ state: "critical", severity: "SEV1", since: T0 + 32 * S });
        expect(f.summary).toContain("ETH-USD x9 qty 1.5");
        expect(f.evidence.values.find((v) => v.label === "without a profile id")?.value).toBe(1);
        expect(h.one("ghost_position", T0 + M, "p").state).toBe("ok");
      },
    );

    it.runIf(full)("an attributed ghost is the profile's finding, not counted again on the bot", () => {
      const h = bot()
        .hold(T0, T0 + M, "positions.ghost", 1)
        .hold(T0, T0 + M, "positions.ghost", 1, { entity: "p" });
      expect(h.one("ghost_position", T0 + M, "p").state).toBe("critical");
      expect(h.one("ghost_position", T0 + M).state).toBe("ok");
    });

    it.runIf(mode === "runbook")(
      "without the positions the runbooks do not define, no ghost finding is shown (never an ok one)",
      () => {
        const h = bot()
          .hold(T0, T0 + M, "positions.ghost", 1)
          .hold(T0, T0 + M, "positions.ghost", 1, { entity: "p" });
        expect(h.run("ghost_position", T0 + M)).toEqual([]);
      },
    );

    it("stale pending orders: SEV2, then SEV1 after > 20 for > 15 minutes", () => {
      const h = bot().hold(T0, T0 + 30 * M, "staleOrders.backlog", (t) => (t < T0 + 2 * M ? 5 : 25));
      expect(h.one("stale_pending_orders", T0 + M)).toMatchObject({ state: "warning", severity: "SEV2" });
      const at15 = h.one("stale_pending_orders", T0 + 17 * M);
      expect(at15).toMatchObject({ state: "warning", escalationDueAt: T0 + 17 * M });
      expect(h.one("stale_pending_orders", T0 + 17 * M + 10 * S)).toMatchObject({
        state: "critical",
        severity: "SEV1",
        escalationDueAt: T0 + 17 * M,
      });
    });

    it.runIf(full)(
      "stale growth across several profiles escalates too; a backlog of exactly 20 does not start the clock",
      () => {
        const h = bot().hold(T0, T0 + 5 * M, "staleOrders.backlog", 20, { step: 10 * S });
        for (const p of ["a", "b"])
          h.hold(T0, T0 + 5 * M, "staleOrders.byProfile", (t) => Math.floor((t - T0) / M), { entity: p, step: 10 * S });
        const f = h.one("stale_pending_orders", T0 + 5 * M);
        expect(f).toMatchObject({ state: "critical", severity: "SEV1" });
        expect(f.summary).toMatch(/growing on 2 profiles/);
        const single = bot().hold(T0, T0 + 20 * M, "staleOrders.backlog", 20, { step: 10 * S });
        expect(single.one("stale_pending_orders", T0 + 20 * M).state).toBe("warning");
      },
    );

    it("quarantined orders need review", () => {
      const h = bot()
        .at(T0, "quarantinedOrders", 3)
        .at(T0, "quarantinedOrder", 1, "p", { orderId: "o1", symbol: "BTC-USD", reason: "stale_24h" });
      expect(h.one("quarantined_orders", T0)).toMatchObject({ state: "warning", severity: "SEV3" });
      expect(bot().at(T0, "quarantinedOrders", 0).one("quarantined_orders", T0).state).toBe("ok");
    });

    it("a pending order past 24 h that the order sync has not quarantined is critical until it is", () => {
      const h = bot()
        .hold(T0, T0 + 10 * M, "staleOrders.backlog", 3)
        .hold(T0, T0 + 10 * M, "staleOrders.oldestAgeSeconds", (t) => 24 * 3600 - 60 + (t - T0) / 1000)
        .hold(T0, T0 + 10 * M, "quarantinedOrders", 0);
      // 24 h + the 5-minute grace is reached at T0 + 6 min.
      expect(h.one("old_orders_not_quarantined", T0 + 6 * M)).toMatchObject({ state: "ok" });
      const f = h.one("old_orders_not_quarantined", T0 + 6 * M + 2 * S);
      expect(f).toMatchObject({ state: "critical", severity: "SEV2", runbook: "stale-pending-orders" });
      expect(f.summary).toMatch(/quarantine it/);
    });

    it.runIf(full)("NO_GO rows kept for operator review are listed", () => {
      const h = bot()
        .hold(T0, T0 + M, "reconciliationNoGo", 2)
        .hold(T0, T0 + M, "reconciliationNoGo.entry", 1, {
          entity: "p",
          labels: { sliceId: "s-1", symbol: "BTC-USD", reason: "no attributable fill" },
        })
        .hold(T0, T0 + M, "reconciliationNoGo.entry", 1, {
          entity: "q",
          labels: { sliceId: "s-2", symbol: "ETH-USD", reason: "heuristic match disabled" },
        });
      const f = h.one("reconciliation_no_go", T0 + M);
      expect(f).toMatchObject({ state: "warning", severity: "SEV3", affected: ["p", "q"] });
      expect(f.summary).toMatch(/s-1 \(p BTC-USD no attributable fill\), s-2 \(q ETH-USD heuristic match disabled\)/);
      expect(
        bot()
          .hold(T0, T0 + M, "reconciliationNoGo", 0)
          .one("reconciliation_no_go", T0 + M).state,
      ).toBe("ok");
    });

    it('reconciliation runbook: "Exchanges report stale or unknown fills after reconciliation" escalates at once (no runbook field: a bot that reports none gives no finding)', () => {
      const h = withCycles(bot(), T0 + 3 * M);
      h.hold(T0, T0 + 3 * M, "reconciliationStaleFills", (t) => (t >= T0 + 60 * S ? 1 : 0));
      h.hold(T0, T0 + 3 * M, "reconciliationUnknownFills", (t) => (t >= T0 + 90 * S ? 1 : 0));
      h.hold(T0 + 60 * S, T0 + 3 * M, "reconciliationUnattributedFill", 1, {
        entity: "eth-grid",
        labels: { fillId: "f-9", symbol: "ETH-USD", reason: "stale_fill" },
      });
      if (!full) {
        // A bot that exports only what the runbooks name says nothing about its fills.
        expect(h.run("reconciliation_unknown_fills", T0 + 2 * M)).toEqual([]);
        return;
      }
      expect(h.one("reconciliation_unknown_fills", T0 + 58 * S).state).toBe("ok");
      const f = h.one("reconciliation_unknown_fills", T0 + 2 * M);
      expect(f).toMatchObject({
        state: "critical",
        severity: "SEV2",
        since: T0 + 60 * S,
        escalationDueAt: T0 + 60 * S,
        affected: ["eth-grid"],
        runbook: "reconciliation-divergence",
      });
      expect(f.summary).toMatch(
        /1 stale fill and 1 unknown fill after reconciliation \(f-9: eth-grid ETH-USD stale fill\)/,
      );
      expect(f.escalation).toMatch(/trading engineering lead/);
      expect(h.freshness("stale", "/internal/health").one("reconciliation_unknown_fills", T0 + 2 * M).state).toBe(
        "unknown",
      );
    });

    it("auth failure spike and control endpoints failing", () => {
      const h = bot();
      h.hold(T0, T0 + 10 * M, "http_responses_total", (t) => ((t - T0) / 1000) * 2.4, {
        labels: { code: "200" },
        step: 5 * S,
      });
      h.hold(T0, T0 + 10 * M, "http_responses_total", (t) => (t < T0 + 5 * M ? 0 : ((t - T0 - 5 * M) / 1000) * 2), {
        labels: { code: "401" },
        step: 5 * S,
      });
      h.hold(T0, T0 + 10 * M, "websocket_auth_rejections_total", 0, { step: 5 * S });
      expect(h.one("auth_failure_spike", T0 + 5 * M).state).toBe("ok");
      expect(h.one("auth_failure_spike", T0 + 6 * M)).toMatchObject({
        state: "critical",
        severity: "SEV2",
        runbook: "auth-failures",
      });
      expect(h.freshness("stale", "/metrics").one("auth_failure_spike", T0 + 6 * M).state).toBe("unknown");

      const c = bot().hold(T0, T0 + M, "http_status", (t) => (t < T0 + 20 * S ? 200 : 401), {
        labels: { path: "/api/status" },
      });
      expect(c.one("control_endpoints_failing", T0 + 50 * S)).toMatchObject({ state: "warning", severity: "SEV2" });
      expect(c.one("control_endpoints_failing", T0 + 52 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
      // /api/status failing does not make the rule unknown: it depends on /health/live only.
      expect(
        c
          .freshness("error", "/api/status")
          .freshness("ok", "/health/live")
          .one("control_endpoints_failing", T0 + M).state,
      ).toBe("critical");
    });

    /** The console's /api/status answer from T0+20 s on, and the bot's own responses to everyone. */
    function control(answer: number, others: { ok: number; refused: number }) {
      return bot()
        .hold(T0, T0 + 6 * M, "http_status", (t) => (t < T0 + 20 * S ? 200 : answer), {
          labels: { path: "/api/status" },
        })
        .hold(T0, T0 + 6 * M, "http_responses_total", (t) => ((t - T0) / 1000) * others.ok, {
          labels: { code: "200" },
          step: 5 * S,
        })
        .hold(
          T0,
          T0 + 6 * M,
          "http_responses_total",
          (t) => (t < T0 + 20 * S ? 0 : ((t - T0 - 20 * S) / 1000) * others.refused),
          { labels: { code: "401" }, step: 5 * S },
        );
    }
    it("the console's own credential refused while the bot serves other clients is a SEV2 warning, never the SEV1", () => {
      // The console's polls are its only refusals (0.5/s) against 2.4 2xx/s to other clients.
      const h = control(401, { ok: 2.4, refused: 0.5 });
      const f = h.one("control_endpoints_failing", T0 + 5 * M);
      expect(f).toMatchObject({ state: "warning", severity: "SEV2" });
      expect(f.summary).toMatch(/console's credential is refused/);
    });
    it("refusals for everyone (the bot's auth is down) are the SEV1", () => {
      const h = control(401, { ok: 0, refused: 12 });
      expect(h.one("control_endpoints_failing", T0 + 50 * S)).toMatchObject({
        state: "warning",
        severity: "SEV2",
        escalationDueAt: T0 + 50 * S,
      });
      expect(h.one("control_endpoints_failing", T0 + 52 * S)).toMatchObject({ state: "critical", severity: "SEV1" });
    });
    it("5xx and no answer at all count as failing endpoints, even while other clients get 2xx", () => {
      expect(control(503, { ok: 2.4, refused: 0 }).one("control_endpoints_failing", T0 + 52 * S)).toMatchObject({
        state: "critical",
        severity: "SEV1",
      });
      const silent = control(0, { ok: 2.4, refused: 0 }).one("control_endpoints_failing", T0 + 52 * S);
      expect(silent).toMatchObject({ state: "critical", severity: "SEV1" });
      expect(silent.summary).toMatch(/no answer/);
    });
  });
});
