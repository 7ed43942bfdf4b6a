import "server-only";
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import * as schema from "./schema";

// One database handle per process: PGlite (embedded, the default) or postgres.js against any
// PostgreSQL when DATABASE_URL is set. Migrations run when the handle is opened.

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DbHandle {
  db: Db;
  kind: "pglite" | "postgres";
  /** The PostgreSQL URL (postgres only). */
  url?: string;
  /** Runs a raw SQL string (several statements allowed). For tests and maintenance only. */
  exec(sqlText: string): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; when absent, PGlite is used. */
  url?: string;
  /** PGlite data directory; `memory://` for an in-memory database. */
  dataDir?: string;
  migrate?: boolean;
}

export const MIGRATIONS_DIR = path.join(process.cwd(), "lib/db/migrations");
const MIGRATION_LOCK_KEY = 7_243_001;

export class DatabaseInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is open in another process (pid ${pid}). ` +
        `Stop that process first (the embedded database allows one process at a time), or use DATABASE_URL with PostgreSQL.`,
    );
    this.name = "DatabaseInUseError";
  }
}

/** The one-letter state Linux gives `pid` in /proc ("R", "S", "Z" …), or null where it cannot be read. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).charAt(0);
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is a running process. A zombie (exited, not yet reaped: after a kill -9 its parent
 * may be gone and nothing reaps it) still answers signal 0 but holds nothing open, so on Linux its
 * state in /proc decides.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  const state = processState(pid);
  if (state === null) return !existsSync("/proc/self/stat"); // no /proc here: signal 0 is all there is
  return state !== "Z" && state !== "X";
}

/** PGlite allows a single process per data directory; a pid file makes a second opener fail clearly. */
function claimDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, "watchfloor.pid");
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (pid && pid !== process.pid && processAlive(pid)) throw new DatabaseInUseError(dir, pid);
  } catch (err) {
    if (err instanceof DatabaseInUseError) throw err;
  }
  writeFileSync(pidFile, String(process.pid));
  return () => {
    try {
      if (readFileSync(pidFile, "utf8").trim() === String(process.pid)) rmSync(pidFile);
    } catch {
      /* already gone */
    }
  };
}

export async function openDatabase(opts: OpenOptions): Promise<DbHandle> {
  const handle = opts.url ? await openPostgres(opts.url) : await openPglite(opts.dataDir ?? "./data");
  if (opts.migrate !== false) {
    try {
      await runMigrations(handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

async function openPglite(dataDir: string): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const inMemory = dataDir.startsWith("memory://");
  const release = inMemory ? () => {} : claimDataDir(path.resolve(dataDir));
  const client = inMemory ? new PGlite() : new PGlite(path.resolve(dataDir, "pglite"));
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    exec: async (text) => {
      await client.exec(text);
    },
    close: async () => {
      await client.close();
      release();
    },
  };
}

async function openPostgres(url: string): Promise<DbHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const client = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 10 });
  const db = drizzle(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    url,
    exec: async (text) => {
      await client.unsafe(text);
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/** Applies pending migrations. On PostgreSQL an advisory lock keeps concurrent instances from racing. */
export async function runMigrations(handle: DbHandle): Promise<void> {
  if (handle.kind === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  // A session advisory lock must be taken and released on one connection: use a pool of one.
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const one = postgres(handle.url!, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await one`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migrate(drizzle(one), { migrationsFolder: MIGRATIONS_DIR });
    await one`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await one.end({ timeout: 5 });
  }
}

/** Rows of a `db.execute` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}

/** True when every migration on disk has been applied. */
export async function migrationsApplied(handle: DbHandle): Promise<{ ok: boolean; applied: number; expected: number }> {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  const list = rowsOf<{ n: number }>(
    await handle.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`),
  );
  const applied = Number(list[0]?.n ?? 0);
  return { ok: applied >= journal.entries.length, applied, expected: journal.entries.length };
}
