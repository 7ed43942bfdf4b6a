import "server-only";
import { and, asc, eq, gte, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditLog, controlRequests } from "../db/schema";
import type { ControlWatch } from "../rules/types";
import { describeRequest, findControl, policyFor, type ControlSettings } from "./catalog";
import type { Verification } from "./catalog";

// The post-control watches the board engine evaluates (rule control_watch): every protective
// control that succeeded and verified within the last day, whose policy gives it a watch window,
// and that no later control on the same subject replaced. The engine decides which are still in
// their window (or already breached) and keeps breaches it has seen.

/** How far back a control can still be watched (a breached watch outlives its window until handled). */
export const WATCH_LOOKBACK_MS = 24 * 60 * 60_000;

export async function loadControlWatches(db: Db, settings: ControlSettings, now: number): Promise<ControlWatch[]> {
  const rows = await db
    .select()
    .from(controlRequests)
    .where(
      and(eq(controlRequests.state, "succeeded"), gte(controlRequests.finishedAt, new Date(now - WATCH_LOOKBACK_MS))),
    )
    .orderBy(asc(controlRequests.finishedAt))
    .limit(2000);
  const bySubject = new Map<string, { target: string; watch: ControlWatch | null }>();
  const watches: ControlWatch[] = [];
  for (const r of rows) {
    const def = findControl(r.targetKind, r.control);
    if (!def) continue;
    const params = r.params as Record<string, unknown>;
    const subject = def.subject?.(params) ?? null;
    if (subject) {
      // A later control on the same subject replaces the earlier one's watch; one on a single
      // symbol takes that symbol out of an every-symbol watch, and an every-symbol one replaces them all.
      const key = `${r.target}|${subject}`;
      for (const [k, prev] of bySubject) {
        if (prev.target !== r.target || !prev.watch) continue;
        const s = k.slice(r.target.length + 1);
        if (s === subject || (subject === "symbol:*" && s.startsWith("symbol:"))) prev.watch = null;
        else if (s === "symbol:*" && subject.startsWith("symbol:"))
          prev.watch.except = [...(prev.watch.except ?? []), subject.slice("symbol:".length)];
      }
      bySubject.set(key, { target: r.target, watch: null });
    }
    const spec = def.watch?.(params) ?? null;
    const verified = (r.verification as Verification | null)?.ok === true;
    if (!spec || !verified || !r.finishedAt) continue;
    const minutes = policyFor(def, params, r.target, settings).watchMinutes;
    if (minutes <= 0) continue;
    const from = r.finishedAt.getTime();
    const watch: ControlWatch = {
      id: r.id,
      system: r.target,
      description: describeRequest(r.targetKind, r.control, params),
      spec,
      by: r.approverName ? `${r.actorName} (approved by ${r.approverName})` : r.actorName,
      ticketId: r.ticketId,
      auditSeq: null,
      from,
      until: from + minutes * 60_000,
    };
    watches.push(watch);
    if (subject) bySubject.get(`${r.target}|${subject}`)!.watch = watch;
    else bySubject.set(`${r.target}|request:${r.id}`, { target: r.target, watch });
  }
  // A control on the same subject that is being sent right now (approved, executing) replaces
  // the watch already: its effect reaches the target before its record says succeeded.
  const inFlight = await db
    .select()
    .from(controlRequests)
    .where(inArray(controlRequests.state, ["approved", "executing"]))
    .limit(200);
  for (const r of inFlight) {
    const subject = findControl(r.targetKind, r.control)?.subject?.(r.params as Record<string, unknown>);
    if (!subject) continue;
    for (const [k, prev] of bySubject) {
      if (prev.target !== r.target || !prev.watch) continue;
      const s = k.slice(r.target.length + 1);
      if (s === subject || (subject === "symbol:*" && s.startsWith("symbol:"))) prev.watch = null;
      else if (s === "symbol:*" && subject.startsWith("symbol:"))
        prev.watch.except = [...(prev.watch.except ?? []), subject.slice("symbol:".length)];
    }
  }
  const live = watches.filter((w) => [...bySubject.values()].some((v) => v.watch === w));
  if (live.length) {
    const keys = rows.filter((r) => live.some((w) => w.id === r.id)).map((r) => r.idempotencyKey);
    const audits = await db
      .select({ seq: auditLog.seq, key: auditLog.idempotencyKey })
      .from(auditLog)
      .where(and(inArray(auditLog.idempotencyKey, keys), eq(auditLog.outcome, "requested")));
    const seqOf = new Map(audits.map((a) => [a.key, Number(a.seq)]));
    for (const w of live) w.auditSeq = seqOf.get(rows.find((r) => r.id === w.id)!.idempotencyKey) ?? null;
  }
  return live;
}
