import type { Point, Report, Sample, Series } from "../core/vocabulary";

// The in-memory recent window the rules read: every polled value per series for the last
// `windowMs`, and recent reports per system. History beyond it lives in the database.

export type { Point, Series } from "../core/vocabulary";

export function labelsKey(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}=${labels[k]}`).join(",");
}

export function seriesKey(s: Pick<Sample, "system" | "entity" | "metric" | "labels">): string {
  return `${s.system}|${s.entity}|${s.metric}|${labelsKey(s.labels)}`;
}

/** Report kinds whose latest report outlives the window (see prune). */
export const KEEP_LATEST_REPORT_KINDS: ReadonlySet<string> = new Set(["REGISTRY_AUDIT_REPORT"]);

/** How long restart evidence outlives the window (see isRestartEvidence). */
export const RESTART_EVIDENCE_MS = 24 * 60 * 60_000;

/**
 * Reports kept for RESTART_EVIDENCE_MS rather than the window: "repeated every restart" (the
 * futures-bot runbook's pending_adopted criterion) must see several restarts, hours apart. They are
 * the registry audits (one comes at every start-up), the first cycle summary of a process (its
 * cycle counter starts again), and reconciliation reports that adopted pending orders.
 */
export function isRestartEvidence(r: Report): boolean {
  const n = (k: string) => (typeof r.fields[k] === "number" ? (r.fields[k] as number) : undefined);
  if (r.kind === "REGISTRY_AUDIT_REPORT") return true;
  if (r.kind === "CYCLE_SUMMARY") return (n("cycle") ?? Infinity) <= 1;
  if (r.kind === "RECONCILIATION_REPORT") return (n("pending_adopted") ?? 0) > 0;
  return false;
}

export class TelemetryStore {
  private readonly series = new Map<string, Series>();
  private readonly bySystemMetric = new Map<string, Set<string>>();
  /** Series per system: rules such as telemetry-dark read one system's series on every evaluation. */
  private readonly bySystem = new Map<string, Map<string, Series>>();
  /** Recent reports per system, then per kind, each list in time order. */
  private readonly reports = new Map<string, Map<string, Report[]>>();
  private readonly seenReportIds = new Map<string, Set<string>>();

  /**
   * `maxReportsPerKind` (a list may reach 1.25× it before its oldest go) bounds memory when a system logs far more often than its reconciliation
   * cadence (a flood, or a load test at hundreds of lines a second): the rules count reports in
   * windows with thresholds of a handful, so the latest few thousand of each kind are all they
   * read; every report is still stored in the database.
   */
  constructor(
    public readonly windowMs = 65 * 60_000,
    public readonly maxReportsPerKind = 4000,
  ) {}

  /** Series keys of counters (`*_total`) whose value went down in the last addSamples call. */
  lastResets: string[] = [];

  /** Adds samples; returns the keys of series whose latest value changed (or are new). */
  addSamples(samples: Sample[]): string[] {
    const changed: string[] = [];
    this.lastResets = [];
    for (const s of samples) {
      const key = seriesKey(s);
      let ser = this.series.get(key);
      if (!ser) {
        ser = { key, system: s.system, entity: s.entity, metric: s.metric, labels: s.labels, points: [] };
        this.series.set(key, ser);
        const idx = `${s.system}|${s.metric}`;
        let set = this.bySystemMetric.get(idx);
        if (!set) this.bySystemMetric.set(idx, (set = new Set()));
        set.add(key);
        let own = this.bySystem.get(s.system);
        if (!own) this.bySystem.set(s.system, (own = new Map()));
        own.set(key, ser);
      }
      const last = ser.points[ser.points.length - 1];
      if (last && s.observedAt < last.t) continue; // out of order: ignore older values
      // A counter that goes down means the process restarted; rate logic must not read it as negative.
      if (last && s.metric.endsWith("_total") && s.value < last.v) this.lastResets.push(key);
      if (!last || !Object.is(last.v, s.value)) changed.push(key);
      if (last && last.t === s.observedAt) last.v = s.value;
      else ser.points.push({ t: s.observedAt, v: s.value });
    }
    return changed;
  }

  /** Adds reports not seen before (by system and id); returns the new ones. */
  addReports(reports: Report[]): Report[] {
    const fresh: Report[] = [];
    // Lists stay sorted by time; only one that received an out-of-order report is sorted again
    // (sorting every list on every batch cost O(n log n) per ingest request on a long window).
    const touched = new Set<Report[]>();
    const unsorted = new Set<Report[]>();
    for (const r of reports) {
      let seen = this.seenReportIds.get(r.system);
      if (!seen) this.seenReportIds.set(r.system, (seen = new Set()));
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      let kinds = this.reports.get(r.system);
      if (!kinds) this.reports.set(r.system, (kinds = new Map()));
      let list = kinds.get(r.kind);
      if (!list) kinds.set(r.kind, (list = []));
      const last = list[list.length - 1];
      if (last && r.observedAt < last.observedAt) unsorted.add(list);
      list.push(r);
      touched.add(list);
      fresh.push(r);
    }
    for (const list of unsorted) list.sort((a, b) => a.observedAt - b.observedAt);
    for (const list of touched)
      if (list.length > this.maxReportsPerKind * 1.25) list.splice(0, list.length - this.maxReportsPerKind);
    return fresh;
  }

  seriesFor(system: string, metric: string, entity?: string): Series[] {
    const keys = this.bySystemMetric.get(`${system}|${metric}`);
    if (!keys) return [];
    const out: Series[] = [];
    for (const k of keys) {
      const s = this.series.get(k);
      if (s && (entity === undefined || s.entity === entity)) out.push(s);
    }
    return out;
  }

  latest(system: string, metric: string, entity?: string): (Point & { series: Series }) | undefined {
    let best: (Point & { series: Series }) | undefined;
    for (const s of this.seriesFor(system, metric, entity)) {
      const p = s.points[s.points.length - 1];
      if (p && (!best || p.t > best.t)) best = { ...p, series: s };
    }
    return best;
  }

  reportsFor(system: string, kind?: string, since = 0): Report[] {
    const kinds = this.reports.get(system);
    if (!kinds) return [];
    if (kind !== undefined) return (kinds.get(kind) ?? []).filter((r) => r.observedAt >= since);
    return [...kinds.values()]
      .flat()
      .filter((r) => r.observedAt >= since)
      .sort((a, b) => a.observedAt - b.observedAt);
  }

  allSeries(system?: string): Series[] {
    if (system === undefined) return [...this.series.values()];
    const own = this.bySystem.get(system);
    return own ? [...own.values()] : [];
  }

  /**
   * Drops points and reports older than the window, except the latest report of each kind in
   * KEEP_LATEST_REPORT_KINDS: a one-off report (the registry audit at start-up) describes the
   * system until a later one replaces it, however long ago it came; and restart evidence
   * (isRestartEvidence) for RESTART_EVIDENCE_MS.
   */
  prune(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [key, s] of this.series) {
      const i = s.points.findIndex((p) => p.t >= cutoff);
      if (i === -1) {
        this.series.delete(key);
        this.bySystemMetric.get(`${s.system}|${s.metric}`)?.delete(key);
        this.bySystem.get(s.system)?.delete(key);
      } else if (i > 0) s.points.splice(0, i);
    }
    for (const [system, kinds] of this.reports) {
      let held = 0;
      for (const [kind, list] of kinds) {
        let keep = list.filter(
          (r) => r.observedAt >= cutoff || (r.observedAt >= now - RESTART_EVIDENCE_MS && isRestartEvidence(r)),
        );
        if (!keep.length && KEEP_LATEST_REPORT_KINDS.has(kind) && list.length) keep = [list[list.length - 1]!];
        if (keep.length) kinds.set(kind, keep);
        else kinds.delete(kind);
        held += keep.length;
      }
      const seen = this.seenReportIds.get(system);
      if (seen && seen.size > 50_000)
        this.seenReportIds.set(system, new Set([...kinds.values()].flat().map((r) => r.id)));
      if (!held) this.reports.delete(system);
    }
  }
}
