// The console's own pauses: stretches of time in which this process did not run (a long garbage
// collection, a busy CPU, a blocked event loop). A poll that was due during such a pause could not
// be made, and its answer may be waiting unread in a socket; when the process runs again its
// timers fire before that answer is read. Without this, every source would turn stale for an
// instant after each pause, and every finding that reads them Unknown, although no source failed.
// Freshness therefore leaves the console's own pauses out of a source's age (freshnessOf): a
// source is stale when it missed two intervals in which the console was running. A source that
// has really gone stays out of "ok" for at most one timeout longer: its next poll fails.

/** Time the console was paused between `from` and `to` (ms, same clock as both). */
export type PausedMs = (from: number, to: number) => number;

export const NO_PAUSES: PausedMs = () => 0;

interface Pause {
  from: number;
  to: number;
}

export interface PauseTrackerOptions {
  /** How often the heartbeat runs (ms). */
  beatMs?: number;
  /** A gap longer than the heartbeat by more than this counts as a pause (ms). */
  minPauseMs?: number;
  /** Pauses older than this are forgotten (ms): older than any source's staleness window. */
  keepMs?: number;
  /** The clock sources' times are on (wall clock by default). */
  now?: () => number;
  /**
   * The clock gaps are measured on: monotonic by default, so a wall-clock step (an NTP correction)
   * is not taken for a pause, nor hides one; with a given `now`, that clock.
   */
  mono?: () => number;
}

export class PauseTracker {
  private readonly beatMs: number;
  private readonly minPauseMs: number;
  private readonly keepMs: number;
  private readonly now: () => number;
  private readonly mono: () => number;
  private last: number;
  private pauses: Pause[] = [];
  private timer?: NodeJS.Timeout;

  constructor(o: PauseTrackerOptions = {}) {
    this.beatMs = o.beatMs ?? 100;
    this.minPauseMs = o.minPauseMs ?? 250;
    this.keepMs = o.keepMs ?? 15 * 60_000;
    this.now = o.now ?? Date.now;
    this.mono = o.mono ?? (o.now ? o.now : () => performance.now());
    this.last = this.mono();
  }

  start(): void {
    if (this.timer) return;
    this.last = this.mono();
    this.timer = setInterval(() => this.beat(), this.beatMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Notes that the process is running now. Called by the heartbeat and by every question about
   * pauses, so a pause is known to whichever timer runs first after it.
   */
  beat(): void {
    const m = this.mono();
    if (!this.timer) {
      this.last = m;
      return;
    }
    const gap = m - this.last;
    this.last = m;
    const t = this.now();
    if (gap > this.beatMs + this.minPauseMs) this.pauses.push({ from: t - (gap - this.beatMs), to: t });
    const horizon = t - this.keepMs;
    while (this.pauses.length && this.pauses[0]!.to < horizon) this.pauses.shift();
  }

  /** How long the console was paused between `from` and `to`. */
  readonly pausedMs: PausedMs = (from, to) => {
    this.beat();
    let total = 0;
    for (const p of this.pauses) {
      const a = Math.max(p.from, from);
      const b = Math.min(p.to, to);
      if (b > a) total += b - a;
    }
    return total;
  };

  /** Every pause still remembered (for the sources screen and tests). */
  recent(): readonly Pause[] {
    return this.pauses;
  }
}
