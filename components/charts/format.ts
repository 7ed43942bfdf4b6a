// Number and time formatting shared by the chart components (client and server safe).

export function fmtNum(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const s = Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return v < 0 ? `−${s}` : s;
}

export function fmtUnit(v: number | null | undefined, unit: string, digits = 2): string {
  const n = fmtNum(v, digits);
  if (n === "—" || !unit) return n;
  return unit === "%" ? `${n} %` : `${n} ${unit}`;
}

export function utcFull(t: number): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function utcTick(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs > 36 * 3_600_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 16);
}

export function relative(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ""}`.trim();
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** "1 warning", "3 warnings", "0 escalation criteria": a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? singular : plural}`;
}
