import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { FleetConfig } from "../config/fleet";
import type { Report } from "./model";
import { recordProblem, ReportRecord, reportOf } from "./sources/schemas/report-record";

// Report ingest, the parts every receiver shares (lib/collector/receivers.ts): the body cap, gzip,
// the per-source token, and our own report envelope, validated with the one report record schema
// (sources/schemas/report-record.ts, shared with the log pull) so a record pushed or pulled is
// filed the same way. Shipped log lines take lib/telemetry/shipped instead.

export const MAX_INGEST_BYTES = 5 * 1024 * 1024;

// Tokens are compared as SHA-256 digests, so every comparison is of 32 bytes whatever the lengths
// (a length check first would tell a caller how long the token is), and every configured token is
// compared, so the time does not depend on which source matched or whether any did.
const digest = (v: string) => createHash("sha256").update(v).digest();

function tokenMatches(given: Buffer, expected: string): boolean {
  return timingSafeEqual(given, digest(expected));
}

/** Which configured source a bearer token belongs to, or null. */
export function sourceForToken(
  cfg: FleetConfig,
  token: string,
  secret: (name: string) => string | undefined,
): string | null {
  const given = digest(token);
  let found: string | null = null;
  for (const t of cfg.targets) {
    const name = t.credentials.ingestTokenEnv;
    const expected = name ? secret(name) : undefined;
    if (expected && tokenMatches(given, expected) && found === null && token.length > 0) found = t.name;
  }
  return found;
}

/** Un-gzips a body under the cap; other encodings are refused (415). */
export function decodeBody(
  raw: Buffer,
  contentEncoding: string | null,
): { ok: true; raw: Buffer } | { ok: false; status: 413 | 415 | 400; error: string } {
  const enc = (contentEncoding ?? "identity").trim().toLowerCase();
  if (enc === "identity" || enc === "") return { ok: true, raw };
  if (enc !== "gzip")
    return { ok: false, status: 415, error: `Content-Encoding "${enc}" is not supported (use gzip or none)` };
  try {
    return { ok: true, raw: gunzipSync(raw, { maxOutputLength: MAX_INGEST_BYTES }) };
  } catch (e) {
    const tooBig =
      (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || /maxOutputLength|buffer/i.test(String(e));
    return tooBig
      ? { ok: false, status: 413, error: `decompressed body exceeds ${MAX_INGEST_BYTES} bytes` }
      : { ok: false, status: 400, error: "body is not valid gzip" };
  }
}

/** One record in our report envelope → the report for `source`, or what is wrong with it. */
export function envelopeReport(
  value: unknown,
  source: string,
): { ok: true; report: Report } | { ok: false; error: string } {
  const parsed = ReportRecord.safeParse(value);
  if (!parsed.success) return { ok: false, error: recordProblem(parsed.error) };
  if (parsed.data.system && parsed.data.system !== source)
    return { ok: false, error: `system "${parsed.data.system}" does not match this token's source "${source}"` };
  return { ok: true, report: reportOf(parsed.data, source) };
}
