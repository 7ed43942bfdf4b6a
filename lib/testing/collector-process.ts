// `npm run collector` as a child process for tests that need real processes on one PostgreSQL
// (leadership, handover, a leader killed mid-send): its output kept, its instance id read from the
// start-up line, and kill -9 of its whole process tree (npx → tsx → node).
import { spawn, type ChildProcess } from "node:child_process";

export interface CollectorProcess {
  proc: ChildProcess;
  /** Everything it printed so far. */
  out: string;
  /** Its instance id, once it has printed "instance … started". */
  instance?: string;
}

export function startCollectorProcess(env: NodeJS.ProcessEnv): CollectorProcess {
  const entry: CollectorProcess = {
    proc: spawn("npx", ["tsx", "--conditions=react-server", "scripts/collector.ts"], {
      env,
      stdio: "pipe",
      detached: true,
    }),
    out: "",
  };
  const onData = (b: Buffer) => {
    entry.out += b.toString();
    const m = entry.out.match(/instance (watchfloor-[0-9a-f]+) started/);
    if (m) entry.instance = m[1];
  };
  entry.proc.stdout!.on("data", onData);
  entry.proc.stderr!.on("data", onData);
  return entry;
}

/** kill -9 of the process and its children (it was started in its own process group). */
export function killCollectorProcess(p: CollectorProcess): void {
  try {
    if (p.proc.pid) process.kill(-p.proc.pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}
