// Number grammar shared by the parser and the renderer.
//
// Values follow the OpenMetrics `number` rule, which is also what Prometheus 0.0.4 accepts in
// practice (Go's ParseFloat minus hex floats and digit separators): a decimal real number with an
// optional exponent, or NaN / [sign]Inf / [sign]Infinity in any letter case.

const REAL_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const REAL_NUMBER_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const INTEGER = /^[+-]?\d+$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export function isRealNumberText(token: string): boolean {
  return REAL_NUMBER.test(token);
}

/** A sample or exemplar value; `undefined` when the token is not a number or overflows float64. */
export function parseSampleValue(token: string): number | undefined {
  if (REAL_NUMBER.test(token)) {
    const v = Number(token);
    return Number.isFinite(v) ? v : undefined;
  }
  switch (token.toLowerCase()) {
    case "nan":
      return NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
    default:
      return undefined;
  }
}

/** Prometheus 0.0.4 timestamp: an int64 count of milliseconds. */
export function parsePromTimestamp(token: string): number | undefined {
  // Fast path for the usual case (up to 15 plain digits: exact in a double, far inside int64).
  const n = token.length;
  if (n > 0 && n <= 15) {
    let digits = true;
    for (let i = 0; i < n; i++) {
      const c = token.charCodeAt(i);
      if (c < 48 || c > 57) {
        digits = false;
        break;
      }
    }
    if (digits) return Number(token);
  }
  if (!INTEGER.test(token)) return undefined;
  const digits = token.replace(/^[+-]?0*/, "");
  if (digits.length > 19) return undefined;
  if (digits.length === 19) {
    const big = BigInt(token);
    if (big > INT64_MAX || big < INT64_MIN) return undefined;
  }
  const v = Number(token);
  return v === 0 ? 0 : v;
}

/**
 * OpenMetrics timestamp: a real number of seconds, returned as milliseconds. The decimal point is
 * moved textually (exponent + 3) so the result is the correctly rounded value of seconds × 1000,
 * not seconds rounded and then multiplied; this is what makes renderer round trips exact.
 */
export function parseOmTimestampMs(token: string): number | undefined {
  if (!REAL_NUMBER.test(token)) return undefined;
  const m = REAL_NUMBER_PARTS.exec(token);
  if (!m) return undefined;
  const sign = m[1] ?? "";
  const int = m[2] || "0";
  const frac = m[3] || "0";
  // Clamp absurd exponents; anything this large is 0 or out of range either way.
  const exp = Math.max(-100_000, Math.min(100_000, m[4] === undefined ? 0 : Number(m[4])));
  const v = Number(`${sign}${int}.${frac}e${exp + 3}`);
  if (!Number.isFinite(v)) return undefined;
  return v === 0 ? 0 : v;
}

export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (Object.is(v, -0)) return "-0";
  // JS shortest round-trip form ("12.5", "1e+21", "1.5e-7") is inside the grammar above.
  return String(v);
}

/** Milliseconds → 0.0.4 integer timestamp; fractions are rounded, non-finite is omitted. */
export function formatPromTimestamp(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(Math.round(ms)).toString();
}

/** Milliseconds → OpenMetrics seconds, shifting the decimal point textually (see parseOmTimestampMs). */
export function formatOmTimestamp(ms: number): string | undefined {
  if (!Number.isFinite(ms)) return undefined;
  if (ms === 0) return "0";
  const s = String(ms);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(s);
  if (!m) return String(ms / 1000);
  const sign = m[1] ?? "";
  const int = m[2] ?? "0";
  const frac = m[3] ?? "";
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  const digits = int + frac;
  const point = int.length + exp - 3;
  if (point > 25 || point < -25) {
    return `${sign}${int}${frac ? `.${frac}` : ""}e${exp - 3}`;
  }
  let body: string;
  if (point <= 0) body = `0.${"0".repeat(-point)}${digits}`;
  else if (point >= digits.length) body = digits + "0".repeat(point - digits.length);
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (body.includes(".")) body = body.replace(/0+$/, "").replace(/\.$/, "");
  return sign + body;
}
