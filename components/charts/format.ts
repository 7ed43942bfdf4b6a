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

export function utcTick(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs > 36 * 3_600_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 16);
}

/** "1 warning", "3 warnings", "0 escalation criteria": a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? singular : plural}`;
}
