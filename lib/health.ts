import "server-only";
import { sql } from "drizzle-orm";
import { getDatabase } from "./db";
import { migrationsApplied } from "./db/client";

export interface Readiness {
  status: "ok" | "unavailable";
  /** Why the console is not ready, in one line (absent when ready). */
  reason?: string;
  database: { kind?: "pglite" | "postgres"; reachable: boolean; migrated?: boolean; detail?: string };
}

const TIMEOUT_MS = 3000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref(),
    ),
  ]);
}

export async function checkReadiness(): Promise<Readiness> {
  try {
    const handle = await withTimeout(getDatabase(), "database");
    await withTimeout(handle.db.execute(sql`select 1`), "database");
    const m = await withTimeout(migrationsApplied(handle), "database");
    if (!m.ok) {
      const detail = `${m.applied} of ${m.expected} migrations applied`;
      return {
        status: "unavailable",
        reason: `database not migrated: ${detail}`,
        database: { kind: handle.kind, reachable: true, migrated: false, detail },
      };
    }
    return { status: "ok", database: { kind: handle.kind, reachable: true, migrated: true } };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { status: "unavailable", reason: `database unreachable: ${detail}`, database: { reachable: false, detail } };
  }
}
