import type { Rng } from "./rng";

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export const round2 = (v: number): number => Math.round(v * 100) / 100;
export const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
export const round6 = (v: number): number => Math.round(v * 1_000_000) / 1_000_000;

/** Reference prices for common symbols; anything else starts at 10. */
const BASE_PRICES: Record<string, number> = {
  BTC: 64_000,
  XBT: 64_000,
  ETH: 3_200,
  SOL: 150,
  XRP: 0.6,
  ADA: 0.45,
  DOGE: 0.16,
  AVAX: 36,
  LINK: 18,
  LTC: 85,
  DOT: 7,
  MATIC: 0.7,
};

export function basePrice(symbol: string): number {
  const m = /([A-Z]+)[-_/]?USD/.exec(symbol.replace(/^PF_/, ""));
  const coin = m?.[1] ?? symbol;
  return BASE_PRICES[coin] ?? 10;
}

/** Geometric random walk with a small pull back to the reference price. */
export class PriceBook {
  private prices = new Map<string, number>();

  constructor(
    private readonly rng: Rng,
    private readonly volatility = 0.0015,
  ) {}

  get(symbol: string): number {
    let p = this.prices.get(symbol);
    if (p === undefined) {
      p = basePrice(symbol);
      this.prices.set(symbol, p);
    }
    return p;
  }

  step(): void {
    for (const [symbol, p] of this.prices) {
      const ref = basePrice(symbol);
      const drift = 0.01 * Math.log(ref / p);
      this.prices.set(symbol, p * Math.exp(drift + this.rng.normal(0, this.volatility)));
    }
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.prices);
  }
}

export interface LogEvent {
  ts: string;
  level: "info" | "warn" | "error" | "critical";
  source: string;
  message: string;
  [field: string]: unknown;
}

/** Bounded list of recent log events. */
export class EventLog {
  private items: LogEvent[] = [];
  constructor(private readonly max = 100) {}
  push(e: LogEvent): void {
    this.items.push(e);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }
  recent(n = 50): LogEvent[] {
    return this.items.slice(-n);
  }
  clear(): void {
    this.items = [];
  }
}
