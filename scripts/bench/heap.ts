// The live JavaScript heap of another Node process, read over the Chrome DevTools Protocol: the
// process runs with Node's inspector on loopback (`--inspect=127.0.0.1:0`, which prints
// "Debugger listening on ws://…" on its stderr), and this forces a full garbage collection
// (HeapProfiler.collectGarbage) before reading V8's heap usage (Runtime.getHeapUsage). What is
// left after a full collection is what the process still holds, not garbage waiting for V8.
// No bench code in the measured process. The WebSocket client is undici's (a dependency already;
// Node 20 has no global WebSocket).
import { WebSocket } from "undici";

/** Node option that opens the inspector on loopback, on a port the system picks. */
export const INSPECT_LOOPBACK = "--inspect=127.0.0.1:0";

const MiB = 1024 * 1024;

/** The inspector's WebSocket URL in a process's stderr text, if it is there yet. */
export function inspectorUrlFrom(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

/**
 * Collects a process's stderr (feed it the chunks) until the inspector's URL appears.
 * `url()` resolves with it, or rejects after `timeoutMs`.
 */
export function inspectorUrlWatcher(timeoutMs = 30_000) {
  let text = "";
  let found: string | undefined;
  let resolve!: (url: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return {
    feed(chunk: string | Buffer) {
      if (found) return;
      text += chunk.toString();
      found = inspectorUrlFrom(text);
      if (found) {
        text = "";
        resolve(found);
      } else if (text.length > 64 * 1024) text = text.slice(-1024);
    },
    url(): Promise<string> {
      if (found) return Promise.resolve(found);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no "Debugger listening on ws://…" line on stderr within ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

export interface HeapUsage {
  /** V8's used heap (Runtime.getHeapUsage usedSize), MiB. */
  usedMiB: number;
  /** V8's allocated heap (totalSize), MiB. */
  totalMiB: number;
}

export interface HeapProbe {
  /** The heap as it is, garbage included. */
  usage(): Promise<HeapUsage>;
  /** Forces a full collection, then reads the heap: the live heap. */
  liveAfterGc(): Promise<HeapUsage>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Connects to an inspector WebSocket URL. Calls time out after `callTimeoutMs` (a full GC of a big heap takes a while). */
export async function connectHeapProbe(
  wsUrl: string,
  o: { timeoutMs?: number; callTimeoutMs?: number } = {},
): Promise<HeapProbe> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const callTimeoutMs = o.callTimeoutMs ?? 60_000;
  const ws = new WebSocket(wsUrl);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closed: Error | undefined;
  const failAll = (err: Error) => {
    closed ??= err;
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      pending.delete(id);
      p.reject(err);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`could not connect to the inspector at ${wsUrl} within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.onopen = () => {
      clearTimeout(timer);
      resolve();
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`could not connect to the inspector at ${wsUrl}`));
    };
  });
  ws.onerror = () => failAll(new Error("inspector connection failed"));
  ws.onclose = () => failAll(new Error("inspector connection closed"));
  ws.onmessage = (ev) => {
    if (typeof ev.data !== "string") return;
    let msg: { id?: number; result?: unknown; error?: { message?: string } };
    try {
      msg = JSON.parse(ev.data) as typeof msg;
    } catch {
      return;
    }
    if (msg.id === undefined) return; // an event: nothing here enables any domain
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new Error(`inspector: ${msg.error.message ?? JSON.stringify(msg.error)}`));
    else p.resolve(msg.result);
  };

  const send = <T>(method: string, params: Record<string, unknown> = {}): Promise<T> => {
    if (closed) return Promise.reject(closed);
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector: ${method} not answered within ${callTimeoutMs} ms`));
      }, callTimeoutMs);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ id, method, params }));
    });
  };

  const usage = async (): Promise<HeapUsage> => {
    const r = await send<{ usedSize: number; totalSize: number }>("Runtime.getHeapUsage");
    return { usedMiB: r.usedSize / MiB, totalMiB: r.totalSize / MiB };
  };

  const probe: HeapProbe = {
    usage,
    async liveAfterGc() {
      await send("HeapProfiler.collectGarbage");
      return usage();
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      const done = new Promise<void>((r) => ws.addEventListener("close", () => r(), { once: true }));
      ws.close();
      await Promise.race([done, new Promise((r) => setTimeout(r, 2000))]);
      failAll(new Error("inspector connection closed"));
    },
  };
  return probe;
}
