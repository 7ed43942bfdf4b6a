// Runs a server binary for tests and benchmarks (Prometheus, Alertmanager): output to a log file,
// killed if this process exits first, ready once GET <url>/-/ready answers 200, and stop() that
// asks politely, then kills, then removes the working directory.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";

export interface Daemon {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

export async function startDaemon(o: {
  name: string;
  bin: string;
  args: string[];
  logPath: string;
  dir: string;
  url: string;
  readyTimeoutMs: number;
  /** Path that answers 200 once the server is ready (default /-/ready). */
  readyPath?: string;
}): Promise<Daemon> {
  const logFd = openSync(o.logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(o.bin, o.args, { stdio: ["ignore", logFd, logFd] });
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
  // If this process dies without stop(), do not leave a server behind.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const log = () => {
    try {
      return readFileSync(o.logPath, "utf8");
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
    rmSync(o.dir, { recursive: true, force: true });
  };

  const readyDeadline = Date.now() + o.readyTimeoutMs;
  for (;;) {
    if (exited) {
      const text = log();
      await stop();
      throw new Error(`${o.name} exited during start-up (${JSON.stringify(exited)}):\n${text.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${o.url}${o.readyPath ?? "/-/ready"}`, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > readyDeadline) {
      const text = log();
      await stop();
      throw new Error(`${o.name} not ready within ${o.readyTimeoutMs} ms:\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, log, stop };
}
