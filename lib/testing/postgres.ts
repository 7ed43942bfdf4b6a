// Test harness: a throwaway real PostgreSQL 15 server in a temporary directory on a free loopback
// port, started as the `postgres` user when we are root (initdb refuses to run as root).
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const PG_BIN = process.env.PG_BIN_DIR || "/usr/lib/postgresql/15/bin";

export interface TestPostgres {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its data, so it can be started again (database-loss tests). */
  pause(): void;
  resume(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

function pgUserIds(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

export async function startTestPostgres(): Promise<TestPostgres> {
  if (!existsSync(path.join(PG_BIN, "pg_ctl"))) {
    throw new Error(
      `PostgreSQL 15 server binaries not found in ${PG_BIN}: install the Debian package "postgresql" (npm test installs it when run as root).`,
    );
  }
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-pg-"));
  const ids = asRoot ? pgUserIds() : null;
  if (asRoot && !ids) throw new Error('Running as root but there is no "postgres" user to run the server as.');
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const run = (bin: string, args: string[]) => {
    const full = path.join(PG_BIN, bin);
    const r = asRoot
      ? spawnSync("runuser", ["-u", "postgres", "--", full, ...args], { encoding: "utf8" })
      : spawnSync(full, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${bin} failed (exit ${r.status}): ${r.stderr || r.stdout}`);
  };
  const data = path.join(dir, "data");
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const start = () =>
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(dir, "log"),
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      "-w",
      "start",
    ]);
  const stopServer = () => {
    try {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } catch {
      /* already stopped */
    }
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    pause: stopServer,
    resume: start,
    async stop() {
      stopServer();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the server, so tests do not see each other's rows. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const { default: postgres } = await import("postgres");
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await sql.end();
  }
  return serverUrl.replace(/\/[^/]*$/, `/${name}`);
}
