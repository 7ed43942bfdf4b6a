// Test harness: a real node_exporter (Debian package `prometheus-node-exporter`) run as an
// unprivileged child process on a free loopback port, never as the system service. Used by the
// generic exporter integration test, the e2e server and `npm run demo` (when it is installed).
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDaemon, type Daemon } from "./daemon";
import { freePort } from "./postgres";

export const NODE_EXPORTER_BIN = process.env.NODE_EXPORTER_BIN || "/usr/bin/prometheus-node-exporter";

export function nodeExporterInstalled(): boolean {
  return existsSync(NODE_EXPORTER_BIN);
}

export interface TestNodeExporter {
  /** Base URL, e.g. "http://127.0.0.1:41234" (metrics at /metrics). */
  url: string;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startNodeExporter(o: { port?: number; readyTimeoutMs?: number } = {}): Promise<TestNodeExporter> {
  if (!nodeExporterInstalled())
    throw new Error(
      `node_exporter not found at ${NODE_EXPORTER_BIN}: install prometheus-node-exporter (npm run deps:system)`,
    );
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "watchfloor-node-exporter-"));
  const url = `http://127.0.0.1:${port}`;
  const daemon: Daemon = await startDaemon({
    name: "node_exporter",
    bin: NODE_EXPORTER_BIN,
    // Loopback only; the textfile collector reads an empty directory of our own (the package's
    // default directory belongs to the system service).
    args: [`--web.listen-address=127.0.0.1:${port}`, `--collector.textfile.directory=${dir}`],
    logPath: path.join(dir, "node-exporter.log"),
    dir,
    url,
    readyPath: "/metrics",
    readyTimeoutMs: o.readyTimeoutMs ?? 15_000,
  });
  return { url, port, log: daemon.log, stop: daemon.stop };
}
