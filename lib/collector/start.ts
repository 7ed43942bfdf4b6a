import "server-only";
import { getFleetConfig } from "../config/current";
import { getDatabase } from "../db";
import { env, readNamedSecret } from "../env";
import { pollerFor } from "../telemetry/sources/pollers";
import { CollectorRuntime, getRuntime, setRuntime } from "./runtime";

/**
 * Starts this process's collector runtime once: it leads (polls) with the embedded database, and
 * with PostgreSQL it leads only while it holds the collector lock.
 */
export async function startCollector(opts: { instanceId?: string } = {}): Promise<CollectorRuntime> {
  const existing = getRuntime();
  if (existing) return existing;
  const handle = await getDatabase();
  const rt = new CollectorRuntime({
    config: getFleetConfig(),
    db: handle.db,
    databaseUrl: env().DATABASE_URL,
    pollerFor,
    secret: readNamedSecret,
    instanceId: opts.instanceId,
    consoleUrl: env().NEXTAUTH_URL,
  });
  setRuntime(rt);
  await rt.start();
  return rt;
}
