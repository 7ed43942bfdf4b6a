import type { Report, SourceError } from "../model";
import { failedPoll, fetchEndpoint, type EndpointPoll } from "./health";
import { recordProblem, ReportRecord, reportOf } from "./schemas/report-record";
import type { PollContext } from "./types";

// Futures-bot log pull: GET /logs?after=<cursor>&limit=<n>, NDJSON, oldest first (seed 003).
// The shipper pushing to /api/ingest is the primary path; this is the fallback, and both carry
// the same record ids, so a record seen twice is stored once.
//
// Each line is validated on its own: a malformed line is skipped and named (line number and
// reason) in the endpoint's error, the valid lines are kept.
//
// The cursor is the id of the last record read (what the simulator's X-Next-Cursor header holds;
// fetchLimited does not expose response headers, so X-Has-More and X-Cursor-Gap are not read).
// A line that is JSON with an id but fails validation still moves the cursor past it: it will
// never become valid, and stopping there would report it again on every poll. A line cut off by a
// truncated response has no readable id, so the cursor stays on the last record before the cut
// and the next pull fetches the rest; with nothing read, the cursor we were given is kept.

export const DEFAULT_LOG_LIMIT = 1000;
/** How many bad lines are named in the error detail. */
const NAMED_BAD_LINES = 5;

export interface ReadLogsResult {
  reports: Report[];
  /** "line N: reason" for each skipped line. */
  bad: string[];
  /** Id of the last line that had one (valid or not): where the next pull continues. */
  lastId?: string;
}

/** NDJSON body → reports; pure, never throws. `system` is the target name. */
export function readLogLines(body: string, system: string): ReadLogsResult {
  const reports: Report[] = [];
  const bad: string[] = [];
  let lastId: string | undefined;
  const lines = body.split("\n");
  const endsClean = body.length === 0 || body.endsWith("\n");
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const n = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const cut = i === lines.length - 1 && !endsClean;
      bad.push(`line ${n}: ${cut ? "cut off (response truncated)" : "not valid JSON"}`);
      return;
    }
    const r = ReportRecord.safeParse(value);
    if (!r.success) {
      bad.push(`line ${n}: ${recordProblem(r.error)}`);
      const id = (value as { id?: unknown } | null)?.id;
      if (typeof id === "string" && id) lastId = id;
      return;
    }
    const rec = r.data;
    reports.push(reportOf(rec, system));
    lastId = rec.id;
  });
  return lastId === undefined ? { reports, bad } : { reports, bad, lastId };
}

export interface LogPullOptions {
  limit?: number;
}

export async function pollLogs(ctx: PollContext, o: LogPullOptions = {}): Promise<EndpointPoll> {
  const path = "/logs";
  const query = new URLSearchParams({ limit: String(o.limit ?? DEFAULT_LOG_LIMIT) });
  if (ctx.cursor) query.set("after", ctx.cursor);
  const f = await fetchEndpoint(ctx, path, { accept: "application/x-ndjson, application/json;q=0.5", query });
  // On failure the cursor stays where it was.
  if (!f.ok) return failedPoll(path, f.error, { latencyMs: f.latencyMs, status: f.status, cursor: ctx.cursor });
  const { body, status, latencyMs } = f.value;
  const read = readLogLines(body, ctx.target.name);

  const cursor = read.lastId ?? ctx.cursor;

  let error: SourceError | undefined;
  if (read.bad.length) {
    const named = read.bad.slice(0, NAMED_BAD_LINES).join("; ");
    const more = read.bad.length > NAMED_BAD_LINES ? ` (and ${read.bad.length - NAMED_BAD_LINES} more)` : "";
    error = {
      kind: "parse",
      detail: `${read.bad.length} malformed line(s) skipped, ${read.reports.length} kept: ${named}${more}`,
    };
  }
  return {
    path,
    ok: !error,
    status,
    latencyMs,
    ...(error ? { error } : {}),
    samples: [],
    reports: read.reports,
    ...(cursor !== undefined ? { cursor } : {}),
  };
}
