import "server-only";
import { and, asc, desc, eq, gte, lte, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { auditLog, type AuditRow } from "../db/schema";
import type { Actor } from "../auth/roles";
import { GENESIS_HASH, hashAuditRow, type AuditContent } from "./chain";

// The append-only, hash-chained audit log. Appends serialise on the chain head with a
// transaction-scoped advisory lock, so two writers can never fork the chain.

const CHAIN_LOCK_KEY = 7_243_002;

export interface AuditEntry {
  actor?: Pick<Actor, "id" | "username" | "role" | "sessionId" | "clientAddress"> | null;
  /** For actors that are not users: "cli", "system", "anonymous". */
  actorName?: string;
  action: string;
  target?: string | null;
  params?: unknown;
  reason?: string | null;
  ticketId?: string | null;
  idempotencyKey?: string | null;
  approval?: unknown;
  outcome: string;
  responseSummary?: string | null;
  at?: Date;
}

function contentOf(entry: AuditEntry, at: Date): AuditContent {
  return {
    at: at.toISOString(),
    actorId: entry.actor?.id ?? null,
    actorName: entry.actor?.username ?? entry.actorName ?? null,
    actorRole: entry.actor?.role ?? null,
    sessionId: entry.actor?.sessionId ?? null,
    clientAddress: entry.actor?.clientAddress ?? null,
    action: entry.action,
    target: entry.target ?? null,
    params: entry.params ?? null,
    reason: entry.reason ?? null,
    ticketId: entry.ticketId ?? null,
    idempotencyKey: entry.idempotencyKey ?? null,
    approval: entry.approval ?? null,
    outcome: entry.outcome,
    responseSummary: entry.responseSummary ?? null,
  };
}

export function rowContent(row: AuditRow): AuditContent {
  return {
    at: row.at.toISOString(),
    actorId: row.actorId,
    actorName: row.actorName,
    actorRole: row.actorRole,
    sessionId: row.sessionId,
    clientAddress: row.clientAddress,
    action: row.action,
    target: row.target,
    params: row.params ?? null,
    reason: row.reason,
    ticketId: row.ticketId,
    idempotencyKey: row.idempotencyKey,
    approval: row.approval ?? null,
    outcome: row.outcome,
    responseSummary: row.responseSummary,
  };
}

/** Appends one record and returns it. Throws if the write fails: callers fail closed. */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<AuditRow> {
  // Millisecond precision: the column stores milliseconds, and the hash must survive a round trip.
  const at = new Date(Math.floor((entry.at ?? new Date()).getTime()));
  const content = contentOf(entry, at);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`);
    const [head] = await tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.seq)).limit(1);
    const prevHash = head?.hash ?? GENESIS_HASH;
    const hash = hashAuditRow(prevHash, content);
    const [row] = await tx
      .insert(auditLog)
      .values({
        ...content,
        at,
        params: content.params as object | null,
        approval: content.approval as object | null,
        prevHash,
        hash,
      })
      .returning();
    return row!;
  });
}

export type ChainVerdict =
  | { ok: true; rows: number; lastSeq: number | null; verifiedAt: Date }
  | { ok: false; rows: number; badSeq: number; problem: string; verifiedAt: Date };

/** Recomputes every hash in order. Names the first row whose content or link does not match. */
export async function verifyAuditChain(db: Db, batch = 2000): Promise<ChainVerdict> {
  let prev = GENESIS_HASH;
  let after = 0;
  let count = 0;
  let lastSeq: number | null = null;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.seq} > ${after}`)
      .orderBy(asc(auditLog.seq))
      .limit(batch);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.prevHash !== prev) {
        return {
          ok: false,
          rows: count,
          badSeq: row.seq,
          problem: `row ${row.seq} does not link to the row before it (a row was removed or reordered)`,
          verifiedAt: new Date(),
        };
      }
      const expected = hashAuditRow(prev, rowContent(row));
      if (expected !== row.hash) {
        return {
          ok: false,
          rows: count,
          badSeq: row.seq,
          problem: `row ${row.seq} content does not match its hash (it was altered)`,
          verifiedAt: new Date(),
        };
      }
      prev = row.hash;
      lastSeq = row.seq;
      count++;
    }
    after = rows[rows.length - 1]!.seq;
  }
  return { ok: true, rows: count, lastSeq, verifiedAt: new Date() };
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  ticketId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  limit?: number;
}

export async function listAudit(db: Db, f: AuditFilter = {}): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (f.actor) where.push(eq(auditLog.actorName, f.actor));
  if (f.action) where.push(sql`${auditLog.action} like ${f.action.replace(/[%_]/g, "\\$&") + "%"}`);
  if (f.target) where.push(eq(auditLog.target, f.target));
  if (f.ticketId) where.push(eq(auditLog.ticketId, f.ticketId));
  if (f.outcome) where.push(eq(auditLog.outcome, f.outcome));
  if (f.from) where.push(gte(auditLog.at, f.from));
  if (f.to) where.push(lte(auditLog.at, f.to));
  return db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(Math.min(f.limit ?? 200, 5000));
}
