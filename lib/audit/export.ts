import "server-only";
import { and, asc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { auditLog, type AuditRow } from "../db/schema";
import { requireRole, type Actor } from "../auth/roles";
import { Invalid } from "../errors";
import type { AuditFilter } from "./log";

// Audit export: every row matching a filter, oldest first, as NDJSON or CSV, read in batches so
// a long log never sits in memory. Each row carries its hashes so an export can be re-verified.

const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => v || undefined);
const optionalTime = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "must be a date and time, e.g. 2026-11-21T10:00" });
      return z.NEVER;
    }
    return d;
  });

/** The audit filter as it arrives in a query string (screen and exports share it). */
export const AuditQuery = z.object({
  actor: optionalText,
  action: optionalText,
  target: optionalText,
  ticket: optionalText,
  outcome: optionalText,
  from: optionalTime,
  to: optionalTime,
});

export function auditFilterFrom(query: Record<string, string | undefined>): AuditFilter {
  const parsed = AuditQuery.safeParse(query);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const i of parsed.error.issues) (fieldErrors[i.path.join(".")] ??= []).push(i.message);
    const [k, m] = Object.entries(fieldErrors)[0]!;
    throw new Invalid(`${k}: ${m[0]}`, fieldErrors);
  }
  const q = parsed.data;
  return {
    actor: q.actor,
    action: q.action,
    target: q.target,
    ticketId: q.ticket,
    outcome: q.outcome,
    from: q.from,
    to: q.to,
  };
}

function whereOf(f: AuditFilter, afterSeq: number): SQL | undefined {
  const where: SQL[] = [sql`${auditLog.seq} > ${afterSeq}`];
  if (f.actor) where.push(eq(auditLog.actorName, f.actor));
  if (f.action) where.push(sql`${auditLog.action} like ${f.action.replace(/[%_\\]/g, "\\$&") + "%"}`);
  if (f.target) where.push(eq(auditLog.target, f.target));
  if (f.ticketId) where.push(eq(auditLog.ticketId, f.ticketId));
  if (f.outcome) where.push(eq(auditLog.outcome, f.outcome));
  if (f.from) where.push(gte(auditLog.at, f.from));
  if (f.to) where.push(lte(auditLog.at, f.to));
  return and(...where);
}

async function* rowsFor(db: Db, f: AuditFilter, batch = 1000): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const rows = await db.select().from(auditLog).where(whereOf(f, after)).orderBy(asc(auditLog.seq)).limit(batch);
    for (const r of rows) yield r;
    if (rows.length < batch) return;
    after = rows[rows.length - 1]!.seq;
  }
}

export const CSV_COLUMNS = [
  "seq",
  "at",
  "actorName",
  "actorRole",
  "action",
  "target",
  "ticketId",
  "reason",
  "outcome",
  "responseSummary",
  "idempotencyKey",
  "params",
  "approval",
  "clientAddress",
  "prevHash",
  "hash",
] as const;

function exportObject(r: AuditRow) {
  return {
    seq: r.seq,
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorName: r.actorName,
    actorRole: r.actorRole,
    sessionId: r.sessionId,
    clientAddress: r.clientAddress,
    action: r.action,
    target: r.target,
    params: r.params ?? null,
    reason: r.reason,
    ticketId: r.ticketId,
    idempotencyKey: r.idempotencyKey,
    approval: r.approval ?? null,
    outcome: r.outcome,
    responseSummary: r.responseSummary,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}

/** RFC 4180 field; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(r: AuditRow): string {
  const o = exportObject(r) as Record<string, unknown>;
  return CSV_COLUMNS.map((c) => csvCell(o[c])).join(",") + "\r\n";
}

export function ndjsonLine(r: AuditRow): string {
  return JSON.stringify(exportObject(r)) + "\n";
}

/** A byte stream of the export. Viewer or above (the audit log is readable by everyone signed in). */
export function exportAudit(
  db: Db,
  actor: Actor | null,
  filter: AuditFilter,
  format: "ndjson" | "csv",
): ReadableStream<Uint8Array> {
  requireRole(actor, "viewer");
  const enc = new TextEncoder();
  const it = rowsFor(db, filter);
  let headerSent = format !== "csv";
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(enc.encode(CSV_COLUMNS.join(",") + "\r\n"));
        return;
      }
      const chunk: string[] = [];
      for (let i = 0; i < 200; i++) {
        const next = await it.next();
        if (next.done) {
          if (chunk.length) controller.enqueue(enc.encode(chunk.join("")));
          controller.close();
          return;
        }
        chunk.push(format === "csv" ? csvLine(next.value) : ndjsonLine(next.value));
      }
      controller.enqueue(enc.encode(chunk.join("")));
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}
