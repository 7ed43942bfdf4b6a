import "server-only";
import { and, desc, eq, lte } from "drizzle-orm";
import type { Actor } from "../auth/roles";
import type { TargetConfig } from "../config/fleet";
import { getDb } from "../db";
import { findingTransitions } from "../db/schema";
import { NotFound } from "../errors";
import { FLAG_DEFAULTS, findingId } from "../rules";
import { SYSTEM_ENTITY } from "../telemetry/model";
import { readSources } from "../sources";
import type { PartStatus } from "../collector/collector";
import { buildChart, metricsOf, rollupAggFor, type ChartSpec } from "./charts";
import {
  findingHref,
  panelContext,
  type PanelContext,
  type PanelFinding,
  type PanelSystem,
  type RangeWindow,
} from "./context";
import type { LatestValue } from "./data";
import { episodes, RANGES, type Episode, type RangeKey, type ShapedChart } from "./shape";

// Trading-bot profiles (seeds 000, 001): the capital ledger per profile, its invariant, the parity
// heartbeat and integrity watchdog, and the seed 001 flags against their safe defaults.

export type InvariantState = "ok" | "violated" | "unknown";

export interface ProfileRow {
  system: string;
  systemLabel: string;
  profile: string;
  allocated: number | null;
  reservedForOrders: number | null;
  reservedForPositions: number | null;
  realizedPnl: number | null;
  available: number | null;
  invariant: InvariantState;
  tradingLoopHealthy: boolean | null;
  /** The bot's integrity watchdog (bot-wide): paused or running. */
  watchdog: "paused" | "running" | null;
  status: "active" | "inactive" | null;
  /** When these values were observed. */
  at?: number;
  /** False when the bot's source is not fresh: the values are the last known, not current. */
  fresh: boolean;
  /** Open findings about this profile, most urgent first. */
  findings: PanelFinding[];
}

export interface FlagRow {
  name: string;
  effective: number | boolean | null;
  seedDefault: number | boolean;
  safety: boolean;
  drift: boolean;
  finding?: PanelFinding;
  at?: number;
}

export interface WatchdogView {
  triggered: boolean | null;
  paused: boolean | null;
  since: number | null;
  sourceParity: boolean | null;
  cleanCycleStreak: number | null;
  lastResumeAt: number | null;
  autoResumeEnabled: boolean;
  minPauseMs: number;
  cleanCycles: number;
  cooldownMs: number;
  /** When the minimum pause ends (since + min pause). */
  minPauseEndsAt: number | null;
  /** When the cooldown since the last auto-resume ends. */
  cooldownEndsAt: number | null;
}

/** Where a bot's ledger is read from (its health document or Supabase) and how fresh that read is. */
export type LedgerSourceView = Pick<
  PartStatus,
  "adapter" | "adapterLabel" | "address" | "endpoint" | "freshness" | "lastSuccessAt" | "lastError"
>;

/** The ledger part of every trading bot, from the collector's status (freshness recomputed now). */
async function ledgerSources(): Promise<Map<string, LedgerSourceView>> {
  const out = new Map<string, LedgerSourceView>();
  for (const s of (await readSources()).sources) {
    const p = s.parts?.find((x) => x.part === "ledger");
    if (!p) continue;
    const view: LedgerSourceView = {
      adapter: p.adapter,
      adapterLabel: p.adapterLabel,
      address: p.address,
      endpoint: p.endpoint,
      freshness: p.freshness,
    };
    if (p.lastSuccessAt !== undefined) view.lastSuccessAt = p.lastSuccessAt;
    if (p.lastError) view.lastError = p.lastError;
    out.set(s.name, view);
  }
  return out;
}

export interface BotProfiles {
  system: PanelSystem;
  /** Where this bot's ledger comes from, with its freshness. */
  ledger?: LedgerSourceView;
  profiles: ProfileRow[];
  flags: FlagRow[];
  watchdog: WatchdogView;
  findings: PanelFinding[];
  error?: string;
}

type Latest = Map<string, LatestValue[]>;

function latestOf(all: Latest, metric: string, entity: string = SYSTEM_ENTITY): LatestValue | undefined {
  let best: LatestValue | undefined;
  for (const v of all.get(metric) ?? []) if (v.entity === entity && (!best || v.t > best.t)) best = v;
  return best;
}

function val(all: Latest, metric: string, entity?: string): number | null {
  return latestOf(all, metric, entity)?.v ?? null;
}

function bool(all: Latest, metric: string, entity?: string): boolean | null {
  const v = val(all, metric, entity);
  return v === null ? null : v === 1;
}

function profilesOf(all: Latest): string[] {
  const set = new Set<string>();
  for (const m of ["allocated", "available_capital", "capitalInvariantViolations"])
    for (const v of all.get(m) ?? []) if (v.entity !== SYSTEM_ENTITY) set.add(v.entity);
  return [...set].sort();
}

function flagValue(all: Latest, name: string): number | null {
  return val(all, `flag.${name}`);
}

function watchdogOf(all: Latest): WatchdogView {
  const f = (name: keyof typeof FLAG_DEFAULTS) => flagValue(all, name) ?? Number(FLAG_DEFAULTS[name].value);
  const since = val(all, "watchdog.since");
  const lastResumeAt = val(all, "watchdog.lastResumeAt");
  const paused = bool(all, "watchdog.paused");
  const minPauseMs = f("RECON_WATCHDOG_AUTO_RESUME_MIN_PAUSE_MS");
  const cooldownMs = f("RECON_WATCHDOG_AUTO_RESUME_COOLDOWN_MS");
  return {
    triggered: bool(all, "reconciliationIntegrityWatchdogTriggered"),
    paused,
    since: paused ? since : null,
    sourceParity: bool(all, "watchdog.sourceParity"),
    cleanCycleStreak: val(all, "watchdog.cleanCycleStreak"),
    lastResumeAt,
    autoResumeEnabled: f("ENABLE_RECON_WATCHDOG_AUTO_RESUME") === 1,
    minPauseMs,
    cleanCycles: f("RECON_WATCHDOG_AUTO_RESUME_CLEAN_CYCLES"),
    cooldownMs,
    minPauseEndsAt: paused && since !== null ? since + minPauseMs : null,
    cooldownEndsAt: lastResumeAt !== null ? lastResumeAt + cooldownMs : null,
  };
}

function flagsOf(ctx: PanelContext, target: TargetConfig, all: Latest): FlagRow[] {
  // The target may intend a different value (a feature_flag_drift override); that is its safe value.
  const params = ctx.params("feature_flag_drift", target);
  return (Object.keys(FLAG_DEFAULTS) as (keyof typeof FLAG_DEFAULTS)[]).map((name) => {
    const d = FLAG_DEFAULTS[name];
    const expected = (params[name] as number | boolean | undefined) ?? d.value;
    const cur = latestOf(all, `flag.${name}`);
    const effective = cur === undefined ? null : typeof d.value === "boolean" ? cur.v === 1 : cur.v;
    const want = typeof expected === "boolean" ? (expected ? 1 : 0) : expected;
    const drift = cur !== undefined && Math.abs(cur.v - want) >= 1e-9;
    const finding = ctx.finding("feature_flag_drift", target.name, name);
    return {
      name,
      effective,
      seedDefault: expected,
      safety: d.safety,
      drift,
      ...(finding ? { finding } : {}),
      ...(cur ? { at: cur.t } : {}),
    };
  });
}

function rowsOf(
  ctx: PanelContext,
  target: TargetConfig,
  system: PanelSystem,
  all: Latest,
  ledger?: LedgerSourceView,
): ProfileRow[] {
  // The ledger's own source must be fresh too (a failing Supabase read cannot show a holding invariant).
  const fresh = system.freshness === "ok" && (ledger === undefined || ledger.freshness === "ok");
  const paused = bool(all, "watchdog.paused");
  return profilesOf(all).map((profile) => {
    const available = val(all, "available_capital", profile);
    const flagged = val(all, "capitalInvariantViolations", profile);
    const violated = (available !== null && available < 0) || (flagged !== null && flagged > 0);
    const status = val(all, "status_active", profile);
    const at = latestOf(all, "available_capital", profile)?.t ?? latestOf(all, "allocated", profile)?.t;
    return {
      system: target.name,
      systemLabel: system.label,
      profile,
      allocated: val(all, "allocated", profile),
      reservedForOrders: val(all, "reserved_for_orders", profile),
      reservedForPositions: val(all, "reserved_for_positions", profile),
      realizedPnl: val(all, "realized_pnl", profile),
      available,
      // Old data cannot say the invariant holds: unknown unless the source is fresh.
      invariant: !fresh || (available === null && flagged === null) ? "unknown" : violated ? "violated" : "ok",
      tradingLoopHealthy: bool(all, "tradingLoopHealthy", profile),
      watchdog: paused === null ? null : paused ? "paused" : "running",
      status: status === null ? null : status === 1 ? "active" : "inactive",
      ...(at !== undefined ? { at } : {}),
      fresh,
      findings: ctx.findings((f) => f.system === target.name && f.entity === profile),
    };
  });
}

const EMPTY_WATCHDOG: WatchdogView = {
  triggered: null,
  paused: null,
  since: null,
  sourceParity: null,
  cleanCycleStreak: null,
  lastResumeAt: null,
  autoResumeEnabled: true,
  minPauseMs: 900_000,
  cleanCycles: 2,
  cooldownMs: 1_800_000,
  minPauseEndsAt: null,
  cooldownEndsAt: null,
};

/** Every profile of every trading bot, with its bot's watchdog and flags. */
export async function listProfiles(
  actor: Actor | null,
  now = Date.now(),
): Promise<{ bots: BotProfiles[]; now: number }> {
  const ctx = await panelContext(actor, now);
  const bots: BotProfiles[] = [];
  const ledgers = await ledgerSources();
  for (const target of ctx.targetsOf("trading-bot")) {
    const system = ctx.system(target);
    const findings = ctx.findings((f) => f.system === target.name && f.entity === SYSTEM_ENTITY);
    const ledger = ledgers.get(target.name);
    try {
      const all = await ctx.reader.latestAll(target.name);
      bots.push({
        system,
        ...(ledger ? { ledger } : {}),
        profiles: rowsOf(ctx, target, system, all, ledger),
        flags: flagsOf(ctx, target, all),
        watchdog: watchdogOf(all),
        findings,
      });
    } catch (err) {
      bots.push({
        system,
        ...(ledger ? { ledger } : {}),
        profiles: [],
        flags: [],
        watchdog: EMPTY_WATCHDOG,
        findings,
        error: (err as Error).message,
      });
    }
  }
  return { bots, now };
}

// ---------------------------------------------------------------- detail

export interface SliceRow {
  sliceId: string;
  symbol: string;
  state: string;
  attributed: boolean | null;
  confirmations: number;
  notionalUsd: number | null;
}

export interface ParityView {
  mismatchedSlices: number | null;
  quarantinedSlices: number | null;
  maxConfirmations: number | null;
  requiredConfirmations: number;
  slices: SliceRow[];
  /** Bot-wide counts from /internal/health. */
  mismatchTrades: number | null;
  quarantinedTrades: number | null;
  autoClosedTrades: number | null;
  dryRunWouldClose: number | null;
  maxNotionalUsd: number | null;
  totalNotionalUsd: number | null;
  /** This profile's open mismatch notional (sum of its slices). */
  profileNotionalUsd: number | null;
  maxNotionalPct: number;
  /** RECON_POSITION_PARITY_MAX_NOTIONAL_PCT × allocated: the watchdog trips above it. */
  thresholdUsd: number | null;
  requireAttribution: boolean;
  dryRun: boolean;
  heartbeatEnabled: boolean;
  findings: PanelFinding[];
}

export interface InvariantView {
  state: InvariantState;
  finding?: PanelFinding;
  violationSince: number | null;
  cyclesSince: number | null;
  maxCycles: number;
  maxMinutes: number;
  violationsTotal: number | null;
  episodes: Episode[];
  transitions: { from: string | null; to: string; severity: string; at: number; summary: string }[];
}

export interface LockView {
  held: boolean | null;
  since: number | null;
  contentionCount: number | null;
  findings: PanelFinding[];
}

export interface ProfileDetail {
  system: PanelSystem;
  ledger?: LedgerSourceView;
  row: ProfileRow;
  window: RangeWindow;
  charts: {
    ledger: ShapedChart;
    available: ShapedChart;
    parity: ShapedChart;
    parityCounts: ShapedChart;
    lock: ShapedChart;
  };
  invariant: InvariantView;
  parity: ParityView;
  watchdog: WatchdogView;
  lock: LockView;
  flags: FlagRow[];
  now: number;
}

function detailSpecs(
  profile: string,
  thresholdUsd: number | null,
  pct: number,
): Record<keyof ProfileDetail["charts"], ChartSpec> {
  const e = profile;
  return {
    ledger: {
      id: "ledger",
      title: "Ledger breakdown",
      unit: "USD",
      digits: 2,
      agg: "avg",
      series: [
        { label: "allocated", metric: "allocated", entity: e },
        { label: "reserved for orders", metric: "reserved_for_orders", entity: e },
        { label: "reserved for positions", metric: "reserved_for_positions", entity: e },
        { label: "realized PnL", metric: "realized_pnl", entity: e },
      ],
      notes: ["available capital = allocated − reserved_for_orders − reserved_for_positions + realized_pnl"],
    },
    available: {
      id: "available",
      title: "Available capital",
      unit: "USD",
      digits: 2,
      agg: "min",
      series: [{ label: "available capital", metric: "available_capital", entity: e }],
      thresholds: [{ value: 0, label: "0 — invariant: must not go below", kind: "zero" }],
      bands: [],
    },
    parity: {
      id: "parity-notional",
      title: "Parity mismatch notional against the watchdog threshold",
      unit: "USD",
      digits: 2,
      series: [
        { label: `${profile} mismatch notional`, metric: "parity.slice.mismatchNotionalUsd", entity: e },
        { label: "bot max mismatch", metric: "reconciliationParityMaxMismatchNotionalUsd" },
        { label: "bot total mismatch", metric: "reconciliationParityTotalMismatchNotionalUsd" },
      ],
      thresholds:
        thresholdUsd !== null
          ? [
              {
                value: thresholdUsd,
                label: `watchdog ${pct} × allocated = ${Math.round(thresholdUsd).toLocaleString("en-US")} USD`,
                kind: "critical",
              },
            ]
          : [],
    },
    parityCounts: {
      id: "parity-counts",
      title: "Parity slices and trades",
      unit: "",
      digits: 0,
      series: [
        { label: `${profile} mismatched slices`, metric: "parity.mismatchedSlices", entity: e },
        { label: `${profile} quarantined slices`, metric: "parity.quarantinedSlices", entity: e },
        { label: "bot mismatch trades", metric: "reconciliationParityMismatchTrades" },
        { label: "bot auto-closed trades", metric: "reconciliationParityAutoClosedTrades" },
      ],
      thresholds: [{ value: 0, label: "target 0", kind: "target" }],
    },
    lock: {
      id: "lock",
      title: "Reconciliation lock contention",
      unit: "",
      digits: 2,
      series: [
        {
          label: "skipped reconciliations per minute (lock contended)",
          metric: "reconciliation_lock_contention_total",
          entity: e,
          counter: true,
          scale: 60,
        },
        { label: "lock held by another worker (1 = yes)", metric: "reconciliationLock.held", entity: e },
      ],
    },
  };
}

export async function getProfileDetail(
  actor: Actor | null,
  systemName: string,
  profile: string,
  range: RangeKey,
  nowInput = Date.now(),
  /** A moment to replay the panel at (`?at=`): charts and the invariant's history end then. */
  at?: unknown,
): Promise<ProfileDetail> {
  const ctx = await panelContext(actor, nowInput, at);
  const now = ctx.now;
  const target = ctx.target(systemName);
  if (!target || target.kind !== "trading-bot") throw new NotFound(`No trading bot named ${systemName}.`);
  const system = ctx.system(target);
  const all = await ctx.reader.latestAll(target.name);
  const ledger = (await ledgerSources()).get(target.name);
  const row = rowsOf(ctx, target, system, all, ledger).find((r) => r.profile === profile);
  if (!row) throw new NotFound(`Trading bot ${systemName} reports no profile ${profile}.`);
  const window: RangeWindow = { range, from: now - RANGES[range], to: now };

  const pct =
    flagValue(all, "RECON_POSITION_PARITY_MAX_NOTIONAL_PCT") ??
    FLAG_DEFAULTS.RECON_POSITION_PARITY_MAX_NOTIONAL_PCT.value;
  const thresholdUsd = row.allocated !== null ? pct * row.allocated : null;
  const specs = detailSpecs(profile, thresholdUsd, pct);
  const list = Object.values(specs);
  const history = await ctx.reader.history(target.name, metricsOf(list), window.from, window.to, rollupAggFor(list));
  const charts = Object.fromEntries(
    Object.entries(specs).map(([k, s]) => [k, buildChart(s, history, window.from, window.to)]),
  ) as ProfileDetail["charts"];

  // Invariant: the capital_invariant finding carries the escalation time (3 cycles or 15 minutes).
  const inv = ctx.finding("capital_invariant", target.name, profile);
  const invParams = ctx.params("capital_invariant", target);
  const boardFinding = ctx.board.findings.find((f) => f.id === inv?.id);
  const cyclesEv = boardFinding?.evidence.values.find(
    (v) => v.label === "reconciliation cycles since violation",
  )?.value;
  const availPts = (history.get("available_capital") ?? [])
    .filter((s) => s.entity === profile)
    .flatMap((s) => s.points);
  const db = await getDb();
  const transitions = await db
    .select()
    .from(findingTransitions)
    .where(
      and(
        eq(findingTransitions.findingId, findingId("capital_invariant", target.name, profile)),
        eq(findingTransitions.kind, "state"),
        lte(findingTransitions.at, new Date(now)),
      ),
    )
    .orderBy(desc(findingTransitions.at))
    .limit(30);
  const invariant: InvariantView = {
    state: row.invariant,
    ...(inv ? { finding: inv } : {}),
    violationSince: row.invariant === "violated" ? (val(all, "violationSince", profile) ?? inv?.since ?? null) : null,
    cyclesSince: typeof cyclesEv === "number" ? cyclesEv : null,
    maxCycles: Number(invParams.maxCycles ?? 3),
    maxMinutes: Number(invParams.maxMinutes ?? 15),
    violationsTotal: val(all, "capitalInvariantViolationsTotal", profile),
    episodes: episodes(availPts, (v) => v < 0, "min", 5 * 60_000).reverse(),
    transitions: transitions.map((t) => ({
      from: t.fromState,
      to: t.toState,
      severity: t.severity,
      at: t.at.getTime(),
      summary: t.summary,
    })),
  };

  const sliceRows: SliceRow[] = [];
  const confs = (all.get("parity.slice.confirmations") ?? []).filter((v) => v.entity === profile);
  const newest = Math.max(-Infinity, ...confs.map((v) => v.t));
  const notionals = (all.get("parity.slice.mismatchNotionalUsd") ?? []).filter((v) => v.entity === profile);
  for (const c of confs.filter((v) => v.t >= newest - 1)) {
    const n = notionals.find((x) => x.labels.sliceId === c.labels.sliceId && x.t === c.t);
    sliceRows.push({
      sliceId: c.labels.sliceId ?? "?",
      symbol: c.labels.symbol ?? "?",
      state: c.labels.state ?? "?",
      attributed: c.labels.attributed === undefined ? null : c.labels.attributed === "true",
      confirmations: c.v,
      notionalUsd: n?.v ?? null,
    });
  }
  const required =
    val(all, "parity.requiredConfirmations", profile) ?? flagValue(all, "RECON_POSITION_PARITY_CONFIRMATIONS") ?? 3;
  const parity: ParityView = {
    mismatchedSlices: val(all, "parity.mismatchedSlices", profile),
    quarantinedSlices: val(all, "parity.quarantinedSlices", profile),
    maxConfirmations: val(all, "parity.maxConfirmations", profile),
    requiredConfirmations: required,
    slices: sliceRows.sort((a, b) => a.sliceId.localeCompare(b.sliceId)),
    mismatchTrades: val(all, "reconciliationParityMismatchTrades"),
    quarantinedTrades: val(all, "reconciliationParityQuarantinedTrades"),
    autoClosedTrades: val(all, "reconciliationParityAutoClosedTrades"),
    dryRunWouldClose: val(all, "reconciliationParityDryRunWouldClose"),
    maxNotionalUsd: val(all, "reconciliationParityMaxMismatchNotionalUsd"),
    totalNotionalUsd: val(all, "reconciliationParityTotalMismatchNotionalUsd"),
    profileNotionalUsd: sliceRows.length
      ? sliceRows.reduce((a, s) => a + (s.notionalUsd ?? 0), 0)
      : (charts.parity.latest[0] ?? null),
    maxNotionalPct: pct,
    thresholdUsd,
    requireAttribution: (flagValue(all, "RECON_POSITION_PARITY_REQUIRE_SUBTAG_ATTRIBUTION") ?? 1) === 1,
    dryRun: (flagValue(all, "RECON_POSITION_PARITY_DRY_RUN") ?? 0) === 1,
    heartbeatEnabled: (flagValue(all, "ENABLE_RECON_POSITION_PARITY_HEARTBEAT") ?? 1) === 1,
    findings: ctx.findings(
      (f) =>
        f.system === target.name &&
        ((["parity_mismatch", "parity_quarantined"].includes(f.ruleId) && f.entity === profile) ||
          ["integrity_watchdog", "auto_resume_blocked"].includes(f.ruleId)),
    ),
  };
  const lock: LockView = {
    held: bool(all, "reconciliationLock.held", profile),
    since: bool(all, "reconciliationLock.held", profile) ? val(all, "reconciliationLock.since", profile) : null,
    contentionCount: val(all, "lockContentionCount"),
    findings: ctx.findings(
      (f) =>
        f.system === target.name &&
        (f.ruleId === "lock_contention" ? f.entity === profile : f.ruleId === "reconciliation_loop"),
    ),
  };
  return {
    system,
    ...(ledger ? { ledger } : {}),
    row,
    window,
    charts,
    invariant,
    parity,
    watchdog: watchdogOf(all),
    lock,
    flags: flagsOf(ctx, target, all),
    now,
  };
}

export { findingHref };
