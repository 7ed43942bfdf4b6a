// Simulated futures bot (seed 003): a position registry against exchange positions, a trading
// cycle with a margin kill switch, an API circuit breaker, periodic reconciliation and registry
// audits, all reported as NDJSON log records (pulled from /logs or pushed to the console).

import { createHash } from "node:crypto";
import { z } from "zod";
import type { SystemKind } from "@/lib/telemetry/model";
import type { FuturesBotConfig } from "../config";
import { accepted, rejected, type ControlOutcome } from "../core/control";
import { NDJSON_TYPE, json, type SimResponse } from "../core/http";
import { SimSystem, type SystemContext } from "../core/system";
import { PriceBook, SECOND, round2, round4, round6 } from "../core/util";
import { IngestPusher, type IngestTarget } from "../ingest";
import { LogFileWriter, type LogFileFormat } from "../log-file";

export const FUTURES_LOG_KINDS = [
  "CYCLE_SUMMARY",
  "DECISION_TRACE",
  "KILL_SWITCH_ACTIVATED",
  "KILL_SWITCH_CLEARED",
  "INVARIANT_VIOLATION",
  "ORDER_REJECTED_BY_VENUE",
  "API_CIRCUIT_BREAKER_OPENED",
  "API_CIRCUIT_BREAKER_CLOSED",
  "THRESHOLD_MISMATCH",
  "REGISTRY_AUDIT_REPORT",
  "RECONCILIATION_REPORT",
  "RECOVERY_MERGE_COLLISION",
  "CORRUPTED_POSITION",
] as const;
export type FuturesLogKind = (typeof FUTURES_LOG_KINDS)[number];

export interface LogRecord {
  id: string;
  system: string;
  kind: FuturesLogKind;
  ts: string;
  fields: Record<string, unknown>;
}

export interface RegistryPosition {
  positionId: string;
  symbol: string;
  side: "long" | "short";
  qty: number;
  entryPrice: number;
  slOrderId: string | null;
  tpOrderId: string | null;
  openedAt: number;
  /** Held by a scenario: the trading loop leaves it alone. */
  pinned: boolean;
}

interface ExchangePosition {
  symbol: string;
  side: "long" | "short";
  qty: number;
  entryPrice: number;
  pinned: boolean;
}

interface ExchangeOrder {
  orderId: string;
  symbol: string;
  type: "stop_loss" | "take_profit";
  triggerPrice: number;
}

interface PlanAction {
  action: string;
  symbol: string;
  [k: string]: unknown;
}

const LEVERAGE = 4;
const API_FAILURES_TO_OPEN = 3;
const CIRCUIT_PROBE_MS = 60 * SECOND;

export class FuturesBot extends SimSystem {
  readonly kind: SystemKind = "futures-bot";
  readonly cfg: FuturesBotConfig;
  readonly registry = new Map<string, RegistryPosition>();
  readonly exchangePositions = new Map<string, ExchangePosition>();
  readonly exchangeOrders = new Map<string, ExchangeOrder>();
  readonly prices: PriceBook;
  status: "running" | "stopped" = "running";
  killSwitch: { active: boolean; reason: string | null; since: number | null } = {
    active: false,
    reason: null,
    since: null,
  };
  circuit: {
    state: "closed" | "open" | "half_open";
    openedAt: number | null;
    nextProbeAt: number | null;
    consecutiveFailures: number;
  } = {
    state: "closed",
    openedAt: null,
    nextProbeAt: null,
    consecutiveFailures: 0,
  };
  realizedPnl = 0;
  marginUtilPct = 0;
  /** Scenario-driven extra margin usage (percentage points). */
  marginExtraPct = 0;
  apiOutage = false;
  /** Symbols whose registry quantity keeps drifting from the exchange (symbol format drift). */
  readonly qtyDrift = new Set<string>();
  dedupePressure = false;
  corruption = { duplicateActiveSymbolKeys: 0, nonTerminalInClosedHistory: 0, remainingQtyViolations: 0 };
  private readonly seenAdjustments = new Set<string>();
  private records: LogRecord[] = [];
  private seq = 0;
  private idSeq = 0;
  private cycle = 0;
  private lastCycleAt: number | null = null;
  private pusher: IngestPusher | null = null;
  private logFile: LogFileWriter | null = null;

  constructor(ctx: SystemContext, cfg: FuturesBotConfig, ingest?: IngestTarget & { retryBaseMs?: number }) {
    super(ctx);
    this.cfg = cfg;
    this.prices = new PriceBook(this.rng.fork("prices"), 0.003);
    for (const c of cfg.coins) this.prices.get(c);
    if (ingest) this.pusher = new IngestPusher({ ...ingest, batchSize: cfg.ingestBatchSize });
    if (cfg.logFile) this.logFile = new LogFileWriter(cfg.logFile.path, cfg.logFile.format);
    this.registerRoutes();
    this.registerControls();
  }

  /** Starts (or, with null, stops) writing every record to a log file, as a Python bot would. */
  writeLogFile(file: { path: string; format: LogFileFormat } | null): void {
    this.logFile = file ? new LogFileWriter(file.path, file.format) : null;
  }

  get logFileInfo(): { path: string; format: LogFileFormat; written: number } | null {
    return this.logFile
      ? { path: this.logFile.path, format: this.logFile.format, written: this.logFile.written }
      : null;
  }

  start(): void {
    this.emitAudit("startup");
    this.clock.every(this.cfg.cycleIntervalSeconds * SECOND, () => this.tradingCycle());
    this.clock.every(10 * SECOND, () => this.apiHeartbeat());
    this.clock.every(this.cfg.reconciliationIntervalSeconds * SECOND, () => this.reconcile());
    this.clock.every(this.cfg.registryAuditIntervalSeconds * SECOND, () => {
      if (this.status === "running") this.emitAudit("periodic");
    });
  }

  get ingest(): IngestPusher | null {
    return this.pusher;
  }

  stopIngest(): void {
    this.pusher?.stop();
  }

  protected override onRestart(): void {
    this.status = "running";
    this.killSwitch = { active: false, reason: null, since: null };
    this.seenAdjustments.clear();
    const audit = this.emitAudit("restart");
    // Startup fails fast on a dirty registry (seed 003: keep the service stopped).
    if ((audit.fields.violations_total as number) > 0) this.status = "stopped";
  }

  nextId(prefix: string): string {
    this.idSeq++;
    return `${prefix}-${this.idSeq.toString().padStart(5, "0")}${this.rng.hex(4)}`;
  }

  emit(kind: FuturesLogKind, fields: Record<string, unknown>): LogRecord {
    this.seq++;
    const rec: LogRecord = {
      id: `${this.name}-${this.seq.toString().padStart(8, "0")}`,
      system: this.name,
      kind,
      ts: this.iso(),
      fields,
    };
    this.records.push(rec);
    if (this.records.length > this.cfg.logRetention)
      this.records.splice(0, this.records.length - this.cfg.logRetention);
    this.pusher?.enqueue([JSON.stringify(rec)]);
    this.logFile?.write(rec);
    return rec;
  }

  logs(): LogRecord[] {
    return this.records;
  }

  // ---------------------------------------------------------------- loops

  private exposureUsd(): number {
    let total = 0;
    for (const p of this.exchangePositions.values()) total += p.qty * this.prices.get(p.symbol);
    return total;
  }

  private unrealizedUsd(): number {
    let total = 0;
    for (const p of this.exchangePositions.values()) {
      const d = this.prices.get(p.symbol) - p.entryPrice;
      total += (p.side === "long" ? d : -d) * p.qty;
    }
    return total;
  }

  equityUsd(): number {
    return this.cfg.startingEquityUsd + this.realizedPnl + this.unrealizedUsd();
  }

  private tradingCycle(): void {
    if (this.status !== "running") return;
    const started = this.clock.now();
    this.cycle++;
    this.prices.step();
    const equity = this.equityUsd();
    this.marginUtilPct = round2(
      Math.max(0, (this.exposureUsd() / (equity * LEVERAGE)) * 100 + this.marginExtraPct + this.rng.normal(0, 0.8)),
    );
    const limit = this.cfg.maxMarginUtilizationPct;
    if (!this.killSwitch.active && this.marginUtilPct > limit) {
      this.activateKill("margin_critical", {
        auction_max_margin_util: this.marginUtilPct,
        max_margin_utilization_pct: limit,
      });
    } else if (
      this.killSwitch.active &&
      this.killSwitch.reason === "margin_critical" &&
      this.marginUtilPct < limit - 5
    ) {
      this.emit("KILL_SWITCH_CLEARED", {
        reason: "margin_critical",
        auction_max_margin_util: this.marginUtilPct,
        max_margin_utilization_pct: limit,
      });
      this.killSwitch = { active: false, reason: null, since: null };
    }
    const trading = !this.killSwitch.active && this.circuit.state === "closed";
    for (const coin of this.cfg.coins) {
      const score = round4(this.rng.normal(0, 1));
      const held = this.registry.get(coin);
      let action = "hold";
      if (trading && !held && !this.exchangePositions.has(coin) && score > 1.6 && this.registry.size < 4)
        action = "open";
      else if (trading && held && !held.pinned && this.exchangePositions.has(coin) && Math.abs(score) > 1.9)
        action = "close";
      this.emit("DECISION_TRACE", {
        symbol: coin,
        signal: score > 0.5 ? "long" : score < -0.5 ? "short" : "flat",
        score,
        action,
        reason: !trading
          ? this.killSwitch.active
            ? "kill_switch_active"
            : "circuit_breaker_open"
          : action === "hold"
            ? "below_threshold"
            : "signal",
      });
      if (action === "open") this.open(coin, score > 0 ? "long" : "short");
      if (action === "close" && held) this.close(held);
    }
    this.lastCycleAt = started;
    this.emit("CYCLE_SUMMARY", {
      cycle: this.cycle,
      duration_ms: Math.round(this.rng.logNormal(420, 0.3)),
      positions: this.registry.size,
      equity_usd: round2(this.equityUsd()),
      auction_max_margin_util: this.marginUtilPct,
      max_margin_utilization_pct: limit,
      state: this.killSwitch.active ? "halted" : this.circuit.state === "closed" ? "trading" : "degraded",
    });
  }

  open(
    symbol: string,
    side: "long" | "short",
    opts: { qty?: number; pinned?: boolean; withStops?: boolean } = {},
  ): RegistryPosition | null {
    const price = this.prices.get(symbol);
    if (!opts.pinned && this.rng.chance(0.04)) {
      this.emit("ORDER_REJECTED_BY_VENUE", {
        symbol,
        side,
        reason: this.rng.pick(["insufficientAvailableFunds", "postWouldExecute", "marketSuspended"]),
        venue: "kraken-futures",
      });
      return null;
    }
    const qty = opts.qty ?? round6((this.equityUsd() * this.rng.float(0.15, 0.35)) / price);
    this.exchangePositions.set(symbol, { symbol, side, qty, entryPrice: price, pinned: opts.pinned ?? false });
    const pos: RegistryPosition = {
      positionId: this.nextId("pos"),
      symbol,
      side,
      qty,
      entryPrice: price,
      slOrderId: null,
      tpOrderId: null,
      openedAt: this.clock.now(),
      pinned: opts.pinned ?? false,
    };
    if (opts.withStops ?? true) {
      pos.slOrderId = this.placeStop(symbol, "stop_loss", side === "long" ? price * 0.95 : price * 1.05);
      pos.tpOrderId = this.placeStop(symbol, "take_profit", side === "long" ? price * 1.08 : price * 0.92);
    }
    this.registry.set(symbol, pos);
    return pos;
  }

  placeStop(symbol: string, type: ExchangeOrder["type"], triggerPrice: number): string {
    const orderId = this.nextId(type === "stop_loss" ? "sl" : "tp");
    this.exchangeOrders.set(orderId, { orderId, symbol, type, triggerPrice: round2(triggerPrice) });
    return orderId;
  }

  private close(pos: RegistryPosition): void {
    const x = this.exchangePositions.get(pos.symbol);
    if (x) {
      const d = this.prices.get(pos.symbol) - x.entryPrice;
      this.realizedPnl += (x.side === "long" ? d : -d) * x.qty - x.qty * x.entryPrice * 0.0005;
      this.exchangePositions.delete(pos.symbol);
    }
    for (const o of [...this.exchangeOrders.values()])
      if (o.symbol === pos.symbol) this.exchangeOrders.delete(o.orderId);
    this.registry.delete(pos.symbol);
  }

  activateKill(reason: string, fields: Record<string, unknown> = {}): void {
    this.killSwitch = { active: true, reason, since: this.clock.now() };
    this.emit("KILL_SWITCH_ACTIVATED", { reason, ...fields });
  }

  private apiHeartbeat(): void {
    if (this.status !== "running") return;
    const now = this.clock.now();
    const c = this.circuit;
    if (c.state === "closed") {
      if (this.apiOutage) {
        c.consecutiveFailures++;
        if (c.consecutiveFailures >= API_FAILURES_TO_OPEN) this.openCircuit(false);
      } else {
        c.consecutiveFailures = 0;
      }
      return;
    }
    if (c.nextProbeAt !== null && now >= c.nextProbeAt) {
      if (this.apiOutage) {
        c.consecutiveFailures++;
        this.openCircuit(true);
      } else {
        this.emit("API_CIRCUIT_BREAKER_CLOSED", {
          message: "API circuit breaker CLOSED",
          open_for_s: Math.round((now - (c.openedAt ?? now)) / 1000),
        });
        this.circuit = { state: "closed", openedAt: null, nextProbeAt: null, consecutiveFailures: 0 };
      }
    }
  }

  private openCircuit(afterProbe: boolean): void {
    const now = this.clock.now();
    this.circuit = {
      state: "open",
      openedAt: afterProbe ? (this.circuit.openedAt ?? now) : now,
      nextProbeAt: now + CIRCUIT_PROBE_MS,
      consecutiveFailures: this.circuit.consecutiveFailures,
    };
    this.emit("API_CIRCUIT_BREAKER_OPENED", {
      message: "API circuit breaker OPENED",
      consecutive_failures: this.circuit.consecutiveFailures,
      retry_in_s: CIRCUIT_PROBE_MS / 1000,
      probe_failed: afterProbe,
    });
  }

  private reconcile(): void {
    if (this.status !== "running") return;
    let orphaned = 0;
    let phantom = 0;
    let qtyMismatch = 0;
    let qtySynced = 0;
    const issues: Record<string, unknown>[] = [];
    const adjustments: string[] = [];
    for (const x of this.exchangePositions.values()) {
      if (!this.registry.has(x.symbol)) {
        orphaned++;
        adjustments.push(`orphan:${x.symbol}`);
        issues.push({ type: "ORPHANED", symbol: x.symbol, exchange_qty: x.qty });
      }
    }
    for (const p of this.registry.values()) {
      const x = this.exchangePositions.get(p.symbol);
      if (!x) {
        phantom++;
        adjustments.push(`phantom:${p.symbol}`);
        issues.push({ type: "PHANTOM", symbol: p.symbol, registry_qty: p.qty });
        continue;
      }
      if (this.qtyDrift.has(p.symbol)) {
        qtyMismatch++;
        qtySynced++;
        adjustments.push(`qty:${p.symbol}`);
        issues.push({
          type: "QTY_SYNCED",
          symbol: p.symbol,
          registry_qty: p.qty,
          exchange_qty: x.qty,
          exchange_symbol: p.symbol
            .replace(/^PF_XBT/, "BTC/")
            .replace(/^PF_/, "")
            .replace(/USD$/, "/USD:USD"),
        });
        continue;
      }
      if (Math.abs(p.qty - x.qty) > 1e-9) {
        qtyMismatch++;
        qtySynced++;
        adjustments.push(`qty:${p.symbol}:${x.qty}`);
        issues.push({ type: "QTY_SYNCED", symbol: p.symbol, registry_qty: p.qty, exchange_qty: x.qty });
        p.qty = x.qty;
      }
    }
    // Occasional partial fill the registry learns late: synced in the same cycle.
    if (this.registry.size > 0 && this.rng.chance(0.03)) {
      qtyMismatch++;
      qtySynced++;
      adjustments.push(`qty-partial:${this.cycle}`);
    }
    const pendingAdopted = this.rng.chance(0.02) ? 1 : 0;
    let logged = 0;
    let deduped = 0;
    for (const a of adjustments) {
      if (this.seenAdjustments.has(a)) deduped++;
      else {
        this.seenAdjustments.add(a);
        logged++;
      }
    }
    logged += pendingAdopted;
    if (this.dedupePressure) {
      deduped += this.rng.int(30, 60);
      logged += this.rng.chance(0.3) ? 1 : 0;
    }
    this.emit("RECONCILIATION_REPORT", {
      orphaned,
      phantom,
      qty_mismatch: qtyMismatch,
      qty_synced: qtySynced,
      pending_adopted: pendingAdopted,
      state_adjustments_deduped: deduped,
      state_adjustments_logged: logged,
      issues,
    });
  }

  emitAudit(trigger: "startup" | "restart" | "periodic"): LogRecord {
    const c = this.corruption;
    const violations = c.duplicateActiveSymbolKeys + c.nonTerminalInClosedHistory + c.remainingQtyViolations;
    return this.emit("REGISTRY_AUDIT_REPORT", {
      trigger,
      violations_total: violations,
      duplicate_active_symbol_keys: c.duplicateActiveSymbolKeys,
      non_terminal_in_closed_history: c.nonTerminalInClosedHistory,
      remaining_qty_violations: c.remainingQtyViolations,
      positions_checked: this.registry.size,
    });
  }

  // ---------------------------------------------------------------- plans (dry-run first, execute second)

  private planId(tool: string, actions: PlanAction[]): string {
    return `plan-${createHash("sha256")
      .update(`${this.name}/${tool}/${JSON.stringify(actions)}`)
      .digest("hex")
      .slice(0, 16)}`;
  }

  syncPlan(): PlanAction[] {
    const actions: PlanAction[] = [];
    for (const x of this.exchangePositions.values()) {
      if (!this.registry.has(x.symbol))
        actions.push({
          action: "import_position",
          symbol: x.symbol,
          side: x.side,
          qty: x.qty,
          entryPrice: round2(x.entryPrice),
          placeStopLoss: true,
        });
    }
    for (const p of this.registry.values()) {
      const x = this.exchangePositions.get(p.symbol);
      if (!x) actions.push({ action: "close_registry_entry", symbol: p.symbol, positionId: p.positionId });
      else if (this.qtyDrift.has(p.symbol))
        actions.push({
          action: "manual_review",
          symbol: p.symbol,
          positionId: p.positionId,
          note: "symbol format drift between registry and exchange; not changed",
        });
      else if (Math.abs(p.qty - x.qty) > 1e-9)
        actions.push({ action: "sync_qty", symbol: p.symbol, positionId: p.positionId, from: p.qty, to: x.qty });
    }
    return actions;
  }

  slPlan(): PlanAction[] {
    const actions: PlanAction[] = [];
    for (const p of this.registry.values()) {
      if (p.slOrderId && this.exchangeOrders.has(p.slOrderId)) continue;
      const found = [...this.exchangeOrders.values()].find((o) => o.symbol === p.symbol && o.type === "stop_loss");
      if (found)
        actions.push({
          action: "recover_sl_order_id",
          symbol: p.symbol,
          positionId: p.positionId,
          slOrderId: found.orderId,
        });
      else actions.push({ action: "place_stop_loss", symbol: p.symbol, positionId: p.positionId });
    }
    return actions;
  }

  private runPlan(
    tool: string,
    actions: PlanAction[],
    params: { execute: boolean; planId?: string },
    apply: () => number,
  ): ControlOutcome {
    const id = this.planId(tool, actions);
    if (!params.execute) return accepted(tool, this.iso(), { dryRun: true, planId: id, actions });
    if (!params.planId)
      return rejected(400, "missing_field", "params.planId is required with execute: true (run a dry-run first)", {
        field: "params.planId",
      });
    if (params.planId !== id)
      return rejected(409, "stale_plan", `plan ${params.planId} no longer matches the registry; dry-run again`, {
        currentPlanId: id,
        actions,
      });
    const applied = apply();
    return accepted(tool, this.iso(), { dryRun: false, executed: true, planId: id, applied, actions });
  }

  // ---------------------------------------------------------------- HTTP

  statusBody(): Record<string, unknown> {
    const limit = this.cfg.maxMarginUtilizationPct;
    return {
      system: this.name,
      kind: this.kind,
      simulated: true,
      time: this.iso(),
      status: this.status === "stopped" ? "stopped" : this.killSwitch.active ? "halted" : "running",
      cycle: this.cycle,
      lastCycleAt: this.lastCycleAt === null ? null : this.iso(this.lastCycleAt),
      positions: this.registry.size,
      equityUsd: round2(this.equityUsd()),
      realizedPnlUsd: round2(this.realizedPnl),
      marginUtilization: {
        auction_max_margin_util: this.marginUtilPct,
        max_margin_utilization_pct: limit,
        breached: this.marginUtilPct > limit,
      },
      killSwitch: {
        active: this.killSwitch.active,
        reason: this.killSwitch.reason,
        since: this.killSwitch.since === null ? null : this.iso(this.killSwitch.since),
      },
      circuitBreaker: {
        state: this.circuit.state,
        openedAt: this.circuit.openedAt === null ? null : this.iso(this.circuit.openedAt),
        nextProbeAt: this.circuit.nextProbeAt === null ? null : this.iso(this.circuit.nextProbeAt),
        consecutiveFailures: this.circuit.consecutiveFailures,
      },
      ingest: this.pusher ? { ...this.pusher.stats } : null,
    };
  }

  positionsBody(): Record<string, unknown> {
    const positions = [...this.registry.values()].map((p) => {
      const x = this.exchangePositions.get(p.symbol);
      const mark = this.prices.get(p.symbol);
      return {
        positionId: p.positionId,
        symbol: p.symbol,
        side: p.side,
        qty: p.qty,
        entryPrice: round2(p.entryPrice),
        markPrice: round2(mark),
        unrealizedPnlUsd: round2((p.side === "long" ? mark - p.entryPrice : p.entryPrice - mark) * p.qty),
        slOrderId: p.slOrderId,
        tpOrderId: p.tpOrderId,
        onExchange: Boolean(x),
        exchangeQty: x?.qty ?? 0,
      };
    });
    const untracked = [...this.exchangePositions.values()]
      .filter((x) => !this.registry.has(x.symbol))
      .map((x) => ({ symbol: x.symbol, side: x.side, qty: x.qty, entryPrice: round2(x.entryPrice) }));
    const count = (pred: (p: (typeof positions)[number]) => boolean) => positions.filter(pred).length;
    return {
      system: this.name,
      time: this.iso(),
      positions,
      untracked,
      coverage: {
        stopLoss: { covered: count((p) => p.slOrderId !== null), missing: count((p) => p.slOrderId === null) },
        takeProfit: { covered: count((p) => p.tpOrderId !== null), missing: count((p) => p.tpOrderId === null) },
      },
    };
  }

  private logsResponse(after: string | null, limitRaw: string | null): SimResponse {
    const limit = Math.min(5000, Math.max(1, Number(limitRaw ?? 500) || 500));
    let afterSeq = 0;
    if (after) {
      const m = /(\d+)$/.exec(after);
      if (!m) return json(400, { error: "invalid_cursor", message: "cursor must be a record id or sequence number" });
      afterSeq = Number(m[1]);
    }
    const seqOf = (r: LogRecord) => Number(r.id.slice(r.id.lastIndexOf("-") + 1));
    const firstSeq = this.records[0] ? seqOf(this.records[0]) : this.seq + 1;
    const out = this.records.filter((r) => seqOf(r) > afterSeq).slice(0, limit);
    const last = out[out.length - 1];
    const next = last ? last.id : (after ?? `${this.name}-${this.seq.toString().padStart(8, "0")}`);
    return {
      status: 200,
      contentType: NDJSON_TYPE,
      body: out.map((r) => JSON.stringify(r)).join("\n") + (out.length ? "\n" : ""),
      headers: {
        "x-next-cursor": next,
        "x-has-more": String(out.length === limit && last !== undefined && seqOf(last) < this.seq),
        ...(afterSeq > 0 && afterSeq + 1 < firstSeq ? { "x-cursor-gap": "true" } : {}),
      },
    };
  }

  private registerRoutes(): void {
    this.route("GET", "/status", () => json(200, this.statusBody()));
    this.route("GET", "/positions", () => json(200, this.positionsBody()));
    this.route("GET", "/logs", (req) => this.logsResponse(req.query.get("after"), req.query.get("limit")));
    this.route("GET", "/health/live", () => json(200, { status: "live", time: this.iso() }));
  }

  private registerControls(): void {
    const PlanParams = z.object({ execute: z.boolean().default(false), planId: z.string().min(1).optional() }).strict();
    this.controls.register({
      name: "sync-positions",
      description: "Sync exchange positions into the registry (dry-run plan; execute with its planId).",
      params: PlanParams,
      run: (params) => {
        const actions = this.syncPlan();
        return this.runPlan("sync-positions", actions, params, () => {
          let n = 0;
          for (const a of actions) {
            if (a.action === "import_position") {
              const x = this.exchangePositions.get(a.symbol);
              if (!x) continue;
              this.registry.set(a.symbol, {
                positionId: this.nextId("pos"),
                symbol: x.symbol,
                side: x.side,
                qty: x.qty,
                entryPrice: x.entryPrice,
                slOrderId: this.placeStop(
                  x.symbol,
                  "stop_loss",
                  x.side === "long" ? x.entryPrice * 0.95 : x.entryPrice * 1.05,
                ),
                tpOrderId: null,
                openedAt: this.clock.now(),
                pinned: x.pinned,
              });
              n++;
            } else if (a.action === "close_registry_entry") {
              this.registry.delete(a.symbol);
              for (const o of [...this.exchangeOrders.values()])
                if (o.symbol === a.symbol) this.exchangeOrders.delete(o.orderId);
              n++;
            } else if (a.action === "sync_qty") {
              const p = this.registry.get(a.symbol);
              if (p) p.qty = a.to as number;
              n++;
            }
          }
          return n;
        });
      },
    });
    this.controls.register({
      name: "recover-sl-order-ids",
      description: "Recover missing stop-loss order ids from exchange orders (dry-run plan; execute with its planId).",
      params: PlanParams,
      run: (params) => {
        const actions = this.slPlan();
        return this.runPlan("recover-sl-order-ids", actions, params, () => {
          for (const a of actions) {
            const p = this.registry.get(a.symbol);
            if (!p) continue;
            if (a.action === "recover_sl_order_id") p.slOrderId = a.slOrderId as string;
            else
              p.slOrderId = this.placeStop(
                p.symbol,
                "stop_loss",
                p.side === "long" ? p.entryPrice * 0.95 : p.entryPrice * 1.05,
              );
          }
          return actions.length;
        });
      },
    });
    this.controls.register({
      name: "kill-switch",
      description: "Activate the kill switch: halt all trading.",
      params: z.object({}).passthrough(),
      run: (_params, ctx) => {
        if (this.killSwitch.active)
          return accepted("kill-switch", this.iso(), { active: true, reason: this.killSwitch.reason, changed: false });
        this.activateKill("manual", { actor: ctx.actor, ticket_id: ctx.ticketId, note: ctx.reason });
        return accepted("kill-switch", this.iso(), { active: true, reason: "manual", changed: true });
      },
    });
  }
}
