// The simulator's virtual clock. Every state change in a simulated system runs from a timer on
// this clock, so a fleet advanced by the same amounts from the same seed ends in the same state,
// whether it is driven by hand (tests) or by a real-time driver running at some speed factor.

export interface TimerHandle {
  cancel(): void;
}

interface Timer {
  id: number;
  due: number;
  interval: number | null;
  fn: () => void;
  cancelled: boolean;
}

export class SimClock {
  private t: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private advancing = false;

  constructor(startMs: number) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  iso(): string {
    return new Date(this.t).toISOString();
  }

  /** Runs `fn` every `intervalMs`, first at now + (phaseMs ?? intervalMs). */
  every(intervalMs: number, fn: () => void, phaseMs?: number): TimerHandle {
    if (!(intervalMs > 0)) throw new Error(`interval must be positive, got ${intervalMs}`);
    return this.add(this.t + (phaseMs ?? intervalMs), intervalMs, fn);
  }

  /** Runs `fn` once at virtual time `timeMs` (or at the next advance if already past). */
  at(timeMs: number, fn: () => void): TimerHandle {
    return this.add(Math.max(timeMs, this.t), null, fn);
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this.t + Math.max(0, delayMs), fn);
  }

  private add(due: number, interval: number | null, fn: () => void): TimerHandle {
    const timer: Timer = { id: this.nextId++, due, interval, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
        this.timers = this.timers.filter((x) => x !== timer);
      },
    };
  }

  /**
   * Moves virtual time forward by `ms`, firing every due timer in time order (ties in creation
   * order). Timers created while advancing fire in the same call when they fall due before its end.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot advance by ${ms}`);
    if (this.advancing) throw new Error("advance() called from inside a timer");
    this.advancing = true;
    const target = this.t + ms;
    try {
      for (;;) {
        let next: Timer | undefined;
        for (const timer of this.timers) {
          if (timer.due > target) continue;
          if (!next || timer.due < next.due || (timer.due === next.due && timer.id < next.id)) next = timer;
        }
        if (!next) break;
        this.t = next.due;
        if (next.interval === null) {
          const fired = next;
          this.timers = this.timers.filter((x) => x !== fired);
        } else {
          next.due += next.interval;
        }
        next.fn();
      }
      this.t = target;
    } finally {
      this.advancing = false;
    }
  }

  pendingTimers(): number {
    return this.timers.length;
  }
}

/** Drives a clock from wall time at `speed` times real time. */
export function startRealtimeDriver(advance: (ms: number) => void, speed: number, stepMs = 100): { stop(): void } {
  let last = Date.now();
  const handle = setInterval(() => {
    const now = Date.now();
    const elapsed = now - last;
    last = now;
    advance(elapsed * speed);
  }, stepMs);
  handle.unref?.();
  return { stop: () => clearInterval(handle) };
}
