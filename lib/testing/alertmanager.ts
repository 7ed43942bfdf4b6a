// Test harness: a throwaway Alertmanager (Debian package `prometheus-alertmanager`) with its own
// generated configuration and storage in a temporary directory, on a loopback port, clustering off.
// The benchmark uses it to time the Prometheus → Alertmanager → receiver path beside Watchfloor's.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./postgres";
import { startDaemon } from "./daemon";

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
    throw new Error(
      `Alertmanager binary not found at ${ALERTMANAGER_BIN}: install the Debian package "prometheus-alertmanager", or set ALERTMANAGER_BIN.`,
    );
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
  const { log, stop } = await startDaemon({
    name: "alertmanager",
    bin: ALERTMANAGER_BIN,
    args: [
      `--config.file=${configPath}`,
      `--storage.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty cluster address turns gossip off: one instance, no port 9094.
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    logPath,
    dir,
    url,
    readyTimeoutMs: opts.readyTimeoutMs ?? 20_000,
  });
  return { url, port, dir, configPath, checkOutput, log, stop };
}
