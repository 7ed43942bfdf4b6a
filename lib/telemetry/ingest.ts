import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { FleetConfig } from "../config/fleet";
import type { Report } from "./model";
import { recordProblem, ReportRecord, reportOf } from "./sources/schemas/report-record";

// NDJSON report ingest (POST /api/ingest), as log shippers send it: one JSON object per line,
// optionally gzip-compressed, with a per-source bearer token from the fleet config. Validation is
// per line with the one report record schema (sources/schemas/report-record.ts, shared with the
// log pull); the answer names every rejected line. Success is only answered once lines are stored.

export const MAX_INGEST_BYTES = 5 * 1024 * 1024;

export interface IngestRejection {
  line: number;
  error: string;
}

export interface IngestResult {
  status: 200 | 207 | 400 | 401 | 403 | 413 | 415;
  body: { stored?: number; duplicates?: number; accepted?: number; rejected?: IngestRejection[]; error?: string; source?: string };
}

// Tokens are compared as SHA-256 digests, so every comparison is of 32 bytes whatever the lengths
// (a length check first would tell a caller how long the token is), and every configured token is
// compared, so the time does not depend on which source matched or whether any did.
const digest = (v: string) => createHash("sha256").update(v).digest();

function tokenMatches(given: Buffer, expected: string): boolean {
  return timingSafeEqual(given, digest(expected));
}

/** Which configured source a bearer token belongs to, or null. */
export function sourceForToken(cfg: FleetConfig, token: string, secret: (name: string) => string | undefined): string | null {
  const given = digest(token);
  let found: string | null = null;
  for (const t of cfg.targets) {
    const name = t.credentials.ingestTokenEnv;
    const expected = name ? secret(name) : undefined;
    if (expected && tokenMatches(given, expected) && found === null && token.length > 0) found = t.name;
  }
  return found;
}

export function decodeBody(raw: Buffer, contentEncoding: string | null): { ok: true; text: string } | { ok: false; status: 413 | 415 | 400; error: string } {
  const enc = (contentEncoding ?? "identity").trim().toLowerCase();
  if (enc === "identity" || enc === "") return { ok: true, text: raw.toString("utf8") };
  if (enc !== "gzip") return { ok: false, status: 415, error: `Content-Encoding "${enc}" is not supported (use gzip or none)` };
  try {
    return { ok: true, text: gunzipSync(raw, { maxOutputLength: MAX_INGEST_BYTES }).toString("utf8") };
  } catch (e) {
    const tooBig = (e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || /maxOutputLength|buffer/i.test(String(e));
    return tooBig ? { ok: false, status: 413, error: `decompressed body exceeds ${MAX_INGEST_BYTES} bytes` } : { ok: false, status: 400, error: "body is not valid gzip" };
  }
}

/** Parses NDJSON into reports for `source`, collecting per-line rejections (1-based line numbers). */
export function parseIngestLines(text: string, source: string): { reports: Report[]; rejected: IngestRejection[] } {
  const reports: Report[] = [];
  const rejected: IngestRejection[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      rejected.push({ line: i + 1, error: "not valid JSON" });
      return;
    }
    const parsed = ReportRecord.safeParse(value);
    if (!parsed.success) {
      rejected.push({ line: i + 1, error: recordProblem(parsed.error) });
      return;
    }
    if (parsed.data.system && parsed.data.system !== source) {
      rejected.push({ line: i + 1, error: `system "${parsed.data.system}" does not match this token's source "${source}"` });
      return;
    }
    reports.push(reportOf(parsed.data, source));
  });
  return { reports, rejected };
}
