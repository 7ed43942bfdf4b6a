// Test harness: a throwaway Alertmanager (Debian package `prometheus-alertmanager`) with its own
// generated configuration and storage in a temporary directory, on a loopback port, clustering off.
// The benchmark uses it to time the Prometheus → Alertmanager → receiver path beside Watchfloor's.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./postgres";

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN || "/usr/bin/prometheus-alertmanager";
export const AMTOOL_BIN = process.env.AMTOOL_BIN || "/usr/bin/amtool";

export interface StartTestAlertmanagerOptions {
  /** The alertmanager.yml content (an object; written as JSON, which is valid YAML). */
  config: Record<string, unknown>;
  /** Listen on this loopback port instead of a free one the harness picks. */
  port?: number;
  /** How long `/-/ready` may take; default 20 s. */
  readyTimeoutMs?: number;
}

export interface TestAlertmanager {
  url: string;
  port: number;
  dir: string;
  configPath: string;
  /** What `amtool check-config` printed (empty when amtool is not installed). */
  checkOutput: string;
  log(): string;
  stop(): Promise<void>;
}

export async function startTestAlertmanager(opts: StartTestAlertmanagerOptions): Promise<TestAlertmanager> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(`Alertmanager binary not found at ${ALERTMANAGER_BIN}: install the Debian package "prometheus-alertmanager", or set ALERTMANAGER_BIN.`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-am-"));
  const configPath = path.join(dir, "alertmanager.yml");
  writeFileSync(configPath, JSON.stringify(opts.config, null, 2));
  let checkOutput = "";
  if (existsSync(AMTOOL_BIN)) {
    const r = spawnSync(AMTOOL_BIN, ["check-config", configPath], { encoding: "utf8", timeout: 30_000 });
    checkOutput = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
    if (r.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`amtool check-config refused the generated configuration:\n${checkOutput}`);
    }
  }

  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const logPath = path.join(dir, "alertmanager.log");
  const logFd = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${configPath}`,
        `--storage.path=${path.join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // An empty cluster address turns gossip off: one instance, no port 9094.
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { stdio: ["ignore", logFd, logFd] },
    );
  } finally {
    closeSync(logFd);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.once("error", () => resolve());
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const log = () => {
    try {
      return readFileSync(logPath, "utf8");
    } catch {
      return "";
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener("exit", killOnExit);
    if (!exited) {
      child.kill("SIGTERM");
      await Promise.race([exitPromise, new Promise<void>((r) => setTimeout(r, 5_000).unref())]);
      if (!exited) {
        child.kill("SIGKILL");
        await exitPromise;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const timeout = opts.readyTimeoutMs ?? 20_000;
  const readyDeadline = Date.now() + timeout;
  for (;;) {
    if (exited) {
      const text = log();
      await stop();
      throw new Error(`alertmanager exited during start-up (${JSON.stringify(exited)}):\n${text.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > readyDeadline) {
      const text = log();
      await stop();
      throw new Error(`alertmanager not ready within ${timeout} ms:\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, port, dir, configPath, checkOutput, log, stop };
}
