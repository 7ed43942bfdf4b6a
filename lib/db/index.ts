import "server-only";
import { env } from "../env";
import { openDatabase, type DbHandle } from "./client";

// The process-wide database handle, kept on globalThis so Next's module reloading and several
// route bundles share one PGlite instance (PGlite allows one opener per data directory).

const KEY = Symbol.for("watchfloor.db");
type Holder = { [KEY]?: Promise<DbHandle> };

export function getDatabase(): Promise<DbHandle> {
  const g = globalThis as Holder;
  if (!g[KEY]) {
    const e = env();
    g[KEY] = openDatabase({ url: e.DATABASE_URL, dataDir: e.WATCHFLOOR_DATA_DIR }).catch((err) => {
      delete g[KEY]; // let the next request retry (e.g. PostgreSQL was briefly down)
      throw err;
    });
  }
  return g[KEY];
}

export async function getDb() {
  return (await getDatabase()).db;
}

export type { Db, DbHandle } from "./client";
