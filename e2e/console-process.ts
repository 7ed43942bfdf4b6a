import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import type { Fleet } from "../lib/sim";

// Console servers that a spec starts, stops and kills itself (the production build via
// `node server.mjs`), beside the shared e2e server: for PostgreSQL, leader handover, crash and
// database-loss specs. Each runs in its own process group so the whole tree (npx → next) can be
// signalled at once.

export interface Instance {
  name: string;
  base: string;
  proc: ChildProcess;
  output: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `url` until it answers `status`; returns that response. */
export async function waitFor(url: string, status: number, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status === status) return r;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms`);
    await sleep(300);
  }
}

export async function waitUntil(what: string, fn: () => boolean, timeoutMs: number, detail?: () => unknown) {
  const until = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ""}`,
      );
    await sleep(50);
  }
}

/** The same for an asynchronous check. */
export async function waitUntilAsync(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
  detail?: () => unknown,
) {
  const until = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${JSON.stringify(detail())}` : ""}`,
      );
    await sleep(200);
  }
}

export function startInstance(name: string, port: number, env: NodeJS.ProcessEnv): Instance {
  const base = `http://localhost:${port}`;
  const proc = spawn(process.execPath, ["server.mjs", "-p", String(port)], {
    env: { ...env, NEXTAUTH_URL: base },
    stdio: "pipe",
    detached: true,
  });
  const inst: Instance = { name, base, proc, output: "" };
  proc.stdout!.on("data", (b: Buffer) => (inst.output += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (inst.output += b.toString()));
  return inst;
}

/** Waits until the instance is ready; on failure the error carries the end of its output. */
export async function waitReady(inst: Instance, timeoutMs = 60_000) {
  await waitFor(`${inst.base}/api/health/ready`, 200, timeoutMs).catch((err: Error) => {
    throw new Error(`${inst.name}: ${err.message}\nserver output:\n${inst.output.slice(-3000)}`);
  });
}

export function killGroup(inst: Instance | undefined, signal: NodeJS.Signals) {
  if (!inst?.proc.pid) return;
  try {
    process.kill(-inst.proc.pid, signal);
  } catch {
    /* already gone */
  }
}

/** Kills the whole tree with SIGKILL and waits until its leader has exited. */
export async function killHard(inst: Instance) {
  const exited =
    inst.proc.exitCode !== null || inst.proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => inst.proc.once("exit", () => r()));
  killGroup(inst, "SIGKILL");
  await exited;
}

/**
 * Writes a fleet config for `fleet` into `dir` and returns the environment a console needs to
 * poll it (production mode, a fresh session secret, the targets' tokens). `perTarget` adds
 * settings to single targets (e.g. a long timeout).
 */
export function consoleEnv(
  fleet: Fleet,
  dir: string,
  opts: {
    pollIntervalMs: number;
    timeoutMs: number;
    perTarget?: Record<string, Record<string, unknown>>;
    database: { url: string } | { dataDir: string };
    extra?: Record<string, string>;
  },
): NodeJS.ProcessEnv {
  const fleetEnv: Record<string, string> = {};
  const targets = fleet.systems.map((s) => {
    const tokenEnv = `SIM_TOKEN_${s.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
    fleetEnv[tokenEnv] = s.credential;
    return {
      name: s.name,
      kind: s.kind,
      label: s.name,
      baseUrl: s.url,
      simulated: true,
      credentials: { bearerTokenEnv: tokenEnv },
      ...opts.perTarget?.[s.name],
    };
  });
  writeFileSync(
    path.join(dir, "fleet.yaml"),
    stringify({ defaults: { pollIntervalMs: opts.pollIntervalMs, timeoutMs: opts.timeoutMs }, targets }),
  );
  return {
    ...process.env,
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    ...("url" in opts.database ? { DATABASE_URL: opts.database.url } : { WATCHFLOOR_DATA_DIR: opts.database.dataDir }),
    // One secret for every instance of this console, as behind a load balancer (and across restarts).
    NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
    WATCHFLOOR_FLEET_CONFIG: path.join(dir, "fleet.yaml"),
    ...fleetEnv,
    ...opts.extra,
  };
}

/** Creates a user with the CLI, against the console's database, before the servers start. */
export async function addUser(env: NodeJS.ProcessEnv, username: string, role: string, password: string) {
  const add = spawn(
    "npx",
    ["tsx", "--conditions=react-server", "scripts/users.ts", "add", username, "--role", role, "--password", password],
    { env, stdio: "pipe" },
  );
  let output = "";
  add.stdout!.on("data", (b: Buffer) => (output += b.toString()));
  add.stderr!.on("data", (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => add.on("exit", resolve));
  if (code !== 0) throw new Error(`adding user ${username} failed (exit ${code}):\n${output}`);
}
