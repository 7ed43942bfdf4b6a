import "server-only";
import { getDb } from "../db";
import { requireRole, type Actor } from "../auth/roles";
import { listAudit, verifyAuditChain, type AuditFilter } from "./log";

/** Everyone signed in may read the audit log (viewers included): it is how on-call learns what happened. */
export async function getAuditView(actor: Actor | null, filter: AuditFilter) {
  requireRole(actor, "viewer");
  const db = await getDb();
  const [rows, chain] = await Promise.all([listAudit(db, filter), verifyAuditChain(db)]);
  return { rows, chain };
}
