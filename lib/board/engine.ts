import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { findingTransitions, findings as findingsTable } from "../db/schema";
import type { Collector } from "../collector/collector";
import type { TelemetryStore } from "../collector/store";
import { RULES, evaluateRules, trackFindings } from "../rules";
import type { Finding, Transition } from "../rules/types";

// Runs on the collector leader: evaluates the rule catalog over the recent window after every
// change (debounced) and at least once a second (windows and escalation clocks move with time),
// keeps `since` across evaluations, and persists what changed so every instance can serve it.

export interface BoardEngineOptions {
  collector: Collector;
  store: TelemetryStore;
  db: Db;
  onChange: (version: number) => void;
  debounceMs?: number;
  tickMs?: number;
  now?: () => number;
}

export class BoardEngine {
  findings = new Map<string, Finding>();
  /** Findings that went from a non-ok state to ok, by id, with when (pruned after 15 minutes). */
  readonly cleared = new Map<string, number>();
  version = 0;
  lastEvaluatedAt = 0;
  lastEvaluationMs = 0;
  readonly startedAt = Date.now();
  private timer?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private running = false;
  private evaluating = false;
  private pending = false;
  private readonly now: () => number;

  constructor(private readonly o: BoardEngineOptions) {
    this.now = o.now ?? Date.now;
  }

  start() {
    this.running = true;
    this.ticker = setInterval(() => this.schedule(), this.o.tickMs ?? 1000);
    this.ticker.unref?.();
    this.schedule();
  }

  stop() {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
  }

  /** Asks for an evaluation soon; many changes within the debounce window cost one evaluation. */
  schedule() {
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
    try {
      const now = this.now();
      const started = performance.now();
      const current = evaluateRules({
        now,
        history: this.o.store,
        freshness: (system, endpoint) => this.o.collector.freshness(system, endpoint),
        targets: this.o.collector.targetsForRules(),
      }, RULES);
      const { findings, transitions } = trackFindings(this.findings, current, now);
      const changed = current.filter((f) => {
        const prev = this.findings.get(f.id);
        return f.state !== "ok" && (!prev || prev.summary !== f.summary || prev.severity !== f.severity || prev.escalationDueAt !== f.escalationDueAt);
      });
      this.findings = new Map(findings.map((f) => [f.id, f] as const));
      for (const t of transitions) {
        if (t.to === "ok" && t.from !== null && t.from !== "ok") this.cleared.set(t.findingId, t.at);
        else if (t.to !== "ok") this.cleared.delete(t.findingId);
      }
      for (const [id, at] of this.cleared) if (now - at > 15 * 60_000 || !this.findings.has(id)) this.cleared.delete(id);
      this.lastEvaluatedAt = now;
      this.lastEvaluationMs = performance.now() - started;
      if (transitions.length || changed.length) {
        this.version++;
        await this.persist(transitions);
        this.o.onChange(this.version);
      }
      return transitions;
    } catch (err) {
      console.error("[board] evaluation failed:", err);
      return [];
    } finally {
      this.evaluating = false;
      if (this.pending) {
        this.pending = false;
        this.schedule();
      }
    }
  }

  private async persist(transitions: Transition[]) {
    const touched = new Set(transitions.map((t) => t.findingId));
    const rows = [...this.findings.values()].filter((f) => f.state !== "ok" || touched.has(f.id));
    const db = this.o.db;
    try {
      await db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += 200) {
          const chunk = rows.slice(i, i + 200).map((f) => ({
            id: f.id, ruleId: f.ruleId, system: f.system, entity: f.entity, state: f.state, severity: f.severity,
            finding: f as unknown as object, since: new Date(f.since), updatedAt: new Date(f.lastEvaluated),
          }));
          await tx.insert(findingsTable).values(chunk).onConflictDoUpdate({
            target: findingsTable.id,
            set: { state: sql`excluded.state`, severity: sql`excluded.severity`, finding: sql`excluded.finding`, since: sql`excluded.since`, updatedAt: sql`excluded.updated_at` },
          });
        }
        if (transitions.length) {
          await tx.insert(findingTransitions).values(transitions.map((t) => ({ findingId: t.findingId, fromState: t.from, toState: t.to, severity: t.severity, summary: t.summary, at: new Date(t.at) })));
        }
      });
    } catch (err) {
      console.error("[board] persisting findings failed:", (err as Error).message);
    }
  }
}
