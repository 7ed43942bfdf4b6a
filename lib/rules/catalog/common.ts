import { z } from "zod";
import { STALE_AFTER_INTERVALS } from "../../collector/freshness";
import type { Point, Series } from "../../collector/store";
import { SYSTEM_ENTITY, type Report } from "../../telemetry/model";
import type { EvidenceValue, RuleContext, RuleTarget, Verdict } from "../types";

// Shared helpers for the catalog: reading series and reports, formatting values for summaries.

export const MIN = 60_000;
export const SEC = 1000;

/** Numeric parameter with a default (positive unless said otherwise). */
export const num = (d: number, o: { min?: number; int?: boolean } = {}) => {
  let s = z.number();
  if (o.int) s = s.int();
  s = o.min !== undefined ? s.min(o.min) : s.positive();
  return s.default(d);
};

/** A value older than this is not "now" (the freshness budget plus half an interval of jitter). */
export function maxGapMs(target: RuleTarget): number {
  return (STALE_AFTER_INTERVALS + 0.5) * target.intervalMs;
}

function sameLabels(s: Series, labels: Record<string, string>): boolean {
  return Object.entries(labels).every(([k, v]) => s.labels[k] === v);
}

/** Points of every series of a metric (optionally one entity, labels subset) merged in time order; equal times summed. */
export function points(
  ctx: RuleContext,
  target: RuleTarget,
  metric: string,
  entity?: string,
  labels: Record<string, string> = {},
): Point[] {
  const series = ctx.history.seriesFor(target.name, metric, entity).filter((s) => sameLabels(s, labels));
  if (series.length === 1) return series[0]!.points;
  const byT = new Map<number, number>();
  for (const s of series) for (const p of s.points) byT.set(p.t, (byT.get(p.t) ?? 0) + p.v);
  return [...byT.entries()].sort((a, b) => a[0] - b[0]).map(([t, v]) => ({ t, v }));
}

/** Latest point of a metric (entity "*" unless given), across its series. */
export function latest(
  ctx: RuleContext,
  target: RuleTarget,
  metric: string,
  entity: string = SYSTEM_ENTITY,
  labels: Record<string, string> = {},
): Point | undefined {
  let best: Point | undefined;
  for (const s of ctx.history.seriesFor(target.name, metric, entity)) {
    if (!sameLabels(s, labels)) continue;
    const p = s.points[s.points.length - 1];
    if (p && (!best || p.t > best.t)) best = p;
  }
  return best;
}

/** The latest point if it is recent enough to describe "now". */
export function current(
  ctx: RuleContext,
  target: RuleTarget,
  metric: string,
  entity: string = SYSTEM_ENTITY,
  labels: Record<string, string> = {},
): Point | undefined {
  const p = latest(ctx, target, metric, entity, labels);
  return p && ctx.now - p.t <= maxGapMs(target) ? p : undefined;
}

/**
 * Entities (not "*") of a metric whose latest point is as new as the latest poll that carried the
 * metric at all: a position that was closed or an order that left quarantine stops being listed.
 */
export function currentEntities(ctx: RuleContext, target: RuleTarget, metric: string): string[] {
  const latestT = new Map<string, number>();
  let newest = -Infinity;
  for (const s of ctx.history.seriesFor(target.name, metric)) {
    const p = s.points[s.points.length - 1];
    if (!p) continue;
    newest = Math.max(newest, p.t);
    if (s.entity === SYSTEM_ENTITY) continue;
    latestT.set(s.entity, Math.max(latestT.get(s.entity) ?? -Infinity, p.t));
  }
  if (ctx.now - newest > maxGapMs(target)) return [];
  return [...latestT.entries()]
    .filter(([, t]) => t >= newest)
    .map(([e]) => e)
    .sort();
}

/** Series of a metric for the latest poll, e.g. one per label value. */
export function currentSeries(ctx: RuleContext, target: RuleTarget, metric: string, entity?: string): Series[] {
  const all = ctx.history.seriesFor(target.name, metric, entity);
  const newest = Math.max(-Infinity, ...all.map((s) => s.points[s.points.length - 1]?.t ?? -Infinity));
  if (ctx.now - newest > maxGapMs(target)) return [];
  return all.filter((s) => s.points[s.points.length - 1]?.t === newest);
}

export function reports(ctx: RuleContext, target: RuleTarget, kind: string, sinceMs = 0): Report[] {
  return ctx.history.reportsFor(target.name, kind, sinceMs).filter((r) => r.observedAt <= ctx.now);
}

/** A numeric report field (0 when absent or not a number). */
export function field(r: Report, name: string): number {
  const v = r.fields[name];
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

export function text(r: Report, name: string): string | undefined {
  const v = r.fields[name];
  return typeof v === "string" ? v : undefined;
}

// ---------------------------------------------------------------- formatting

// toLocaleString builds a new formatter on every call, which showed up as a large share of rule
// evaluation in CPU profiles; one formatter per digit count gives the same text.
const formats = new Map<number, Intl.NumberFormat>();
function numberFormat(digits: number): Intl.NumberFormat {
  let f = formats.get(digits);
  if (!f) formats.set(digits, (f = new Intl.NumberFormat("en-US", { maximumFractionDigits: digits })));
  return f;
}

/** 1240.5 → "1,240.5"; negative numbers with a real minus sign. */
export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const s = numberFormat(digits).format(Math.abs(n));
  return n < 0 ? `−${s}` : s;
}

/** 1 → "1 order", 3 → "3 orders" (or the plural given). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${fmt(n, 0)} ${n === 1 ? word : many}`;
}

export function usd(n: number): string {
  return `${fmt(n, 0)} USD`;
}

/** 90_000 → "1 min 30 s". */
export function dur(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

export function ev(label: string, value: EvidenceValue["value"], at?: number): EvidenceValue {
  return at === undefined ? { label, value } : { label, value, at };
}

export function windowOf(
  now: number,
  ms: number,
  description = dur(ms),
): { from: number; to: number; description: string } {
  return { from: now - ms, to: now, description };
}

export function entityLabel(entity: string, noun: string): string {
  return entity === SYSTEM_ENTITY ? "System" : `${noun} ${entity}`;
}

export function okVerdict(
  entity: string,
  summary: string,
  severity: Verdict["severity"],
  evidence: Verdict["evidence"],
): Verdict {
  return { entity, state: "ok", severity, summary, evidence };
}
