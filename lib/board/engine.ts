import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { and, asc, eq as eqOp } from "drizzle-orm";
import { auditLog, findingTransitions, findings as findingsTable } from "../db/schema";
import { RULES, evaluateRules, ruleById, trackFindings } from "../rules";
import { sourceFreshness } from "../rules/define";
import { userRules } from "../rules/user";
import type { Confirmation, ControlWatch, Finding, RuleContext, RuleTarget, Transition } from "../rules/types";

/** The audit action that records a commander's confirmation (see confirm.ts). */
export const CONFIRM_ACTION = "finding.confirm-handled";

// The evaluator stage of the live pipeline (lib/pipeline.ts), on the collector leader: evaluates
// the rule catalog over the recent window after every change (debounced) and at least once a
// second (windows and escalation clocks move with time), keeps `since` across evaluations, and
// persists what changed so every instance can serve it. It sees the collector only through the
// read-only view below, passed in: it never reaches back into the stage before it.

/** What the evaluator reads of the collector stage: the targets, their freshness and history. */
export interface EvaluatorInputs {
  history: RuleContext["history"];
  targetsForRules(): RuleTarget[];
  freshness: RuleContext["freshness"];
  droppedFamilies(system: string): readonly string[];
  sourceProblem: NonNullable<RuleContext["sourceProblem"]>;
  /**
   * True while a target's data is older than its staleness limit only because the console itself
   * was paused (collector/pauses.ts): its polls are due and their answers about to land. Such a
   * target is not evaluated until they have (its findings stay as they were), since the rules'
   * own age limits would otherwise see a gap and clear what is still open.
   */
  catchingUp?(system: string): boolean;
}

export interface BoardEngineOptions {
  inputs: EvaluatorInputs;
  db: Db;
  /** After an evaluation that changed findings, once they are stored. */
  onChange: (version: number) => void;
  /** Paging hook (lib/notify): the whole finding set after every evaluation, on the leader. */
  onEvaluated?: (findings: ReadonlyMap<string, Finding>) => void;
  /** Called on every tick before the evaluation it schedules (the leader reads stored reports). */
  onTick?: () => void;
  debounceMs?: number;
  tickMs?: number;
  now?: () => number;
  /** The post-control watches (lib/controls/watch.ts); read again at most every `watchReloadMs`. */
  loadWatches?: (now: number) => Promise<ControlWatch[]>;
  watchReloadMs?: number;
}

export class BoardEngine {
  findings = new Map<string, Finding>();
  /** Findings that went from a non-ok state to ok, by id, with when (pruned after 15 minutes). */
  readonly cleared = new Map<string, number>();
  /**
   * The latest commander confirmation per finding id. They live in the audit log (the record is
   * the confirmation); loaded from it at start and added to as they are made.
   */
  readonly confirmations = new Map<string, Confirmation>();
  /** Evaluations wait for this, so a finding confirmed before a restart does not fire at start. */
  private confirmationsLoaded?: Promise<void>;
  /** Post-control watches as last read, and when. */
  private watches: ControlWatch[] = [];
  private watchesReadAt = -Infinity;
  /** Breaches the watch rule has seen, by control request id: they outlive the telemetry window. */
  readonly breaches = new Map<string, { at: number; detail: string }>();
  version = 0;
  lastEvaluatedAt = 0;
  lastEvaluationMs = 0;
  /** When this engine began watching: rules are pending until the first polls can have answered. */
  readonly startedAt: number;
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private running = false;
  /** What a failed write could not store (persist). */
  private unsaved: { rows: Map<string, Finding>; transitions: Transition[] } = { rows: new Map(), transitions: [] };
  private evaluating = false;
  private pending = false;
  /** Targets changed since the last evaluation, or every target (dirtyAll). */
  private dirty = new Set<string>();
  /** When each target's rules were last evaluated (after a change of its own or on the tick). */
  private readonly evaluatedAt = new Map<string, number>();
  private dirtyAll = false;
  private readonly now: () => number;
  /** When confirmations were last read from the audit log (re-read every CONFIRMATIONS_EVERY_MS). */
  private confirmationsReadAt = 0;
  /** Whether the findings a previous leader left open have been checked against this engine's. */
  private swept = false;

  constructor(private readonly o: BoardEngineOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
  }

  start() {
    this.running = true;
    this.confirmationsLoaded = this.loadConfirmations();
    this.ticker = setInterval(() => {
      this.o.onTick?.();
      // A confirmation made on another instance arrives as a change message; if that message was
      // lost, this re-read still brings it within CONFIRMATIONS_EVERY_MS.
      if (this.now() - this.confirmationsReadAt >= CONFIRMATIONS_EVERY_MS) void this.loadConfirmations();
      this.scheduleIdle();
    }, this.o.tickMs ?? 1000);
    this.ticker.unref?.();
    this.schedule();
  }

  stop() {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
  }

  /** Reads every confirmation from the audit log (the latest per finding wins), then re-evaluates. */
  async loadConfirmations(): Promise<void> {
    this.confirmationsReadAt = this.now();
    try {
      const rows = await this.o.db
        .select({
          target: auditLog.target,
          at: auditLog.at,
          reason: auditLog.reason,
          ticketId: auditLog.ticketId,
          params: auditLog.params,
        })
        .from(auditLog)
        .where(and(eqOp(auditLog.action, CONFIRM_ACTION), eqOp(auditLog.outcome, "succeeded")))
        .orderBy(asc(auditLog.seq));
      for (const r of rows) {
        if (!r.target) continue;
        const by = (r.params as { by?: unknown } | null)?.by;
        this.addConfirmation({
          findingId: r.target,
          by: typeof by === "string" ? by : "unknown",
          at: r.at.getTime(),
          reason: r.reason ?? "",
          ticketId: r.ticketId ?? "",
        });
      }
    } catch (err) {
      console.error("[board] reading confirmations failed:", (err as Error).message);
    }
  }

  /** A new confirmation (from this instance or another): the finding's system is evaluated again. */
  addConfirmation(c: Confirmation) {
    const prev = this.confirmations.get(c.findingId);
    if (prev && prev.at >= c.at) return;
    this.confirmations.set(c.findingId, c);
    const system = this.findings.get(c.findingId)?.system ?? c.findingId.split("|")[1];
    this.schedule(system);
  }

  /**
   * The tick's share: the targets whose rules nothing has evaluated for a while. A target's own
   * polls evaluate it on every answer (and on every freshness change); between them, only time
   * moves (windows, escalation clocks, watch ends), so an idle target is evaluated again once its
   * poll interval has passed (at most IDLE_EVALUATION_MS), not every second: with 200 targets at
   * 5 s, the tick used to evaluate 200 targets a second whose inputs had not changed.
   */
  private scheduleIdle() {
    const now = this.now();
    const all = this.o.inputs.targetsForRules();
    const due = all.filter(
      (t) => now - (this.evaluatedAt.get(t.name) ?? -Infinity) >= Math.min(t.intervalMs, IDLE_EVALUATION_MS) - 50,
    );
    if (due.length === all.length) this.schedule();
    else if (due.length) this.schedule(due.map((t) => t.name));
  }

  /**
   * Asks for an evaluation soon; many changes within the debounce window cost one evaluation.
   * With `systems`, only those targets changed and only their rules are evaluated; without, every
   * target is (the tick: windows and escalation clocks move with time for all of them).
   */
  schedule(systems?: string | Iterable<string>) {
    if (!this.running) return;
    if (systems === undefined) this.dirtyAll = true;
    else if (typeof systems === "string") this.dirty.add(systems);
    else for (const s of systems) this.dirty.add(s);
    this.arm();
  }

  private arm() {
    if (!this.running || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.evaluate();
    }, this.o.debounceMs ?? 50);
    this.timer.unref?.();
  }

  async evaluate(): Promise<Transition[]> {
    if (this.evaluating) {
      this.pending = true;
      return [];
    }
    this.evaluating = true;
    // Which targets to evaluate: the changed ones, or all of them on the tick (and when nothing
    // was marked, e.g. a direct call).
    const only = this.dirtyAll || this.dirty.size === 0 ? null : this.dirty;
    this.dirty = new Set();
    this.dirtyAll = false;
    try {
      await this.confirmationsLoaded;
      const now = this.now();
      const started = performance.now();
      const inputs = this.o.inputs;
      const allTargets = inputs.targetsForRules();
      const targets = (only ? allTargets.filter((t) => only.has(t.name)) : allTargets).filter(
        (t) => !inputs.catchingUp?.(t.name),
      );
      const evaluated = new Set(targets.map((t) => t.name));
      for (const name of evaluated) this.evaluatedAt.set(name, now);
      const rules = [...RULES, ...userRules()];
      const ctx: RuleContext = {
        now,
        history: inputs.history,
        freshness: (system, endpoint) => inputs.freshness(system, endpoint),
        droppedFamilies: (system) => inputs.droppedFamilies(system),
        sourceProblem: (system, endpoint) => inputs.sourceProblem(system, endpoint),
        targets,
        watchingSince: this.startedAt,
        confirmations: this.confirmations,
        watches: await this.currentWatches(now),
      };
      const current = evaluateRules(ctx, rules);
      for (const f of current) {
        if (
          f.ruleId !== "control_watch" ||
          f.state !== "critical" ||
          !f.control ||
          this.breaches.has(f.control.requestId)
        )
          continue;
        const detail = f.evidence.values.find((v) => v.label === "breach");
        this.breaches.set(f.control.requestId, { at: f.since, detail: String(detail?.value ?? f.summary) });
      }
      const previous =
        targets.length < allTargets.length
          ? new Map([...this.findings].filter(([, f]) => evaluated.has(f.system)))
          : this.findings;
      const { findings: tracked, transitions } = trackFindings(previous, current, now, (f) => {
        // Judged from the sources the finding's rule reads on its target, as the rule itself is.
        const target = allTargets.find((t) => t.name === f.system);
        if (!target) return true;
        return sourceFreshness(ctx, target, ruleById(f.ruleId, rules)?.sources[target.kind]) === "ok";
      });
      const changed = current.filter((f) => {
        const prev = this.findings.get(f.id);
        return (
          f.state !== "ok" &&
          (!prev ||
            prev.summary !== f.summary ||
            prev.severity !== f.severity ||
            prev.escalationDueAt !== f.escalationDueAt)
        );
      });
      this.findings = mergeBySystem(allTargets, this.findings, tracked, evaluated);
      for (const t of transitions) {
        if (t.to === "ok" && t.from !== null && t.from !== "ok") this.cleared.set(t.findingId, t.at);
        else if (t.to !== "ok") this.cleared.delete(t.findingId);
      }
      for (const [id, at] of this.cleared)
        if (now - at > 15 * 60_000 || !this.findings.has(id)) this.cleared.delete(id);
      this.lastEvaluatedAt = now;
      this.lastEvaluationMs = performance.now() - started;
      if (transitions.length || changed.length) {
        this.version++;
        await this.persist(tracked, transitions);
        this.o.onChange(this.version);
      } else if (this.unsavedCount() > 0 && (await this.persist([], []))) {
        // A write that failed before went through now: other instances read it from the database.
        this.version++;
        this.o.onChange(this.version);
      }
      if (!this.swept && now - this.startedAt >= sweepAfterMs(allTargets)) {
        this.swept = true;
        await this.sweepLeftOpen(now);
      }
      this.o.onEvaluated?.(this.findings);
      return transitions;
    } catch (err) {
      console.error("[board] evaluation failed:", err);
      return [];
    } finally {
      this.evaluating = false;
      if (this.pending) {
        this.pending = false;
        this.arm();
      }
    }
  }

  /**
   * The watches in force: in their window, or breached (a breach stays until confirmed handled or
   * a later control replaces the watch). Read from the database at most every watchReloadMs, so a
   * control run on any console instance is watched by the leader.
   */
  private async currentWatches(now: number): Promise<ControlWatch[]> {
    if (!this.o.loadWatches) return [];
    if (now - this.watchesReadAt >= (this.o.watchReloadMs ?? 1000)) {
      try {
        this.watches = await this.o.loadWatches(now);
        this.watchesReadAt = now;
      } catch (err) {
        console.error("[board] reading control watches failed:", (err as Error).message);
      }
    }
    const ids = new Set(this.watches.map((w) => w.id));
    for (const id of this.breaches.keys()) if (!ids.has(id)) this.breaches.delete(id);
    return this.watches
      .filter((w) => w.until > now || this.breaches.has(w.id))
      .map((w) => (this.breaches.has(w.id) ? { ...w, broken: this.breaches.get(w.id)! } : w));
  }

  /**
   * Findings a previous leader (or this process before a restart) stored as open that this engine,
   * once past its start-up grace, does not hold open: they are closed in the table with a
   * transition, or every other instance would show them open for good.
   */
  private async sweepLeftOpen(now: number) {
    try {
      const rows = await this.o.db
        .select({ id: findingsTable.id, finding: findingsTable.finding })
        .from(findingsTable)
        .where(sql`${findingsTable.state} <> 'ok'`);
      const closed: Finding[] = [];
      for (const r of rows) {
        if ((this.findings.get(r.id)?.state ?? "ok") !== "ok") continue;
        const prev = r.finding as Finding;
        const f: Finding = {
          ...prev,
          state: "ok",
          since: now,
          lastEvaluated: now,
          summary: `Cleared — not reported since the collector leader started (was: ${prev.summary})`,
        };
        delete f.escalationDueAt;
        closed.push(f);
      }
      if (!closed.length) return;
      const transitions: Transition[] = closed.map((f) => ({
        findingId: f.id,
        from: (rows.find((r) => r.id === f.id)!.finding as Finding).state,
        to: "ok",
        severity: f.severity,
        at: now,
        summary: f.summary,
      }));
      await this.persist(closed, transitions);
      this.version++;
      this.o.onChange(this.version);
    } catch (err) {
      console.error("[board] closing findings left open by a previous leader failed:", (err as Error).message);
    }
  }

  /** Findings and transitions whose write has not gone through yet (0 when all are stored). */
  unsavedCount(): number {
    return this.unsaved.rows.size + this.unsaved.transitions.length;
  }

  /**
   * Stores the findings just evaluated that are not ok or changed state, and the transitions,
   * together with whatever an earlier write could not store (a database that was away, a lock
   * timeout): those wait in memory and go with the next write, the latest state of each finding
   * and every transition with its own time, so the history and the other instances' boards
   * lose nothing. True when everything waiting is stored.
   */
  private async persist(evaluated: readonly Finding[], transitions: Transition[]): Promise<boolean> {
    const touched = new Set(transitions.map((t) => t.findingId));
    for (const f of evaluated) if (f.state !== "ok" || touched.has(f.id)) this.unsaved.rows.set(f.id, f);
    for (const t of transitions) this.unsaved.transitions.push(t);
    const over = this.unsaved.transitions.length - MAX_UNSAVED_TRANSITIONS;
    if (over > 0) {
      this.unsaved.transitions.splice(0, over);
      console.error(`[board] the database has been away too long: the ${over} oldest finding transitions are dropped`);
    }
    const rows = [...this.unsaved.rows.values()];
    const waiting = this.unsaved.transitions;
    const db = this.o.db;
    try {
      await db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += 200) {
          const chunk = rows.slice(i, i + 200).map((f) => ({
            id: f.id,
            ruleId: f.ruleId,
            system: f.system,
            entity: f.entity,
            state: f.state,
            severity: f.severity,
            finding: f as unknown as object,
            since: new Date(f.since),
            updatedAt: new Date(f.lastEvaluated),
          }));
          await tx
            .insert(findingsTable)
            .values(chunk)
            .onConflictDoUpdate({
              target: findingsTable.id,
              set: {
                state: sql`excluded.state`,
                severity: sql`excluded.severity`,
                finding: sql`excluded.finding`,
                since: sql`excluded.since`,
                updatedAt: sql`excluded.updated_at`,
              },
              // A write kept from before (a previous leader's, or this one's retried) never
              // overwrites a newer evaluation of the same finding.
              setWhere: sql`${findingsTable.updatedAt} <= excluded.updated_at`,
            });
        }
        // In chunks, as the findings above: one statement for thousands of rows overflows the
        // driver's stack (seen with hundreds of user rules over many targets).
        for (let i = 0; i < waiting.length; i += 200) {
          await tx.insert(findingTransitions).values(
            waiting.slice(i, i + 200).map((t) => ({
              findingId: t.findingId,
              fromState: t.from,
              toState: t.to,
              severity: t.severity,
              summary: t.summary,
              at: new Date(t.at),
            })),
          );
        }
      });
      this.unsaved = { rows: new Map(), transitions: [] };
      return true;
    } catch (err) {
      console.error(
        `[board] persisting findings failed (${rows.length} findings and ${waiting.length} transitions wait for the next evaluation):`,
        (err as Error).message,
      );
      return false;
    }
  }
}

/** Transitions kept for a later write at most, while the database is away. */
const MAX_UNSAVED_TRANSITIONS = 100_000;

/** How often confirmations are re-read from the audit log. */
const CONFIRMATIONS_EVERY_MS = 10_000;
/** The longest an idle target (no poll answered, no freshness change) waits for its rules on the tick. */
const IDLE_EVALUATION_MS = 5_000;

/** The start-up grace (rules pending for two poll intervals) plus one more interval. */
function sweepAfterMs(targets: readonly { intervalMs: number }[]): number {
  return Math.max(10_000, 3 * Math.max(0, ...targets.map((t) => t.intervalMs)));
}

/**
 * The findings after evaluating some targets: the new ones for those targets, the previous ones
 * for the rest, in target order (so the board's order does not depend on which targets changed).
 */
function mergeBySystem(
  targets: readonly { name: string }[],
  previous: ReadonlyMap<string, Finding>,
  tracked: readonly Finding[],
  evaluated: ReadonlySet<string>,
): Map<string, Finding> {
  const bySystem = new Map<string, Finding[]>();
  const add = (f: Finding) => {
    let list = bySystem.get(f.system);
    if (!list) bySystem.set(f.system, (list = []));
    list.push(f);
  };
  for (const f of previous.values()) if (!evaluated.has(f.system)) add(f);
  for (const f of tracked) add(f);
  const out = new Map<string, Finding>();
  for (const t of targets) for (const f of bySystem.get(t.name) ?? []) out.set(f.id, f);
  for (const list of bySystem.values()) for (const f of list) if (!out.has(f.id)) out.set(f.id, f);
  return out;
}
