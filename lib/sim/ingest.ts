// Pushes NDJSON log records to the console's ingest endpoint. Records wait in an outbox until a
// 2xx answer; failures retry with exponential backoff; nothing is dropped.

export interface IngestTarget {
  url: string;
  token: string;
}

export interface IngestPusherOptions extends IngestTarget {
  batchSize?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
}

export interface IngestStats {
  outbox: number;
  delivered: number;
  batchesSent: number;
  failures: number;
  lastError: string | null;
  lastStatus: number | null;
}

export class IngestPusher {
  private outbox: string[] = [];
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  readonly stats: IngestStats = {
    outbox: 0,
    delivered: 0,
    batchesSent: 0,
    failures: 0,
    lastError: null,
    lastStatus: null,
  };

  constructor(private readonly opts: IngestPusherOptions) {}

  enqueue(lines: string[]): void {
    if (lines.length === 0) return;
    this.outbox.push(...lines);
    this.stats.outbox = this.outbox.length;
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (!this.running) void this.loop();
  }

  /** Resolves when the outbox is empty (or rejects after timeoutMs). */
  async flush(timeoutMs = 10_000): Promise<void> {
    if (this.outbox.length === 0 && !this.running) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`ingest outbox still holds ${this.outbox.length} records`)),
        timeoutMs,
      );
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.kick();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async loop(): Promise<void> {
    this.running = true;
    let attempt = 0;
    try {
      while (!this.stopped && this.outbox.length > 0) {
        const batch = this.outbox.slice(0, this.opts.batchSize ?? 200);
        let ok = false;
        try {
          const res = await fetch(this.opts.url, {
            method: "POST",
            headers: { "content-type": "application/x-ndjson", authorization: `Bearer ${this.opts.token}` },
            body: batch.join("\n") + "\n",
            signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
          });
          this.stats.lastStatus = res.status;
          await res.arrayBuffer().catch(() => undefined);
          ok = res.status >= 200 && res.status < 300;
          if (!ok) this.stats.lastError = `HTTP ${res.status}`;
        } catch (err) {
          this.stats.lastError = err instanceof Error ? err.message : String(err);
        }
        this.stats.batchesSent++;
        if (ok) {
          this.outbox.splice(0, batch.length);
          this.stats.delivered += batch.length;
          this.stats.outbox = this.outbox.length;
          attempt = 0;
          continue;
        }
        this.stats.failures++;
        const delay = Math.min(this.opts.retryMaxMs ?? 30_000, (this.opts.retryBaseMs ?? 500) * 2 ** attempt);
        attempt++;
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, delay);
          this.timer.unref?.();
        });
      }
    } finally {
      this.running = false;
      if (this.outbox.length === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
