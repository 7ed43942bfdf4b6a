import { createHash } from "node:crypto";

// Pure hash-chain helpers: canonical JSON and the row hash. Kept free of I/O so they can be
// tested densely and reused by the verify routine and exports.

export const GENESIS_HASH = "0".repeat(64);

/** JSON with object keys sorted at every depth, no insignificant whitespace; undefined dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** The content of an audit row that its hash covers (everything but seq and the hashes). */
export interface AuditContent {
  at: string; // ISO-8601 with milliseconds
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  sessionId: string | null;
  clientAddress: string | null;
  action: string;
  target: string | null;
  params: unknown;
  reason: string | null;
  ticketId: string | null;
  idempotencyKey: string | null;
  approval: unknown;
  outcome: string;
  responseSummary: string | null;
}

export function hashAuditRow(prevHash: string, content: AuditContent): string {
  return createHash("sha256").update(prevHash).update("\n").update(canonicalJson(content)).digest("hex");
}
