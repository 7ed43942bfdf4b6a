import "server-only";
import { getDb } from "../db";
import { requireRole, type Actor } from "../auth/roles";
import { listAudit, verifyAuditChain, type AuditFilter } from "./log";
import { exportAudit } from "./export";

/** Everyone signed in may read the audit log (viewers included): it is how on-call learns what happened. */
export async function getAuditView(actor: Actor | null, filter: AuditFilter) {
  requireRole(actor, "viewer");
  const db = await getDb();
  const [rows, chain] = await Promise.all([listAudit(db, filter), verifyAuditChain(db)]);
  return { rows, chain };
}

/** The filtered audit log as an NDJSON or CSV stream (authorised inside exportAudit). */
export async function exportAuditLog(
  actor: Actor | null,
  filter: AuditFilter,
  format: "ndjson" | "csv",
): Promise<ReadableStream<Uint8Array>> {
  return exportAudit(await getDb(), actor, filter, format);
}
