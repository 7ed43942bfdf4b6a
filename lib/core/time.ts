// How the console writes times and ages, on every screen and in every message: clock times in
// UTC (the trading systems log in UTC, so a time on screen can be found in their logs), ages and
// durations in words a person reads at a glance. Client and server safe.

const iso = (t: number) => new Date(t).toISOString();

/** "2026-11-21T13:01:00Z": seconds kept, milliseconds dropped (exports, datetime attributes). */
export function isoSeconds(t: number): string {
  return iso(t).replace(/\.\d{3}Z$/, "Z");
}

/** "13:01:00 UTC". */
export function utcClock(t: number): string {
  return `${iso(t).slice(11, 19)} UTC`;
}

/** "2026-11-21 13:01:00 UTC". */
export function utcDateTime(t: number): string {
  const s = iso(t);
  return `${s.slice(0, 10)} ${s.slice(11, 19)} UTC`;
}

/** "2026-11-21 13:01 UTC". */
export function utcMinute(t: number): string {
  const s = iso(t);
  return `${s.slice(0, 10)} ${s.slice(11, 16)} UTC`;
}

/** An age at a glance, as the board shows it: "12 s", "4 min", "2 h 5 min", "3 d". */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d`;
}

/** A duration or countdown to the second: "59 s", "1 min 30 s", "2 h 5 min", "3 d 4 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
