import "server-only";
import { getFleetConfig } from "../config/current";
import { getDb } from "../db";
import { readNamedSecret } from "../env";
import { decodeBody, MAX_INGEST_BYTES, parseIngestLines, sourceForToken, type IngestResult } from "../telemetry/ingest";
import { storeReports } from "./history";
import { publishReports } from "./runtime";

// Push ingest (POST /api/ingest) enters the collector here, beside the pollers' path: the
// telemetry layer parses the NDJSON, the collector stores and publishes the reports.

/**
 * Accepts one ingest request. The bearer token identifies the source; lines are validated one by
 * one; valid lines are stored (once per id) before the answer says so.
 */
export async function acceptIngest(authorization: string | null, raw: Buffer | null, contentEncoding: string | null): Promise<IngestResult> {
  const m = authorization?.match(/^Bearer\s+(\S+)$/i);
  if (!m) return { status: 401, body: { error: "missing bearer token (Authorization: Bearer <ingest token>)" } };
  const source = sourceForToken(getFleetConfig(), m[1]!, readNamedSecret);
  if (!source) return { status: 403, body: { error: "this token is not an ingest token of any configured source" } };
  if (raw === null) return { status: 413, body: { error: `request body exceeds ${MAX_INGEST_BYTES} bytes`, source } };
  const decoded = decodeBody(raw, contentEncoding);
  if (!decoded.ok) return { status: decoded.status, body: { error: decoded.error, source } };
  const { reports, rejected } = parseIngestLines(decoded.text, source);
  if (reports.length === 0) {
    return { status: 400, body: { source, stored: 0, duplicates: 0, accepted: 0, rejected, error: rejected.length ? "no valid lines" : "empty body: send one JSON object per line" } };
  }
  const { stored, duplicates } = await storeReports(await getDb(), reports);
  publishReports(reports);
  return { status: rejected.length ? 207 : 200, body: { source, accepted: reports.length, stored, duplicates, rejected } };
}
