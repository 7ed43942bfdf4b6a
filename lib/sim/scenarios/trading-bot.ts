// Scenarios for the trading bot, one per playbook in seeds 000, 001 and 002.

import { defineScenario, type ScenarioRunContext } from "../core/system";
import { MINUTE, SECOND } from "../core/util";
import type { TradingBot } from "../systems/trading-bot";

function profileOf(sys: TradingBot, ctx: ScenarioRunContext, offset = 0): string {
  const given = ctx.options.profileId;
  if (typeof given === "string" && offset === 0) {
    sys.profile(given);
    return given;
  }
  return sys.firstProfileId(offset);
}

export const tradingBotScenarios = [
  defineScenario<TradingBot>({
    name: "capital-invariant-self-repair",
    kind: "trading-bot",
    seed: "000",
    playbook: "Capital invariant violation",
    description:
      "Stale reservations push a profile's available capital below zero; the first reconciliation cycle after 30 s rebuilds reservations from the exchange and the invariant self-repairs.",
    recovery: "self",
    recoveryNote: "Reconciliation recomputes reservations; trigger-reconciliation repairs it at once.",
    steps: [
      {
        at: 0,
        label: "Reservations that the exchange no longer backs are left on the profile ledger (available capital < 0).",
        run: (sys, ctx) => {
          const p = profileOf(sys, ctx);
          ctx.state.profileId = p;
          // Held for 30 s: the repair comes with the step below, wherever the cycle was.
          sys.injectStaleReservation(p, 1.25, 30 * SECOND);
        },
      },
      {
        at: 5 * SECOND,
        label:
          "Capital watchdog flags the violation: capital_invariant_violations_total{profile_id} +1, tradingLoopHealthy false for the profile, critical log with the negative delta.",
      },
      {
        at: 30 * SECOND,
        label:
          "The next reconciliation cycle from here on rebuilds reservations from exchange orders/positions; invariant restored, capitalInvariantViolations back to 0.",
      },
    ],
  }),
  defineScenario<TradingBot>({
    name: "capital-invariant-persistent",
    kind: "trading-bot",
    seed: "000",
    playbook: "Capital invariant violation (escalation)",
    description:
      "Real orders on the exchange over-commit the profile; reconciliation recomputes the same reservations, so the violation survives three cycles and 15 minutes.",
    recovery: "none",
    recoveryNote:
      "Escalate. pause-profile keeps new entries off the profile; stopping the scenario cancels the orders.",
    steps: [
      {
        at: 0,
        label: "Two orders that never fill commit 130% of the profile's allocation on the exchange.",
        run: (sys, ctx) => {
          const p = profileOf(sys, ctx);
          ctx.state.profileId = p;
          ctx.state.orderIds = sys.injectOverAllocation(p);
        },
      },
      { at: 5 * SECOND, label: "Capital watchdog flags the violation; the profile's trading loop stops entries." },
      {
        at: 90 * SECOND,
        label: "Three reconciliation cycles have run; the metric stays non-zero (escalation criterion).",
      },
      { at: 15 * MINUTE, label: "Still violated after 15 minutes (escalation criterion)." },
    ],
    stop: (sys, ctx) => {
      sys.cancelOrders((ctx.state.orderIds as string[] | undefined) ?? []);
      const p = ctx.state.profileId as string | undefined;
      if (p) sys.reconcileProfile(sys.profile(p));
      sys.capitalWatchdog();
    },
  }),
  defineScenario<TradingBot>({
    name: "capital-invariant-multi-profile",
    kind: "trading-bot",
    seed: "000",
    playbook: "Capital invariant violation (repeated across profiles)",
    description:
      "The capital watchdog logs violations on three different profiles within one hour; each self-repairs, but the pattern is an escalation criterion.",
    recovery: "self",
    recoveryNote: "Each violation self-repairs at the next reconciliation; the repetition needs escalation.",
    steps: [
      {
        at: 0,
        label: "Stale reservations on the first profile.",
        run: (sys) => void sys.injectStaleReservation(sys.firstProfileId(0)),
      },
      {
        at: 20 * MINUTE,
        label: "Stale reservations on the second profile.",
        run: (sys) => void sys.injectStaleReservation(sys.firstProfileId(1)),
      },
      {
        at: 40 * MINUTE,
        label: "Stale reservations on the third profile: three profiles violated within an hour.",
        run: (sys) => void sys.injectStaleReservation(sys.firstProfileId(2)),
      },
    ],
  }),
  defineScenario<TradingBot>({
    name: "reconciliation-divergence",
    kind: "trading-bot",
    seed: "001",
    playbook: "Reconciliation divergence",
    description:
      "The database drifts from the exchange: two orders the exchange does not have, one exchange order the database lacks, one fill the database missed. Lifecycle-safe handlers correct them in the next cycle.",
    recovery: "self",
    recoveryNote:
      "The next reconciliation cycle routes mismatches to reconcileEntryFill / reconcileCancel; the following cycle reports zero.",
    steps: [
      {
        at: 0,
        label: "Database and exchange diverge for the profile.",
        run: (sys, ctx) => sys.injectDivergence(profileOf(sys, ctx)),
      },
      {
        at: 30 * SECOND,
        label:
          "Reconciliation cycle: reconciliationMismatchCount 4 (missing from exchange 2, missing in DB 1, status 1); *_total counters rise.",
      },
      { at: 60 * SECOND, label: "Following cycle: reconciliationMismatchCount back to 0." },
    ],
  }),
  defineScenario<TradingBot>({
    name: "reconciliation-lock-contention",
    kind: "trading-bot",
    seed: "001",
    playbook: "Reconciliation lock contention",
    description:
      "A stuck worker holds a profile's reconciliation lock for 10 minutes while its reservations are stale; reconciliation skips the profile each cycle and trigger-reconciliation answers 409.",
    recovery: "self",
    recoveryNote: "The lock expires after 10 minutes; the next cycle repairs the profile.",
    steps: [
      {
        at: 0,
        label:
          "order-sync-worker takes the profile's reconciliation lock and stalls; stale reservations violate the capital invariant.",
        run: (sys, ctx) => {
          const p = profileOf(sys, ctx);
          ctx.state.profileId = p;
          sys.holdLock(p, "order-sync-worker (stalled)", 10 * MINUTE);
          sys.injectStaleReservation(p);
        },
      },
      { at: 30 * SECOND, label: "Cycle skips the profile: lockContentionCount +1." },
      { at: 60 * SECOND, label: "Second skipped cycle: reconciliationLoopHealthy false." },
      { at: 10 * MINUTE, label: "Lock released; the next cycle reconciles the profile and the invariant is restored." },
    ],
    stop: (sys, ctx) => {
      const p = ctx.state.profileId as string | undefined;
      if (p) sys.releaseLock(p);
    },
  }),
  defineScenario<TradingBot>({
    name: "parity-ghost-slice",
    kind: "trading-bot",
    seed: "001",
    playbook: "Parity heartbeat: ghost slice self-healing",
    description:
      "A lifecycle slice stays open in the bot while the exchange position is zero. The parity heartbeat confirms it on RECON_POSITION_PARITY_CONFIRMATIONS consecutive cycles, then applies a synthetic EXIT (or only observes in dry-run).",
    recovery: "self",
    recoveryNote: "Synthetic EXIT after the confirmations (not in dry-run mode).",
    steps: [
      {
        at: 0,
        label: "Attributed slice (5% of allocation) left open in the bot; exchange position is zero.",
        run: (sys, ctx) => {
          ctx.state.sliceId = sys.injectGhostSlice(profileOf(sys, ctx), { attributed: true, notionalFraction: 0.05 });
        },
      },
      { at: 30 * SECOND, label: "Confirmation 1: reconciliationParityMismatchTrades 1, mismatch notional reported." },
      { at: 60 * SECOND, label: "Confirmation 2." },
      {
        at: 90 * SECOND,
        label: "Confirmation 3: synthetic EXIT, reconciliationParityAutoClosedTrades +1, mismatch back to 0.",
      },
    ],
    stop: (sys, ctx) => void sys.slices.delete(ctx.state.sliceId as string),
  }),
  defineScenario<TradingBot>({
    name: "parity-unattributed-slice",
    kind: "trading-bot",
    seed: "001",
    playbook: "Parity heartbeat: unattributed slice quarantined",
    description:
      "A ghost slice without sub-tag attribution: with RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION it is quarantined, never synthetically closed.",
    recovery: "none",
    recoveryNote: "Operator review of the quarantined slice; stopping the scenario removes it.",
    steps: [
      {
        at: 0,
        label: "Slice without sub-tag left open in the bot; exchange position is zero.",
        run: (sys, ctx) => {
          ctx.state.sliceId = sys.injectGhostSlice(profileOf(sys, ctx), { attributed: false, notionalFraction: 0.04 });
        },
      },
      { at: 30 * SECOND, label: "First parity check quarantines it: reconciliationParityQuarantinedTrades 1." },
      {
        at: 5 * MINUTE,
        label: "Still quarantined, never auto-closed (reconciliationParityAutoClosedTrades unchanged).",
      },
    ],
    stop: (sys, ctx) => void sys.slices.delete(ctx.state.sliceId as string),
  }),
  defineScenario<TradingBot>({
    name: "parity-watchdog-trip",
    kind: "trading-bot",
    seed: "001",
    playbook: "Parity integrity watchdog: pause and auto-resume",
    description:
      "Ghost slices worth 60% of a profile's allocation exceed RECON_POSITION_PARITY_MAX_NOTIONAL_PCT; the integrity watchdog pauses trading. After synthetic exits, clean cycles and the minimum pause, trading auto-resumes.",
    recovery: "self",
    recoveryNote:
      "Auto-resume: pause source parity watchdog, RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS elapsed, CLEAN_CYCLES clean cycles, outside the cooldown.",
    steps: [
      {
        at: 0,
        label: "Two attributed ghost slices, 30% of the profile's allocation each.",
        run: (sys, ctx) => {
          const p = profileOf(sys, ctx);
          ctx.state.slices = [
            sys.injectGhostSlice(p, { attributed: true, notionalFraction: 0.3 }),
            sys.injectGhostSlice(p, { attributed: true, notionalFraction: 0.3, symbol: sys.profile(p).symbols.at(-1) }),
          ];
        },
      },
      {
        at: 30 * SECOND,
        label:
          "Watchdog trips: reconciliationIntegrityWatchdogTriggered true, watchdog.paused, source parity_watchdog; no new entries.",
      },
      {
        at: 90 * SECOND,
        label: "Third confirmation: synthetic exits; following cycles are clean (cleanCycleStreak counts up).",
      },
      {
        at: 15 * MINUTE + 30 * SECOND,
        label: "Minimum pause elapsed with a clean streak: trading auto-resumes, watchdog.lastResumeAt set.",
      },
    ],
    stop: (sys, ctx) => {
      for (const id of (ctx.state.slices as string[] | undefined) ?? []) sys.slices.delete(id);
    },
  }),
  defineScenario<TradingBot>({
    name: "ghost-position",
    kind: "trading-bot",
    seed: "002",
    playbook: "Ghost position (exchange open, bot closed)",
    description:
      "An exit order is rejected by the venue but the bot marks the trade closed; the exchange still holds the position. Reconciliation reports it every cycle and refuses to adopt it (NO_GO).",
    recovery: "control",
    recoveryNote:
      "pause-profile (stop entries), quarantine-order for the stuck exit; the operator closes the position on the exchange (stopping the scenario).",
    steps: [
      {
        at: 0,
        label:
          "Exchange position open for the profile; the bot shows no open position; the exit order stays pending_new.",
        run: (sys, ctx) => {
          const p = profileOf(sys, ctx);
          ctx.state.profileId = p;
          Object.assign(ctx.state, sys.injectGhostPosition(p));
          const o = sys.orders.get(ctx.state.exitOrderId as string);
          if (o) o.createdAt = o.updatedAt = sys.clock.now() - MINUTE;
        },
      },
      {
        at: 30 * SECOND,
        label:
          "Reconciliation: reconciliationMissingInDb 1 and a NO_GO entry every cycle; positions.exchange has an entry with trackedByBot false.",
      },
      {
        at: 5 * MINUTE,
        label: "Order sync marks the exit order rejected; the position is still unmatched (quarantine the order).",
      },
    ],
    stop: (sys, ctx) => sys.removeExchangePosition(ctx.state.sliceId as string),
  }),
  defineScenario<TradingBot>({
    name: "stale-pending-orders",
    kind: "trading-bot",
    seed: "002",
    playbook: "Stale pending orders",
    description:
      "The venue stops acknowledging orders for two profiles: pending_new orders pile up past the SLA (backlog over 20 for more than 15 minutes, across profiles); three orders over 24 h old and missing on the exchange are turned unknown (quarantined).",
    recovery: "self",
    recoveryNote:
      "The venue recovers after 25 minutes and rejects the stuck orders; order sync clears the backlog. quarantine-order quarantines one order by hand.",
    steps: [
      {
        at: 0,
        label: "Venue acknowledgements stop for two profiles; three 26-hour-old pending orders sit in the database.",
        run: (sys, ctx) => {
          const a = sys.firstProfileId(0);
          const b = sys.firstProfileId(1);
          ctx.state.profiles = [a, b];
          sys.ackOutage.add(a);
          sys.ackOutage.add(b);
          ctx.state.ancient = sys.injectAncientOrders(a, 3);
        },
      },
      { at: 60 * SECOND, label: "Order sync marks the three old orders unknown: quarantinedOrders lists them." },
      { at: 8 * MINUTE, label: "staleOrders.backlog above 20, spread over both profiles; oldestAgeSeconds climbing." },
      {
        at: 25 * MINUTE,
        label: "Venue recovers and rejects the queued orders; the next order sync clears the backlog.",
        run: (sys, ctx) => {
          const ps = (ctx.state.profiles as string[]) ?? [];
          for (const p of ps) sys.ackOutage.delete(p);
          sys.venueRejectUnacked(ps);
        },
      },
    ],
    stop: (sys, ctx) => {
      const ps = (ctx.state.profiles as string[]) ?? [];
      for (const p of ps) sys.ackOutage.delete(p);
      sys.venueRejectUnacked(ps);
    },
  }),
  defineScenario<TradingBot>({
    name: "auth-failure-spike",
    kind: "trading-bot",
    seed: "002",
    playbook: "Auth failures (API/WebSocket)",
    description:
      "Supabase auth becomes unreachable: 401/403 responses and websocket auth rejections spike, /health/ready answers 503 with degraded fields, and every control endpoint fails even with the right credential.",
    recovery: "self",
    recoveryNote:
      "After 10 minutes credentials/config are fixed and the service restarted: /health/ready 200 and controls accept again.",
    steps: [
      {
        at: 0,
        label: "Supabase auth unreachable; JWT verification fails.",
        run: (sys) => void (sys.supabaseDown = true),
      },
      {
        at: 10 * SECOND,
        label:
          'http_responses_total{code="401"|"403"} and websocket_auth_rejections_total climbing; /api/status and /control/* answer 401.',
      },
      {
        at: 10 * MINUTE,
        label: "Auth restored: /health/live 200, /health/ready 200, authenticated /api/status 200.",
        run: (sys) => void (sys.supabaseDown = false),
      },
    ],
    stop: (sys) => void (sys.supabaseDown = false),
  }),
  defineScenario<TradingBot>({
    name: "stale-unknown-fills",
    kind: "trading-bot",
    seed: "001",
    playbook: "Reconciliation divergence",
    description:
      "After reconciliation the exchange still reports fills the bot cannot attach: one with no attribution (no sub_tag, client order id or trade id: unknown) and one that predates its lifecycle slice beyond the 5-minute fill grace (stale). With heuristic matching off they are left for the operator; reconciliationStaleFills / reconciliationUnknownFills and reconciliationUnattributedFills on /internal/health show them after each run.",
    recovery: "control",
    recoveryNote:
      "Escalate to the trading engineering lead (reconciliation and lifecycle-incident runbooks); stopping the scenario stands for the fills being resolved by hand.",
    steps: [
      {
        at: 0,
        label: "An exchange fill without attribution (unknown fill).",
        run: (sys) => {
          const p = [...sys.profiles.values()][0]!;
          sys.strayFills.push({
            fillId: "fill-unknown-1",
            profileId: null,
            symbol: p.symbols[0]!,
            at: sys.clock.now(),
            reason: "unknown_fill",
          });
        },
      },
      {
        at: 30 * SECOND,
        label: "A fill 40 minutes older than its lifecycle slice (stale fill).",
        run: (sys) => {
          const p = [...sys.profiles.values()][1] ?? [...sys.profiles.values()][0]!;
          sys.strayFills.push({
            fillId: "fill-stale-1",
            profileId: p.id,
            symbol: p.symbols[0]!,
            at: sys.clock.now() - 40 * MINUTE,
            reason: "stale_fill",
          });
        },
      },
    ],
    stop: (sys) => void sys.strayFills.splice(0),
  }),
];
