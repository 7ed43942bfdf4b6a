// How the incident room, the communication update and the postmortem write times and values:
// times in UTC as the console shows them, values with the precision a person can use — never an
// epoch in milliseconds or a float's last seventeen digits. (Time words: lib/core/time.ts.)

import { isoSeconds } from "../core/time";

// A whole number in this range reads as a time in epoch milliseconds (2001 … 2286).
const EPOCH_MS_MIN = 1_000_000_000_000;
const EPOCH_MS_MAX = 9_999_999_999_999;

/** True when a number is most likely a time in epoch milliseconds. */
export function looksLikeEpochMs(v: number): boolean {
  return Number.isInteger(v) && v >= EPOCH_MS_MIN && v <= EPOCH_MS_MAX;
}

/** A number rounded for people: four significant digits below 100, two decimals above. */
export function roundValue(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  if (Math.abs(v) >= 100) return Math.round(v * 100) / 100;
  return Number(v.toPrecision(4));
}

/** A telemetry or evidence value as text: times as UTC, numbers rounded, the rest as written. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "not a number";
    if (looksLikeEpochMs(v)) return isoSeconds(v);
    return String(roundValue(v));
  }
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

// The entity a control acts on reads first: "symbol=BTC-USD, mode=HARD_HALT".
const FIRST = ["symbol", "profileId", "profile", "orderId"];

/** `k=v, k=v` for control parameters: the entity first, then the rest by name (stored order varies by database). */
export function formatParams(params: Record<string, unknown>): string {
  const rank = (k: string) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
  return Object.entries(params)
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(", ");
}

/**
 * Free text from elsewhere (a rule's summary, a target's answer) with its numbers made readable:
 * long floats rounded, epoch milliseconds written as UTC times. Other text is left alone.
 */
export function tidyText(text: string): string {
  return text
    .replace(/(?<![\w.])-?\d+\.\d{5,}(?![\w.])/g, (m) => formatValue(Number(m)))
    .replace(/(?<![\w.])1\d{12}(?![\w.])/g, (m) => isoSeconds(Number(m)));
}
