// Starts what the benchmark measures: the simulated fleet (in this process, ephemeral ports), a
// throwaway embedded database with one viewer, and the production server (`node server.mjs`).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { serverNodeArgs } from "../server-node-args";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { openDatabase } from "../../lib/db/client";
import { createUser } from "../../lib/users/service";
import { createShareLink } from "../../lib/share/service";
import type { Actor } from "../../lib/auth/roles";
import { loadSimFleetConfig, startFleet, type Fleet } from "../../lib/sim";

export const BENCH_USER = { username: "bench-viewer", password: "bench-viewer-pass-123456" };
export const BENCH_COMMANDER = { username: "bench-commander", password: "bench-commander-pass-123456" };

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(tsx?|css|js|mjs|json)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds the production server when there is no build or the sources are newer than it. */
export function buildIfNeeded(root: string, force: boolean): { built: boolean; seconds: number } {
  const id = path.join(root, ".next/BUILD_ID");
  const stale =
    force ||
    !existsSync(id) ||
    Math.max(
      ...["app", "components", "lib", "public"].map((d) => newestMtime(path.join(root, d))),
      statSync(path.join(root, "next.config.ts")).mtimeMs,
    ) > statSync(id).mtimeMs;
  if (!stale) return { built: false, seconds: 0 };
  const busy = spawnSync("pgrep", ["-af", "next build"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((l) => l.includes(root));
  if (busy.length) throw new Error(`another "next build" is running in ${root}; wait for it to finish`);
  console.log("Building the production server (next build)…");
  const t0 = Date.now();
  const r = spawnSync("npx", ["next", "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
  return { built: true, seconds: (Date.now() - t0) / 1000 };
}

export interface BenchServer {
  baseUrl: string;
  port: number;
  fleet: Fleet;
  /** The process serving HTTP (for /proc readings). */
  serverPid: () => number[];
  /** Every console instance (the first is the one above): one unless morePorts was given. */
  instances: Array<{ baseUrl: string; serverPid: () => number[] }>;
  pollIntervalMs: number;
  cookie: string;
  /** Path of a whole-board share link a commander created (`/status/<token>`), for the status view. */
  statusPath: string;
  /** The embedded database's directory (removed by stop()). */
  dataDir: string;
  /** Stops the server only (the fleet keeps running, the data stays): e.g. to read the database afterwards. */
  stopServer(): Promise<void>;
  stop(): Promise<void>;
}

/** Every descendant of `pid` (the server and anything it starts), by parent id in /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parent.set(Number(e), ppid);
    } catch {
      /* gone */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [child, pp] of parent) if (pp === out[i]) out.push(child);
  return out;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not ready at ${url} after ${timeoutMs} ms (${last})`);
}

/** Signs in through next-auth's credentials endpoint and returns the Cookie header value. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const header = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const r = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: header(), Origin: baseUrl },
    body: new URLSearchParams({ csrfToken, username, password, json: "true", callbackUrl: baseUrl }).toString(),
  });
  keep(r);
  const session = [...jar.keys()].find((k) => k.endsWith("next-auth.session-token"));
  if (!session) throw new Error(`sign-in failed (HTTP ${r.status}); cookies: ${[...jar.keys()].join(", ")}`);
  return `${session}=${jar.get(session)}`;
}

export async function startBenchServer(o: {
  root: string;
  port: number;
  pollIntervalMs: number;
  seed: number;
  /** A bearer token for /api/ingest, given to the fleet's futures bots (their reports). */
  ingestToken?: string;
  /** The fleet config's `notify` section (paging), and environment its channels name. */
  notify?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Node options for the server process, before "server.mjs" (after serverNodeArgs()), e.g. `--inspect=127.0.0.1:0`. */
  nodeArgs?: string[];
  /** Called with every chunk the server writes on its stderr (e.g. to read the inspector's URL). */
  onStderr?: (chunk: Buffer) => void;
  /** PostgreSQL instead of the embedded database (seeded here, shared by every instance). */
  databaseUrl?: string;
  /** More console instances on these ports, on the same database (needs databaseUrl): followers of the first. */
  morePorts?: number[];
}): Promise<BenchServer> {
  if (o.morePorts?.length && !o.databaseUrl) throw new Error("more than one instance needs a PostgreSQL databaseUrl");
  const dataDir = mkdtempSync(path.join(tmpdir(), "watchfloor-bench-"));
  const h = await openDatabase(o.databaseUrl ? { url: o.databaseUrl } : { dataDir });
  const system: Actor = { id: "system", username: "system:bench", displayName: "bench", role: "admin" };
  await createUser(h.db, system, {
    username: BENCH_USER.username,
    displayName: "Bench Viewer",
    password: BENCH_USER.password,
    role: "viewer",
  });
  // The status view needs a share link, which only a commander may create: through the service,
  // as the share page would, before the server opens the database.
  const commander = await createUser(h.db, system, {
    username: BENCH_COMMANDER.username,
    displayName: "Bench Commander",
    password: BENCH_COMMANDER.password,
    role: "commander",
  });
  const share = await createShareLink(
    { db: h.db, config: { share: { defaultHours: 24, maxHours: 24 * 7 } } },
    { id: commander.id, username: commander.username, displayName: commander.displayName, role: "commander" },
    { scope: "board", label: "bench status view", hours: 24 },
  );
  await h.close();

  const fleet = await startFleet({
    config: loadSimFleetConfig(path.join(o.root, "config/sim-fleet.yaml")),
    seed: o.seed,
    clock: { speed: 1 },
    portBase: 0,
    host: "127.0.0.1",
  });
  const fleetEnv: Record<string, string> = {};
  const targets = fleet.systems.map((s) => {
    const tokenEnv = `SIM_TOKEN_${s.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    fleetEnv[tokenEnv] = s.credential;
    const ingest = o.ingestToken && s.kind === "futures-bot" ? { ingestTokenEnv: "BENCH_INGEST_TOKEN" } : {};
    return {
      name: s.name,
      kind: s.kind,
      label: s.name,
      baseUrl: s.url,
      simulated: true,
      pollIntervalMs: o.pollIntervalMs,
      credentials: { bearerTokenEnv: tokenEnv, ...ingest },
    };
  });
  const fleetFile = path.join(dataDir, "fleet.yaml");
  writeFileSync(
    fleetFile,
    stringify({
      defaults: { pollIntervalMs: o.pollIntervalMs, timeoutMs: Math.min(1500, o.pollIntervalMs) },
      targets,
      ...(o.notify ? { notify: o.notify } : {}),
    }),
  );

  const baseUrl = `http://127.0.0.1:${o.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    WATCHFLOOR_DATA_DIR: dataDir,
    NEXTAUTH_URL: baseUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    WATCHFLOOR_FLEET_CONFIG: fleetFile,
    SIGNIN_MAX_FAILURES: "50",
    ...fleetEnv,
    ...(o.ingestToken ? { BENCH_INGEST_TOKEN: o.ingestToken } : {}),
    ...o.env,
  };
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  else delete env.DATABASE_URL;
  delete env.OIDC_ISSUER;
  delete env.OIDC_CLIENT_ID;
  delete env.OIDC_CLIENT_SECRET;
  const log: string[] = [];
  const keepLog = (b: Buffer) => {
    log.push(b.toString());
    if (log.length > 200) log.shift();
  };
  const launch = (port: number) => {
    const child: ChildProcess = spawn(
      process.execPath,
      [...serverNodeArgs(), ...(o.nodeArgs ?? []), "server.mjs", "-p", String(port), "-H", "127.0.0.1"],
      {
        cwd: o.root,
        env: { ...env, NEXTAUTH_URL: `http://127.0.0.1:${port}` },
        stdio: ["ignore", "pipe", "pipe"],
        detached: false,
      },
    );
    child.stdout!.on("data", keepLog);
    child.stderr!.on("data", keepLog);
    if (o.onStderr && port === o.port) child.stderr!.on("data", o.onStderr);
    let exited = false;
    child.on("exit", () => {
      exited = true;
    });
    const stop = async () => {
      if (!exited && child.pid) {
        for (const pid of descendants(child.pid).reverse()) {
          try {
            process.kill(pid, "SIGTERM");
          } catch {
            /* gone */
          }
        }
        await Promise.race([new Promise((r) => child.once("exit", r)), new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill("SIGKILL");
      }
    };
    return { port, baseUrl: `http://127.0.0.1:${port}`, child, stop };
  };
  // The first instance starts alone (it takes the collector lock and leads); the others follow.
  const first = launch(o.port);
  const launched = [first];
  const server = first.child;
  const stopServer = async () => {
    await Promise.all(launched.map((l) => l.stop()));
  };
  const stop = async () => {
    await stopServer();
    await fleet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitReady(`${baseUrl}/api/health/ready`, 60_000);
    for (const port of o.morePorts ?? []) {
      const l = launch(port);
      launched.push(l);
      await waitReady(`${l.baseUrl}/api/health/ready`, 60_000);
    }
    const cookie = await signIn(baseUrl, BENCH_USER.username, BENCH_USER.password);
    return {
      instances: launched.map((l) => ({
        baseUrl: l.baseUrl,
        serverPid: () => (l.child.pid ? descendants(l.child.pid) : []),
      })),
      baseUrl,
      port: o.port,
      fleet,
      serverPid: () => (server.pid ? descendants(server.pid) : []),
      pollIntervalMs: o.pollIntervalMs,
      cookie,
      statusPath: `/status/${share.token}`,
      dataDir,
      stopServer,
      stop,
    };
  } catch (err) {
    console.error(log.join("").slice(-4000));
    await stop();
    throw err;
  }
}
