// A fixed-window failure counter: `max` events per key within `windowMs`, then blocked until the
// window ends. In-memory per process (each console instance limits on its own).

export class FailureLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it is not blocked. */
  blockedFor(key: string): number {
    const h = this.hits.get(key);
    if (!h) return 0;
    const t = this.now();
    if (t >= h.resetAt) {
      this.hits.delete(key);
      return 0;
    }
    return h.count >= this.max ? h.resetAt - t : 0;
  }

  record(key: string): void {
    const t = this.now();
    const h = this.hits.get(key);
    if (!h || t >= h.resetAt) this.hits.set(key, { count: 1, resetAt: t + this.windowMs });
    else h.count++;
    if (this.hits.size > 10_000) this.prune(t);
  }

  reset(key: string): void {
    this.hits.delete(key);
  }

  private prune(t: number) {
    for (const [k, h] of this.hits) if (t >= h.resetAt) this.hits.delete(k);
  }
}
